// Offtake: a contract served before the spot market (e.g. Apple - MP Materials, the US DoD and MP's
// 10X magnets): each round the seller plant delivers up to the volume to the buyer (a plant, or a
// region's sector demand) at the contract price (0: the seller's expected price).
//
// Before clearing: adds the delivery to the round's contracts (world::BarrierTable::offtakes). Before
// the product's stage clears, the round delivers it from the seller's output (mines, recyclers) or
// stock, up to what the buyer demands; a ban on the route (or, for a defence buyer, a military
// denial) stops it, and across a border an export quota caps it and it pays transport and duties
// (world/round.cc, DeliverOfftakes: the price is free on board).
// At investment: the contract price is a guaranteed price firms count on when valuing projects
// (ASSUMPTION: before the exporter's duties, which the investment hook cannot see).
#pragma once

#include "world/barriers.h"

namespace reesim::policies {

class Offtake : public world::Instrument {
 public:
  explicit Offtake(world::OfftakeDelivery delivery) : delivery_(delivery) {}
  world::HookSet Hooks() const override { return {.before_clearing = true, .at_investment = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;
  void AtInvestment(const world::WorldDescription& world, world::WorldState& state) const override;

 private:
  world::OfftakeDelivery delivery_;
};

}  // namespace reesim::policies
