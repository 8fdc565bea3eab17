#include "policies/stockpile.h"

#include <algorithm>

#include "world/round.h"

namespace reesim::policies {

void StrategicStockpile::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                        world::RoundOutcome&) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  for (int product : products_) {
    world::StockpileOrder order;
    order.actor = actor_;
    order.region = terms_.region;
    order.product = product;
    order.owner = this;
    const double reference = world.products[product].reference_price_usd_per_kg;
    order.buy_max_usd_per_kg = terms_.buy_max_price_multiple * reference;
    order.buy_tonnes = terms_.buy_tonnes_per_round;
    if (terms_.budget_usd_per_round > 0) {
      const double budget_share = terms_.budget_usd_per_round / static_cast<double>(products_.size());
      order.buy_tonnes = std::min(order.buy_tonnes, budget_share / (order.buy_max_usd_per_kg * world::kKgPerTonne));
    }
    order.release_rate_tonnes = terms_.release_tonnes_per_round;
    order.sell_tonnes = std::min(terms_.release_tonnes_per_round,
                                 context.state.stockpile_tonnes[world::WorldState::At(actor_, product, np)]);
    order.sell_min_usd_per_kg = terms_.release_min_price_multiple * reference;
    if (order.buy_tonnes > 0 || order.release_rate_tonnes > 0) table.stockpile_orders.push_back(order);
  }
}

void StrategicStockpile::OnOrderFilled(const world::WorldDescription& world, const world::StockpileOrder& order,
                                       const world::OrderFill& fill, world::WorldState& state,
                                       world::RoundOutcome& outcome) const {
  const int np = world.ProductCount();
  if (!fill.sold) {
    state.stockpile_tonnes[world::WorldState::At(order.actor, order.product, np)] += fill.tonnes;
    outcome.policy_cost_usd[order.actor] += fill.tonnes * world::kKgPerTonne * fill.price_usd_per_kg;
    return;
  }
  double left = fill.tonnes;
  auto draw = [&](int actor) {
    double& held = state.stockpile_tonnes[world::WorldState::At(actor, order.product, np)];
    const double taken = std::min(held, left);
    held -= taken;
    left -= taken;
  };
  draw(order.actor);
  if (order.pool != nullptr) {
    for (int actor : *order.pool) {
      if (actor != order.actor) draw(actor);
    }
  }
  outcome.policy_cost_usd[order.actor] -= fill.tonnes * world::kKgPerTonne * fill.price_usd_per_kg;
}

}  // namespace reesim::policies
