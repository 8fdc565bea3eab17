#include "policies/export_quota.h"

#include <algorithm>

#include "world/state.h"

namespace reesim::policies {

void ExportQuota::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                 world::RoundOutcome&) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  int covered = 0, last = -1;
  ForEachOrAll(scope_.products, np, [&](int p) {
    ++covered;
    last = p;
    for (int r : scope_.regions) {
      for (int to = 0; to < world.RegionCount(); ++to) {
        if (to != r) table.controlled[table.Arc(p, r, to)] = 1;
      }
    }
  });
  if (scope_.regions.size() * static_cast<std::size_t>(covered) == 1) {
    double& cap = table.export_quota_tonnes[world::WorldState::At(scope_.regions[0], last, np)];
    cap = std::min(cap, tonnes_per_round_);
  } else {
    world::SharedExportQuota& shared = table.AddSharedExportQuota();
    shared.regions = scope_.regions;
    ForEachOrAll(scope_.products, np, [&](int p) { shared.products.push_back(p); });
    shared.tonnes = tonnes_per_round_;
  }
}

}  // namespace reesim::policies
