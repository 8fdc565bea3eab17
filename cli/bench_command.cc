#include <boost/json.hpp>
#include <cstdio>
#include <iostream>

#include "bench/bench.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace po = boost::program_options;

namespace reesim::cli {

std::uint64_t AllocationCount();

namespace {

// The unit of each figure and its budget (README, Performance), for people reading the text output.
struct FigureNote {
  const char* unit;
  const char* budget;
};

FigureNote NoteOf(const std::string& key) {
  constexpr std::pair<const char*, FigureNote> kNotes[] = {
      {"baseline.rounds_per_s", {"rounds/s", ">= 20,000 on one thread"}},
      {"allocations_per_round", {"allocations", "0 after warm-up"}},
      {"montecarlo.runs_per_s_1_thread", {"runs/s", ""}},
      {"montecarlo.runs_per_s_2_threads", {"runs/s", ">= 1.8 x the 1-thread figure"}},
      {"synthetic.ms_per_round.100000", {"ms/round", "<= 50"}},
      {"synthetic.ms_per_round", {"ms/round", "growth <= n log n"}},
      {"clearing.speedup_vs_reference", {"x (ratio)", "welfare equal to LEMON's"}},
      {"snapshot.bytes_per_round", {"bytes/round", ""}},
      {"snapshot.mb_per_s_including_rounds", {"MB/s", ""}},
      {"game.seconds_256_profiles", {"s", "<= 30"}},
      {"game.enummixed_ms_10x10", {"ms", ""}},
      {"game.quiesce.profiles_of_256", {"profiles", ""}},
      {"game.quiesce.seconds", {"s", ""}},
      {"game.quiesce.confirmed", {"1 = yes", ""}},
  };
  for (const auto& [prefix, note] : kNotes) {
    if (key.starts_with(prefix)) return note;
  }
  return {"", ""};
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim bench [--json] [--quick] [--check]\n\n"
      "Measures, in one process and as medians over repeats: baseline rounds per second (one thread,\n"
      "no snapshots), Monte Carlo runs per second with 1 and 2 threads, milliseconds per round on\n"
      "synthetic worlds of 1,000, 10,000 and 100,000 plants over 200 regions, heap allocations per round\n"
      "after warm-up, how many times faster the round's clearing is than the reference solver on the\n"
      "same markets (a 10,000-plant world and the baseline; welfare must agree), and snapshot bytes per\n"
      "round and write throughput; an empirical game of 4 players x 4 strategies (256 profiles) x 100\n"
      "replicates x 40 rounds on 2 threads, loaded, run and analysed (game.seconds_256_profiles); the\n"
      "same game with profile search, QUIESCE (game.quiesce.profiles_of_256 simulated until an\n"
      "equilibrium is confirmed or the search stops without one, game.quiesce.confirmed, in\n"
      "game.quiesce.seconds); and the exact two-player enumerator on a\n"
      "random 10 x 10 game (game.enummixed_ms_10x10). Prints a table, or one JSON object with --json.\n"
      "Takes minutes; --quick runs small sizes (and skips the 10 x 10 enumeration).\n\n"
      "--check asserts instead, at small sizes, what holds on any machine: no heap allocation per round\n"
      "after warm-up, and time per round growing no faster than n log n with the number of plants;\n"
      "prints PASS/FAIL per budget and exits 1 if one fails.\n\noptions");
  options.add_options()("help", "show this help")("json", "print one JSON object")("quick", "small sizes, few repeats")(
      "check", "assert the allocation and growth budgets (exit 1 on a failure)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  bench::BenchOptions bench_options;
  bench_options.quick = vars.count("quick") > 0;
  bench_options.allocation_count = AllocationCount;
  bench_options.progress = [](const std::string& what) { std::fprintf(stderr, "reesim bench: %s\n", what.c_str()); };
  if (vars.count("check")) {
    bool all = true;
    for (const bench::BudgetCheck& check : bench::CheckBudgets(bench_options)) {
      char line[200];
      std::snprintf(line, sizeof line, "%s %-70s %10.4g (at most %.4g)\n", check.pass() ? "PASS" : "FAIL",
                    check.name.c_str(), check.value, check.limit);
      std::cout << line;
      all &= check.pass();
    }
    return all ? 0 : 1;
  }
  const auto report = bench::RunBenchmarks(bench_options);
  if (vars.count("json")) {
    boost::json::object json;
    for (const auto& [key, value] : report) json[key] = value;
    std::cout << boost::json::serialize(json) << "\n";
  } else {
    std::printf("%-40s %14s  %-18s %s\n", "figure", "value", "unit", "budget");
    for (const auto& [key, value] : report) {
      const FigureNote note = NoteOf(key);
      std::printf("%-40s %14.3f  %-18s %s\n", key.c_str(), value, note.unit, note.budget);
    }
  }
  return 0;
}

}  // namespace reesim::cli
