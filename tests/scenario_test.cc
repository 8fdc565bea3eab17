// Loading scenarios: explicit values are kept, zero included; what is left out takes its one default.
#include <doctest/doctest.h>

#include <string>

#include "run/scenario_io.h"
#include "test_support.h"

namespace reesim {
namespace {

// The small world with its market section replaced by `market`.
std::string WithMarket(const std::string& market, const std::string& extra = "") {
  std::string text = testing::SmallWorldText(extra);
  const std::string line = "market { default_transport_usd_per_kg: 1 }";
  text.replace(text.find(line), line.size(), "market { default_transport_usd_per_kg: 1 " + market + " }");
  return text;
}

TEST_CASE("Scenario.AnExplicitZeroIsZero") {
  const run::LoadedScenario zeros = run::LoadScenarioText(
      WithMarket("carrying_cost_per_round: 0 expectation_weight: 0 target_stock_rounds: 0 substitution_max_share: 0 "
                 "switching_premium: 0 smuggling_gap_half: 0 smuggling_cost_share: 0 investment_price_haircut: 0 "
                 "enforcement_half_usd_million_per_round: 0"),
      "zeros");
  const world::MarketParameters& m = zeros.world.market;
  CHECK(m.carrying_cost_per_round == 0.0);
  CHECK(m.expectation_weight == 0.0);
  CHECK(m.target_stock_rounds == 0.0);
  CHECK(m.substitution_max_share == 0.0);
  CHECK(m.switching_premium == 0.0);
  CHECK(m.smuggling_gap_half == 0.0);
  CHECK(m.smuggling_cost_share == 0.0);
  CHECK(m.investment_price_haircut == 0.0);
  CHECK(m.enforcement_half_usd == 0.0);
  // The one exception: a demand floor of 0 would ask D0 x 0^e, an infinite quantity; it is refused.
  CHECK(testing::LoadError(WithMarket("demand_price_floor_multiple: 0"), "zero floor")
            .find("market.demand_price_floor_multiple = 0: must be above 0") != std::string::npos);
}

TEST_CASE("Scenario.AFieldLeftOutTakesTheDefaultOfMarketParameters") {
  const run::LoadedScenario loaded = run::LoadScenarioText(testing::SmallWorldText(), "defaults");
  const world::MarketParameters defaults;
  const world::MarketParameters& m = loaded.world.market;
  CHECK(m.carrying_cost_per_round == defaults.carrying_cost_per_round);
  CHECK(m.carrying_cost_per_round == 0.05);  // the documented default (proto/scenario.proto)
  CHECK(m.expectation_weight == defaults.expectation_weight);
  CHECK(m.close_after_idle_rounds == defaults.close_after_idle_rounds);
  CHECK(m.cournot_demand_elasticity == defaults.cournot_demand_elasticity);
  CHECK(m.price_discovery_passes == 1);
  CHECK(m.enforcement_half_usd == defaults.enforcement_half_usd);
}

TEST_CASE("Scenario.ExplicitIntegersAndProjectTermsAreKept") {
  const run::LoadedScenario loaded = run::LoadScenarioText(
      WithMarket("close_after_idle_rounds: 3 price_discovery_passes: 2 cournot_demand_elasticity: -2",
                 R"(plants { id: "new_mine" region: "BBB" stage: MINING product: "ore" capacity_tonnes_per_year: 1000
                     unit_cost_usd_per_kg: 2 project { capex_usd_per_tonne_per_year: 1000 hurdle_rate: 0 life_years: 5 } })"),
      "explicit");
  CHECK(loaded.world.market.close_after_idle_rounds == 3);
  CHECK(loaded.world.market.price_discovery_passes == 2);
  CHECK(loaded.world.market.cournot_demand_elasticity == -2.0);
  const int plant = static_cast<int>(loaded.world.plants.size()) - 1;
  CHECK(loaded.world.plants[plant].hurdle_rate == 0.0);
  CHECK(loaded.world.plants[plant].life_years == 5.0);
  // Zero is no longer a silent "use the default" where it is not a valid value: it is refused.
  CHECK(testing::LoadError(WithMarket("close_after_idle_rounds: 0"), "bad").find("close_after_idle_rounds") !=
        std::string::npos);
  CHECK(testing::LoadError(WithMarket("price_discovery_passes: 0"), "bad").find("price_discovery_passes") !=
        std::string::npos);
}

TEST_CASE("Scenario.TheInvestmentOutlookAndReserveCapacityAreRead") {
  const run::LoadedScenario loaded = run::LoadScenarioText(
      WithMarket("price_reversion_half_life_rounds: 12 long_run_price_memory_rounds: 20 investment_value_volatility: 0",
                 R"(plants { id: "kept" region: "BBB" stage: METAL product: "alloy" capacity_tonnes_per_year: 100
                     unit_cost_usd_per_kg: 20 reserve: true })"),
      "outlook");
  const world::MarketParameters& m = loaded.world.market;
  CHECK(m.price_reversion_half_life_rounds == 12.0);
  CHECK(m.long_run_price_memory_rounds == 20.0);
  CHECK(m.investment_value_volatility == 0.0);  // an explicit zero: no value of waiting
  CHECK(loaded.world.plants.back().reserve);
  CHECK_FALSE(loaded.world.plants.front().reserve);
  const world::MarketParameters defaults;
  CHECK(defaults.price_reversion_half_life_rounds == 8.0);
  CHECK(defaults.long_run_price_memory_rounds == 16.0);
  CHECK(defaults.investment_value_volatility == 0.2);
  CHECK(testing::LoadError(WithMarket("price_reversion_half_life_rounds: 0"), "bad")
            .find("market.price_reversion_half_life_rounds = 0: must be between 0.5 and 400") != std::string::npos);
  CHECK(testing::LoadError(WithMarket("long_run_price_memory_rounds: -1"), "bad").find("long_run_price_memory_rounds") !=
        std::string::npos);
}

}  // namespace
}  // namespace reesim
