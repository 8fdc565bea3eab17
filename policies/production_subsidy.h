// Production subsidy: USD per kg of output for the listed plants (the actor's plants making the
// covered products; a separation plant: per kg of feed separated).
//
// Before clearing: adds its rate to the plants' subsidy (world::BarrierTable; rates add up). The
// clearing lowers each plant's offers and raises its bids for inputs by it; at settlement the round
// books it per tonne processed (sold spot, delivered under contract, or made for stock) as a cost to
// the government of the plant's region, and the plant's own cost falls by as much. Firms see the rate
// in the next round's state when valuing projects.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class ProductionSubsidy : public world::Instrument {
 public:
  ProductionSubsidy(std::vector<int> plants, double usd_per_kg) : plants_(std::move(plants)), usd_per_kg_(usd_per_kg) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  std::vector<int> plants_;
  double usd_per_kg_;
};

}  // namespace reesim::policies
