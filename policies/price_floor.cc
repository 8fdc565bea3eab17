#include "policies/price_floor.h"

#include "world/round.h"

namespace reesim::policies {

void PriceFloor::BeforeClearing(const world::ApplyContext&, world::BarrierTable& table, world::RoundOutcome&) const {
  for (int plant : plants_) {
    // One floor per plant shapes its offers, the higher (as GuaranteePrice keeps the best guarantee); a
    // second floor on another of its products still pays its top-up.
    if (floor_usd_per_kg_ <= table.sale_floor_usd_per_kg[plant]) continue;
    table.sale_floor_usd_per_kg[plant] = floor_usd_per_kg_;
    table.sale_floor_product[plant] = product_;
  }
}

void PriceFloor::OnSale(const world::Sale& sale, world::RoundOutcome& outcome) const {
  if (sale.product != product_ || sale.price_usd_per_kg >= floor_usd_per_kg_) return;
  for (int plant : plants_) {
    if (plant != sale.plant) continue;
    const double top_up = sale.tonnes * world::kKgPerTonne * (floor_usd_per_kg_ - sale.price_usd_per_kg);
    outcome.plants[plant].revenue_usd += top_up;
    outcome.policy_cost_usd[actor_] += top_up;
  }
}

void PriceFloor::AtInvestment(const world::WorldDescription&, world::WorldState& state) const {
  for (int plant : plants_) world::GuaranteePrice(state, plant, product_, floor_usd_per_kg_);
}

}  // namespace reesim::policies
