#include "agents/firm.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace reesim::agents {

// ASSUMPTION: the real rate at which governments finance strategic assets.
constexpr double kPublicDiscountRate = 0.05;

namespace {

// The plant's cash margin per kg of output with its outputs priced by `output_price_of(product)` and
// its inputs by `input_price_of(product)`: output value (less the policy-risk haircut, or the
// guaranteed price of a floor or fixed-price offtake if higher) minus inputs (feed, recipe) minus unit
// cost plus the production subsidy last announced. Linear in the prices (but for a guarantee), so the
// margin at prices reverting to the long run reverts in the same way.
template <typename OutputPrice, typename InputPrice>
double MarginAt(const world::WorldDescription& world, const world::WorldState& state, int plant_index,
                const OutputPrice& output_price_of, const InputPrice& input_price_of) {
  const world::Plant& plant = world.plants[plant_index];
  auto output_value = [&](int product) {
    const double risky = output_price_of(product) * (1.0 - world.market.investment_price_haircut);
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
      value -= input_price_of(plant.product);  // the feed
      break;
    case world::Stage::kMetal:
    case world::Stage::kMagnet:
      value = output_value(plant.product);
      if (plant.recycler) break;
      for (const world::ProductShare& share : world.products[plant.product].made_from) {
        value -= world::RecipeShare(share, state) * input_price_of(share.product);
      }
      break;
  }
  return value - plant.unit_cost_usd_per_kg + state.production_subsidy_usd_per_kg[plant_index];
}

// The long-run level of a price (WorldState::long_run_price_usd_per_kg); where the product has never
// cleared in the region, the mean level over the reference-price regions where it has, as
// ExpectedPriceFor does for today's expectation.
double LongRunPriceFor(const world::WorldDescription& world, const world::WorldState& state, int region, int product) {
  const int np = world.ProductCount();
  if (!std::isnan(state.price_usd_per_kg[world::WorldState::At(region, product, np)])) {
    return state.long_run_price_usd_per_kg[world::WorldState::At(region, product, np)];
  }
  double sum = 0;
  int count = 0;
  for (int r = 0; r < world.RegionCount(); ++r) {
    const std::size_t cell = world::WorldState::At(r, product, np);
    if (!world.in_reference_price[r] || std::isnan(state.price_usd_per_kg[cell])) continue;
    sum += state.long_run_price_usd_per_kg[cell];
    ++count;
  }
  return count > 0 ? sum / count : state.long_run_price_usd_per_kg[world::WorldState::At(region, product, np)];
}

// The plant's capacity and the capacity of its stage it would join: operating and building plants of the
// same product (separation: every separation plant, as their oxides are the same products).
std::pair<double, double> CapacityAndExisting(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  const world::Plant& plant = world.plants[plant_index];
  const double own = world.Capacity(plant_index, state.round);
  double others = 0;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::Plant& other = world.plants[i];
    const world::PlantStatus status = state.plant_status[i];
    if (i == plant_index || other.stage != plant.stage) continue;
    if (plant.stage != world::Stage::kSeparation && other.product != plant.product) continue;
    if (status == world::PlantStatus::kOperating || status == world::PlantStatus::kBuilding) {
      others += world.Capacity(i, state.round);
    }
  }
  return {own, others};
}

}  // namespace

double ExpectedMarginUsdPerKg(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  const int region = world.plants[plant_index].region;
  auto expected = [&](int product) { return world::ExpectedPriceFor(world, state, region, product); };
  return MarginAt(world, state, plant_index, expected, expected);
}

double LongRunMarginUsdPerKg(const world::WorldDescription& world, const world::WorldState& state, int plant_index,
                             double output_price_multiple) {
  const int region = world.plants[plant_index].region;
  auto input = [&](int product) { return LongRunPriceFor(world, state, region, product); };
  auto output = [&](int product) { return input(product) * output_price_multiple; };
  return MarginAt(world, state, plant_index, output, input);
}

double PriceReversionPerRound(const world::WorldDescription& world) {
  return std::pow(0.5, 1.0 / world.market.price_reversion_half_life_rounds);
}

double WaitingMultiple(double discount_rate, double volatility_per_year) {
  if (!(discount_rate > 0) || !(volatility_per_year > 0)) return 1.0;
  const double variance = volatility_per_year * volatility_per_year;
  const double beta = 0.5 + std::sqrt(0.25 + 2.0 * discount_rate / variance);
  return beta / (beta - 1.0);
}

ProjectAppraisal AppraiseProject(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  const world::Plant& plant = world.plants[plant_index];
  // A government stake brings state-backed finance: the discount rate blends toward kPublicDiscountRate.
  const double stake = std::min(1.0, state.government_equity_share[plant_index]);
  ProjectAppraisal appraisal;
  appraisal.discount_rate = (1.0 - stake) * plant.hurdle_rate + stake * kPublicDiscountRate;
  const auto [own, existing] = CapacityAndExisting(world, state, plant_index);
  appraisal.capacity_share = own + existing > 0 ? own / (own + existing) : 1.0;
  // Supply grows by own / existing; with no existing capacity to compare with, no effect is assumed.
  appraisal.own_price_effect =
      existing > 0 ? std::pow(1.0 + own / existing, 1.0 / world.market.cournot_demand_elasticity) : 1.0;
  const int region = plant.region;
  auto expected = [&](int product) { return world::ExpectedPriceFor(world, state, region, product); };
  auto expected_with_effect = [&](int product) { return expected(product) * appraisal.own_price_effect; };
  appraisal.margin_now_usd_per_kg = MarginAt(world, state, plant_index, expected_with_effect, expected);
  appraisal.margin_long_run_usd_per_kg = LongRunMarginUsdPerKg(world, state, plant_index, appraisal.own_price_effect);
  // Quarter by quarter from first output to the end of its life: the margin moves from today's toward
  // the long run's (linear in prices, so it reverts as they do), and the plant idles in a quarter whose
  // margin is negative.
  const double phi = PriceReversionPerRound(world);
  const double per_round = std::pow(1.0 + appraisal.discount_rate, -1.0 / world.rounds_per_year);
  const int life_rounds = static_cast<int>(std::lround(plant.life_years * world.rounds_per_year));
  const double kg_per_round = world.Capacity(plant_index, state.round) * world::kKgPerTonne;
  double discount = std::pow(per_round, plant.lead_time_rounds + 1);  // cash comes at the end of a round
  double deviation = (appraisal.margin_now_usd_per_kg - appraisal.margin_long_run_usd_per_kg) *
                     std::pow(phi, plant.lead_time_rounds);
  for (int k = 0; k < life_rounds; ++k) {
    appraisal.value_usd += discount * std::max(0.0, appraisal.margin_long_run_usd_per_kg + deviation) * kg_per_round;
    discount *= per_round;
    deviation *= phi;
  }
  appraisal.capex_usd = plant.capex_usd_per_tonne_per_year * world.Capacity(plant_index, state.round) *
                        world.rounds_per_year * (1.0 - state.capital_subsidy_share[plant_index]);
  appraisal.waiting_multiple = WaitingMultiple(appraisal.discount_rate, world.market.investment_value_volatility);
  return appraisal;
}

double ProjectValueUsd(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  return AppraiseProject(world, state, plant_index).NetPresentValueUsd();
}

bool ExpectsToCoverCashCost(const world::WorldDescription& world, const world::WorldState& state, int plant_index) {
  // Along the outlook the margin moves monotonically from today's to the long run's, so its best is at
  // one end. Existing capacity: no price effect of its own.
  return std::max(ExpectedMarginUsdPerKg(world, state, plant_index), LongRunMarginUsdPerKg(world, state, plant_index, 1.0)) > 0;
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
    decision.close = false;
    if (state.plant_status[i] == world::PlantStatus::kProposed) {
      // Build when the project's value exceeds its capital cost by the value of waiting.
      const double surplus = AppraiseProject(world, state, i).SurplusOverWaitingUsd();
      // An integrated project (the firm's proposed mine and the plant that would process its ore): the
      // price the one pays the other cancels out, so the firm builds both when together they pay.
      auto pays_with = [&](int j) {
        const world::Plant& other = world.plants[j];
        return j != i && state.plant_status[j] == world::PlantStatus::kProposed &&
               (Feeds(world, state, other, plant) || Feeds(world, state, plant, other)) &&
               surplus + AppraiseProject(world, state, j).SurplusOverWaitingUsd() > 0;
      };
      decision.start_construction = surplus > 0 || std::any_of(plants_.begin(), plants_.end(), pays_with);
    } else if (state.plant_status[i] == world::PlantStatus::kOperating && !plant.reserve &&
               state.status_rounds[i] >= world.market.close_after_idle_rounds) {
      // ASSUMPTION: keeping idle capacity costs nothing in the model (care and maintenance is not
      // modelled), so an owner scraps a plant only when it does not expect to cover its cash cost again.
      decision.close = !ExpectsToCoverCashCost(world, state, i);
    }
    const double capacity = world::EffectiveCapacity(world, state, i);
    // The target is the working stock; beyond it each product's stock is offered along a schedule, the
    // excess cheapest (world/storage.h). The same rule for every holder (a mine's inventory too).
    const double target = world.market.target_stock_rounds * capacity;
    decision.working_stock_tonnes = target;
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
    const double excess = stock_tonnes - target;
    // Partial adjustment: working off half the excess stock a round, since the excess is also offered
    // cheaper (cutting output by all of it at once sets off an inventory cycle).
    decision.output_target_tonnes = std::clamp(capacity - 0.5 * std::max(0.0, excess), 0.0, capacity);
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
