// The statistics of an experiment, folded from its run records in position order (memory does not grow
// with the runs): per arm and outcome, mean, sd, quantiles and a bootstrap interval of the mean; per arm
// against the first, the paired difference, its interval and a paired t-test; Sobol indices for a Sobol
// design; per round, the quantiles behind fan charts (streaming_statistics.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "experiments/experiment_spec.h"
#include "experiments/run_record.h"
#include "experiments/streaming_statistics.h"

namespace reesim::experiments {

// Quantiles are exact up to these many values (then P-square estimates): per arm and outcome, and per
// arm, outcome and round for the fan-chart bands, of which there are many more.
inline constexpr std::size_t kExactQuantileLimit = 10000;
inline constexpr std::size_t kExactBandLimit = 1000;

struct SummaryStatistic {
  std::string arm, outcome, statistic;
  double value = 0;
};

// The statistics of an experiment, fed its run records in position order.
class ExperimentSummary {
 public:
  explicit ExperimentSummary(const ExperimentSpec& spec);
  ~ExperimentSummary();
  void Add(const RunRecord& record);
  std::int64_t failures() const { return failures_; }
  // Per arm and outcome, in that order: Sobol indices, n, mean, sd, quantiles, interval of the mean,
  // and for arms after the first, the paired differences from it.
  std::vector<SummaryStatistic> Statistics() const;
  // Whether every reported quantile is exact (not a P-square estimate).
  bool QuantilesExact() const;
  // bands.csv's rows: per arm, outcome and round, quantiles of the metric across successful runs.
  std::string BandRows() const;

 private:
  struct State;
  const ExperimentSpec& spec_;
  std::int64_t next_position_ = 0;
  std::int64_t failures_ = 0;
  std::unique_ptr<State> state_;
};

}  // namespace reesim::experiments
