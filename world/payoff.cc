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
  std::vector<StrategicIndicators> indicators(world.actors.size());
  auto actor_of = [&](int region) -> StrategicIndicators& { return indicators[world.regions[region].actor]; };
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const DemandEntry& demand = world.demand[e];
    const DemandOutcome& result = outcome.demand[e];
    if (demand.critical && result.reference_tonnes > 0) {
      actor_of(demand.region).security += std::max(0.0, 1.0 - result.served_tonnes / result.reference_tonnes);
    }
  }
  // Supply risk: how much of the actor's use its own output does not cover (final demand at reference
  // and its makers' inputs, valued at P0; from demand, so a cut-off actor is not read as self-reliant),
  // times how concentrated its imports of processed rare earths (oxides, metals and alloys, magnets)
  // are among the exporting actors by value (Herfindahl; 1 when nothing arrives). Weighted by reliance,
  // a country that makes most of what it uses is not made insecure by a small import from one source
  // (China read 1.0, the worst, for its Malaysian NdPr); counted per actor, an actor of several regions
  // is judged on what crosses its border, not summed over its regions (the EU read up to 2.7); magnets
  // count (the US's were left out).
  const std::size_t na = world.actors.size();
  const int np = world.ProductCount();
  std::vector<double> imported(na * na, 0.0), exported(na, 0.0);
  for (const FlowOutcome& flow : outcome.flows) {
    const int from = world.regions[flow.from].actor, to = world.regions[flow.to].actor;
    if (from == to || world.products[flow.product].stage == Stage::kMining) continue;
    const double value = flow.tonnes * kKgPerTonne * flow.price_usd_per_kg;
    imported[static_cast<std::size_t>(to) * na + from] += value;
    exported[from] += value;
  }
  std::vector<double> demanded(na * np, 0.0), demanded_usd(na * np, 0.0), produced(na * np, 0.0);
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const DemandEntry& demand = world.demand[e];
    const std::size_t cell = static_cast<std::size_t>(world.regions[demand.region].actor) * np + demand.product;
    demanded[cell] += outcome.demand[e].reference_tonnes;
    demanded_usd[cell] += outcome.demand[e].reference_tonnes * demand.reference_price_usd_per_kg;
  }
  for (int i = 0; i < world.PlantCount(); ++i) {
    const Plant& plant = world.plants[i];
    const std::size_t actor = static_cast<std::size_t>(world.regions[plant.region].actor);
    const double output = outcome.plants[i].output_tonnes;
    ForEachOutput(world, plant, [&](int product, double per_tonne) { produced[actor * np + product] += output * per_tonne; });
    // What its makers use counts as demand too (at the base recipe, valued at P0): an actor that makes
    // magnets from imported alloy relies on the alloy's makers.
    if ((plant.stage != Stage::kMetal && plant.stage != Stage::kMagnet) || plant.recycler) continue;
    for (const ProductShare& share : world.products[plant.product].made_from) {
      if (world.products[share.product].stage == Stage::kMining) continue;
      const std::size_t cell = actor * np + share.product;
      demanded[cell] += output * share.tonnes_per_tonne;
      demanded_usd[cell] += output * share.tonnes_per_tonne * world.products[share.product].reference_price_usd_per_kg;
    }
  }
  for (std::size_t a = 0; a < na; ++a) {
    double total_usd = 0, uncovered_usd = 0;
    for (int p = 0; p < np; ++p) {
      const std::size_t cell = a * np + p;
      if (!(demanded[cell] > 0)) continue;
      total_usd += demanded_usd[cell];
      uncovered_usd += demanded_usd[cell] * std::max(0.0, 1.0 - produced[cell] / demanded[cell]);
    }
    if (!(total_usd > 0)) continue;
    double imports = 0, hhi = 0;
    for (std::size_t e = 0; e < na; ++e) imports += imported[a * na + e];
    for (std::size_t e = 0; e < na && imports > 0; ++e) hhi += (imported[a * na + e] / imports) * (imported[a * na + e] / imports);
    indicators[a].security += uncovered_usd / total_usd * (imports > 0 ? hhi : 1.0);
  }
  // Leverage: the actor's share of world exports of processed products by value (trade between an
  // actor's own regions is not exported).
  double world_exports = 0;
  for (const double value : exported) world_exports += value;
  if (world_exports > 0) {
    for (std::size_t a = 0; a < na; ++a) indicators[a].leverage = exported[a] / world_exports;
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
