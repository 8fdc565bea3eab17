#include "policies/instruments.h"

#include <algorithm>
#include <cmath>

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
  const world::WorldState& state = context.state;
  const int np = world.ProductCount();
  double total_weight = 0;
  ForEachOrAll(scope_.products, np, [&](int p) {
    for (int r : scope_.regions) total_weight += state.export_value_usd[world::WorldState::At(r, p, np)];
  });
  const bool by_value = total_weight > 0;
  if (!by_value) {
    ForEachOrAll(scope_.products, np, [&](int p) {
      total_weight += world.products[p].reference_price_usd_per_kg * static_cast<double>(scope_.regions.size());
    });
  }
  ForEachOrAll(scope_.products, np, [&](int p) {
    for (int r : scope_.regions) {
      const double weight = by_value ? state.export_value_usd[world::WorldState::At(r, p, np)]
                                     : world.products[p].reference_price_usd_per_kg;
      double& cap = table.export_quota_tonnes[world::WorldState::At(r, p, np)];
      cap = std::min(cap, total_weight > 0 ? tonnes_per_round_ * weight / total_weight : 0.0);
      for (int to = 0; to < world.RegionCount(); ++to) {
        if (to != r) table.controlled[table.Arc(p, r, to)] = 1;
      }
    }
  });
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
