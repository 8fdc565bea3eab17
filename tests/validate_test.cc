// Checks of stylized facts: evaluation (windows, ratios, differences, missing metrics) and bad input.
#include <doctest/doctest.h>

#include <sstream>

#include "run/validate.h"
#include "test_support.h"

namespace reesim {
namespace {

run::RunResult FakeRun() {
  // Three rounds of one metric: 10, 20, 60; and a reference of 5 in every round.
  run::RunResult run;
  for (double value : {10.0, 20.0, 60.0}) run.metrics.push_back({{"x", value}, {"ref", 5.0}});
  run.rounds = 3;
  return run;
}

run::ScenarioCheck Check(const std::string& metric, int from, int to, double min, double max) {
  run::ScenarioCheck check;
  check.name = metric;
  check.value = {metric, run::MetricWindow::Aggregate::kMean, from, to};
  check.min = min;
  check.max = max;
  check.source = "test";
  return check;
}

TEST_CASE("Validate.WindowsRatiosDifferencesAndMissingMetrics") {
  std::vector<run::ScenarioCheck> checks;
  checks.push_back(Check("x", 0, 2, 29, 31));                    // mean of 10, 20, 60 = 30: pass
  checks.push_back(Check("x", 2, -1, 0, 50));                    // the last round, 60: fail
  checks.push_back(Check("x", 0, 1, 2.9, 3.1));                  // mean 15 / ref 5 = 3: pass
  checks.back().relative = true;
  checks.back().relative_to = {"ref", run::MetricWindow::Aggregate::kMean, 0, 0};
  checks.push_back(Check("x", 2, 2, 49, 51));                    // 60 - max(10, 20) = 40: fail
  checks.back().relative = true;
  checks.back().difference = true;
  checks.back().relative_to = {"x", run::MetricWindow::Aggregate::kMax, 0, 1};
  checks.push_back(Check("nope", 0, 0, 0, 1));                   // missing metric: fail, explained
  checks.push_back(Check("x", 0, 5, 0, 1e9));                    // beyond the run: fail, explained
  const std::vector<run::CheckResult> results = run::EvaluateChecks(checks, FakeRun());
  REQUIRE(results.size() == 6);
  CHECK(results[0].passed);
  CHECK(results[0].value == doctest::Approx(30));
  CHECK(!results[1].passed);
  CHECK(results[1].value == doctest::Approx(60));
  CHECK(results[2].passed);
  CHECK(results[2].value == doctest::Approx(3));
  CHECK(!results[3].passed);
  CHECK(results[3].value == doctest::Approx(40));
  CHECK(!results[4].evaluated);
  CHECK(results[4].problem == "no metric nope in round 0");
  CHECK(!results[5].evaluated);
  std::ostringstream table;
  CHECK(!run::PrintCheckTable("fake", results, table));
  CHECK(table.str().find("2 passed, 4 failed") != std::string::npos);
}

TEST_CASE("Validate.ChecksNeedBoundsAndSources") {
  const std::string good = R"(checks { value { metric: "price.magnet" } min: 1 source: "a report" })";
  CHECK(testing::LoadError(testing::SmallWorldText(good), "c") == "no error");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } min: 1 })"), "c") ==
        "c: checks[0].source: every check names the public source of its bounds");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } source: "s" })"), "c") ==
        "c: checks[0]: give min, max or both");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } min: 2 max: 1 source: "s" })"),
                           "c") == "c: checks[0].min = 2: is above max 1");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" from_round: 3 to_round: 1 } min: 1
      source: "s" })"), "c").find("checks[0].value.to_round = 1") != std::string::npos);
}

TEST_CASE("Validate.TheLibraryIsBuiltInAndEveryScenarioLoads") {
  const auto& library = run::BuiltinScenarios();
  REQUIRE(!library.empty());
  for (const run::BuiltinScenario& scenario : library) {
    CAPTURE(std::string(scenario.name));
    const run::LoadedScenario loaded = run::LoadScenarioText(scenario.text, scenario.name);
    CHECK(!loaded.checks.empty());  // every library scenario declares what it must reproduce
  }
}

}  // namespace
}  // namespace reesim
