// Trade instruments in a small world: each has the direction and size its definition says, and is in
// force exactly during its rounds.
#include <doctest/doctest.h>

#include <cmath>

#include "experiments/metrics.h"
#include "experiments/simulation.h"
#include "test_support.h"
#include "world/check.h"

namespace reesim {
namespace {

struct Observed {
  double price_a = 0, price_b = 0, exported = 0, revenue_a = 0, revenue_b = 0;
  double unmet_b_ev = 0;
};

// Runs the small world with `policy` appended and returns round `round`'s magnet market.
Observed Observe(const std::string& policy, int round, std::vector<double>* expected_price_a = nullptr) {
  const experiments::LoadedScenario scenario =
      experiments::LoadScenarioText(testing::SmallWorldText(policy), "small+policy");
  experiments::Simulation simulation(scenario, /*seed=*/1);
  const int np = simulation.world().ProductCount();
  const int magnet = simulation.world().FindProduct("magnet");
  Observed observed;
  for (int r = 0; r <= round; ++r) {
    if (expected_price_a) {
      expected_price_a->push_back(simulation.state().expected_price_usd_per_kg[world::WorldState::At(0, magnet, np)]);
    }
    simulation.Step();
  }
  const world::RoundOutcome& outcome = simulation.outcome();
  observed.price_a = outcome.price_usd_per_kg[world::WorldState::At(0, magnet, np)];
  observed.price_b = outcome.price_usd_per_kg[world::WorldState::At(1, magnet, np)];
  for (const world::FlowOutcome& flow : outcome.flows) {
    if (flow.product == magnet && flow.from == 0 && flow.to == 1) observed.exported += flow.tonnes;
  }
  observed.revenue_a = outcome.trade_revenue_usd[0];
  observed.revenue_b = outcome.trade_revenue_usd[1];
  const experiments::Metrics metrics = experiments::ComputeMetrics(simulation.world(), outcome);
  observed.unmet_b_ev = metrics.at("unmet.BBB.ev");
  return observed;
}

TEST_CASE("Policies.ImportTariffWidensThePriceGapByItsRate") {
  const Observed free_trade = Observe("", 2);
  CHECK(free_trade.price_b - free_trade.price_a == doctest::Approx(1.0));  // transport only
  std::vector<double> expected;
  const Observed tariff = Observe(R"(policies { actor: "B" import_tariff { products: "magnet" ad_valorem: 0.2 } })", 2,
                                  &expected);
  // The wedge: transport $1 + 20 % of the exporter's expected price at the start of the round.
  CHECK(tariff.price_b - tariff.price_a == doctest::Approx(1.0 + 0.2 * expected[2]));
  CHECK(tariff.price_b > free_trade.price_b);
  CHECK(tariff.exported < free_trade.exported);
  CHECK(tariff.revenue_b == doctest::Approx(0.2 * expected[2] * tariff.exported * 1000));
  CHECK(tariff.revenue_a == 0);
}

TEST_CASE("Policies.ExportTaxIsPaidToTheExporter") {
  std::vector<double> expected;
  const Observed tax = Observe(R"(policies { actor: "A" export_tax { products: "magnet" ad_valorem: 0.1 } })", 1, &expected);
  CHECK(tax.price_b - tax.price_a == doctest::Approx(1.0 + 0.1 * expected[1]));
  CHECK(tax.revenue_a == doctest::Approx(0.1 * expected[1] * tax.exported * 1000));
}

TEST_CASE("Policies.ExportQuotaCapsExportsAndSplitsPrices") {
  const Observed free_trade = Observe("", 1);
  REQUIRE(free_trade.exported > 100);
  // 400 t a year = 100 t a round.
  const Observed quota = Observe(R"(policies { actor: "A" export_quota { products: "magnet" tonnes_per_year: 400 } })", 1);
  CHECK(quota.exported == doctest::Approx(100));
  CHECK(quota.price_a < quota.price_b - 1.0);  // the exporter's price falls below the world price less transport
  CHECK(quota.price_b > free_trade.price_b);
  CHECK(quota.price_a < free_trade.price_a);
}

TEST_CASE("Policies.ExportBanStopsTradeAndLeavesDemandUnmet") {
  const Observed ban = Observe(R"(policies { actor: "A" export_ban { products: "magnet" to: "BBB" } })", 1);
  CHECK(ban.exported == 0);
  CHECK(ban.unmet_b_ev == doctest::Approx(1.0));
}

TEST_CASE("Policies.TimelineRoundsAreRespected") {
  const std::string ban = R"(policies { actor: "A" start_round: 2 end_round: 3 export_ban { products: "magnet" } })";
  CHECK(Observe(ban, 1).exported > 0);
  CHECK(Observe(ban, 2).exported == 0);
  CHECK(Observe(ban, 3).exported == 0);
  CHECK(Observe(ban, 4).exported > 0);
}

TEST_CASE("Policies.BadPoliciesNameTheFieldAndValue") {
  auto error_of = [](const std::string& policy) -> std::string {
    try {
      experiments::LoadScenarioText(testing::SmallWorldText(policy), "p.textproto");
    } catch (const InputError& error) {
      return error.what();
    }
    return "no error";
  };
  CHECK(error_of(R"(policies { actor: "Z" export_ban {} })") ==
        "p.textproto: policies[0].actor = \"Z\": unknown actor");
  CHECK(error_of(R"(policies { actor: "A" export_quota { tonnes_per_year: -1 } })") ==
        "p.textproto: policies[0].export_quota.tonnes_per_year = -1: a quota must be >= 0");
  CHECK(error_of(R"(policies { actor: "A" export_ban { products: "gold" } })") ==
        "p.textproto: policies[0].export_ban.products[0] = \"gold\": unknown product");
  CHECK(error_of(R"(policies { actor: "A" import_tariff { from: "XXX" ad_valorem: 0.1 } })") ==
        "p.textproto: policies[0].import_tariff.from[0] = \"XXX\": unknown region");
  CHECK(error_of(R"(policies { actor: "A" import_tariff { ad_valorem: -0.1 } })").find("ad_valorem = -0.1") !=
        std::string::npos);
  CHECK(error_of(R"(policies { actor: "A" })").find("names no instrument") != std::string::npos);
  CHECK(error_of(R"(policies { actor: "A" start_round: 3 end_round: 2 export_ban {} })").find("end_round = 2") !=
        std::string::npos);
}

}  // namespace
}  // namespace reesim

namespace reesim {
namespace {

TEST_CASE("Policies.ReadmeExamplesAreValidScenarioText") {
  // The README's policy examples, appended to the baseline, must load: documentation that runs.
  const std::string readme = testing::FileBytes(std::string(REESIM_SOURCE_DIR) + "/README.md");
  const auto start = readme.find("```textproto\n");
  REQUIRE(start != std::string::npos);
  const auto body = start + std::string("```textproto\n").size();
  const std::string examples = readme.substr(body, readme.find("```", body) - body);
  CHECK(examples.find("export_quota") != std::string::npos);
  const experiments::LoadedScenario scenario = experiments::LoadScenarioText(
      std::string(experiments::BuiltinBaselineText()) + "\n" + examples, "README examples");
  CHECK(scenario.timeline.events.size() == 4);
}

}  // namespace
}  // namespace reesim
