#include "policies/capital_subsidy.h"

#include <algorithm>

namespace reesim::policies {

void CapitalSubsidy::BeforeClearing(const world::ApplyContext&, world::BarrierTable& table,
                                    world::RoundOutcome&) const {
  for (int plant : plants_) {
    table.capital_subsidy_share[plant] = std::min(1.0, table.capital_subsidy_share[plant] + share_);
  }
}

}  // namespace reesim::policies
