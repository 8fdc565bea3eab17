#include "experiments/distribution.h"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace reesim::experiments {

namespace {

double StandardNormalQuantile(double u) { return boost::math::quantile(boost::math::normal(), u); }
double StandardNormalCdf(double x) { return boost::math::cdf(boost::math::normal(), x); }

constexpr double kLogSqrtTwoPi = 0.91893853320467274178;  // log(sqrt(2 pi))

// log P(Z > x) of a standard normal Z, for x >= 0, without underflow far in the tail: Boost's
// complement up to x = 30, beyond it the asymptotic series
// P(Z > x) = phi(x) / x * (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...), whose terms up to 1/x^16 leave a
// relative error below 1e-20 at x = 30 (Abramowitz and Stegun 26.2.12).
double LogUpperTail(double x) {
  if (x < 30) return std::log(boost::math::cdf(boost::math::complement(boost::math::normal(), x)));
  const double inverse_square = 1 / (x * x);
  double term = 1, series = 1;
  for (int k = 1; k <= 8; ++k) {
    term *= -(2 * k - 1) * inverse_square;
    series += term;
  }
  return -x * x / 2 - kLogSqrtTwoPi - std::log(x) + std::log(series);
}

// The u-quantile of a standard normal truncated to [low, high] with 0 <= low < high, stable however far
// out the interval lies (e.g. [40, 41], where both tails underflow a double): solves
// log P(Z > x) = log(P(Z > low) - u (P(Z > low) - P(Z > high))) by Newton's method in log space,
// safeguarded by bisection on [low, high].
double UpperTailTruncatedQuantile(double low, double high, double u) {
  const double log_low = LogUpperTail(low);
  const double log_high = std::isinf(high) ? -std::numeric_limits<double>::infinity() : LogUpperTail(high);
  const double target = log_low + std::log1p(-u * -std::expm1(log_high - log_low));
  double left = low, right = std::isinf(high) ? low + 1 : high;
  while (std::isinf(high) && LogUpperTail(right) > target) right = low + 2 * (right - low);
  // Start from the exponential approximation of the tail beyond `low` (rate ~ low).
  double x = std::clamp(low + (log_low - target) / std::max(low, 1.0), left, right);
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double value = LogUpperTail(x) - target;  // decreasing in x
    if (value > 0) left = x; else right = x;
    const double log_density = -x * x / 2 - kLogSqrtTwoPi;
    const double slope = -std::exp(log_density - LogUpperTail(x));
    double next = x - value / slope;
    if (!(next > left && next < right)) next = (left + right) / 2;
    if (std::abs(next - x) <= 1e-15 * std::max(1.0, std::abs(x))) return next;
    x = next;
  }
  return x;
}

}  // namespace

double Distribution::Quantile(double u) const {
  switch (kind) {
    case Kind::kUniform: return a + u * (b - a);
    case Kind::kNormal: return a + b * StandardNormalQuantile(u);
    case Kind::kTruncatedNormal: {
      const double low_z = (c - a) / b, high_z = (d - a) / b;
      // In a tail, the CDF difference loses every digit (or underflows): invert the tail in log space,
      // mirrored for the lower tail.
      if (low_z >= 0) return std::clamp(a + b * UpperTailTruncatedQuantile(low_z, high_z, u), c, d);
      if (high_z <= 0) return std::clamp(a - b * UpperTailTruncatedQuantile(-high_z, -low_z, 1 - u), c, d);
      const double low = StandardNormalCdf(low_z), high = StandardNormalCdf(high_z);
      return std::clamp(a + b * StandardNormalQuantile(low + u * (high - low)), c, d);
    }
    case Kind::kTriangular: {
      const double split = (b - a) / (c - a);
      return u < split ? a + std::sqrt(u * (c - a) * (b - a)) : c - std::sqrt((1 - u) * (c - a) * (c - b));
    }
    case Kind::kLogNormal: return std::exp(a + b * StandardNormalQuantile(u));
    case Kind::kDiscrete:
      for (std::size_t k = 0; k < values.size(); ++k) {
        if (u < cumulative[k]) return values[k];
      }
      return values.back();
  }
  return std::nan("");
}

}  // namespace reesim::experiments
