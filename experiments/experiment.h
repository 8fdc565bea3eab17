// Monte Carlo experiments (reesim.Experiment): uncertain scenario parameters sampled by Monte Carlo
// or Latin hypercube, named arms (overlays on the scenario) that share the same sample points and
// simulation seeds per replicate, so comparisons are paired, and outcomes aggregated over rounds.
// Runs execute in parallel with TBB; results do not depend on the thread count. Statistics per arm and
// outcome: mean, standard deviation, quantiles, a bootstrap 95 % interval of the mean; per arm against
// the first arm: the paired mean difference, its bootstrap interval, and a paired t-test.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "experiments/run.h"
#include "experiments/scenario_io.h"

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

// Returns [run of an arm][parameter]: the sample points (Monte Carlo, Latin hypercube, or the Saltelli
// design on a Sobol sequence), from the sampling stream, which is separate from the simulation's.
std::vector<std::vector<double>> SamplePoints(const ExperimentSpec& spec);

// Returns the outcome's value from a run's per-round metrics (missing flow metrics read as 0).
// Throws InputError if the metric is missing and not a flow metric.
double Aggregate(const OutcomeSpec& outcome, const RunResult& run, int rounds_per_year);

struct RunRecord {
  int arm = 0;
  int replicate = 0;
  std::vector<double> parameters;
  std::vector<double> outcomes;
  std::vector<std::vector<double>> series;  // [outcome][round]: the outcome's metric each round (bands)
  std::string failure;  // empty when the run succeeded
};

struct SummaryStatistic {
  std::string arm, outcome, statistic;
  double value = 0;
};

struct ExperimentResult {
  std::vector<RunRecord> runs;                 // by arm, then replicate
  std::vector<SummaryStatistic> summary;
  int failures = 0;
};

// Runs the runs listed in `todo` (global indices: arm * RunsPerArm() + row) in parallel on `threads`
// threads (0 = all cores), filling `runs` (sized arms x RunsPerArm()). `finished_run` is called, one at
// a time, with each finished index (for checkpoints).
void RunRuns(const ExperimentSpec& spec, int threads, const std::vector<int>& todo, std::vector<RunRecord>& runs,
             const std::function<void(int done, int total)>& progress, const std::function<void(int index)>& finished_run);

// Returns the statistics of a complete set of runs (in global index order).
ExperimentResult Summarize(const ExperimentSpec& spec, std::vector<RunRecord> runs);

// A run record as one line of JSON (numbers round-trip exactly; NaN as null), and back. The reader
// throws on a malformed line.
std::string RunRecordToJson(const RunRecord& record);
RunRecord RunRecordFromJson(const std::string& line);

// The first line of a checkpoint or shard file: which experiment (by path and SHA-256) and shard.
std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards);

// Reads the complete run lines of a checkpoint into `runs`/`have` (a last line cut off by a kill, or a
// damaged tail, is dropped: those runs run again). Throws InputError if there is no checkpoint or it
// was written for another experiment file or shard.
void ReadCheckpoint(const std::string& path, const std::string& header, const ExperimentSpec& spec,
                    std::vector<RunRecord>& runs, std::vector<bool>& have);

// Runs every (arm, replicate) in parallel on `threads` threads (0 = all cores) and summarises.
ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads,
                               const std::function<void(int done, int total)>& progress = {});

// Writes runs.csv, summary.csv, summary.json, bands.csv (per-round quantiles of each outcome's metric,
// for fan charts) and, in EMA Workbench's layout, experiments.csv (uncertainties, `scenario` = the
// replicate, `policy` = the arm) and outcomes.csv, under `out_dir` (each to a temporary name, then
// renamed). Throws InputError if they cannot be written.
void WriteExperimentOutputs(const ExperimentSpec& spec, const ExperimentResult& result, const std::string& out_dir);

// Returns a percentile-bootstrap 95 % interval of the mean of `values` (1,000 resamples from the
// stream keyed by seed and key).
std::pair<double, double> BootstrapMeanInterval(const std::vector<double>& values, std::uint64_t seed, std::uint64_t key);

// Returns the q-quantile (0..1) of `values` by linear interpolation between order statistics
// (Hyndman & Fan type 7, the default of R and NumPy).
double QuantileOf(std::vector<double> values, double q);

}  // namespace reesim::experiments
