// The economics of issue 15, points 1, 3 and 4: a demand curve that reaches zero at a choke price with an
// economic meaning (bounded surplus that does not depend on how finely the curve is stepped; no price
// above the choke), welfare in one unit with every rent booked (the conservation identity, every
// round of every library scenario), stock offered along a schedule (no all-or-nothing sales) and import
// reliance read from demand, not from arrivals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "run/metrics.h"
#include "run/run.h"
#include "run/simulation.h"
#include "test_support.h"
#include "world/description.h"
#include "world/payoff.h"

namespace reesim {
namespace {

const std::string& LibraryText(const std::string& name) {
  for (const run::BuiltinScenario& scenario : run::BuiltinScenarios()) {
    if (name == scenario.name) {
      static std::string text;
      text.assign(scenario.text, scenario.size);
      return text;
    }
  }
  FAIL("no library scenario " << name);
  static const std::string none;
  return none;
}

// The scenario's text with `fields` added to its market block (which every library scenario has).
std::string WithMarket(std::string text, const std::string& fields) {
  const std::string anchor = "\nmarket {";
  const std::size_t at = text.find(anchor);
  if (at == std::string::npos) return text + "\nmarket {\n  " + fields + "\n}\n";  // merged over its base's
  text.insert(at + anchor.size(), "\n  " + fields + "\n");
  return text;
}

world::DemandEntry Entry(double elasticity, double choke_multiple) {
  world::WorldDescription world;
  world.products.push_back({});
  world.products.back().reference_price_usd_per_kg = 100;
  world.demand.push_back({});
  world.demand.back().product = 0;
  world.demand.back().reference_price_usd_per_kg = 100;
  world.demand.back().elasticity = elasticity;
  world.demand.back().choke_price_multiple = choke_multiple;
  world::DeriveDemandCurves(world);
  return world.demand.back();
}

TEST_CASE("Demand.CurveReachesZeroAtTheChokeAndIsContinuous") {
  for (double elasticity : {0.0, -0.02, -0.3, -1.0, -1.5}) {
    for (double choke : {1.5, 4.0, 8.0, 30.0}) {
      CAPTURE(elasticity);
      CAPTURE(choke);
      const world::DemandEntry demand = Entry(elasticity, choke);
      const double floor = 0.25;
      CHECK(demand.choke_multiple == choke);
      CHECK(demand.switch_multiple == std::max(1.0, choke / 2));
      CHECK(world::DemandFraction(demand, floor, choke) == 0.0);
      CHECK(world::DemandFraction(demand, floor, 2 * choke) == 0.0);
      CHECK(world::DemandFraction(demand, floor, 1.0) == doctest::Approx(1.0));
      const double s = demand.switch_multiple;
      CHECK(world::DemandFraction(demand, floor, s * (1 + 1e-9)) == doctest::Approx(world::DemandFraction(demand, floor, s)));
      // The steps: from the choke (nothing demanded) down, prices falling, quantities rising, every
      // bid below the choke; the reference price is a step.
      REQUIRE(demand.curve.size() >= 3);
      CHECK(demand.curve.front().first == choke);
      CHECK(demand.curve.front().second == 0.0);
      bool has_reference = false;
      for (std::size_t k = 1; k < demand.curve.size(); ++k) {
        CHECK(demand.curve[k].first < demand.curve[k - 1].first);
        CHECK(demand.curve[k].second >= demand.curve[k - 1].second);
        has_reference |= demand.curve[k].first == 1.0;
      }
      CHECK(has_reference);
      CHECK(demand.curve.back().first == doctest::Approx(floor));
      // The area: the integral of the inverse curve, checked against a midpoint sum over quantity.
      const double top = world::DemandFraction(demand, floor, floor);
      const int n = 4000;
      double sum = 0;
      for (int i = 0; i < n; ++i) {
        const double u = (i + 0.5) * top / n;
        // The inverse demand by bisection on the (decreasing) curve.
        double low = floor, high = choke;
        for (int it = 0; it < 80; ++it) {
          const double mid = 0.5 * (low + high);
          (world::DemandFraction(demand, floor, mid) > u ? low : high) = mid;
        }
        sum += 0.5 * (low + high) * top / n;
      }
      CHECK(world::DemandCurveArea(demand, floor, top) == doctest::Approx(sum).epsilon(2e-3));
      // Bounded: never more than the choke times the quantity.
      CHECK(world::DemandCurveArea(demand, floor, top) <= choke * top);
      CHECK(demand.reference_wtp_multiple == doctest::Approx(world::DemandCurveArea(demand, floor, 1.0)));
      CHECK(demand.reference_wtp_multiple > 1.0);
      CHECK(demand.reference_wtp_multiple < choke);
    }
  }
}

TEST_CASE("Demand.ChokeComesFromTheEntryThenTheMarketThenTheSectorDefault") {
  // The small world's magnet demand (P0 $50/kg): EV in AAA and BBB, defence in BBB.
  std::string text = testing::SmallWorldText();
  const std::string ev_aaa = R"(demand { region: "AAA" sector: EV product: "magnet" base_tonnes_per_year: 1000 elasticity: -0.2)";
  const std::string ev_bbb = R"(demand { region: "BBB" sector: EV product: "magnet" base_tonnes_per_year: 1000 elasticity: -0.2)";
  REQUIRE(text.find(ev_aaa) != std::string::npos);
  REQUIRE(text.find(ev_bbb) != std::string::npos);
  text.replace(text.find(ev_aaa), ev_aaa.size(), ev_aaa + " choke_price_usd_per_kg: 300");
  const std::string market = "market {";
  REQUIRE(text.find(market) != std::string::npos);
  text.replace(text.find(market), market.size(), "market { sector_chokes { sector: DEFENCE multiple: 12 }");
  const run::LoadedScenario scenario = run::LoadScenarioText(text, "chokes");
  const world::WorldDescription& world = scenario.world;
  for (const world::DemandEntry& demand : world.demand) {
    const std::string region = world.regions[demand.region].id;
    CAPTURE(region);
    if (demand.sector == world::Sector::kEv && region == "AAA") {
      CHECK(demand.choke_multiple == doctest::Approx(300.0 / demand.reference_price_usd_per_kg));  // the entry's
    } else if (demand.sector == world::Sector::kEv) {
      CHECK(demand.choke_multiple == 8.0);  // the sector's default
    } else if (demand.sector == world::Sector::kDefence) {
      CHECK(demand.choke_multiple == 12.0);  // the market's
    }
  }
  // Both forms on one entry, or a choke not above P0, are refused.
  std::string both = testing::SmallWorldText();
  both.replace(both.find(ev_bbb), ev_bbb.size(), ev_bbb + " choke_price_usd_per_kg: 300 choke_price_multiple: 4");
  CHECK(testing::LoadError(both, "both").find("not both") != std::string::npos);
  std::string low = testing::SmallWorldText();
  low.replace(low.find(ev_bbb), ev_bbb.size(), ev_bbb + " choke_price_multiple: 0.9");
  CHECK(testing::LoadError(low, "low").find("must be above 1") != std::string::npos);
}

TEST_CASE("Demand.RemovedCapIsRefusedWithAClearMessage") {
  const std::string text = WithMarket(LibraryText("baseline_2024"), "demand_price_cap_multiple: 8");
  try {
    run::LoadScenarioText(text, "with-cap");
    FAIL("a scenario setting demand_price_cap_multiple loaded");
  } catch (const std::exception& error) {
    const std::string what = error.what();
    CHECK(what.find("demand_price_cap_multiple") != std::string::npos);
    CHECK(what.find("sector_chokes") != std::string::npos);
  }
}

// World consumer surplus per round of a scenario, and the checks every round must pass: surplus
// bounded by the area under the curves, and no price above the highest choke of its final demand.
std::vector<double> ConsumerSurplusPath(const std::string& text, int rounds) {
  const run::LoadedScenario scenario = run::LoadScenarioText(text, "economics");
  run::Simulation simulation(scenario, /*seed=*/1);
  const world::WorldDescription& world = simulation.world();
  std::vector<double> path;
  for (int round = 0; round < rounds; ++round) {
    simulation.Step();
    const world::RoundOutcome& outcome = simulation.outcome();
    double cs = 0;
    for (std::size_t e = 0; e < world.demand.size(); ++e) {
      const world::DemandEntry& demand = world.demand[e];
      const world::DemandOutcome& result = outcome.demand[e];
      cs += result.surplus_usd;
      const double floor = world.market.demand_price_floor_multiple;
      const double bound = result.reference_tonnes * world::kKgPerTonne * demand.reference_price_usd_per_kg *
                           world::DemandCurveArea(demand, floor, world::DemandFraction(demand, floor, floor));
      CHECK(result.gross_wtp_usd <= bound * (1 + 1e-9) + 1.0);
      CHECK(result.surplus_usd >= -1e-6 * std::max(1.0, result.spending_usd) - 1.0);
    }
    path.push_back(cs / 1e6);
  }
  return path;
}

TEST_CASE("Demand.ConsumerSurplusDoesNotDependOnTheCurveResolution") {
  // The steps per doubling of the price are a numerical resolution with no economic meaning: doubling
  // and quadrupling them moves the world's consumer surplus by little, in calm rounds and in the
  // controls' shortage alike (the old curve's surplus grew with its cap: 4.6 / 9.5 / 17.9 / 32.6 $B a
  // quarter for China at caps 4 / 8 / 16 / 32).
  // Against the finest (24 a doubling), 3 stays within 9 % every round, the default 6 within 4 %, 12
  // within 2 % (measured with stock offered as a schedule: 7.6 %, 2.6 %, 1.4 % at worst, in the
  // shortage of 2025Q4, where prices move by about as much; before the schedule 4.4 %, 3.2 %, 0.8 %.
  // Before plants' exit became their owners' choice the default's worst was 1.9 %: the smelters
  // outside China, kept in reserve since, then closed in 2026Q1.)
  const std::string text = LibraryText("export_controls_2025");
  const std::vector<double> finest = ConsumerSurplusPath(WithMarket(text, "demand_curve_steps_per_doubling: 24"), 12);
  for (const auto& [resolution, tolerance] : {std::pair{3, 0.09}, std::pair{6, 0.04}, std::pair{12, 0.02}}) {
    CAPTURE(resolution);
    const std::vector<double> path =
        ConsumerSurplusPath(WithMarket(text, "demand_curve_steps_per_doubling: " + std::to_string(resolution)), 12);
    for (std::size_t round = 0; round < finest.size(); ++round) {
      CAPTURE(round);
      CHECK(finest[round] > 0);
      CHECK(std::abs(path[round] - finest[round]) <= tolerance * finest[round]);
    }
  }
}

TEST_CASE("Economics.SecurityWeighsImportConcentrationByRelianceAndCountsAnActorOnce") {
  // An economist's read of the 2024 worlds: the index read 1.0, the worst, for China (whose only
  // import is a little Malaysian NdPr), 0.5 for the US (98.6 % of its demand imported, its magnets
  // left out) and summed the EU's three regions (up to 2.7). Now: reliance on others' output times the
  // concentration of what comes from them, per actor.
  for (const char* name : {"baseline_2024", "japan_eu_partnership"}) {
    CAPTURE(name);
    const auto builtin = std::find_if(run::BuiltinScenarios().begin(), run::BuiltinScenarios().end(),
                                      [&](const run::BuiltinScenario& b) { return std::string(b.name) == name; });
    REQUIRE(builtin != run::BuiltinScenarios().end());
    const run::LoadedScenario scenario = run::LoadScenarioText(std::string(builtin->text, builtin->size), name);
    run::Simulation simulation(scenario, /*seed=*/1);
    const world::WorldDescription& world = simulation.world();
    for (int round = 0; round < 4; ++round) {
      simulation.Step();
      const std::vector<world::StrategicIndicators> indicators = world::ComputeIndicators(world, simulation.outcome());
      auto security = [&](const char* actor) {
        for (std::size_t a = 0; a < world.actors.size(); ++a) {
          if (world.actors[a].id == actor) return indicators[a].security;
        }
        FAIL("no actor " << actor);
        return 0.0;
      };
      CHECK(security("CHN") < 0.05);
      CHECK(security("USA") > 0.9);
      CHECK(security("JPN") < security("USA"));
      CHECK(security("JPN") > 0.15);  // its magnet makers' alloy comes mostly from China (it read 0.08 on final demand alone)
      for (const world::StrategicIndicators& indicator : indicators) CHECK(indicator.leverage <= 1.0);
      CHECK(security("EU") <= 1.0 + 1e-12);  // no critical demand unserved here: the risk term alone
    }
  }
}

TEST_CASE("Economics.EveryLibraryScenarioConservesWelfareAndPricesStayBelowTheChoke") {
  for (const run::BuiltinScenario& builtin : run::BuiltinScenarios()) {
    const std::string name = builtin.name;
    CAPTURE(name);
    const run::LoadedScenario scenario = run::LoadScenarioText(std::string(builtin.text, builtin.size), builtin.name);
    run::Simulation simulation(scenario, /*seed=*/1);
    const world::WorldDescription& world = simulation.world();
    const int np = world.ProductCount();
    // The highest choke of each (region, product) with final demand.
    std::vector<double> choke(static_cast<std::size_t>(world.RegionCount()) * np, 0.0);
    for (const world::DemandEntry& demand : world.demand) {
      double& c = choke[world::WorldState::At(demand.region, demand.product, np)];
      c = std::max(c, demand.choke_multiple * demand.reference_price_usd_per_kg);
    }
    const int rounds = world.default_rounds;
    for (int round = 0; round < rounds; ++round) {
      CAPTURE(round);
      simulation.Step();
      const world::RoundOutcome& outcome = simulation.outcome();
      // Conservation: every payoff component over actors and the rest of the world equals gross
      // willingness to pay less all real costs (plus strategic stock acquired at cost), to rounding.
      const world::WelfareBalance balance = world::ComputeWelfareBalance(world, outcome);
      const world::WelfareAccount& account = outcome.welfare;
      const double scale = (account.gross_wtp_usd + account.processing_cost_usd + account.capital_cost_usd +
                            account.transport_cost_usd + account.trade_friction_usd) / 1e6;
      CHECK(std::abs(balance.components - balance.resources) <= 1e-9 * std::max(1.0, scale));
      CHECK(account.gross_wtp_usd > 0);
      // Rents are rents: no exporter loses on the gap across its own cap beyond the clearing's money unit.
      double kg = 0;
      for (const world::FlowOutcome& flow : outcome.flows) kg += flow.tonnes * world::kKgPerTonne;
      for (double rent : outcome.licence_rent_usd) CHECK(rent >= -1e-4 * kg - 1e-6);
      CHECK(outcome.rest_of_world.smuggling_usd >= -1e-4 * kg - 1e-6);
      // No price above the choke of its final demand.
      for (std::size_t cell = 0; cell < choke.size(); ++cell) {
        if (choke[cell] <= 0 || std::isnan(outcome.price_usd_per_kg[cell])) continue;
        CHECK(outcome.price_usd_per_kg[cell] < choke[cell]);
      }
    }
  }
}

TEST_CASE("Economics.HoldersSellTheirStockAlongAScheduleNotAllOrNothing") {
  // Issue 15, point 3. Offering its whole stock as one block just below its expected price, China's heavy
  // separator sold 86 t in 2013Q2 and 10,915 t in 2013Q3 of quota_crisis_2010 (x127 between two rounds,
  // with no event), and Lynas 1,991 then 10,820 t in 2025Q4-2026Q1 of japan_eu_partnership (x5.4); offered as a
  // schedule (world/storage.h), no round's sales differ from the last's by more than x3.
  for (const auto& [scenario_name, plant_id] : {std::pair<std::string, std::string>{"quota_crisis_2010", "cn_heavy_separation"},
                                                {"japan_eu_partnership", "lynas_malaysia"},
                                                {"export_controls_2025", "cn_heavy_separation"}}) {
    CAPTURE(scenario_name);
    const run::LoadedScenario scenario = run::LoadScenarioText(LibraryText(scenario_name), scenario_name);
    run::Simulation simulation(scenario, /*seed=*/1);
    const int plant = simulation.world().FindPlant(plant_id);
    REQUIRE(plant >= 0);
    double last = -1;
    int compared = 0;
    for (int round = 0; round < simulation.world().default_rounds; ++round) {
      CAPTURE(round);
      simulation.Step();
      const double sold = simulation.outcome().plants[plant].sales_tonnes;
      if (last > 0 && sold > 0) {
        CHECK(std::max(sold, last) / std::min(sold, last) <= 3.0);
        ++compared;
      }
      if (last > 100) CHECK(sold > 0);
      last = sold;
    }
    CHECK(compared >= simulation.world().default_rounds - 2);  // it sells every round
  }
}

TEST_CASE("Economics.UsersResearchMovesToASubstituteKeepTheirSurplus") {
  // Japan's EV substitution research succeeds in 2027Q1 (round 12) and moves a quarter of Japan's EV
  // users to a substitute. Booking their surplus as lost made research a loss to consumers (-$330 M over
  // 2027); by revealed preference they keep what they would have had buying at the round's prices.
  const std::string research =
      R"(policies { actor: "JPN" start_round: 4 substitution_research { sector: EV products: "ndfeb_magnet" lag_rounds: 8 success_probability: 1 demand_cut_share: 0.25 } })";
  auto consumer_surplus = [&](const std::string& extra, bool check_switched) {
    const run::LoadedScenario scenario = run::LoadScenarioText(LibraryText("baseline_2024") + extra, "research");
    run::Simulation simulation(scenario, /*seed=*/1);
    const world::WorldDescription& world = simulation.world();
    const int japan = world.FindActor("JPN");
    double total = 0;
    for (int round = 0; round < 16; ++round) {
      CAPTURE(round);
      simulation.Step();
      const world::RoundOutcome& outcome = simulation.outcome();
      const std::vector<world::PayoffComponents> payoffs = world::ComputePayoffs(world, outcome);
      total += payoffs[japan].consumer_surplus;
      // The world's consumer surplus is the actors' summed, switched users included.
      double world_surplus = 0;
      for (const world::PayoffComponents& p : payoffs) world_surplus += p.consumer_surplus;
      const run::Metrics metrics = run::ComputeMetrics(world, outcome);
      CHECK(metrics.at("welfare.consumer_surplus") == doctest::Approx(world_surplus));
      CHECK(metrics.at("welfare.consumer_surplus") ==
            doctest::Approx(metrics.at("welfare.gross_wtp") - metrics.at("welfare.final_spending") + metrics.at("welfare.switched_surplus")));
      const world::WelfareBalance balance = world::ComputeWelfareBalance(world, outcome);
      CHECK(balance.components == doctest::Approx(balance.resources).epsilon(1e-9));
      for (std::size_t e = 0; e < world.demand.size(); ++e) {
        const world::DemandEntry& demand = world.demand[e];
        const bool switched = check_switched && round >= 12 && demand.sector == world::Sector::kEv &&
                              world.regions[demand.region].actor == japan;
        const double expected = switched ? outcome.demand[e].surplus_usd / 3 : 0.0;  // 0.25 / (1 - 0.25)
        CHECK(outcome.demand[e].switched_surplus_usd == doctest::Approx(expected));
      }
    }
    return total;
  };
  const double without = consumer_surplus("", false);
  const double with = consumer_surplus(research, true);
  CHECK(with >= without - 1e-6 * std::abs(without));
  // A cut of every user leaves nobody whose surplus values the switch: refused at load.
  std::string everyone = research;
  everyone.replace(everyone.find("demand_cut_share: 0.25"), 22, "demand_cut_share: 1");
  CHECK(testing::LoadError(LibraryText("baseline_2024") + everyone, "research").find("must be at most 0.99") != std::string::npos);
}

TEST_CASE("Economics.ImportRelianceReadsDemandNotArrivals") {
  // The United States in 2025Q2 (round 5) of export_controls_2025: cut off by the controls, it still
  // needs the magnets its own plants cannot make, so its reliance reads high, not the zero that
  // realised flows gave when nothing arrived.
  const run::LoadedScenario scenario = run::LoadScenarioText(LibraryText("export_controls_2025"), "export_controls_2025");
  run::Simulation simulation(scenario, /*seed=*/1);
  double usa = -1, chn = -1;
  for (int round = 0; round <= 5; ++round) {
    simulation.Step();
    if (round == 5) {
      const run::Metrics& metrics = simulation.metrics();
      REQUIRE(metrics.count("import_reliance.USA") == 1);
      usa = metrics.at("import_reliance.USA");
      chn = metrics.count("import_reliance.CHN") ? metrics.at("import_reliance.CHN") : 0.0;
    }
  }
  CHECK(usa >= 0.8);
  CHECK(chn < 0.2);
}

}  // namespace
}  // namespace reesim
