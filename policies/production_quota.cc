#include "policies/production_quota.h"

#include <algorithm>

#include "world/state.h"

namespace reesim::policies {

void ProductionQuota::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                     world::RoundOutcome&) const {
  double total_tonnes = 0;  // per round
  for (int plant : plants_) total_tonnes += world::EffectiveCapacity(context.world, context.state, plant);
  for (int plant : plants_) {
    const double share =
        total_tonnes > 0 ? world::EffectiveCapacity(context.world, context.state, plant) / total_tonnes : 0.0;
    double& cap = table.production_cap_tonnes[plant];
    cap = std::min(cap, tonnes_per_round_ * share);
  }
}

}  // namespace reesim::policies
