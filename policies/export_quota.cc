#include "policies/export_quota.h"

#include <algorithm>

#include "world/state.h"

namespace reesim::policies {

void ExportQuota::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                 world::RoundOutcome&) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  // One region and one product: a cap on that market; more: one licence over them all (ShareExportQuota).
  const std::size_t covered = scope_.products.empty() ? static_cast<std::size_t>(np) : scope_.products.size();
  world::SharedExportQuota* shared = nullptr;
  if (scope_.regions.size() * covered != 1) {
    shared = &table.AddSharedExportQuota();
    shared->regions = scope_.regions;
    shared->tonnes = tonnes_per_round_;
  }
  ForEachOrAll(scope_.products, np, [&](int p) {
    for (int r : scope_.regions) {
      for (int to = 0; to < world.RegionCount(); ++to) {
        if (to != r) table.controlled[table.Arc(p, r, to)] = 1;
      }
    }
    if (shared != nullptr) {
      shared->products.push_back(p);
    } else {
      double& cap = table.export_quota_tonnes[world::WorldState::At(scope_.regions[0], p, np)];
      cap = std::min(cap, tonnes_per_round_);
    }
  });
}

}  // namespace reesim::policies
