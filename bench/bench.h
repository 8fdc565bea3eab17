// `reesim bench`: measurements of the budgets in the project's contract, in one process, as medians
// over repeats: baseline rounds per second (one thread, no snapshots), Monte Carlo runs per second
// with 1 and 2 threads, milliseconds per round on synthetic worlds of 1,000, 10,000 and 100,000
// plants over 200 regions, heap allocations per round after warm-up, the round's clearing against the
// reference solver on the same markets (a speed ratio, with equal welfare), snapshot write throughput
// and bytes per round, and the games' (game_bench.h). Wall-clock figures vary with the machine; ratios
// are what to compare.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace reesim::bench {

struct BenchOptions {
  bool quick = false;  // smaller sizes and fewer repeats (for smoke tests)
  // Returns the number of heap allocations so far on the calling thread; set by the program that
  // replaces operator new.
  std::function<std::uint64_t()> allocation_count;
  std::function<void(const std::string& what)> progress;
};

// Returns (key, value) pairs in a fixed order, keys as in the contract (e.g. "baseline.rounds_per_s").
std::vector<std::pair<std::string, double>> RunBenchmarks(const BenchOptions& options);

// One budget that `reesim bench --check` asserts: counts and ratios of times, never absolute times,
// so it holds on any machine.
struct BudgetCheck {
  std::string name;
  double value = 0;
  double limit = 0;  // value must be at most this
  bool pass() const { return value <= limit; }
};

// Checks, at small sizes: heap allocations per round after warm-up are zero (baseline and a synthetic
// world), and the time per round grows no faster than n log n as the synthetic world grows fourfold
// twice (with 50 % slack for timing noise).
std::vector<BudgetCheck> CheckBudgets(const BenchOptions& options);

}  // namespace reesim::bench
