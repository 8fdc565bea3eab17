// Price floor: a government guarantees the listed plants a minimum price for their sales of a product
// (the US DoD's $110/kg NdPr floor for MP Materials, July 2025) and pays the gap.
//
// Before clearing: the listed plants know every kg they sell earns at least the floor, so they offer at
// any market price what they would sell at the floor (BarrierTable::sale_floor_usd_per_kg; one floor per
// plant, the highest). Two floors on one plant's product each pay their top-up: a scenario should not
// stack them.
// At settlement: on each spot sale of the product by a listed plant below the floor, tops the plant's
// revenue up to the floor and books the top-up as a cost to the government.
// At investment: the floor is a guaranteed price firms count on when valuing projects.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class PriceFloor : public world::Instrument {
 public:
  PriceFloor(int actor, std::vector<int> plants, int product, double floor_usd_per_kg)
      : actor_(actor), plants_(std::move(plants)), product_(product), floor_usd_per_kg_(floor_usd_per_kg) {}
  world::HookSet Hooks() const override { return {.before_clearing = true, .on_sale = true, .at_investment = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table, world::RoundOutcome& outcome) const override;
  void OnSale(const world::Sale& sale, world::RoundOutcome& outcome) const override;
  void AtInvestment(const world::WorldDescription& world, world::WorldState& state) const override;

 private:
  int actor_;
  std::vector<int> plants_;
  int product_;
  double floor_usd_per_kg_;
};

}  // namespace reesim::policies
