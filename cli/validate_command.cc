#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "run/validate.h"

namespace po = boost::program_options;

namespace reesim::cli {

int ValidateCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim validate [--scenario FILE] [--seed S] [--threads T]\n\n"
      "Runs a scenario for its default rounds and checks the stylized facts it declares (its `checks`:\n"
      "a metric over a window of rounds, alone or relative to another, within bounds from a named public\n"
      "source). Prints a table of checks with the value found, the bounds and PASS/FAIL; exits 1 if any\n"
      "fails. Without --scenario it validates every scenario of the built-in library.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("scenario", po::value<std::string>(), "scenario file; default: the whole built-in library")
      ("seed", po::value<std::uint64_t>()->default_value(1), "random seed")
      ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;

  std::vector<run::LoadedScenario> scenarios;
  if (vars.count("scenario")) {
    scenarios.push_back(run::LoadScenarioFile(vars["scenario"].as<std::string>()));
  } else {
    for (const run::BuiltinScenario& builtin : run::BuiltinScenarios()) {
      scenarios.push_back(
          run::LoadScenarioText(builtin.text, std::string("<built-in ") + builtin.name + ">"));
    }
  }
  bool all_passed = true;
  int checks = 0;
  for (const run::LoadedScenario& scenario : scenarios) {
    run::RunOptions run_options;
    run_options.seed = vars["seed"].as<std::uint64_t>();
    run_options.threads = vars["threads"].as<int>();
    const run::RunResult run = run::RunScenario(scenario, run_options);
    const std::vector<run::CheckResult> results = run::EvaluateChecks(scenario.checks, run);
    checks += static_cast<int>(results.size());
    all_passed &= run::PrintCheckTable(scenario.world.name + " (" + scenario.source + ", " +
                                                   std::to_string(run.rounds) + " rounds)",
                                               results, std::cout);
    std::cout << "\n";
  }
  std::cout << (all_passed ? "all " : "NOT all ") << checks << " checks of " << scenarios.size()
            << " scenario(s) " << (all_passed ? "passed" : "passed: see FAIL above") << "\n";
  return all_passed ? 0 : 1;
}

}  // namespace reesim::cli
