#include "policies/production_subsidy.h"

namespace reesim::policies {

void ProductionSubsidy::BeforeClearing(const world::ApplyContext&, world::BarrierTable& table,
                                       world::RoundOutcome&) const {
  for (int plant : plants_) table.production_subsidy_usd_per_kg[plant] += usd_per_kg_;
}

}  // namespace reesim::policies
