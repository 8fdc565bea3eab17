#include "experiments/distribution.h"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>

namespace reesim::experiments {

namespace {

double StandardNormalQuantile(double u) { return boost::math::quantile(boost::math::normal(), u); }
double StandardNormalCdf(double x) { return boost::math::cdf(boost::math::normal(), x); }

}  // namespace

double Distribution::Quantile(double u) const {
  switch (kind) {
    case Kind::kUniform: return a + u * (b - a);
    case Kind::kNormal: return a + b * StandardNormalQuantile(u);
    case Kind::kTruncatedNormal: {
      const double low = StandardNormalCdf((c - a) / b), high = StandardNormalCdf((d - a) / b);
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
