// Market clearing against hand-computed equilibria and a brute-force optimum.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

#include "world/market.h"
#include "world/network_simplex.h"
#include "world/random.h"
#include "world/storage.h"

namespace reesim::world {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double Served(const MarketSolution& s) {
  double total = 0;
  for (double q : s.demand_served_tonnes) total += q;
  return total;
}

double FlowBetween(const MarketSolution& s, int from, int to) {
  double total = 0;
  for (const TradeFlow& f : s.flows) {
    if (f.from == from && f.to == to) total += f.tonnes;
  }
  return total;
}

TEST_CASE("Market.NoBarrierClearsWhereSupplyMeetsDemand") {
  // Supply 100 t at $10 and 100 t at $20; demand 150 t at $30 and 100 t at $5.
  // The first supply step is used fully, the second for 50 t: price $20, quantity 150 t.
  MarketProblem problem;
  problem.Reset(1);
  problem.supply = {{0, 100, 10}, {0, 100, 20}};
  problem.demand = {{0, 150, 30}, {0, 100, 5}};
  const MarketSolution s = ClearMarket(problem);
  CHECK(s.price_usd_per_kg[0] == doctest::Approx(20));
  CHECK(Served(s) == doctest::Approx(150));
  CHECK(s.supply_sold_tonnes[0] == doctest::Approx(100));
  CHECK(s.supply_sold_tonnes[1] == doctest::Approx(50));
  // Welfare = 150*30 - 100*10 - 50*20 = 2500 USD/kg*t = 2.5 M USD.
  CHECK(s.welfare_usd == doctest::Approx(2500.0 * 1000));
}

TEST_CASE("Market.AMarketWithSupplyAndNoDemandPricesAtOrAboveZero") {
  // Tb oxide in a trial clearing of export_controls_2025 (2026Q2 at market.price_discovery_passes 10):
  // stock offered in six regions, China's exports licensed on five routes, no bid anywhere (S: region,
  // tonnes, ask; W: pair, wedge, route cap, military denied, smuggling cap and cost; E: region, price
  // hint; other pairs free). Nothing trades, so any price up to a region's cheapest ask is a dual, and
  // the restricted solver's tree gave China -7,176 $/kg. Free disposal: no price is below zero.
  std::istringstream fixture(R"(
S 0 6.065136 620.330923
S 0 33.069922 723.719410
S 0 91.578245 827.107897
S 1 0.190649 13780.112179
S 1 0.321417 17225.140224
S 1 0.174597 20670.168269
S 1 0.105276 24115.196314
S 1 0.291534 27560.224358
S 4 0.035442 13777.663311
S 4 0.100443 17222.079139
S 4 0.054561 20666.494967
S 4 0.032899 24110.910795
S 4 0.091105 27555.326622
S 7 0.505528 13780.124766
S 7 0.522302 17225.155957
S 7 0.283720 20670.187148
S 7 0.171074 24115.218340
S 7 0.473743 27560.249531
S 11 0.013573 13780.151298
S 11 0.116514 17225.189123
S 11 0.063291 20670.226948
S 11 0.038163 24115.264772
S 11 0.105681 27560.302597
S 12 0.011680 13780.236416
S 12 0.100443 17225.295520
S 12 0.054561 20670.354624
S 12 0.032899 24115.413728
S 12 0.091105 27560.472832
W 2 21.460839 2.8321651743292744 1 0 84.010704
W 4 21.625742 0.70446298784364669 1 0 84.175607
W 9 21.463901 2.6325730099560389 1 0 84.013766
W 10 21.432541 0.89712898196922741 1 0 83.982407
W 14 21.763754 1.875 1 0 85.105394
W 17 0.513925 inf 0 0 0.000000
W 19 0.465179 inf 0 0 0.000000
W 21 0.475987 inf 0 0 0.000000
W 26 0.569099 inf 0 0 0.000000
W 27 0.489657 inf 0 0 0.000000
W 31 0.600981 inf 0 0 0.000000
W 68 0.417847 inf 0 0 0.000000
W 70 0.432698 inf 0 0 0.000000
W 77 0.421862 inf 0 0 0.000000
W 78 0.418636 inf 0 0 0.000000
W 82 0.434079 inf 0 0 0.000000
W 119 0.307800 inf 0 0 0.000000
W 121 0.354482 inf 0 0 0.000000
W 123 0.464814 inf 0 0 0.000000
W 128 0.258100 inf 0 0 0.000000
W 129 0.331140 inf 0 0 0.000000
W 133 0.232016 inf 0 0 0.000000
W 187 0.339789 inf 0 0 0.000000
W 189 0.392585 inf 0 0 0.000000
W 191 0.400832 inf 0 0 0.000000
W 196 0.288004 inf 0 0 0.000000
W 197 0.363407 inf 0 0 0.000000
W 201 0.266911 inf 0 0 0.000000
W 204 0.413321 inf 0 0 0.000000
W 206 0.428299 inf 0 0 0.000000
W 208 0.204532 inf 0 0 0.000000
W 213 0.417635 inf 0 0 0.000000
W 214 0.414125 inf 0 0 0.000000
W 218 0.430180 inf 0 0 0.000000
E 0 848.315792
E 1 28266.896778
E 2 26410.906610
E 3 950.000000
E 4 28261.873459
E 5 950.000000
E 6 950.000000
E 7 28266.922596
E 8 950.000000
E 9 27256.963429
E 10 27028.582653
E 11 28266.977022
E 12 28267.151623
E 13 950.000000
E 14 769.261200
E 15 950.000000
E 16 950.000000
)");
  MarketProblem problem;
  problem.Reset(17);
  problem.price_hint_usd_per_kg.assign(17, 0.0);
  std::string kind;
  while (fixture >> kind) {
    if (kind == "S") {
      SupplyStep step;
      fixture >> step.region >> step.tonnes >> step.cost_usd_per_kg;
      problem.supply.push_back(step);
    } else if (kind == "W") {
      int pair = 0, denied = 0;
      fixture >> pair >> problem.wedge_usd_per_kg[pair] >> problem.route_cap_tonnes[pair] >> denied >>
          problem.smuggling_cap_tonnes[pair] >> problem.smuggling_cost_usd_per_kg[pair];
      problem.military_denied[pair] = static_cast<std::uint8_t>(denied);
    } else {
      int region = 0;
      fixture >> region >> problem.price_hint_usd_per_kg[region];
    }
  }
  REQUIRE(problem.supply.size() == 28);
  for (const ClearingMethod method : {ClearingMethod::kRestricted, ClearingMethod::kReference}) {
    const MarketSolution s = ClearMarket(problem, method);
    CHECK(s.welfare_usd == 0);
    for (int r = 0; r < 17; ++r) {
      CAPTURE(r);
      if (!std::isnan(s.price_usd_per_kg[r])) CHECK(s.price_usd_per_kg[r] >= 0);
      if (!std::isnan(s.origin_price_usd_per_kg[r])) CHECK(s.origin_price_usd_per_kg[r] >= 0);
    }
  }
}

TEST_CASE("Market.TariffOpensPriceWedge") {
  // Region 0 supplies 300 t at $10 (not all sold, so its price is $10); region 1 demands 100 t at $50.
  // Transport $1 plus a $4 tariff: region 1's price must be exactly $10 + $5 = $15.
  MarketProblem problem;
  problem.Reset(2);
  problem.supply = {{0, 300, 10}};
  problem.demand = {{0, 50, 50}, {1, 100, 50}};
  problem.wedge_usd_per_kg = {0, 5, 5, 0};
  const MarketSolution s = ClearMarket(problem);
  CHECK(s.price_usd_per_kg[0] == doctest::Approx(10));
  CHECK(s.price_usd_per_kg[1] == doctest::Approx(15));
  CHECK(s.price_usd_per_kg[1] - s.price_usd_per_kg[0] == doctest::Approx(5));
  CHECK(FlowBetween(s, 0, 1) == doctest::Approx(100));
}

TEST_CASE("Market.BindingExportQuotaLowersExporterPrice") {
  // Exporter 0: 300 t at $10, home demand 50 t at $60. Importer 1: own supply 300 t at $30, demand
  // 200 t at $60. Free trade: 0 ships 200 t, 1's price = $30 (its own supply is marginal), 0's = 30 - 2.
  // With 320 t wanted in 1, 0 ships 250 t and 1 makes 70 t itself. A 50 t quota: 0 ships 50 t, 1 makes
  // 270 t (price still $30), and 0's own price falls to its cost $10 < world price 30 - wedge 2.
  MarketProblem problem;
  problem.Reset(2);
  problem.supply = {{0, 300, 10}, {1, 300, 30}};
  problem.demand = {{0, 50, 60}, {1, 200, 60}};
  problem.wedge_usd_per_kg = {0, 2, 2, 0};
  const MarketSolution free_trade = ClearMarket(problem);
  CHECK(free_trade.price_usd_per_kg[1] == doctest::Approx(12));
  CHECK(free_trade.price_usd_per_kg[0] == doctest::Approx(10));

  problem.demand = {{0, 50, 60}, {1, 320, 60}};  // importer needs more than the exporter can send
  const MarketSolution no_quota = ClearMarket(problem);
  CHECK(no_quota.price_usd_per_kg[1] == doctest::Approx(30));
  CHECK(no_quota.price_usd_per_kg[0] == doctest::Approx(28));  // netback: 30 - 2
  CHECK(FlowBetween(no_quota, 0, 1) == doctest::Approx(250));

  problem.export_cap_tonnes = {50, kInf};
  const MarketSolution quota = ClearMarket(problem);
  CHECK(FlowBetween(quota, 0, 1) == doctest::Approx(50));
  CHECK(quota.price_usd_per_kg[1] == doctest::Approx(30));
  CHECK(quota.price_usd_per_kg[0] == doctest::Approx(10));
  CHECK(quota.price_usd_per_kg[0] < quota.price_usd_per_kg[1] - 2);
}

TEST_CASE("Market.ExportBanReroutesSupplyAndRaisesDestinationPrice") {
  // Cheap exporter 0 (100 t at $10), dear exporter 2 (100 t at $25); importers 1 and 3 each want 50 t at
  // $100 (and 200 t more at $1). All wedges $1. Without a ban both import from 0 at $11. With 0 banned
  // from selling to 1, region 1 buys from 2: its price rises to 25 + 1 = 26, and 0's supply goes to 3.
  MarketProblem problem;
  problem.Reset(4);
  problem.supply = {{0, 100, 10}, {2, 100, 25}};
  problem.demand = {{1, 50, 100}, {3, 50, 100}, {1, 200, 1}, {3, 200, 1}};
  std::fill(problem.wedge_usd_per_kg.begin(), problem.wedge_usd_per_kg.end(), 1.0);
  const MarketSolution open = ClearMarket(problem);
  CHECK(open.price_usd_per_kg[1] == doctest::Approx(11));
  CHECK(FlowBetween(open, 0, 1) == doctest::Approx(50));

  problem.wedge_usd_per_kg[0 * 4 + 1] = kInf;
  const MarketSolution banned = ClearMarket(problem);
  CHECK(FlowBetween(banned, 0, 1) == doctest::Approx(0));
  CHECK(FlowBetween(banned, 2, 1) == doctest::Approx(50));
  CHECK(FlowBetween(banned, 0, 3) == doctest::Approx(50));
  CHECK(banned.price_usd_per_kg[1] == doctest::Approx(26));
  CHECK(banned.price_usd_per_kg[1] > open.price_usd_per_kg[1]);
}

TEST_CASE("Market.TiedDemandKeepsItsSupplierUntilSwitchingPays") {
  // Region 2 wants 100 t at $100, all of it tied to supplier region 0 (cost $20) with a $5 premium for
  // any other source; region 1 offers at $18. All wedges $1. The tie holds (20 + 1 < 18 + 1 + 5): the
  // tied segment pays $21. Banning 0 -> 2 makes it switch to region 1 at 18 + 1 + 5 = $24.
  MarketProblem problem;
  problem.Reset(3);
  problem.supply = {{0, 500, 20}, {1, 500, 18}};
  problem.segments = {{2, 0, 5.0}};
  problem.demand = {{2, 100, 100, 0}};
  std::fill(problem.wedge_usd_per_kg.begin(), problem.wedge_usd_per_kg.end(), 1.0);
  const MarketSolution tied = ClearMarket(problem);
  CHECK(FlowBetween(tied, 0, 2) == doctest::Approx(100));
  CHECK(tied.demand_price_usd_per_kg[0] == doctest::Approx(21));
  REQUIRE(tied.flows.size() == 1);
  CHECK(tied.flows[0].price_usd_per_kg == doctest::Approx(21));

  problem.wedge_usd_per_kg[0 * 3 + 2] = kInf;
  const MarketSolution switched = ClearMarket(problem);
  CHECK(FlowBetween(switched, 1, 2) == doctest::Approx(100));
  CHECK(switched.demand_price_usd_per_kg[0] == doctest::Approx(24));

  // Untied demand in the same region buys from the cheapest source at $19.
  problem.wedge_usd_per_kg[0 * 3 + 2] = 1.0;
  problem.demand.push_back({2, 100, 100, -1});
  const MarketSolution both = ClearMarket(problem);
  CHECK(FlowBetween(both, 0, 2) == doctest::Approx(100));
  CHECK(FlowBetween(both, 1, 2) == doctest::Approx(100));
  CHECK(both.price_usd_per_kg[2] == doctest::Approx(19));
  CHECK(both.demand_price_usd_per_kg[0] == doctest::Approx(21));
}

// Brute force: every whole tonne of supply goes to one whole tonne of demand or stays unsold.
double BruteForceWelfare(const MarketProblem& problem) {
  struct Unit {
    int region;
    double value;
  };
  std::vector<Unit> supply, demand;
  for (const SupplyStep& s : problem.supply) {
    for (int k = 0; k < static_cast<int>(s.tonnes); ++k) supply.push_back({s.region, s.cost_usd_per_kg});
  }
  for (const DemandStep& d : problem.demand) {
    for (int k = 0; k < static_cast<int>(d.tonnes); ++k) demand.push_back({d.region, d.willingness_to_pay_usd_per_kg});
  }
  const int n = problem.region_count;
  std::vector<bool> taken(demand.size(), false);
  std::vector<double> exported(n, 0);
  double best = 0;
  std::function<void(std::size_t, double)> assign = [&](std::size_t i, double welfare) {
    if (i == supply.size()) {
      best = std::max(best, welfare);
      return;
    }
    assign(i + 1, welfare);  // unsold
    const int from = supply[i].region;
    for (std::size_t j = 0; j < demand.size(); ++j) {
      if (taken[j]) continue;
      const int to = demand[j].region;
      const double wedge = from == to ? 0.0 : problem.wedge_usd_per_kg[from * n + to];
      if (!std::isfinite(wedge)) continue;
      if (from != to && exported[from] + 1 > problem.export_cap_tonnes[from]) continue;
      taken[j] = true;
      if (from != to) exported[from] += 1;
      assign(i + 1, welfare + demand[j].value - supply[i].value - wedge);
      if (from != to) exported[from] -= 1;
      taken[j] = false;
    }
  };
  assign(0, 0.0);
  return best * 1000;  // USD: tonnes * 1000 kg * USD/kg
}

TEST_CASE("Market.RoundingMatchesLlroundExactly") {
  // Halves, their neighbours, negatives, large values and random ones: the same as std::llround.
  std::vector<double> values = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                                4503599627370495.5, -4503599627370495.5, 4503599627370497.0, 1e15 + 0.5, 9.2e18, -9.2e18};
  for (double v : {0.5, 1.5, 1234.5, 1e12 + 0.5}) {
    values.push_back(std::nextafter(v, 0.0));
    values.push_back(std::nextafter(v, 1e300));
    values.push_back(-std::nextafter(v, 0.0));
  }
  RandomStream random(3, 0, 0, 0, RandomPurpose::kAgentDecision);
  for (int k = 0; k < 100000; ++k) values.push_back((random.Uniform() - 0.5) * std::pow(10.0, random.Uniform() * 14));
  for (double v : values) {
    CAPTURE(v);
    CHECK(RoundToInt64(v) == std::llround(v));
  }
}

TEST_CASE("Market.RandomInstancesMatchBruteForceAndLeaveNoArbitrage") {
  for (std::uint64_t instance = 0; instance < 60; ++instance) {
    RandomStream random(/*seed=*/7, /*run=*/instance, 0, 0, RandomPurpose::kAgentDecision);
    auto draw_int = [&](int low, int high) { return low + static_cast<int>(random.Uniform() * (high - low + 1)); };
    const int n = draw_int(1, 3);
    MarketProblem problem;
    problem.Reset(n);
    int supply_units = 0, demand_units = 0;
    for (int k = draw_int(1, 3); k > 0 && supply_units < 5; --k) {
      const int tonnes = draw_int(1, 2);
      supply_units += tonnes;
      problem.supply.push_back({draw_int(0, n - 1), static_cast<double>(tonnes), static_cast<double>(draw_int(1, 20))});
    }
    for (int k = draw_int(1, 3); k > 0 && demand_units < 5; --k) {
      const int tonnes = draw_int(1, 2);
      demand_units += tonnes;
      problem.demand.push_back({draw_int(0, n - 1), static_cast<double>(tonnes), static_cast<double>(draw_int(1, 30))});
    }
    for (int from = 0; from < n; ++from) {
      for (int to = 0; to < n; ++to) {
        if (from == to) continue;
        problem.wedge_usd_per_kg[from * n + to] = draw_int(0, 9) == 0 ? kInf : draw_int(0, 6);
      }
      if (draw_int(0, 3) == 0) problem.export_cap_tonnes[from] = draw_int(0, 2);
    }
    CAPTURE(instance);
    for (const ClearingMethod method : {ClearingMethod::kReference, ClearingMethod::kRestricted}) {
    CAPTURE(static_cast<int>(method));
    const MarketSolution s = ClearMarket(problem, method);
    CHECK(s.welfare_usd == doctest::Approx(BruteForceWelfare(problem)));

    // Equilibrium conditions from the duals (complementary slackness), to the cent.
    const double eps = 1e-6;
    for (std::size_t d = 0; d < problem.demand.size(); ++d) {
      const DemandStep& step = problem.demand[d];
      const double price = s.price_usd_per_kg[step.region];
      if (s.demand_served_tonnes[d] > 0) CHECK(step.willingness_to_pay_usd_per_kg >= price - eps);
      if (s.demand_served_tonnes[d] < step.tonnes) CHECK(step.willingness_to_pay_usd_per_kg <= price + eps);
    }
    for (std::size_t k = 0; k < problem.supply.size(); ++k) {
      const SupplyStep& step = problem.supply[k];
      const double price = s.origin_price_usd_per_kg[step.region];
      if (s.supply_sold_tonnes[k] > 0) CHECK(step.cost_usd_per_kg <= price + eps);
      if (s.supply_sold_tonnes[k] < step.tonnes) CHECK(step.cost_usd_per_kg >= price - eps);
    }
    // No profitable arbitrage: buying at an origin and selling at another market never pays more
    // than the wedge, unless the origin's export quota is used up. (A region with no buyers has no
    // market to sell into; its producers' value is bounded only by their cost, checked above.)
    std::vector<bool> has_market(n, false);
    for (const DemandStep& step : problem.demand) {
      if (step.segment < 0) has_market[step.region] = true;
    }
    for (int from = 0; from < n; ++from) {
      if (std::isnan(s.origin_price_usd_per_kg[from])) continue;
      double exported = 0;
      for (const TradeFlow& f : s.flows) {
        if (f.from == from && f.to != from) exported += f.tonnes;
      }
      const bool quota_binds = exported >= problem.export_cap_tonnes[from] - eps;
      for (int to = 0; to < n; ++to) {
        if (!has_market[to]) continue;
        const double wedge = from == to ? 0.0 : problem.wedge_usd_per_kg[from * n + to];
        if (!std::isfinite(wedge) || (from != to && quota_binds)) continue;
        CHECK(s.price_usd_per_kg[to] <= s.origin_price_usd_per_kg[from] + wedge + eps);
      }
    }
    }
  }
}

// A market with every feature the clearing has: tied and military segments, export quotas, licensed
// routes, military denials, smuggling and bans; whole-dollar costs (ties, degenerate optima) in every
// third instance, and price hints of four kinds.
MarketProblem RandomFullMarket(std::uint64_t seed, std::uint64_t instance) {
  RandomStream random(seed, /*run=*/instance, 0, 0, RandomPurpose::kAgentDecision);
  auto uniform = [&](double low, double high) { return low + (high - low) * random.Uniform(); };
  auto draw_int = [&](int low, int high) { return low + static_cast<int>(random.Uniform() * (high - low + 1)); };
  const int n = draw_int(5, 40);
  MarketProblem problem;
  problem.Reset(n);
  for (int k = draw_int(50, 600); k > 0; --k) {
    const double cost = instance % 3 == 0 ? draw_int(1, 20) : uniform(1, 40);
    problem.supply.push_back({draw_int(0, n - 1), uniform(0, 30), cost});
  }
  for (int r = 0; r < n; ++r) {
    if (draw_int(0, 4) == 0) continue;
    if (draw_int(0, 3) == 0) {
      problem.segments.push_back({r, draw_int(0, n - 1), uniform(0, 5), false});
    }
    if (draw_int(0, 5) == 0) problem.segments.push_back({r, -1, 0.0, true});
  }
  for (int k = draw_int(50, 600); k > 0; --k) {
    const int region = draw_int(0, n - 1);
    int segment = -1;
    for (int s = 0; s < static_cast<int>(problem.segments.size()); ++s) {
      if (problem.segments[s].region == region && draw_int(0, 1) == 0) segment = s;
    }
    const double bid = instance % 3 == 0 ? draw_int(5, 60) : uniform(5, 60);
    problem.demand.push_back({region, uniform(0, 30), bid, segment});
  }
  for (int from = 0; from < n; ++from) {
    if (draw_int(0, 5) == 0) problem.export_cap_tonnes[from] = uniform(0, 200);
    for (int to = 0; to < n; ++to) {
      if (from == to) continue;
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      problem.wedge_usd_per_kg[pair] = draw_int(0, 30) == 0 ? kInf : uniform(0, 8);
      if (draw_int(0, 20) == 0) problem.route_cap_tonnes[pair] = uniform(0, 50);
      problem.military_denied[pair] = draw_int(0, 10) == 0;
      if (draw_int(0, 25) == 0) {
        problem.smuggling_cap_tonnes[pair] = uniform(0, 20);
        problem.smuggling_cost_usd_per_kg[pair] = uniform(2, 15);
      }
    }
  }
  // Price hints near or far from the prices, infinite (no hint for the region), or none: the solver
  // starts from them, and must reach the optimum whatever they are.
  if (instance % 4 != 3) {
    problem.price_hint_usd_per_kg.resize(n);
    for (double& hint : problem.price_hint_usd_per_kg) {
      hint = instance % 4 == 0 ? uniform(20, 35) : instance % 4 == 1 ? uniform(0, 200) : kInf;
    }
  }
  return problem;
}

// Each step sits on the right side of its price, and what each region ships is what its steps sold.
void CheckPricesSupportTheFlows(const MarketProblem& problem, const MarketSolution& solution) {
  const double eps = 0.5 / 1e4;  // prices are exact in 1e-4 USD/kg; bids and costs are not
  for (std::size_t k = 0; k < problem.supply.size(); ++k) {
    const SupplyStep& step = problem.supply[k];
    const double price = solution.origin_price_usd_per_kg[step.region];
    if (solution.supply_sold_tonnes[k] > 0) CHECK(step.cost_usd_per_kg <= price + eps);
    if (solution.supply_sold_tonnes[k] < step.tonnes - 1e-3) CHECK(step.cost_usd_per_kg >= price - eps);
  }
  for (std::size_t d = 0; d < problem.demand.size(); ++d) {
    const DemandStep& step = problem.demand[d];
    const double price = solution.demand_price_usd_per_kg[d];
    if (solution.demand_served_tonnes[d] > 0) CHECK(step.willingness_to_pay_usd_per_kg >= price - eps);
    if (solution.demand_served_tonnes[d] < step.tonnes - 1e-3) {
      CHECK(step.willingness_to_pay_usd_per_kg <= price + eps);
    }
  }
  const int n = problem.region_count;
  std::vector<double> sold(n, 0.0), shipped(n, 0.0);
  for (std::size_t k = 0; k < problem.supply.size(); ++k) sold[problem.supply[k].region] += solution.supply_sold_tonnes[k];
  for (const TradeFlow& f : solution.flows) shipped[f.from] += f.tonnes;
  for (int r = 0; r < n; ++r) CHECK(shipped[r] == doctest::Approx(sold[r]).epsilon(1e-9));
}

// The two solutions are the same to the bit (NaN prices where a region has none in both).
void CheckSameSolution(const MarketSolution& a, const MarketSolution& b) {
  auto same = [](const std::vector<double>& x, const std::vector<double>& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                      [](double u, double v) { return u == v || (std::isnan(u) && std::isnan(v)); });
  };
  CHECK(a.supply_sold_tonnes == b.supply_sold_tonnes);
  CHECK(a.demand_served_tonnes == b.demand_served_tonnes);
  CHECK(a.demand_price_usd_per_kg == b.demand_price_usd_per_kg);
  CHECK(same(a.price_usd_per_kg, b.price_usd_per_kg));
  CHECK(same(a.origin_price_usd_per_kg, b.origin_price_usd_per_kg));
  CHECK(a.flows.size() == b.flows.size());
  for (std::size_t k = 0; k < std::min(a.flows.size(), b.flows.size()); ++k) {
    CHECK(a.flows[k].from == b.flows[k].from);
    CHECK(a.flows[k].to == b.flows[k].to);
    CHECK(a.flows[k].tonnes == b.flows[k].tonnes);
    CHECK(a.flows[k].price_usd_per_kg == b.flows[k].price_usd_per_kg);
  }
  CHECK(a.welfare_usd == b.welfare_usd);
}

// Restricted clearing (step groups and routes priced in) against the whole network. Both must reach the
// same welfare, and each step must sit on the right side of its price.
TEST_CASE("Market.RestrictedClearingMatchesTheWholeNetwork") {
  MarketWorkspace shared_workspace;
  for (std::uint64_t instance = 0; instance < 40; ++instance) {
    const MarketProblem problem = RandomFullMarket(/*seed=*/11, instance);
    CAPTURE(instance);
    const MarketSolution whole = ClearMarket(problem, ClearingMethod::kReference);
    const MarketSolution restricted = ClearMarket(problem, ClearingMethod::kRestricted);
    // The result depends only on the problem: a workspace that cleared other markets before gives the
    // same solution, to the bit.
    MarketSolution reused;
    ClearMarket(problem, shared_workspace, reused);
    CheckSameSolution(reused, restricted);
    CHECK(restricted.welfare_usd == doctest::Approx(whole.welfare_usd).epsilon(1e-9));
    CHECK(Served(restricted) == doctest::Approx(Served(whole)).epsilon(0.05));
    CheckPricesSupportTheFlows(problem, restricted);
  }
}

// ClearMarketAgain, as a shared export quota's search uses it: the quota's regions' wedges rise and
// fall by a licence price, and each clearing resumes from the last. Every one reaches a fresh
// clearing's welfare, with prices that support its flows, and the same sequence of problems gives the
// same solutions to the bit. Where there is nothing to resume (no solve yet, the reference solver's,
// another shape, a route banned), it clears afresh, to the bit.
TEST_CASE("Market.ClearingAgainAfterTheWedgesChangeReachesAFreshClearingsWelfare") {
  for (std::uint64_t instance = 0; instance < 24; ++instance) {
    MarketProblem problem = RandomFullMarket(/*seed=*/17, instance);
    CAPTURE(instance);
    const int n = problem.region_count;
    const std::vector<double> base = problem.wedge_usd_per_kg;
    const std::vector<int> quota_regions = {0, n / 2, n - 1};
    MarketWorkspace workspace, replay;
    MarketSolution again, replayed;
    ClearMarketAgain(problem, workspace, again);  // nothing to resume: a fresh clearing
    ClearMarketAgain(problem, replay, replayed);
    CheckSameSolution(again, ClearMarket(problem));
    for (const double licence : {3.0, 0.5, 12.0, 6.25, 6.2501, 0.0, 40.0}) {
      CAPTURE(licence);
      for (int from : quota_regions) {
        for (int to = 0; to < n; ++to) {
          const std::size_t pair = static_cast<std::size_t>(from) * n + to;
          if (to != from) problem.wedge_usd_per_kg[pair] = base[pair] + licence;
        }
      }
      ClearMarketAgain(problem, workspace, again);
      const MarketSolution fresh = ClearMarket(problem);
      CHECK(again.welfare_usd == doctest::Approx(fresh.welfare_usd).epsilon(1e-12));
      CheckPricesSupportTheFlows(problem, again);
      ClearMarketAgain(problem, replay, replayed);
      CheckSameSolution(replayed, again);
    }
    // A route banned (a finite wedge made infinite): afresh.
    for (std::size_t pair = 0; pair < problem.wedge_usd_per_kg.size(); ++pair) {
      if (pair % (n + 1) != 0 && std::isfinite(problem.wedge_usd_per_kg[pair])) {
        problem.wedge_usd_per_kg[pair] = kInf;
        break;
      }
    }
    ClearMarketAgain(problem, workspace, again);
    CheckSameSolution(again, ClearMarket(problem));
    // After the reference solver's solve: afresh.
    ClearMarket(problem, workspace, again, ClearingMethod::kReference);
    ClearMarketAgain(problem, workspace, again);
    CheckSameSolution(again, ClearMarket(problem));
    // Another shape (a supply step fewer): afresh.
    problem.supply.pop_back();
    ClearMarketAgain(problem, workspace, again);
    CheckSameSolution(again, ClearMarket(problem));
  }
}

// The resumable simplex: after arcs are added and an arc's flow is moved to parallel arcs, resuming
// from the last tree reaches the same optimum as solving the final network from scratch, and the
// potentials satisfy every arc's optimality condition.
TEST_CASE("NetworkSimplex.ResumingReachesTheOptimumOfTheFinalNetwork") {
  int resumed_instances = 0;
  for (std::uint64_t instance = 0; instance < 50; ++instance) {
    RandomStream random(/*seed=*/13, /*run=*/instance, 0, 0, RandomPurpose::kAgentDecision);
    auto draw_int = [&](int low, int high) { return low + static_cast<int>(random.Uniform() * (high - low + 1)); };
    struct Arc {
      int tail, head;
      std::int64_t capacity, cost;
    };
    const int nodes = draw_int(2, 12);
    std::vector<Arc> first, later;
    for (int k = draw_int(1, 30); k > 0; --k) {
      first.push_back({draw_int(0, nodes - 1), draw_int(0, nodes - 1), draw_int(0, 50), draw_int(-20, 20)});
    }
    for (int k = draw_int(1, 30); k > 0; --k) {
      later.push_back({draw_int(0, nodes - 1), draw_int(0, nodes - 1), draw_int(0, 50), draw_int(-20, 20)});
    }
    CAPTURE(instance);

    CirculationSimplex resumed;
    resumed.Reset(nodes);
    for (const Arc& a : first) resumed.AddArc(a.tail, a.head, a.capacity, a.cost);
    resumed.Solve();
    // Split arc 0 in two parallel arcs, the first keeping its place and as much of its flow as fits.
    const Arc split = first[0];
    const std::int64_t flow = resumed.Flow(0);
    const std::int64_t kept_capacity = split.capacity / 2;
    const std::int64_t kept_flow = std::min(flow, kept_capacity);
    const std::int64_t moved = flow - kept_flow;
    const std::int64_t moved_capacity = split.capacity - kept_capacity;
    if (resumed.InTree(0) || kept_flow == 0 || kept_flow == kept_capacity) {
      resumed.SetArc(0, kept_capacity, split.cost - 1, kept_flow);
      if (moved == 0 || moved == moved_capacity) {
        resumed.AddArc(split.tail, split.head, moved_capacity, split.cost + 1, moved);
        for (const Arc& a : later) resumed.AddArc(a.tail, a.head, a.capacity, a.cost);
        resumed.Solve();

        CirculationSimplex fresh;
        fresh.Reset(nodes);
        std::vector<Arc> all = first;
        all[0] = {split.tail, split.head, kept_capacity, split.cost - 1};
        all.push_back({split.tail, split.head, moved_capacity, split.cost + 1});
        all.insert(all.end(), later.begin(), later.end());
        for (const Arc& a : all) fresh.AddArc(a.tail, a.head, a.capacity, a.cost);
        fresh.Solve();
        CHECK(resumed.TotalCost() == fresh.TotalCost());

        std::vector<std::int64_t> balance(nodes, 0);
        for (std::size_t k = 0; k < all.size(); ++k) {
          const int arc = static_cast<int>(k);
          const std::int64_t f = resumed.Flow(arc);
          CHECK(f >= 0);
          CHECK(f <= all[k].capacity);
          balance[all[k].tail] -= f;
          balance[all[k].head] += f;
          const std::int64_t reduced = all[k].cost + resumed.Potential(all[k].tail) - resumed.Potential(all[k].head);
          if (f < all[k].capacity) CHECK(reduced >= 0);
          if (f > 0) CHECK(reduced <= 0);
        }
        for (std::int64_t b : balance) CHECK(b == 0);
        ++resumed_instances;
      }
    }
  }
  CHECK(resumed_instances >= 25);  // the split keeps the tree valid in most instances; they are tested
}

TEST_CASE("Storage.AHolderOffersItsExcessStockCheapestFirstAndItsWorkingStockAtTheCarryingCostAsk") {
  struct Tranche {
    double tonnes, ask;
  };
  auto schedule = [](double stock, double working, double ask) {
    std::vector<Tranche> tranches;
    ForEachStockTranche(stock, working, ask, [&](int level, double tonnes, double fraction) {
      REQUIRE(level >= 0);
      REQUIRE(level <= kExcessStockTranches);
      CHECK(fraction == (level == kExcessStockTranches ? ask : ask * kExcessAskLevels[level]));
      tranches.push_back({tonnes, fraction});
    });
    return tranches;
  };
  // At or below the working stock: one block at the carrying-cost ask.
  const std::vector<Tranche> normal = schedule(80, 100, 0.975);
  REQUIRE(normal.size() == 1);
  CHECK(normal[0].tonnes == 80);
  CHECK(normal[0].ask == 0.975);
  CHECK(schedule(0, 100, 0.975).empty());
  // Five times the working stock W = 100: beyond 4 W at half the ask; then down to W / v^2 kept at each
  // level v (256, 177.8, 130.6 t); the rest, the working stock and the units worth more than 0.875 of
  // the ask, at the ask. Cheapest first, asks rising, tonnes adding up to the stock.
  const std::vector<Tranche> glut = schedule(500, 100, 0.975);
  REQUIRE(glut.size() == 5);
  const double expected_tonnes[] = {100, 400 - 256, 256 - 100 / 0.5625, 100 / 0.5625 - 100 / 0.765625, 100 / 0.765625};
  const double expected_asks[] = {0.5, 0.625, 0.75, 0.875, 1.0};
  double total = 0;
  for (std::size_t k = 0; k < glut.size(); ++k) {
    CAPTURE(k);
    CHECK(glut[k].tonnes == doctest::Approx(expected_tonnes[k]));
    CHECK(glut[k].ask == doctest::Approx(0.975 * expected_asks[k]));
    total += glut[k].tonnes;
  }
  CHECK(total == doctest::Approx(500));
  // No unit is asked below what it is worth to the holder: the unit leaving x kept is worth
  // max(0.5, sqrt(W / x)) of the ask, and its tranche asks at least that.
  double kept = 500;
  for (const Tranche& tranche : glut) {
    kept -= tranche.tonnes;  // the last unit of the tranche leaves this much kept
    CHECK(tranche.ask >= 0.975 * std::max(0.5, std::sqrt(100 / std::max(kept, 100.0))) - 1e-12);
  }
  // A holder in the middle of the schedule offers only the levels it reaches.
  const std::vector<Tranche> some = schedule(200, 100, 0.975);
  REQUIRE(some.size() == 3);
  CHECK(some[0].tonnes == doctest::Approx(200 - 100 / 0.5625));
  CHECK(some[0].ask == doctest::Approx(0.975 * 0.75));
  // With no working stock everything is asked at half.
  const std::vector<Tranche> no_working = schedule(50, 0, 0.975);
  REQUIRE(no_working.size() == 1);
  CHECK(no_working[0].tonnes == 50);
  CHECK(no_working[0].ask == doctest::Approx(0.4875));
}

}  // namespace
}  // namespace reesim::world
