#include "policies/instruments.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "world/random.h"

namespace reesim::policies {

namespace {

// Calls fn(index) for each index of `list`, or for 0..count-1 when the list is empty ("all").
template <typename Fn>
void ForEachOrAll(const std::vector<int>& list, int count, Fn&& fn) {
  if (list.empty()) {
    for (int i = 0; i < count; ++i) fn(i);
  } else {
    for (int i : list) fn(i);
  }
}

// Calls fn(arc index) for every (product, own region -> partner) or (partner -> own region) arc.
template <typename Fn>
void ForEachArc(const Scope& scope, const world::WorldDescription& world, const world::BarrierTable& table,
                bool own_region_exports, Fn&& fn) {
  ForEachOrAll(scope.products, world.ProductCount(), [&](int product) {
    for (int own : scope.regions) {
      ForEachOrAll(scope.counterparts, world.RegionCount(), [&](int partner) {
        if (partner == own) return;
        fn(own_region_exports ? table.Arc(product, own, partner) : table.Arc(product, partner, own));
      });
    }
  });
}

}  // namespace

void ExportQuota::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  world::SharedExportQuota shared{scope_.regions, {}, tonnes_per_round_};
  ForEachOrAll(scope_.products, np, [&](int p) {
    shared.products.push_back(p);
    for (int r : scope_.regions) {
      for (int to = 0; to < world.RegionCount(); ++to) {
        if (to != r) table.controlled[table.Arc(p, r, to)] = 1;
      }
    }
  });
  if (shared.regions.size() * shared.products.size() == 1) {
    double& cap = table.export_quota_tonnes[world::WorldState::At(shared.regions[0], shared.products[0], np)];
    cap = std::min(cap, tonnes_per_round_);
  } else {
    table.shared_export_quotas.push_back(std::move(shared));
  }
}

void ImportTariff::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  ForEachArc(scope_, world, table, /*own_region_exports=*/false,
             [&](std::size_t arc) { table.tariff_ad_valorem[arc] += ad_valorem_; });
}

void ExportTax::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  ForEachArc(scope_, world, table, /*own_region_exports=*/true,
             [&](std::size_t arc) { table.export_tax_ad_valorem[arc] += ad_valorem_; });
}

void ExportBan::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  ForEachArc(scope_, world, table, /*own_region_exports=*/true, [&](std::size_t arc) {
    table.banned[arc] = 1;
    table.controlled[arc] = 1;
  });
}

void ExportControl::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  const world::WorldState& state = context.state;
  const double friction = terms_.licence_delay_rounds * world.market.carrying_cost_per_round;
  const bool licensing = state.round - terms_.start_round >= terms_.licence_delay_rounds;
  const double approval = licensing ? terms_.approval_share : 0.0;
  ForEachArc(scope_, world, table, /*own_region_exports=*/true, [&](std::size_t arc) {
    table.licence_friction_ad_valorem[arc] = std::max(table.licence_friction_ad_valorem[arc], friction);
    table.approval_share[arc] = std::min(table.approval_share[arc], approval);
    if (!terms_.allow_military) table.military_denied[arc] = 1;
    table.controlled[arc] = 1;
  });
}

void Enforcement::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  for (int r : scope_.regions) table.enforcement_usd[r] += usd_per_round_ / static_cast<double>(scope_.regions.size());
}

}  // namespace reesim::policies

namespace reesim::policies {

void ImportBan::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  for (int product : scope_.products) {
    for (int own : scope_.regions) {
      ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) {
        if (origin == own) return;
        table.banned[table.Arc(product, origin, own)] = 1;
      });
    }
  }
  if (other_trade_usd_per_round_ <= 0 || scope_.regions.empty()) return;
  std::vector<int> exporters;
  ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) {
    if (world.regions[origin].actor != world.regions[scope_.regions.front()].actor) exporters.push_back(origin);
  });
  for (int origin : exporters) {
    table.sanction_cost_usd[world.regions[origin].actor] += other_trade_usd_per_round_ / exporters.size();
  }
  table.sanction_cost_usd[world.regions[scope_.regions.front()].actor] += kSanctionImporterLoss * other_trade_usd_per_round_;
}

void ProductionQuota::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  double total_tonnes = 0;  // per round
  for (int plant : plants_) total_tonnes += world::EffectiveCapacity(context.world, context.state, plant);
  for (int plant : plants_) {
    const double share = total_tonnes > 0 ? world::EffectiveCapacity(context.world, context.state, plant) / total_tonnes : 0.0;
    double& cap = table.production_cap_tonnes[plant];
    cap = std::min(cap, tonnes_per_round_ * share);
  }
}

void ProductionSubsidy::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  for (int plant : plants_) table.production_subsidy_usd_per_kg[plant] += usd_per_kg_;
}

void StrategicStockpile::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  for (int product : products_) {
    world::StockpileOrder order;
    order.actor = actor_;
    order.region = terms_.region;
    order.product = product;
    const double reference = world.products[product].reference_price_usd_per_kg;
    order.buy_max_usd_per_kg = terms_.buy_max_price_multiple * reference;
    order.buy_tonnes = terms_.buy_tonnes_per_round;
    if (terms_.budget_usd_per_round > 0) {
      const double budget_share = terms_.budget_usd_per_round / static_cast<double>(products_.size());
      order.buy_tonnes = std::min(order.buy_tonnes, budget_share / (order.buy_max_usd_per_kg * 1000.0));
    }
    order.release_rate_tonnes = terms_.release_tonnes_per_round;
    order.sell_tonnes = std::min(terms_.release_tonnes_per_round,
                                 context.state.stockpile_tonnes[world::WorldState::At(actor_, product, np)]);
    order.sell_min_usd_per_kg = terms_.release_min_price_multiple * reference;
    if (order.buy_tonnes > 0 || order.release_rate_tonnes > 0) table.stockpile_orders.push_back(order);
  }
}

void Alliance::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  const world::WorldDescription& world = context.world;
  std::vector<bool> member(world.RegionCount(), false);
  for (int r : members_) member[r] = true;
  const int np = world.ProductCount();
  if (terms_.pooled_stockpile) {
    for (world::StockpileOrder& order : table.stockpile_orders) {
      if (std::find(actors_.begin(), actors_.end(), order.actor) == actors_.end()) continue;
      double pooled = 0;
      for (int actor : actors_) pooled += context.state.stockpile_tonnes[world::WorldState::At(actor, order.product, np)];
      order.sell_tonnes = std::min(order.release_rate_tonnes, pooled);
      order.pool = &actors_;
    }
  }
  if (terms_.joint_investment_share > 0) {
    for (int plant = 0; plant < world.PlantCount(); ++plant) {
      if (!member[world.plants[plant].region] || !world.plants[plant].is_project) continue;
      const double room = 1.0 - table.capital_subsidy_share[plant];
      const double share = std::min(room, terms_.joint_investment_share);
      table.capital_subsidy_share[plant] += share;
      table.joint_investment_share[plant] += share;
      table.joint_investors[plant] = &actors_;
    }
  }
  for (int p = 0; p < np; ++p) {
    for (int a : members_) {
      for (int b : members_) {
        if (a == b) continue;
        table.tariff_ad_valorem[table.Arc(p, a, b)] *= 1.0 - terms_.tariff_preference;
      }
    }
    if (!terms_.coordinated_controls) continue;
    for (int to = 0; to < world.RegionCount(); ++to) {
      if (member[to]) {
        // No controls among members.
        for (int from : members_) {
          if (from == to) continue;
          const std::size_t arc = table.Arc(p, from, to);
          table.banned[arc] = 0;
          table.approval_share[arc] = 1.0;
          table.military_denied[arc] = 0;
          table.licence_friction_ad_valorem[arc] = 0.0;
          table.controlled[arc] = 0;
        }
        continue;
      }
      // Against an outsider, the strictest member's control binds every member.
      std::uint8_t banned = 0, military = 0, controlled = 0;
      double approval = 1.0, friction = 0.0;
      for (int from : members_) {
        const std::size_t arc = table.Arc(p, from, to);
        banned |= table.banned[arc];
        military |= table.military_denied[arc];
        controlled |= table.controlled[arc];
        approval = std::min(approval, table.approval_share[arc]);
        friction = std::max(friction, table.licence_friction_ad_valorem[arc]);
      }
      for (int from : members_) {
        const std::size_t arc = table.Arc(p, from, to);
        table.banned[arc] = banned;
        table.military_denied[arc] = military;
        table.controlled[arc] = controlled;
        table.approval_share[arc] = approval;
        table.licence_friction_ad_valorem[arc] = friction;
      }
    }
  }
}

bool SubstitutionResearch::Succeeds(const world::ApplyContext& context) const {
  world::RandomStream random(context.seed, context.run, static_cast<std::uint64_t>(terms_.start_round),
                             static_cast<std::uint64_t>(terms_.event_index), world::RandomPurpose::kPolicyOutcome);
  return random.Uniform() < terms_.success_probability;
}

void SubstitutionResearch::Apply(const world::ApplyContext& context, world::BarrierTable& table) const {
  if (context.state.round < terms_.start_round + terms_.lag_rounds || !Succeeds(context)) return;
  for (int entry : entries_) table.demand_multiplier[entry] *= 1.0 - terms_.demand_cut_share;
}

void Offtake::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  table.offtakes.push_back(delivery_);
}

void EquityStake::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  table.equity.push_back({actor_, share_, &plants_});
}

void PriceFloor::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  for (int plant : plants_) table.price_floors.push_back({actor_, plant, product_, floor_usd_per_kg_});
}

void CapitalSubsidy::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  for (int plant : plants_) {
    table.capital_subsidy_share[plant] = std::min(1.0, table.capital_subsidy_share[plant] + share_);
  }
}

void RecyclingMandate::Apply(const world::ApplyContext&, world::BarrierTable& table) const {
  for (int plant : recyclers_) table.recycling_mandate_share[plant] = std::max(table.recycling_mandate_share[plant], share_);
}

}  // namespace reesim::policies
