#include "agents/firm.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace reesim::agents {

// ASSUMPTION: the real rate at which governments finance strategic assets.
constexpr double kPublicDiscountRate = 0.05;

double ExpectedMarginUsdPerKg(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  const world::Plant& plant = world.plants[plant_index];
  auto expected = [&](int product) { return world::ExpectedPriceFor(world, state, plant.region, product); };
  // Output is valued at the expected price less the policy-risk haircut, or at the plant's
  // guaranteed price (floor, fixed-price offtake) for that product if higher: guarantees are not at risk.
  auto output_value = [&](int product) {
    const double risky = expected(product) * (1.0 - world.market.investment_price_haircut);
    const bool guaranteed = state.support_product[plant_index] == product;
    return guaranteed ? std::max(risky, state.support_price_usd_per_kg[plant_index]) : risky;
  };
  double value = 0;
  switch (plant.stage) {
    case world::Stage::kMining:
      value = output_value(plant.product);
      break;
    case world::Stage::kSeparation:
      for (const world::ProductShare& share : world.products[plant.product].separates_into) {
        value += share.tonnes_per_tonne * output_value(share.product);
      }
      value -= expected(plant.product);  // the feed
      break;
    case world::Stage::kMetal:
    case world::Stage::kMagnet:
      value = output_value(plant.product);
      if (plant.recycler) break;
      for (const world::ProductShare& share : world.products[plant.product].made_from) {
        value -= world::RecipeShare(share, state) * expected(share.product);
      }
      break;
  }
  return value - plant.unit_cost_usd_per_kg + state.production_subsidy_usd_per_kg[plant_index];
}

double ProjectValueUsd(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  const world::Plant& plant = world.plants[plant_index];
  const double tonnes_per_year = plant.capacity_tonnes_per_round * world.rounds_per_year;
  const double annual_cash_usd = ExpectedMarginUsdPerKg(world, state, plant_index) * tonnes_per_year * world::kKgPerTonne;
  // A government stake brings state-backed finance: the discount rate blends toward kPublicDiscountRate.
  const double stake = std::min(1.0, state.government_equity_share[plant_index]);
  const double r = (1.0 - stake) * plant.hurdle_rate + stake * kPublicDiscountRate;
  const double annuity = r > 0 ? (1.0 - std::pow(1.0 + r, -plant.life_years)) / r : plant.life_years;
  const double lead_years = static_cast<double>(plant.lead_time_rounds) / world.rounds_per_year;
  const double capex_usd = plant.capex_usd_per_tonne_per_year * tonnes_per_year *
                           (1.0 - state.capital_subsidy_share[plant_index]);
  return annual_cash_usd * annuity * std::pow(1.0 + r, -lead_years) - capex_usd;
}

double CournotOutput(const world::WorldDescription& world, const world::WorldState& state, int plant_index,
                     double capacity) {
  const world::Plant& plant = world.plants[plant_index];
  double market_output = 0;
  for (int i = 0; i < world.PlantCount(); ++i) {
    if (world.plants[i].product == plant.product && world::ProducesToOrder(world.plants[i])) {
      market_output += state.output_tonnes[i];
    }
  }
  if (market_output <= 0 || capacity <= 0) return capacity;  // no market seen yet
  const double others = market_output - state.output_tonnes[plant_index];
  const double price = state.expected_price_usd_per_kg[world::WorldState::At(plant.region, plant.product, world.ProductCount())];
  const double inverse_elasticity = 1.0 / world.market.cournot_demand_elasticity;
  // Profit on a grid of 41 output levels; the first best wins ties.
  double best_output = capacity, best_profit = -1e300;
  for (int k = 0; k <= 40; ++k) {
    const double q = capacity * k / 40.0;
    if (others + q <= 0) continue;
    const double p = price * std::pow((others + q) / market_output, inverse_elasticity);
    const double profit = (p - plant.unit_cost_usd_per_kg) * q;
    if (profit > best_profit) {
      best_profit = profit;
      best_output = q;
    }
  }
  return best_output;
}

namespace {

// Whether the upstream plant's one product is an input of the downstream plant (a mine's ore is a
// separation plant's feed; an oxide or alloy is in a maker's recipe). A separation plant's joint
// outputs are not paired.
bool Feeds(const world::WorldDescription& world, const world::WorldState& state, const world::Plant& upstream,
           const world::Plant& downstream) {
  return upstream.stage != world::Stage::kSeparation && !upstream.recycler &&
         world::InputPerOutput(world, state, downstream, upstream.product) > 0;
}

}  // namespace

void PriceTakingFirm::Decide(const world::Observation& observation, world::RandomStream&,
                             world::Decisions& out) const {
  const world::WorldDescription& world = observation.world;
  const world::WorldState& state = observation.public_state;
  const int np = world.ProductCount();
  const double ask_fraction = 1.0 - world.market.carrying_cost_per_round;
  for (int i : plants_) {
    const world::Plant& plant = world.plants[i];
    world::PlantDecision& decision = out.plants[i];
    decision.stock_ask_fraction = ask_fraction;
    decision.start_construction = false;
    if (state.plant_status[i] == world::PlantStatus::kProposed) {
      const double value = ProjectValueUsd(world, state, i);
      // An integrated project (the firm's proposed mine and the plant that would process its ore): the
      // price the one pays the other cancels out, so the firm builds both when together they pay.
      auto pays_with = [&](int j) {
        const world::Plant& other = world.plants[j];
        return j != i && state.plant_status[j] == world::PlantStatus::kProposed &&
               (Feeds(world, state, other, plant) || Feeds(world, state, plant, other)) &&
               value + ProjectValueUsd(world, state, j) > 0;
      };
      decision.start_construction = value > 0 || std::any_of(plants_.begin(), plants_.end(), pays_with);
    }
    const double capacity = world::EffectiveCapacity(world, state, i);
    if (world::ProducesToOrder(plant)) {
      decision.output_target_tonnes = plant.market_power ? CournotOutput(world, state, i, capacity) : capacity;
      continue;
    }
    // Stock of output measured in rounds of output value, so a glut of a cheap joint product
    // (lanthanum, cerium) does not stop a separation plant that sells NdPr.
    double stock_value = 0;
    double output_value = 0;
    auto add_output = [&](int product, double per_tonne) {
      const double price = state.expected_price_usd_per_kg[world::WorldState::At(plant.region, product, np)];
      stock_value += observation.OwnStockTonnes(i, product) * price;
      output_value += per_tonne * price;
    };
    world::ForEachOutput(world, plant, add_output);
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
