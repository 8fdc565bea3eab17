#include "policies/export_control.h"

#include <algorithm>

#include "world/state.h"

namespace reesim::policies {

void ExportControl::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                   world::RoundOutcome&) const {
  const world::WorldDescription& world = context.world;
  const double friction = terms_.licence_delay_rounds * world.market.carrying_cost_per_round;
  const bool licensing = context.state.round - terms_.start_round >= terms_.licence_delay_rounds;
  const double approval = licensing ? terms_.approval_share : 0.0;
  ForEachArc(scope_, world, table, /*own_region_exports=*/true, [&](std::size_t arc) {
    table.licence_friction_ad_valorem[arc] = std::max(table.licence_friction_ad_valorem[arc], friction);
    table.approval_share[arc] = std::min(table.approval_share[arc], approval);
    if (!terms_.allow_military) table.military_denied[arc] = 1;
    table.controlled[arc] = 1;
  });
}

}  // namespace reesim::policies
