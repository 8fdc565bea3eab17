#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "run/validate.h"

namespace po = boost::program_options;

namespace reesim::cli {

int ValidateCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim validate [--scenario FILE] [--seed S] [--threads T] [--summary]\n\n"
      "Runs a scenario for its default rounds and validates it (docs/validation.md):\n"
      "  checks      the stylized facts it declares (a metric over a window of rounds, alone or relative to\n"
      "              another, within bounds from a named public source): value, bounds, PASS/FAIL;\n"
      "  sanity      every price series (region x product), every round: no move beyond x4 (or the\n"
      "              scenario's validation.max_move) without a policy event that round or the round before,\n"
      "              and no price pinned at a demand curve's top or bottom step; each violation is listed;\n"
      "  chain       every processor, every round (issue 15's invariant): one that produced while its inputs\n"
      "              at its region's prices plus processing cost more than 5 % above its outputs' value, and\n"
      "              one with a margin beyond 5 % that produced under 99 % of the capacity no production\n"
      "              quota holds back (metrics chain.*); by plant, the five with the most rounds, and how many\n"
      "              idle rounds were held back by the plant's own output target (it made its target, set\n"
      "              below that capacity: for a price-taking firm, output stock above its working stock)\n"
      "              rather than short of inputs;\n"
      "              reported, not failed: the round clears the chain stage by stage, which leaves such gaps\n"
      "              (docs/model.md, \"Chain consistency\");\n"
      "  history     for a scenario naming validation.history: the RMSE of log prices against the public\n"
      "              series of run/data/reference_prices.csv (compiled in), per series and overall; a\n"
      "              report unless the scenario declares validation.max_log_rmse.\n"
      "Exits 1 if a check fails, the sanity band is violated or a declared RMSE bound is exceeded. Without\n"
      "--scenario it validates every scenario of the built-in library.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("scenario", po::value<std::string>(), "scenario file; default: the whole built-in library")
      ("seed", po::value<std::uint64_t>()->default_value(1), "random seed")
      ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores)")
      ("summary", "end with one line per scenario: failed checks, sanity violations, RMSE (for the tests' table)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;

  std::vector<run::LoadedScenario> scenarios;
  if (vars.count("scenario")) {
    RequireFileKind(vars["scenario"].as<std::string>(), FileKind::kScenario);
    scenarios.push_back(run::LoadScenarioFile(vars["scenario"].as<std::string>()));
  } else {
    for (const run::BuiltinScenario& builtin : run::BuiltinScenarios()) {
      scenarios.push_back(
          run::LoadScenarioText(builtin.text, std::string("<built-in ") + builtin.name + ">"));
    }
  }
  bool all_passed = true;
  int checks = 0, failed_checks = 0, violations = 0;
  std::vector<std::string> summary;
  for (const run::LoadedScenario& scenario : scenarios) {
    run::RunOptions run_options;
    run_options.seed = vars["seed"].as<std::uint64_t>();
    run_options.threads = vars["threads"].as<int>();
    run_options.keep_chain_findings = true;
    const run::RunResult run = run::RunScenario(scenario, run_options);
    const std::vector<run::CheckResult> results = run::EvaluateChecks(scenario.checks, run);
    checks += static_cast<int>(results.size());
    const bool checks_passed = run::PrintCheckTable(
        scenario.world.name + " (" + scenario.source + ", " + std::to_string(run.rounds) + " rounds)", results, std::cout);
    int failed = 0;
    for (const run::CheckResult& result : results) failed += !result.passed;
    failed_checks += failed;
    // The whole run: the sanity band on every price series, then the history if the scenario names one.
    const run::SanityRules rules{scenario.validation.max_move, scenario.validation.pinned_tolerance};
    const std::vector<run::SanityViolation> found = run::FindSanityViolations(
        run::RunPriceSeries(scenario.world, run), run::PolicyChangeRounds(scenario.timeline, run.rounds), rules);
    violations += run::PrintSanity(found, run.periods, std::cout);
    const run::ChainAuditSummary chain = run::SummarizeChainAudit(scenario.world, run);
    run::PrintChainAudit(chain, run.periods, std::cout);
    bool history_passed = true;
    std::string rmse = "-";
    if (!scenario.validation.history.empty()) {
      const run::HistoryComparison comparison = run::CompareWithHistory(
          run::BuiltinReferencePrices(), scenario.validation.history, scenario.world, run);
      run::PrintHistory(comparison, scenario.validation.history, scenario.validation.max_log_rmse, std::cout);
      history_passed = comparison.rmse <= scenario.validation.max_log_rmse;
      char text[32];
      std::snprintf(text, sizeof text, "%.3f", comparison.rmse);
      rmse = text;
    }
    all_passed &= checks_passed && found.empty() && history_passed;
    summary.push_back(scenario.world.name + " failed_checks=" + std::to_string(failed) +
                      " sanity_violations=" + std::to_string(found.size()) + " log_rmse=" + rmse +
                      " chain_losses=" + std::to_string(chain.loss_plant_rounds) +
                      " chain_idle_margins=" + std::to_string(chain.idle_margin_plant_rounds));
    std::cout << "\n";
  }
  std::cout << (all_passed ? "all passed: " : "NOT all passed: ") << checks - failed_checks << " of " << checks
            << " checks passed, " << violations << " sanity violation(s), in " << scenarios.size()
            << " scenario(s)" << (all_passed ? "" : "; see FAIL and the violations above") << "\n";
  if (vars.count("summary")) {
    for (const std::string& line : summary) std::cout << "summary " << line << "\n";
  }
  return all_passed ? 0 : 1;
}

}  // namespace reesim::cli
