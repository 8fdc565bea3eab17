#include "run/run.h"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <memory>

#include "run/simulation.h"
#include "run/snapshot_io.h"

namespace reesim::run {

RunResult RunScenario(const LoadedScenario& scenario, const RunOptions& options) {
  RunResult result;
  result.rounds = options.rounds > 0 ? options.rounds : scenario.world.default_rounds;
  auto body = [&] {
    Simulation simulation(scenario, options.seed, options.run);
    std::unique_ptr<SnapshotWriter> writer;
    if (!options.snapshot_path.empty()) {
      writer = std::make_unique<SnapshotWriter>(options.snapshot_path, scenario, options.seed, options.run,
                                                result.rounds, options.experiment_sha256, options.outputs);
    } else if (!options.kept_metrics.empty()) {
      simulation.LimitMetrics(options.kept_metrics);  // snapshots, when written, keep every metric
    }
    for (int r = 0; r < result.rounds; ++r) {
      simulation.Step();
      const Metrics& metrics = simulation.metrics();
      if (writer) writer->WriteRound(simulation.world(), simulation.outcome(), metrics);
      result.periods.push_back(simulation.world().PeriodLabel(r));
      if (options.kept_metrics.empty()) {
        result.metrics.push_back(metrics);
      } else {
        Metrics& kept = result.metrics.emplace_back();
        for (const std::string& name : options.kept_metrics) {
          if (const auto it = metrics.find(name); it != metrics.end()) kept.insert(*it);
        }
      }
      if (options.keep_chain_findings) {
        std::vector<ChainFinding>& found = result.chain_findings.emplace_back();
        const std::vector<world::PlantOutcome>& plants = simulation.outcome().plants;
        for (int i = 0; i < static_cast<int>(plants.size()); ++i) {
          if (plants[i].chain_verdict != world::ChainVerdict::kNone) found.push_back({i, plants[i].chain_verdict});
        }
      }
      if (options.progress) options.progress(r + 1, result.rounds);
    }
    result.final_fingerprint = world::Fingerprint(simulation.state());
    if (writer) {
      writer->Finish(result.rounds, result.final_fingerprint);
      result.snapshot_bytes = writer->bytes_written();
    }
  };
  if (options.threads <= 0) {
    body();  // in the caller's arena
    return result;
  }
  // More threads than cores is allowed (the determinism tests run 8 on 2 cores).
  const tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(options.threads));
  tbb::task_arena arena(options.threads);
  arena.execute(body);
  return result;
}

}  // namespace reesim::run
