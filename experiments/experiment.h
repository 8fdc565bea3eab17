// Monte Carlo experiments (reesim.Experiment): uncertain scenario parameters sampled by Monte Carlo
// or Latin hypercube, named arms (overlays on the scenario) that share the same sample points and
// simulation seeds per replicate, so comparisons are paired, and outcomes aggregated over rounds.
// Runs execute in parallel with TBB; results do not depend on the thread count. Statistics per arm and
// outcome: mean, standard deviation, quantiles, a bootstrap 95 % interval of the mean; per arm against
// the first arm: the paired mean difference, its bootstrap interval, and a paired t-test.
//
// Memory does not grow with the number of runs: runs finish into an ordered pipeline, each record is
// folded into streaming statistics (streaming_statistics.h) and appended to the output files, then
// dropped. The fixed order ("positions") is sample point by sample point, every arm in turn, so paired
// runs, and the A, B and AB_i rows of a Sobol design point, arrive together.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "experiments/run.h"
#include "experiments/scenario_io.h"
#include "experiments/streaming_statistics.h"

namespace reesim {
class Experiment;
class Scenario;
}  // namespace reesim

namespace reesim::experiments {

// A distribution sampled by its inverse CDF, so Latin hypercube strata map to quantiles.
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

struct ParameterSpec {
  std::string path;
  Distribution distribution;
};

struct OutcomeSpec {
  // In the order of reesim.Aggregate.
  enum class Aggregation { kMean, kMin, kMax, kSum, kFinal, kDiscountedSum, kFirstCrossing };
  std::string name;
  std::string metric;
  Aggregation aggregation = Aggregation::kMean;
  double discount_rate = 0;
  double threshold = 0;
};

struct ExperimentSpec {
  std::string source;                  // the experiment file
  std::string sha256;                  // of its text
  std::string name;
  std::shared_ptr<const reesim::Scenario> scenario;
  int rounds = 0;
  int replicates = 1;
  std::uint64_t seed = 1;
  enum class Sampler { kMonteCarlo, kLatinHypercube, kSobol, kFullFactorial };
  Sampler sampler = Sampler::kMonteCarlo;
  std::vector<ParameterSpec> parameters;
  std::vector<std::string> arm_names;
  std::vector<std::shared_ptr<const reesim::Scenario>> arm_overlays;
  std::vector<OutcomeSpec> outcomes;
  enum class Keep { kOutcomes, kNothing, kSnapshots };
  Keep keep = Keep::kOutcomes;
  std::string snapshot_dir;  // for Keep::kSnapshots: where the run's .pbs files go (set by the runner)
  std::vector<std::vector<double>> factorial_levels;  // [parameter]: the levels of a full factorial design

  // Runs per arm: `replicates`; replicates x (parameters + 2) for a Sobol design, whose rows are the A
  // matrix, then B, then AB_i for each parameter i; replicates x the number of level combinations for a
  // full factorial design (row = combination x replicates + replicate).
  int RunsPerArm() const {
    if (sampler == Sampler::kSobol) return replicates * (static_cast<int>(parameters.size()) + 2);
    if (sampler == Sampler::kFullFactorial) {
      int points = 1;
      for (const auto& levels : factorial_levels) points *= static_cast<int>(levels.size());
      return points * replicates;
    }
    return replicates;
  }
};

// Returns whether text parses as a reesim.Experiment naming a scenario (rather than a scenario).
bool LooksLikeExperiment(const std::string& text);

// Reads and validates an experiment file (including every parameter path against the scenario).
// Throws InputError naming the file and the field at fault.
ExperimentSpec LoadExperimentFile(const std::string& path);
ExperimentSpec LoadExperimentText(const std::string& text, const std::string& source);

// Sets the numeric field at `path` in `scenario`. Throws InputError describing a bad path.
void SetScenarioNumber(reesim::Scenario& scenario, const std::string& path, double value);

// The arm and row (replicate, or design row) run at each position, and how many positions there are.
struct RunSlot {
  int arm = 0;
  int row = 0;
};
RunSlot SlotAt(const ExperimentSpec& spec, std::int64_t position);
std::int64_t TotalRuns(const ExperimentSpec& spec);

// Returns the sample point (one value per parameter) of a row: Monte Carlo, Latin hypercube, the
// Saltelli design on a Sobol sequence, or a full factorial level combination, from the sampling
// stream, which is separate from the simulation's. Computed per row: no table of points is kept.
std::vector<double> SamplePoint(const ExperimentSpec& spec, int row);

// Returns the outcome's value from a run's per-round metrics (missing flow metrics read as 0).
// Throws InputError if the metric is missing and not a flow metric.
double Aggregate(const OutcomeSpec& outcome, const RunResult& run, int rounds_per_year);

struct RunRecord {
  int arm = 0;
  int replicate = 0;  // the row
  std::vector<double> parameters;
  std::vector<double> outcomes;
  std::vector<std::vector<double>> series;  // [outcome][round]: the outcome's metric each round (bands)
  std::string failure;  // empty when the run succeeded
};

// Runs one arm at one row (the same sample point and seed as in the whole experiment). A run that
// fails is returned with its failure, not thrown.
RunRecord RunOne(const ExperimentSpec& spec, int arm, int row);

// Runs positions first, first + stride, ... (below TotalRuns) in parallel on `threads` threads (0 = all
// cores), calling `finished` with each record one at a time, in position order, and `progress` after.
void RunRuns(const ExperimentSpec& spec, int threads, std::int64_t first, std::int64_t stride,
             const std::function<void(const RunRecord&)>& finished,
             const std::function<void(std::int64_t done, std::int64_t total)>& progress);

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

// Writes an experiment's outputs under `out_dir` as its records arrive (in position order): runs.csv
// (unless keep is NOTHING) and, in EMA Workbench's layout, experiments.csv (uncertainties, `scenario`
// = the replicate, `policy` = the arm) and outcomes.csv; at Finish, summary.csv, summary.json and
// bands.csv. Every file is written under a temporary name and renamed at Finish, so a directory never
// holds a half-written output. Each CSV file opens with a `#` line of provenance (reesim version,
// snapshot format, experiment file hash, seed): read them with pandas' `skiprows=1`.
class ExperimentWriter {
 public:
  ExperimentWriter(const ExperimentSpec& spec, const std::string& out_dir);
  ~ExperimentWriter();  // removes the temporaries unless finished
  void Add(const RunRecord& record);
  void Finish();
  std::int64_t failures() const { return summary_.failures(); }
  const ExperimentSummary& summary() const { return summary_; }

 private:
  struct File;
  const ExperimentSpec& spec_;
  std::string out_dir_;
  ExperimentSummary summary_;
  std::vector<std::unique_ptr<File>> streams_;  // runs, experiments, outcomes
  bool finished_ = false;
};

struct ExperimentResult {
  std::vector<RunRecord> runs;  // in position order
  std::vector<SummaryStatistic> summary;
  std::int64_t failures = 0;
};

// Runs the whole experiment in this process, keeping every record in memory (for tests and small
// designs; `reesim experiment` streams instead) and writing the outputs under `out_dir` if given.
ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads, const std::string& out_dir = "");

// A run record as one line of JSON (numbers round-trip exactly; NaN as null), and back. The reader
// throws on a malformed line.
std::string RunRecordToJson(const RunRecord& record);
RunRecord RunRecordFromJson(const std::string& line);

// The first line of a checkpoint or shard file: which experiment (by path and SHA-256) and shard.
std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards);

// Reads a checkpoint, whose run lines are a shard's positions first, first + stride, ... in order,
// passing each record to `resumed`. A last line cut off by a kill, or a damaged tail, ends the reading
// and is cut from the file (those runs run again). Returns how many runs it held. Throws InputError if
// there is no checkpoint or it was written for another experiment file or shard.
std::int64_t ResumeCheckpoint(const std::string& path, const std::string& header, const ExperimentSpec& spec,
                              std::int64_t first, std::int64_t stride,
                              const std::function<void(const RunRecord&)>& resumed);

}  // namespace reesim::experiments
