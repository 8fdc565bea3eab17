#include "agents/firm.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace reesim::agents {

void PriceTakingFirm::Decide(const world::Observation& observation, world::RandomStream&,
                             world::Decisions& out) const {
  const world::WorldDescription& world = observation.world;
  const world::WorldState& state = observation.state;
  const int np = world.ProductCount();
  const double ask_fraction = 1.0 - world.market.carrying_cost_per_round;
  for (int i : plants_) {
    const world::Plant& plant = world.plants[i];
    world::PlantDecision& decision = out.plants[i];
    decision.stock_ask_fraction = ask_fraction;
    const double capacity = world.Capacity(i, state.round);
    if (plant.stage == world::Stage::kMining) {
      decision.output_target_tonnes = capacity;
      continue;
    }
    // Stock of output measured in rounds of output value, so a glut of a cheap joint product
    // (lanthanum, cerium) does not stop a separation plant that sells NdPr.
    double stock_value = 0;
    double output_value = 0;
    auto add_output = [&](int product, double per_tonne) {
      const double price = state.expected_price_usd_per_kg[world::WorldState::At(plant.region, product, np)];
      stock_value += state.stock_tonnes[world::WorldState::At(i, product, np)] * price;
      output_value += per_tonne * price;
    };
    if (plant.stage == world::Stage::kSeparation) {
      for (const world::ProductShare& share : world.products[plant.product].separates_into) {
        add_output(share.product, share.tonnes_per_tonne);
      }
    } else {
      add_output(plant.product, 1.0);
    }
    const double stock_tonnes = output_value > 0 ? stock_value / output_value : 0.0;
    const double target = world.market.target_stock_rounds * capacity;
    const double excess = stock_tonnes - target;
    // Partial adjustment: working off half the excess stock a round, since the lower ask below sells
    // the rest (cutting output by all of it at once sets off an inventory cycle).
    decision.output_target_tonnes = std::clamp(capacity - 0.5 * std::max(0.0, excess), 0.0, capacity);
    // A holder with more stock than it wants asks less: by the square root of the excess ratio, at most
    // halving its ask in a round.
    if (stock_tonnes > target) {
      const double ratio = target > 0 ? stock_tonnes / target : 4.0;
      decision.stock_ask_fraction = ask_fraction * std::max(0.5, 1.0 / std::sqrt(ratio));
    }
  }
}

std::vector<PriceTakingFirm> FirmsOf(const world::WorldDescription& world) {
  std::vector<std::string> owners;
  std::map<std::string, std::vector<int>> plants_by_owner;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const std::string& owner = world.plants[i].owner;
    auto [it, inserted] = plants_by_owner.try_emplace(owner);
    if (inserted) owners.push_back(owner);
    it->second.push_back(i);
  }
  std::vector<PriceTakingFirm> firms;
  firms.reserve(owners.size());
  for (const std::string& owner : owners) firms.emplace_back(owner, plants_by_owner[owner]);
  return firms;
}

}  // namespace reesim::agents
