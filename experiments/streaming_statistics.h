// Statistics of a sample seen one value at a time, in memory that does not grow with the sample, so
// that an experiment of a million runs needs no more memory than one of a thousand.
//
// - Mean and standard deviation: Welford's update (Welford 1962).
// - Quantiles: exact (type 7, as R and NumPy) while the sample is at most `exact_limit` values; beyond
//   that, the extended P-square estimator (Jain & Chlamtac 1985; Boost.Accumulators) for the five
//   reported probabilities. `exact()` says which.
// - A 95 % interval of the mean: the Poisson bootstrap (Hanley & MacGibbon 2006; Chamandy et al.
//   2012, "Estimating uncertainty for massive data streams"): each value enters each of the 1,000
//   bootstrap replicates with a Poisson(1) weight, so the replicates are running sums.
//
// Every draw comes from a counter-based stream keyed by the value's position, so a sample fed in the
// same order gives the same bytes on any machine, thread count or MPI layout.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "experiments/sobol.h"
#include "world/random.h"

namespace reesim::experiments {

inline constexpr std::array<double, 5> kReportedQuantiles = {0.05, 0.25, 0.5, 0.75, 0.95};
inline constexpr int kBootstrapReplicates = 1000;

// Returns the q-quantile (0..1) of `values` by linear interpolation between order statistics
// (Hyndman & Fan type 7, the default of R and NumPy).
double QuantileOf(std::vector<double> values, double q);

// The five reported quantiles of a stream: exact up to `exact_limit` values, P-square beyond.
class QuantileSketch {
 public:
  explicit QuantileSketch(std::size_t exact_limit);
  QuantileSketch(QuantileSketch&&) noexcept;
  QuantileSketch& operator=(QuantileSketch&&) noexcept;
  ~QuantileSketch();

  void Add(double value);
  // Returns the quantile at kReportedQuantiles[k] (NaN for an empty sample).
  double Quantile(int k) const;
  bool exact() const { return estimator_ == nullptr; }

 private:
  struct Estimator;
  std::size_t exact_limit_;
  std::vector<double> values_;
  std::unique_ptr<Estimator> estimator_;
};

// Poisson-bootstrap replicates of weighted sums: Weights(i) are the 1,000 replicate weights of the
// i-th observation (keyed by seed and key).
class PoissonWeights {
 public:
  PoissonWeights(std::uint64_t seed, std::uint64_t key) : seed_(seed), key_(key) {}
  // Fills `weights` with the replicate weights of observation `index`.
  void Draw(std::int64_t index, std::array<std::uint8_t, kBootstrapReplicates>& weights) const;
  // The random stream behind observation `index`'s weights (its own purpose, apart from simulations').
  world::RandomStream Stream(std::int64_t index) const;

 private:
  std::uint64_t seed_, key_;
};

// Count, mean, sd, quantiles and a bootstrap interval of the mean of a stream.
class StreamingSample {
 public:
  StreamingSample(std::uint64_t seed, std::uint64_t key, std::size_t exact_limit);
  void Add(double value);
  std::int64_t count() const { return count_; }
  double mean() const;  // NaN when empty
  double sd() const;    // NaN with fewer than two values
  double Quantile(int k) const { return quantiles_.Quantile(k); }
  bool quantiles_exact() const { return quantiles_.exact(); }
  // Returns the percentile interval (2.5 %, 97.5 %) of the replicate means (NaNs when empty).
  std::pair<double, double> MeanInterval() const;

 private:
  PoissonWeights weights_;
  std::int64_t count_ = 0;
  double mean_ = 0, m2_ = 0;
  double shift_ = 0;  // the first value: replicate sums are of value - shift, for precision
  QuantileSketch quantiles_;
  std::vector<double> replicate_sum_, replicate_weight_;
};

// The Saltelli-design estimators of sobol.h, accumulated point by point, with Poisson-bootstrap
// intervals.
class StreamingSobol {
 public:
  StreamingSobol(int dimensions, std::uint64_t seed, std::uint64_t key);
  // Adds design point j: the model at A_j, B_j and AB_i,j for each input i.
  void Add(double f_a, double f_b, const std::vector<double>& f_ab);

  struct Interval {
    SobolIndex estimate, low, high;
  };
  std::vector<Interval> Indices() const;

 private:
  // Per replicate (the last slot is the plain, unweighted estimate): weight, sums of f_a - shift,
  // (f_a - shift)^2, f_b - shift, (f_b - shift)^2, then per input f_b (f_ab - f_a) and (f_a - f_ab)^2.
  int Width() const { return 5 + 2 * dimensions_; }
  std::vector<SobolIndex> FromSums(const double* sums) const;

  int dimensions_;
  PoissonWeights weights_;
  std::int64_t count_ = 0;
  double shift_ = 0;
  std::vector<double> sums_;  // [replicate][Width()]
};

}  // namespace reesim::experiments
