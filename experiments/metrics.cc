#include "experiments/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "world/payoff.h"

namespace reesim::experiments {

bool IsFlowMetric(const std::string& metric) {
  for (const char* prefix : {"trade.", "military.", "exports.", "smuggled.", "stockpile.", "recycled.", "import_share."}) {
    if (metric.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

Metrics ComputeMetrics(const world::WorldDescription& world, const world::RoundOutcome& outcome) {
  using world::WorldState;
  Metrics metrics;
  const int nr = world.RegionCount();
  const int np = world.ProductCount();
  const int na = static_cast<int>(world.actors.size());

  for (int p = 0; p < np; ++p) {
    const std::string& product = world.products[p].id;
    double weighted = 0, weight = 0, plain = 0;
    int plain_count = 0;
    for (int r = 0; r < nr; ++r) {
      const double price = outcome.price_usd_per_kg[WorldState::At(r, p, np)];
      if (std::isnan(price)) continue;
      metrics["price." + product + "." + world.regions[r].id] = price;
      if (!world.in_reference_price[r]) continue;
      const double consumed = outcome.consumed_tonnes[WorldState::At(r, p, np)];
      weighted += price * consumed;
      weight += consumed;
      plain += price;
      ++plain_count;
    }
    if (weight > 0) {
      metrics["price." + product] = weighted / weight;
    } else if (plain_count > 0) {
      metrics["price." + product] = plain / plain_count;
    }
  }

  // Output by stage and region; separated oxides also by product.
  std::vector<double> stage_capacity(static_cast<std::size_t>(world::kStageCount) * nr, 0.0);
  std::vector<double> stage_output(static_cast<std::size_t>(world::kStageCount) * nr, 0.0);
  std::vector<bool> stage_present(stage_output.size(), false);
  std::vector<double> oxide_output(static_cast<std::size_t>(np) * nr, 0.0);
  std::vector<bool> oxide_present(oxide_output.size(), false);
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::Plant& plant = world.plants[i];
    const std::size_t cell = static_cast<std::size_t>(plant.stage) * nr + plant.region;
    stage_output[cell] += outcome.plants[i].output_tonnes;
    if (plant.recycler) {
      metrics["recycled." + world.products[plant.product].id + "." + world.regions[plant.region].id] +=
          outcome.plants[i].output_tonnes;
    }
    stage_capacity[cell] += outcome.plants[i].capacity_tonnes;
    stage_present[cell] = true;
    if (plant.stage != world::Stage::kSeparation) continue;
    for (const world::ProductShare& share : world.products[plant.product].separates_into) {
      const std::size_t oxide_cell = static_cast<std::size_t>(share.product) * nr + plant.region;
      oxide_output[oxide_cell] += outcome.plants[i].output_tonnes * share.tonnes_per_tonne;
      oxide_present[oxide_cell] = true;
    }
  }
  auto add_shares = [&](const std::string& name, const std::vector<double>& output, const std::vector<bool>& present,
                        int row) {
    double total = 0;
    for (int r = 0; r < nr; ++r) total += output[static_cast<std::size_t>(row) * nr + r];
    for (int r = 0; r < nr; ++r) {
      const std::size_t cell = static_cast<std::size_t>(row) * nr + r;
      if (!present[cell]) continue;
      metrics["output." + name + "." + world.regions[r].id] = output[cell];
      if (&output == &stage_output) metrics["capacity." + name + "." + world.regions[r].id] = stage_capacity[cell];
      metrics["share." + name + "." + world.regions[r].id] = total > 0 ? output[cell] / total : 0.0;
    }
  };
  for (int s = 0; s < world::kStageCount; ++s) add_shares(world::kStageNames[s], stage_output, stage_present, s);
  for (int p : world.products_by_stage[static_cast<int>(world::Stage::kSeparation)]) {
    add_shares(world.products[p].id, oxide_output, oxide_present, p);
  }

  // Trade: import sources of compounds and metals by value; net import reliance by value over
  // everything processed (oxides, metals, magnets).
  std::vector<double> imports_usd(nr, 0.0), exports_usd(nr, 0.0), produced_usd(nr, 0.0);
  // Recorded exports and smuggled tonnes by product and exporter, and bilateral trade.
  std::vector<double> exported(static_cast<std::size_t>(np) * nr, 0.0), smuggled(exported.size(), 0.0);
  std::vector<double> exported_total(nr, 0.0);
  for (const world::FlowOutcome& flow : outcome.flows) {
    if (flow.from == flow.to) continue;
    (flow.smuggled ? smuggled : exported)[static_cast<std::size_t>(flow.product) * nr + flow.from] += flow.tonnes;
    if (flow.smuggled) continue;
    exported_total[flow.from] += flow.tonnes;
    const std::string route = world.products[flow.product].id + "." + world.regions[flow.from].id + "." +
                              world.regions[flow.to].id;
    metrics["trade." + route] += flow.tonnes;
    if (flow.military) metrics["military." + route] += flow.tonnes;
  }
  for (int r = 0; r < nr; ++r) {
    if (exported_total[r] > 0) metrics["exports.total." + world.regions[r].id] = exported_total[r];
  }
  for (int p = 0; p < np; ++p) {
    double smuggled_total = 0;
    for (int r = 0; r < nr; ++r) {
      const std::size_t cell = static_cast<std::size_t>(p) * nr + r;
      smuggled_total += smuggled[cell];
      if (exported[cell] > 0) metrics["exports." + world.products[p].id + "." + world.regions[r].id] = exported[cell];
      if (smuggled[cell] > 0) metrics["smuggled." + world.products[p].id + "." + world.regions[r].id] = smuggled[cell];
    }
    if (smuggled_total > 0) metrics["smuggled." + world.products[p].id] = smuggled_total;
  }

  for (const world::FlowOutcome& flow : outcome.flows) {
    if (flow.from == flow.to || world.products[flow.product].stage == world::Stage::kMining) continue;
    const double value = flow.tonnes * flow.price_usd_per_kg;
    imports_usd[flow.to] += value;
    exports_usd[flow.from] += value;
  }
  auto price_at = [&](int region, int product) {
    const double price = outcome.price_usd_per_kg[WorldState::At(region, product, np)];
    return std::isnan(price) ? 0.0 : price;
  };
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::Plant& plant = world.plants[i];
    const double output = outcome.plants[i].output_tonnes;
    if (plant.stage == world::Stage::kMining || output <= 0) continue;
    world::ForEachOutput(world, plant, [&](int product, double per_tonne) {
      produced_usd[plant.region] += output * per_tonne * price_at(plant.region, product);
    });
  }
  const std::vector<double> import_value = world::CompoundAndMetalImportsUsd(world, outcome);
  for (int importer = 0; importer < nr; ++importer) {
    double total = 0;
    for (int exporter = 0; exporter < nr; ++exporter) total += import_value[static_cast<std::size_t>(importer) * nr + exporter];
    if (total <= 0) continue;
    for (int exporter = 0; exporter < nr; ++exporter) {
      const double value = import_value[static_cast<std::size_t>(importer) * nr + exporter];
      if (value > 0) metrics["import_share." + world.regions[importer].id + "." + world.regions[exporter].id] = value / total;
    }
  }
  for (int r = 0; r < nr; ++r) {
    const double net_imports = imports_usd[r] - exports_usd[r];
    const double apparent = produced_usd[r] + net_imports;
    if (apparent <= 0) continue;
    metrics["import_reliance." + world.regions[r].id] = std::clamp(net_imports / apparent, 0.0, 1.0);
  }

  // Unmet demand by region and sector.
  std::vector<double> reference(static_cast<std::size_t>(nr) * world::kSectorCount, 0.0);
  std::vector<double> served(reference.size(), 0.0);
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const world::DemandEntry& demand = world.demand[e];
    const std::size_t cell = static_cast<std::size_t>(demand.region) * world::kSectorCount + static_cast<int>(demand.sector);
    reference[cell] += outcome.demand[e].reference_tonnes;
    served[cell] += outcome.demand[e].served_tonnes;
  }
  for (int r = 0; r < nr; ++r) {
    for (int k = 0; k < world::kSectorCount; ++k) {
      const std::size_t cell = static_cast<std::size_t>(r) * world::kSectorCount + k;
      if (reference[cell] <= 0) continue;
      metrics["unmet." + world.regions[r].id + "." + world::kSectorNames[k]] =
          std::max(0.0, 1.0 - served[cell] / reference[cell]);
    }
  }

  const std::vector<world::PayoffComponents> payoffs = world::ComputePayoffs(world, outcome);
  for (int a = 0; a < na; ++a) {
    const world::PayoffComponents& p = payoffs[a];
    const std::string prefix = "payoff." + world.actors[a].id;
    if (outcome.stockpile_tonnes[a] > 0) metrics["stockpile." + world.actors[a].id] = outcome.stockpile_tonnes[a];
    metrics[prefix] = p.total;
    metrics[prefix + ".consumer_surplus"] = p.consumer_surplus;
    metrics[prefix + ".producer_surplus"] = p.producer_surplus;
    metrics[prefix + ".revenue"] = p.revenue;
    metrics[prefix + ".security"] = p.security;
    metrics[prefix + ".leverage"] = p.leverage;
    metrics[prefix + ".environment"] = p.environment;
  }
  return metrics;
}

}  // namespace reesim::experiments
