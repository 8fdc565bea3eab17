#include "policies/export_ban.h"

namespace reesim::policies {

void ExportBan::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                               world::RoundOutcome&) const {
  ForEachArc(scope_, context.world, table, /*own_region_exports=*/true, [&](std::size_t arc) {
    table.banned[arc] = 1;
    table.controlled[arc] = 1;
  });
}

}  // namespace reesim::policies
