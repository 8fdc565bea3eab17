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
  CHECK(scenario.timeline.events.size() == 6);
}

}  // namespace
}  // namespace reesim

namespace reesim {
namespace {

struct EndUses {
  double exported = 0, smuggled = 0, unmet_ev = 0, unmet_defence = 0;
};

EndUses RunControl(const std::string& extra, int round) {
  const experiments::LoadedScenario scenario =
      experiments::LoadScenarioText(testing::SmallWorldText(extra), "small+control");
  experiments::Simulation simulation(scenario, /*seed=*/1);
  for (int r = 0; r <= round; ++r) simulation.Step();
  const int magnet = simulation.world().FindProduct("magnet");
  EndUses result;
  for (const world::FlowOutcome& flow : simulation.outcome().flows) {
    if (flow.product != magnet || flow.from != 0 || flow.to != 1) continue;
    (flow.smuggled ? result.smuggled : result.exported) += flow.tonnes;
  }
  const experiments::Metrics metrics = experiments::ComputeMetrics(simulation.world(), simulation.outcome());
  result.unmet_ev = metrics.at("unmet.BBB.ev");
  result.unmet_defence = metrics.at("unmet.BBB.defence");
  return result;
}

TEST_CASE("Policies.ExportControlDeniesMilitaryAndLicensesCivilianAfterTheDelay") {
  const std::string control = R"(policies { actor: "A" start_round: 1
      export_control { products: "magnet" to: "BBB" licence_delay_rounds: 2 approval_share: 1 } })";
  const EndUses before = RunControl(control, 0);
  CHECK(before.unmet_defence == doctest::Approx(0).epsilon(0.001));
  // Rounds 1 and 2: licences pending, nothing leaves for BBB.
  for (int round : {1, 2}) {
    CAPTURE(round);
    const EndUses pending = RunControl(control, round);
    CHECK(pending.exported == 0);
    CHECK(pending.unmet_ev == doctest::Approx(1.0));
  }
  // From round 3: civilian demand is served, military use stays denied.
  const EndUses licensed = RunControl(control, 3);
  CHECK(licensed.exported > 0);
  CHECK(licensed.unmet_ev < 0.2);
  CHECK(licensed.unmet_defence == doctest::Approx(1.0));
  // A 40 % approval rate: at most 40 % of what BBB bids for is licensed.
  const EndUses partial = RunControl(R"(policies { actor: "A" export_control { products: "magnet" approval_share: 0.4 } })", 2);
  CHECK(partial.exported > 0);
  CHECK(partial.unmet_ev > 0.3);
}

TEST_CASE("Policies.SmugglingGrowsWithThePriceGapAndFallsWithEnforcement") {
  world::MarketParameters params;
  params.smuggling_max_share = 0.3;
  CHECK(world::SmugglingShare(params, 0.0, 0) == 0);
  CHECK(world::SmugglingShare(params, 0.5, 0) == doctest::Approx(0.15));  // 0.3 * 0.5 / (0.5 + 0.5)
  CHECK(world::SmugglingShare(params, 2.0, 0) > world::SmugglingShare(params, 0.5, 0));
  CHECK(world::SmugglingShare(params, 2.0, 10e6) == doctest::Approx(world::SmugglingShare(params, 2.0, 0) / 2));
  CHECK(world::SmugglingShare(params, 2.0, 50e6) < world::SmugglingShare(params, 2.0, 10e6));

  // In the round: a ban with smuggling allowed leaks once a price gap has opened; enforcement cuts it.
  const std::string ban = R"(market { default_transport_usd_per_kg: 1 smuggling_max_share: 0.3 }
      policies { actor: "A" export_ban { products: "magnet" to: "BBB" } })";
  auto world_text = [&](const std::string& extra) {
    std::string text = testing::SmallWorldText(extra);
    text.erase(text.find("market { default_transport_usd_per_kg: 1 }"), std::string("market { default_transport_usd_per_kg: 1 }").size());
    return text;
  };
  auto smuggled_in = [&](const std::string& extra, int round) {
    const experiments::LoadedScenario scenario = experiments::LoadScenarioText(world_text(extra), "small+ban");
    experiments::Simulation simulation(scenario, 1);
    for (int r = 0; r <= round; ++r) simulation.Step();
    double tonnes = 0;
    for (const world::FlowOutcome& flow : simulation.outcome().flows) {
      if (flow.smuggled) tonnes += flow.tonnes;
      if (flow.from == 0 && flow.to == 1 && flow.product == simulation.world().FindProduct("magnet")) {
        CHECK(flow.smuggled);  // nothing recorded crosses a ban
      }
    }
    return tonnes;
  };
  CHECK(smuggled_in(ban, 0) == 0);  // no gap has been seen yet
  const double leaked = smuggled_in(ban, 2);
  CHECK(leaked > 0);
  const double enforced = smuggled_in(ban + R"( policies { actor: "A" enforcement { usd_million_per_year: 200 } })", 2);
  CHECK(enforced < leaked);
}

}  // namespace
}  // namespace reesim
