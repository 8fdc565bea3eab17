#include "bench/bench.h"

#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "bench/game_bench.h"
#include "bench/synthetic.h"
#include "experiments/experiment.h"
#include "run/run.h"
#include "run/scenario_io.h"
#include "run/simulation.h"
#include "proto/scenario.pb.h"
#include "world/market.h"
#include "world/round.h"

namespace reesim::bench {

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Rounds run before measuring: buffers reach the sizes the world needs.
constexpr int kWarmUpRounds = 20;

// A Monte Carlo study of the baseline: 8-round runs with a demand shock. 256 runs, as a study has
// hundreds or thousands: far fewer would time mostly the start and the tail of the run queue.
std::string MonteCarloExperiment(int replicates) {
  return "scenario: \"baseline_2024\" rounds: 8 replicates: " + std::to_string(replicates) + R"(
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
outcomes { metric: "price.ndfeb_magnet" aggregation: MEAN })";
}

// Median milliseconds per round of a synthetic world (one thread), after a warm-up round.
double SyntheticMsPerRound(int plants, int repeats, tbb::task_arena& one_thread) {
  const run::LoadedScenario synthetic = run::LoadScenarioMessage(
      SyntheticScenario(200, plants, 1), "", "<synthetic " + std::to_string(plants) + ">");
  std::vector<double> ms;
  one_thread.execute([&] {
    run::Simulation simulation(synthetic, 1);
    simulation.Step();  // warm-up
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      simulation.Step();
      ms.push_back(1000 * Seconds(start));
    }
  });
  return Median(ms);
}

// How many times faster the round's clearing (restricted) is than the reference (the whole network
// solved by LEMON) on the markets `scenario` clears in `rounds` rounds after `warm_up`: each method
// clears them in the round's order, a workspace per product as the round keeps them, and the total
// times are compared (medians over `repeats`). Throws if the two disagree on any market's welfare.
double ClearingSpeedup(const run::LoadedScenario& scenario, int warm_up, int rounds, int repeats,
                       tbb::task_arena& one_thread) {
  std::vector<std::vector<world::MarketProblem>> problems;  // [round][product]
  one_thread.execute([&] {
    run::Simulation simulation(scenario, 1);
    for (int k = 0; k < warm_up; ++k) simulation.Step();
    for (int k = 0; k < rounds; ++k) {
      simulation.Step();
      problems.push_back(world::LastMarketProblems(simulation.scratch()));
    }
  });
  const std::size_t products = problems.front().size();
  std::vector<world::MarketSolution> solutions(products);
  std::vector<double> reference_welfare, restricted_welfare;  // [round x product]
  auto time_all = [&](world::ClearingMethod method, std::vector<double>& welfare_out) {
    std::vector<double> seconds;
    for (int r = 0; r < repeats; ++r) {
      std::vector<world::MarketWorkspace> workspaces(products);
      welfare_out.clear();
      const auto start = std::chrono::steady_clock::now();
      for (const std::vector<world::MarketProblem>& round : problems) {
        for (std::size_t k = 0; k < products; ++k) {
          world::ClearMarket(round[k], workspaces[k], solutions[k], method);
          welfare_out.push_back(solutions[k].welfare_usd);
        }
      }
      seconds.push_back(Seconds(start));
    }
    return Median(seconds);
  };
  const double reference_seconds = time_all(world::ClearingMethod::kReference, reference_welfare);
  const double restricted_seconds = time_all(world::ClearingMethod::kRestricted, restricted_welfare);
  for (std::size_t k = 0; k < reference_welfare.size(); ++k) {
    const double reference = reference_welfare[k];
    if (std::abs(restricted_welfare[k] - reference) > 1e-9 * std::max(1.0, std::abs(reference))) {
      throw std::runtime_error("clearing: the restricted solve's welfare differs from the reference's on market " +
                               std::to_string(k));
    }
  }
  return reference_seconds / restricted_seconds;
}

// Heap allocations per round over `rounds` rounds after `warm_up` rounds.
double AllocationsPerRound(const run::LoadedScenario& scenario, int warm_up, int rounds,
                           const BenchOptions& options, tbb::task_arena& one_thread) {
  double per_round = 0;
  one_thread.execute([&] {
    const std::uint64_t at_start = options.allocation_count();
    run::Simulation simulation(scenario, 1);
    for (int k = 0; k < warm_up; ++k) simulation.Step();
    const std::uint64_t before = options.allocation_count();
    // Setting up a simulation allocates: a counter that saw none is not counting this thread.
    if (before == at_start) throw std::logic_error("the allocation counter does not count this thread's allocations");
    for (int k = 0; k < rounds; ++k) simulation.Step();
    per_round = static_cast<double>(options.allocation_count() - before) / rounds;
  });
  return per_round;
}

}  // namespace

std::vector<BudgetCheck> CheckBudgets(const BenchOptions& options) {
  std::vector<BudgetCheck> checks;
  tbb::task_arena one_thread(1);
  if (options.allocation_count) {
    const run::LoadedScenario baseline = run::LoadScenarioText(
        std::string(run::BuiltinBaselineText()), run::kBuiltinBaselineSource);
    checks.push_back({"allocations per round after warm-up, baseline",
                      AllocationsPerRound(baseline, kWarmUpRounds, 400, options, one_thread), 0});
    const run::LoadedScenario synthetic =
        run::LoadScenarioMessage(SyntheticScenario(200, 1000, 1), "", "<synthetic 1000>");
    checks.push_back({"allocations per round after warm-up, 1,000 plants",
                      AllocationsPerRound(synthetic, kWarmUpRounds, 10, options, one_thread), 0});
  }
  // Growth: fourfold sizes, each step's time ratio against the n log n ratio (with slack).
  const int sizes[] = {500, 2000, 8000};
  double ms[3];
  for (int k = 0; k < 3; ++k) {
    if (options.progress) options.progress("synthetic world, " + std::to_string(sizes[k]) + " plants");
    ms[k] = SyntheticMsPerRound(sizes[k], 5, one_thread);
  }
  for (int k = 1; k < 3; ++k) {
    const double n0 = sizes[k - 1], n1 = sizes[k];
    const double n_log_n = n1 * std::log(n1) / (n0 * std::log(n0));
    checks.push_back({"time per round, " + std::to_string(sizes[k]) + " vs " + std::to_string(sizes[k - 1]) +
                          " plants (limit: n log n ratio x 1.5)",
                      ms[k] / ms[k - 1], 1.5 * n_log_n});
  }
  return checks;
}

std::vector<std::pair<std::string, double>> RunBenchmarks(const BenchOptions& options) {
  std::vector<std::pair<std::string, double>> report;
  auto note = [&](const std::string& what) {
    if (options.progress) options.progress(what);
  };
  const int repeats = options.quick ? 3 : 5;
  const run::LoadedScenario baseline = run::LoadScenarioText(
      std::string(run::BuiltinBaselineText()), run::kBuiltinBaselineSource);
  tbb::task_arena one_thread(1);

  note("baseline rounds per second (1 thread, no snapshots)");
  const int rounds = options.quick ? 40 : 400;
  std::vector<double> rates;
  // A repeat takes about 20 ms: three times as many repeats keep the median clear of a pause of the
  // machine that spans a few of them.
  for (int r = 0; r < 3 * repeats; ++r) {
    one_thread.execute([&] {
      run::Simulation simulation(baseline, 1);
      for (int warm = 0; warm < kWarmUpRounds; ++warm) simulation.Step();
      const auto start = std::chrono::steady_clock::now();
      for (int k = 0; k < rounds; ++k) simulation.Step();
      rates.push_back(rounds / Seconds(start));
    });
  }
  report.emplace_back("baseline.rounds_per_s", Median(rates));
  if (options.allocation_count) {
    report.emplace_back("allocations_per_round", AllocationsPerRound(baseline, kWarmUpRounds, rounds, options, one_thread));
  }

  note("Monte Carlo runs per second, 1 and 2 threads");
  const experiments::ExperimentSpec spec =
      experiments::LoadExperimentText(MonteCarloExperiment(options.quick ? 16 : 256), "<bench experiment>");
  for (int threads : {1, 2}) {
    std::vector<double> runs_per_s;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      experiments::ExperimentSummary summary(spec);  // the statistics the CLI streams into
      experiments::RunRuns(spec, threads, 0, 1, [&](const experiments::RunRecord& record) { summary.Add(record); }, {});
      runs_per_s.push_back(static_cast<double>(experiments::TotalRuns(spec)) / Seconds(start));
    }
    report.emplace_back("montecarlo.runs_per_s_" + std::to_string(threads) + (threads == 1 ? "_thread" : "_threads"),
                        Median(runs_per_s));
  }

  // The largest world must load like any scenario: within the input limits (it once was not, and the
  // full bench failed).
  constexpr int kLargestPlants = 100000;
  static_assert(kLargestPlants <= run::kMaxPlants);
  const std::vector<int> sizes = options.quick ? std::vector<int>{200, 1000} : std::vector<int>{1000, 10000, kLargestPlants};
  for (int plants : sizes) {
    note("synthetic world, " + std::to_string(plants) + " plants over 200 regions");
    report.emplace_back("synthetic.ms_per_round." + std::to_string(plants),
                        SyntheticMsPerRound(plants, plants >= 100000 ? 2 : repeats, one_thread));
  }

  note("clearing against the reference solver");
  report.emplace_back("clearing.speedup_vs_reference",
                      ClearingSpeedup(run::LoadScenarioMessage(SyntheticScenario(200, options.quick ? 1000 : 10000, 1),
                                                                       "", "<synthetic>"),
                                      1, 2, options.quick ? 1 : 3, one_thread));
  report.emplace_back("clearing.speedup_vs_reference.baseline",
                      ClearingSpeedup(baseline, kWarmUpRounds, options.quick ? 40 : 400, repeats, one_thread));

  note("snapshot write throughput");
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "reesim-bench-snapshots.pbs";
  run::RunOptions run;
  run.rounds = options.quick ? 20 : 100;
  run.threads = 1;
  run.snapshot_path = path.string();
  const auto start = std::chrono::steady_clock::now();
  const run::RunResult result = run::RunScenario(baseline, run);
  const double seconds = Seconds(start);
  std::filesystem::remove(path);
  report.emplace_back("snapshot.bytes_per_round", static_cast<double>(result.snapshot_bytes) / run.rounds);
  report.emplace_back("snapshot.mb_per_s_including_rounds", result.snapshot_bytes / 1e6 / seconds);

  note("empirical game: 256 profiles x 100 replicates x 40 rounds, 2 threads");
  report.emplace_back("game.seconds_256_profiles", EmpiricalGameSeconds(options.quick));
  note("empirical game with profile search (QUIESCE), the same game");
  const QuiesceBench quiesce = QuiescedGameSeconds(options.quick);
  report.emplace_back("game.quiesce.profiles_of_256", static_cast<double>(quiesce.profiles));
  report.emplace_back("game.quiesce.seconds", quiesce.seconds);
  report.emplace_back("game.quiesce.confirmed", quiesce.confirmed ? 1.0 : 0.0);
  if (!options.quick) {  // about 10 s: C(20, 10) exact bases per polytope
    note("exact two-player enumeration of a random 10 x 10 game");
    report.emplace_back("game.enummixed_ms_10x10", EnumMixedMilliseconds10x10(3));
  }
  return report;
}

}  // namespace reesim::bench
