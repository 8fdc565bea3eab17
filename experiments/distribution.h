// A distribution of an uncertain scenario parameter, sampled by its inverse CDF so that Latin
// hypercube strata and Sobol points map to quantiles. Normal quantiles come from Boost.Math.
#pragma once

#include <vector>

namespace reesim::experiments {

struct Distribution {
  enum class Kind { kUniform, kNormal, kTruncatedNormal, kTriangular, kLogNormal, kDiscrete };
  Kind kind = Kind::kUniform;
  double a = 0, b = 1, c = 0, d = 0;   // uniform(min, max), normal(mean, sd), truncated(mean, sd, min, max),
                                       // triangular(min, mode, max), lognormal(mu, sigma)
  std::vector<double> values;          // discrete
  std::vector<double> cumulative;      // discrete: cumulative weights, ending at 1
  // Returns the value at cumulative probability u in (0, 1).
  double Quantile(double u) const;
};

}  // namespace reesim::experiments
