#include "world/payoff.h"

#include <algorithm>

namespace reesim::world {

namespace {
constexpr double kMillion = 1e6;
}  // namespace

std::vector<double> CompoundAndMetalImportsUsd(const WorldDescription& world, const RoundOutcome& outcome) {
  const int nr = world.RegionCount();
  std::vector<double> imports(static_cast<std::size_t>(nr) * nr, 0.0);
  for (const FlowOutcome& flow : outcome.flows) {
    const Stage stage = world.products[flow.product].stage;
    if (flow.from == flow.to || (stage != Stage::kSeparation && stage != Stage::kMetal)) continue;
    imports[static_cast<std::size_t>(flow.to) * nr + flow.from] += flow.tonnes * kKgPerTonne * flow.price_usd_per_kg;
  }
  return imports;
}

std::vector<PayoffComponents> ComputePayoffs(const WorldDescription& world, const RoundOutcome& outcome) {
  const int nr = world.RegionCount();
  std::vector<PayoffComponents> payoff(world.actors.size());
  auto actor_of = [&](int region) -> PayoffComponents& { return payoff[world.regions[region].actor]; };
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    actor_of(world.demand[e].region).consumer_surplus += (outcome.demand[e].surplus_usd + outcome.demand[e].switched_surplus_usd) / kMillion;
  }
  for (int r = 0; r < nr; ++r) actor_of(r).revenue += outcome.trade_revenue_usd[r] / kMillion;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const Plant& plant = world.plants[i];
    const PlantOutcome& result = outcome.plants[i];
    PayoffComponents& p = actor_of(plant.region);
    p.producer_surplus += (result.revenue_usd - result.cost_usd - result.equity_paid_usd) / kMillion;
    p.environment += result.output_tonnes * kKgPerTonne *
                     world.market.environmental_cost_usd_per_kg[static_cast<int>(plant.stage)] / kMillion;
  }
  for (std::size_t a = 0; a < payoff.size(); ++a) {
    PayoffComponents& p = payoff[a];
    p.revenue += outcome.equity_income_usd[a] / kMillion;
    p.licence_rent = outcome.licence_rent_usd[a] / kMillion;
    p.policy_cost = outcome.policy_cost_usd[a] / kMillion;
    p.stockpile_value_change = outcome.stockpile_net_purchase_usd[a] / kMillion;
    const PayoffWeights& w = world.actors[a].weights;
    p.total = w.consumer_surplus * p.consumer_surplus + w.producer_surplus * p.producer_surplus +
              w.revenue * (p.revenue + p.licence_rent - p.policy_cost + p.stockpile_value_change) -
              w.environment * p.environment;
  }
  return payoff;
}

std::vector<StrategicIndicators> ComputeIndicators(const WorldDescription& world, const RoundOutcome& outcome) {
  const int nr = world.RegionCount();
  std::vector<StrategicIndicators> indicators(world.actors.size());
  auto actor_of = [&](int region) -> StrategicIndicators& { return indicators[world.regions[region].actor]; };
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const DemandEntry& demand = world.demand[e];
    const DemandOutcome& result = outcome.demand[e];
    if (demand.critical && result.reference_tonnes > 0) {
      actor_of(demand.region).security += std::max(0.0, 1.0 - result.served_tonnes / result.reference_tonnes);
    }
  }
  const std::vector<double> imports = CompoundAndMetalImportsUsd(world, outcome);
  for (int importer = 0; importer < nr; ++importer) {
    double total = 0, hhi = 0;
    for (int exporter = 0; exporter < nr; ++exporter) total += imports[static_cast<std::size_t>(importer) * nr + exporter];
    if (total <= 0) continue;
    for (int exporter = 0; exporter < nr; ++exporter) {
      const double share = imports[static_cast<std::size_t>(importer) * nr + exporter] / total;
      hhi += share * share;
    }
    actor_of(importer).security += hhi;
  }
  // Leverage: share of world exports of processed products (not concentrate) by value.
  std::vector<double> exports(nr, 0.0);
  double world_exports = 0;
  for (const FlowOutcome& flow : outcome.flows) {
    if (flow.from == flow.to || world.products[flow.product].stage == Stage::kMining) continue;
    const double value = flow.tonnes * kKgPerTonne * flow.price_usd_per_kg;
    exports[flow.from] += value;
    world_exports += value;
  }
  if (world_exports > 0) {
    for (int r = 0; r < nr; ++r) actor_of(r).leverage += exports[r] / world_exports;
  }
  return indicators;
}

RestOfWorldPayoff ComputeRestOfWorld(const RoundOutcome& outcome) {
  RestOfWorldPayoff row;
  row.smuggling = outcome.rest_of_world.smuggling_usd / kMillion;
  row.speculation = outcome.rest_of_world.speculation_usd / kMillion;
  row.total = row.smuggling + row.speculation;
  return row;
}

WelfareBalance ComputeWelfareBalance(const WorldDescription& world, const RoundOutcome& outcome) {
  WelfareBalance balance;
  for (const PayoffComponents& p : ComputePayoffs(world, outcome)) {
    balance.components += p.consumer_surplus + p.producer_surplus + p.revenue + p.licence_rent - p.policy_cost +
                          p.stockpile_value_change;
  }
  balance.components += ComputeRestOfWorld(outcome).total;
  const WelfareAccount& account = outcome.welfare;
  double outside = 0, acquired = 0;
  for (std::size_t a = 0; a < world.actors.size(); ++a) {
    outside += outcome.outside_cost_usd[a];
    acquired += outcome.stockpile_net_purchase_usd[a];
  }
  balance.resources = (account.gross_wtp_usd + account.switched_surplus_usd - account.processing_cost_usd -
                       account.capital_cost_usd - account.transport_cost_usd - account.trade_friction_usd - outside +
                       acquired) /
                      kMillion;
  return balance;
}

}  // namespace reesim::world
