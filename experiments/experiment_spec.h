// An experiment (reesim.Experiment) as loaded and validated: the scenario, the uncertain parameters
// with their distributions, the sampler, the arms (overlays on the scenario sharing sample points and
// seeds, so comparisons are paired), the outcomes (a metric aggregated over the run) and what to keep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "experiments/distribution.h"

namespace google::protobuf {
class Message;
}

namespace reesim {
class Experiment;
class Parameter;
class Scenario;
}

namespace reesim::experiments {

struct ParameterSpec {
  std::string path;
  Distribution distribution;
};

struct OutcomeSpec {
  // In the order of reesim.Aggregate.
  enum class Aggregation { kMean, kMin, kMax, kSum, kFinal, kDiscountedSum, kFirstCrossing };
  std::string name;
  std::string metric;
  bool absent_is_zero = false;  // a flow metric (run/metric_catalogue.h): a missing value reads as 0
  std::string metric_unit;      // the metric's unit, from the catalogue (the outcome's: OutcomeUnit)
  Aggregation aggregation = Aggregation::kMean;
  double discount_rate = 0;
  double threshold = 0;
};

// The unit of an outcome: its metric's, or for a sum over rounds, "<unit> summed over rounds" (the
// per-round rate dropped), or "round" for a first crossing.
std::string OutcomeUnit(const OutcomeSpec& outcome);

struct ExperimentSpec {
  std::string source;                  // the experiment file
  std::string sha256;                  // of its text
  std::string text;                    // the file's text: shards carry it, so merge needs no file
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

// Validates one uncertain parameter (its distribution, and its path against `scenario`). Throws
// InputError naming `source` and the field at `path` ("parameters[2]").
ParameterSpec LoadParameter(const reesim::Parameter& in, const reesim::Scenario& scenario, const std::string& source,
                            const std::string& path);

// Returns whether text parses as a reesim.Experiment naming a scenario (rather than a scenario).
bool LooksLikeExperiment(const std::string& text);

// Returns whether text parses into `message` (required fields may be missing), saying nothing on error:
// for telling kinds of files apart.
bool ParsesQuietly(const std::string& text, google::protobuf::Message& message);

// Reads and validates an experiment file (including every parameter path against the scenario).
// Throws InputError naming the file and the field at fault.
ExperimentSpec LoadExperimentFile(const std::string& path);
ExperimentSpec LoadExperimentText(const std::string& text, const std::string& source);
// The same from a parsed message (its text's SHA-256 given): for specs built from other files, such as
// an empirical game's (games/empirical_game.h). Paths are resolved relative to `source`.
ExperimentSpec LoadExperimentMessage(const reesim::Experiment& message, const std::string& source, const std::string& sha256);

}  // namespace reesim::experiments
