// reesim: an agent-based, game-theoretic model of the global rare-earth supply chain.
#include <boost/program_options/errors.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "run/output_files.h"
#include "world/check.h"

namespace {

constexpr const char* kUsage = R"(usage: reesim <command> [options]

An agent-based, game-theoretic model of the global rare-earth supply chain.

commands:
  run       run a scenario (default: the built-in 2024 baseline) and write DIR/run.pbs
  inspect   print a snapshot file as jsonl, csv or text
  metrics   list the round's metrics: names, units, whether absent means zero
  check     validate a scenario file
  validate  run a scenario (default: the whole library) and check the stylized facts it declares
  experiment  run a Monte Carlo experiment: arms x sampled parameters, statistics to CSV and JSON
  merge     combine the outputs of sharded experiment runs
  bench     measure rounds/s, runs/s, large worlds, allocations, snapshot throughput
  game      an empirical game from simulation runs (--spec FILE): payoff table, equilibria with
            robustness, tournament, coalitions; or solve a Gambit .nfg game (--solve FILE.nfg)
  serve     a classroom game: teams govern countries from their browsers, the model plays the rest

options:
  --help      show this help (each command has its own: reesim run --help)
  --version   print the version and the snapshot format version

Exit codes: 0 success, 1 the run failed (including a write failure, e.g. a full disk: the OS's reason
is printed and no output is left half-written or under its final name), 2 bad usage or bad input
(including a damaged snapshot file given to inspect).
)";

int Fail(const std::string& message) {
  std::cerr << "reesim: error: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  reesim::run::RemoveTemporariesOnSignal();
  const std::string& command = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (command == "--version") {
      std::cout << "reesim " << REESIM_VERSION << " (snapshot format " << REESIM_SNAPSHOT_FORMAT_VERSION << ")\n";
      return 0;
    }
    if (command == "run") return reesim::cli::RunCommand(args);
    if (command == "inspect") return reesim::cli::InspectCommand(args);
    if (command == "check") return reesim::cli::CheckCommand(args);
    if (command == "metrics") return reesim::cli::MetricsCommand(args);
    if (command == "validate") return reesim::cli::ValidateCommand(args);
    if (command == "experiment") return reesim::cli::ExperimentCommand(args);
    if (command == "merge") return reesim::cli::MergeCommand(args);
    if (command == "bench") return reesim::cli::BenchCommand(args);
    if (command == "game") return reesim::cli::GameCommand(args);
    if (command == "serve") return reesim::cli::ServeCommand(args);
    return Fail("unknown command '" + command +
                "' (commands: run, inspect, metrics, check, validate, experiment, merge, bench, game, serve; see reesim --help)");
  } catch (const reesim::InputError& error) {
    return Fail(error.what());
  } catch (const reesim::cli::UsageError& error) {
    return Fail(std::string(error.what()) + " (see reesim " + command + " --help)");
  } catch (const boost::program_options::error& error) {
    return Fail(std::string(error.what()) + " (see reesim " + command + " --help)");
  } catch (const reesim::run::WriteError& error) {
    // A full disk or an unwritable directory: the outputs are not written (none is left half-written).
    std::cerr << "reesim: error: cannot write the outputs: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "reesim: error: the run failed: " << error.what() << "\n";
    return 1;
  }
}
