#include "policies/enforcement.h"

#include "world/round.h"

namespace reesim::policies {

void Enforcement::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                 world::RoundOutcome& outcome) const {
  for (int r : scope_.regions) {
    const double usd = usd_per_round_ / static_cast<double>(scope_.regions.size());
    table.enforcement_usd[r] += usd;
    outcome.policy_cost_usd[context.world.regions[r].actor] += usd;
    outcome.outside_cost_usd[context.world.regions[r].actor] += usd;  // paid to no one in the model
  }
}

}  // namespace reesim::policies
