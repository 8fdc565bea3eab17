// The metric catalogue: every metric a run writes is in it; names of checks, rules and experiment
// outcomes are checked against it when their file loads; an absent flow reads as 0.
#include <doctest/doctest.h>

#include <string>

#include "run/metric_catalogue.h"
#include "run/run.h"
#include "run/simulation.h"
#include "test_support.h"

namespace reesim {
namespace {

TEST_CASE("MetricCatalogue.EveryMetricOfEveryLibraryRunIsCatalogued") {
  for (const run::BuiltinScenario& builtin : run::BuiltinScenarios()) {
    CAPTURE(builtin.name);
    const run::LoadedScenario scenario = run::LoadScenarioText(builtin.text, builtin.name);
    const run::MetricCatalogue catalogue(scenario.world);
    run::Simulation simulation(scenario, /*seed=*/1);
    int checked = 0;
    for (int round = 0; round < scenario.world.default_rounds; ++round) {
      simulation.Step();
      for (const auto& [name, value] : simulation.metrics()) {
        CAPTURE(name);
        REQUIRE(catalogue.Contains(name));
        ++checked;
      }
    }
    CHECK(checked > 100);
  }
}

TEST_CASE("MetricCatalogue.ResolvesNamesToTypedIndices") {
  const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(), "small");
  const run::MetricCatalogue catalogue(scenario.world);
  const run::MetricRef trade = catalogue.Find("trade.magnet.AAA.BBB");
  REQUIRE(trade.family >= 0);
  CHECK(run::MetricFamilies()[trade.family].pattern == "trade.<product>.<FROM>.<TO>");
  CHECK(trade.parts[0] == scenario.world.FindProduct("magnet"));
  CHECK(trade.parts[1] == scenario.world.FindRegion("AAA"));
  CHECK(trade.parts[2] == scenario.world.FindRegion("BBB"));
  CHECK(catalogue.AbsentIsZero("trade.magnet.AAA.BBB"));
  CHECK(catalogue.AbsentIsZero("speculative_stock.ox"));
  CHECK_FALSE(catalogue.AbsentIsZero("price.ox"));
  CHECK_FALSE(catalogue.Contains("price.no_such_product"));
  CHECK(catalogue.Find("payoff.A.consumer_surplus").parts[0] == 0);
  CHECK(catalogue.Nearest("prise.ox", 1) == std::vector<std::string>{"price.ox"});
  // The list of every name and the parser agree: each listed name parses, and a name with one id
  // changed to an unknown one does not.
  const std::vector<std::string> names = catalogue.names();
  CHECK(names.size() > 100);
  for (const std::string& name : names) {
    CAPTURE(name);
    REQUIRE(catalogue.Contains(name));
    REQUIRE_FALSE(catalogue.Contains(name + "X"));
  }
}

TEST_CASE("MetricCatalogue.AScenarioCheckOnAnUnknownMetricIsRefusedWithTheNearestNames") {
  const std::string check = R"(checks { name: "typo" value { metric: "prise.ox" } min: 0 source: "test" })";
  const std::string error = testing::LoadError(testing::SmallWorldText(check), "typo.textproto");
  CHECK(error.find("typo.textproto: checks[0].value.metric = \"prise.ox\": unknown metric; nearest: price.ox") !=
        std::string::npos);
}

TEST_CASE("MetricCatalogue.ARuleOnAnAbsentFlowReadsZero") {
  // C's rule names a flow that never happens (no magnets go from BBB to AAA), so it is never written:
  // read as 0, `trade.magnet.BBB.AAA < 1` holds, and C plays "tariff" once it has seen a round.
  const std::string text = testing::SmallWorldText(R"(
actors { id: "C" strategy { kind: RULE_BASED
  menu { name: "none" } menu { name: "tariff" policies { import_tariff { ad_valorem: 0.1 } } }
  rules { metric: "trade.magnet.BBB.AAA" op: LESS threshold: 1 action: "tariff" } } }
regions { id: "CCC" actor: "C" })");
  const run::LoadedScenario scenario = run::LoadScenarioText(text, "rule");
  run::Simulation simulation(scenario, /*seed=*/1);
  simulation.Step();
  simulation.Step();
  const int c = scenario.world.FindActor("C");
  REQUIRE(c >= 0);
  CHECK(simulation.state().chosen_action[c] == 1);
  // A rule on an unknown metric is refused when the scenario loads.
  std::string bad = text;
  bad.replace(bad.find("trade.magnet.BBB.AAA"), 20, "trade.magnet.BBB.XYZ");
  CHECK(testing::LoadError(bad, "rule").find("rules[0].metric = \"trade.magnet.BBB.XYZ\": unknown metric") !=
        std::string::npos);
}

TEST_CASE("MetricCatalogue.DocsListEveryFamily") {
  const std::string page = testing::FileBytes(std::string(REESIM_SOURCE_DIR) + "/docs/metrics.md");
  REQUIRE(!page.empty());
  for (const run::MetricFamilyInfo& family : run::MetricFamilies()) {
    CAPTURE(family.pattern);
    CHECK(page.find("`" + std::string(family.pattern) + "` | " + std::string(family.unit)) != std::string::npos);
  }
}

}  // namespace
}  // namespace reesim
