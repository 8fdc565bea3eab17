#include "policies/offtake.h"

#include "world/round.h"

namespace reesim::policies {

void Offtake::BeforeClearing(const world::ApplyContext&, world::BarrierTable& table, world::RoundOutcome&) const {
  table.offtakes.push_back(delivery_);
}

void Offtake::AtInvestment(const world::WorldDescription&, world::WorldState& state) const {
  world::GuaranteePrice(state, delivery_.seller_plant, delivery_.product, delivery_.price_usd_per_kg);
}

}  // namespace reesim::policies
