#include "policies/recycling_mandate.h"

#include <algorithm>

namespace reesim::policies {

void RecyclingMandate::BeforeClearing(const world::ApplyContext&, world::BarrierTable& table,
                                      world::RoundOutcome&) const {
  for (int plant : recyclers_) table.recycling_mandate_share[plant] = std::max(table.recycling_mandate_share[plant], share_);
}

}  // namespace reesim::policies
