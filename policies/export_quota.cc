#include "policies/export_quota.h"

#include <algorithm>

#include "world/state.h"

namespace reesim::policies {

void ExportQuota::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                 world::RoundOutcome&) const {
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

}  // namespace reesim::policies
