// A single run from the command line: rounds of a scenario, written as a snapshot stream, with the
// per-round metrics kept for the summary table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "run/metrics.h"
#include "run/output_files.h"
#include "run/scenario_io.h"
#include "world/round.h"

namespace reesim::run {

struct RunOptions {
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
  int rounds = 0;                 // 0 = the scenario's default
  int threads = 0;                // 0 = the calling TBB arena (all cores by default)
  std::string snapshot_path;      // empty = no snapshot file
  std::string experiment_sha256;  // recorded in the snapshot header when the run is one of an experiment's
  // When given, the snapshot is one of a command's outputs: left as PATH.tmp (written and synced) for
  // outputs->Commit() to rename with the others; else renamed to PATH when the run ends.
  OutputSet* outputs = nullptr;
  std::function<void(int done, int total)> progress;  // optional
  // Metrics kept in RunResult::metrics each round: empty = all of them; else only these names (an
  // experiment needs just its outcomes', and copying every metric of every round is costly).
  std::vector<std::string> kept_metrics;
  bool keep_chain_findings = false;  // keep each round's chain audit findings in RunResult (validate)
};

// A plant the chain audit counted in a round.
struct ChainFinding {
  int plant = -1;
  world::ChainVerdict verdict = world::ChainVerdict::kNone;
};

struct RunResult {
  int rounds = 0;
  std::vector<std::string> periods;
  std::vector<Metrics> metrics;   // [round]
  std::vector<std::vector<ChainFinding>> chain_findings;  // [round], with keep_chain_findings
  std::string final_fingerprint;
  std::uint64_t snapshot_bytes = 0;
};

// Runs the scenario. Throws InputError for unwritable outputs.
RunResult RunScenario(const LoadedScenario& scenario, const RunOptions& options);

}  // namespace reesim::run
