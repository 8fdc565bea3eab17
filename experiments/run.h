// A single run from the command line: rounds of a scenario, written as a snapshot stream, with the
// per-round metrics kept for the summary table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/metrics.h"
#include "experiments/scenario_io.h"

namespace reesim::experiments {

struct RunOptions {
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
  int rounds = 0;                 // 0 = the scenario's default
  int threads = 0;                // 0 = the calling TBB arena (all cores by default)
  std::string snapshot_path;      // empty = no snapshot file
  std::function<void(int done, int total)> progress;  // optional
};

struct RunResult {
  int rounds = 0;
  std::vector<std::string> periods;
  std::vector<Metrics> metrics;   // [round]
  std::string final_fingerprint;
  std::uint64_t snapshot_bytes = 0;
};

// Runs the scenario. Throws InputError for unwritable outputs.
RunResult RunScenario(const LoadedScenario& scenario, const RunOptions& options);

}  // namespace reesim::experiments
