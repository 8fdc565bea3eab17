#include "world/state.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace reesim::world {

double ReferenceExpectedPrice(const WorldDescription& world, const WorldState& state, int product) {
  const int np = world.ProductCount();
  double sum = 0;
  int count = 0;
  for (int r = 0; r < world.RegionCount(); ++r) {
    const std::size_t cell = WorldState::At(r, product, np);
    if (!world.in_reference_price[r] || std::isnan(state.price_usd_per_kg[cell])) continue;
    sum += state.expected_price_usd_per_kg[cell];
    ++count;
  }
  return count > 0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

double ExpectedPriceFor(const WorldDescription& world, const WorldState& state, int region, int product) {
  const std::size_t cell = WorldState::At(region, product, world.ProductCount());
  if (!std::isnan(state.price_usd_per_kg[cell])) return state.expected_price_usd_per_kg[cell];
  const double elsewhere = ReferenceExpectedPrice(world, state, product);
  return std::isnan(elsewhere) ? state.expected_price_usd_per_kg[cell] : elsewhere;
}

double RecipeShare(const ProductShare& share, const WorldState& state) {
  const double scheduled = share.At(state.round);
  return share.thrift_cell < 0 ? scheduled : scheduled * (1.0 - state.recipe_thrift[share.thrift_cell]);
}

double InputPerOutput(const WorldDescription& world, const WorldState& state, const Plant& plant, int product) {
  if (plant.stage == Stage::kSeparation) return plant.product == product ? 1.0 : 0.0;
  if (ProducesToOrder(plant)) return 0.0;
  for (const ProductShare& share : world.products[plant.product].made_from) {
    if (share.product == product) return RecipeShare(share, state);
  }
  return 0.0;
}

void UpdateThrift(const WorldDescription& world, WorldState& state) {
  if (world.thrift_cells == 0) return;
  for (const Product& product : world.products) {
    for (const ProductShare& share : product.made_from) {
      if (share.thrift_cell < 0) continue;
      const double price = ReferenceExpectedPrice(world, state, share.product);
      if (std::isnan(price)) continue;
      const double pressure = std::max(0.0, std::log(price / world.products[share.product].reference_price_usd_per_kg));
      double& cut = state.recipe_thrift[share.thrift_cell];
      cut += std::min(1.0, share.thrift_speed * pressure) * (share.thrift_max_cut - cut);
    }
  }
}

double EffectiveCapacity(const WorldDescription& world, const WorldState& state, int plant) {
  return state.Operating(plant) ? world.Capacity(plant, state.round) : 0.0;
}

WorldState InitialState(const WorldDescription& world) {
  const int np = world.ProductCount();
  WorldState state;
  state.stock_tonnes.assign(static_cast<std::size_t>(world.PlantCount()) * np, 0.0);
  for (int i = 0; i < world.PlantCount(); ++i) {
    ForEachOutput(world, world.plants[i], [&](int product, double per_tonne) {
      state.stock_tonnes[WorldState::At(i, product, np)] += world.plants[i].opening_stock_tonnes * per_tonne;
    });
  }
  const std::size_t cells = static_cast<std::size_t>(world.RegionCount()) * np;
  state.expected_price_usd_per_kg.resize(cells);
  for (int r = 0; r < world.RegionCount(); ++r) {
    for (int p = 0; p < np; ++p) {
      state.expected_price_usd_per_kg[WorldState::At(r, p, np)] = world.products[p].reference_price_usd_per_kg;
    }
  }
  state.price_usd_per_kg.assign(cells, std::numeric_limits<double>::quiet_NaN());
  state.stockpile_tonnes.assign(world.actors.size() * static_cast<std::size_t>(np), 0.0);
  if (!world.market.speculated_products.empty()) {
    state.speculative_stock_tonnes.assign(cells, 0.0);
    state.previous_price_usd_per_kg.assign(cells, std::numeric_limits<double>::quiet_NaN());
    state.use_tonnes.assign(cells, 0.0);
  }
  state.long_run_price_usd_per_kg = state.expected_price_usd_per_kg;
  if (world.market.licences_on_past_trade) {
    state.licence_base_tonnes.assign(cells * world.RegionCount(), std::numeric_limits<double>::quiet_NaN());
  }
  state.plant_status.resize(world.plants.size());
  for (int i = 0; i < world.PlantCount(); ++i) {
    state.plant_status[i] = world.plants[i].is_project ? PlantStatus::kProposed : PlantStatus::kOperating;
  }
  state.status_rounds.assign(world.plants.size(), 0);
  state.capital_subsidy_share.assign(world.plants.size(), 0.0);
  state.production_subsidy_usd_per_kg.assign(world.plants.size(), 0.0);
  state.support_price_usd_per_kg.assign(world.plants.size(), 0.0);
  state.support_product.assign(world.plants.size(), -1);
  state.government_equity_share.assign(world.plants.size(), 0.0);
  state.output_tonnes.assign(world.plants.size(), 0.0);
  state.chosen_action.assign(world.actors.size(), -1);
  state.strategy_memory.assign(world.actors.size(), {});
  state.substituted_share.assign(world.demand.size(), 0.0);
  state.recipe_thrift.assign(world.thrift_cells, 0.0);
  state.average_price_usd_per_kg.resize(world.demand.size());
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    state.average_price_usd_per_kg[e] = world.demand[e].reference_price_usd_per_kg;
  }
  return state;
}

std::string Fingerprint(const WorldState& state) {
  // FNV-1a over the exact bits of every field, in declaration order.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix_bytes = [&](const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= bytes[i];
      hash *= 0x100000001b3ULL;
    }
  };
  auto mix_vector = [&](const std::vector<double>& values) {
    const std::uint64_t size = values.size();
    mix_bytes(&size, sizeof size);
    mix_bytes(values.data(), values.size() * sizeof(double));
  };
  mix_bytes(&state.round, sizeof state.round);
  mix_vector(state.stock_tonnes);
  mix_vector(state.expected_price_usd_per_kg);
  mix_vector(state.price_usd_per_kg);
  mix_vector(state.average_price_usd_per_kg);
  mix_vector(state.substituted_share);
  if (!state.recipe_thrift.empty()) mix_vector(state.recipe_thrift);  // worlds without thrift hash as before
  mix_vector(state.stockpile_tonnes);
  if (!state.speculative_stock_tonnes.empty()) {  // worlds without speculation hash as before
    mix_vector(state.speculative_stock_tonnes);
    mix_vector(state.previous_price_usd_per_kg);
    mix_vector(state.use_tonnes);
  }
  mix_vector(state.long_run_price_usd_per_kg);
  mix_bytes(state.plant_status.data(), state.plant_status.size() * sizeof(PlantStatus));
  mix_bytes(state.status_rounds.data(), state.status_rounds.size() * sizeof(int));
  mix_vector(state.capital_subsidy_share);
  mix_vector(state.production_subsidy_usd_per_kg);
  mix_vector(state.support_price_usd_per_kg);
  mix_bytes(state.support_product.data(), state.support_product.size() * sizeof(int));
  mix_vector(state.government_equity_share);
  mix_vector(state.output_tonnes);
  if (!state.licence_base_tonnes.empty()) mix_vector(state.licence_base_tonnes);  // other worlds hash as before
  mix_bytes(state.chosen_action.data(), state.chosen_action.size() * sizeof(int));
  for (const auto& memory : state.strategy_memory) mix_vector(memory);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kHex[hash & 0xF];
  return out;
}

void PublicView(const WorldDescription& world, const WorldState& state, WorldState& view) {
  view = state;
  const int np = world.ProductCount();
  std::fill(view.stock_tonnes.begin(), view.stock_tonnes.end(), 0.0);
  for (int i = 0; i < world.PlantCount(); ++i) {
    const double normal_tonnes = world.market.target_stock_rounds * state.output_tonnes[i];
    ForEachOutput(world, world.plants[i], [&](int product, double per_tonne) {
      view.stock_tonnes[WorldState::At(i, product, np)] = normal_tonnes * per_tonne;
    });
  }
  for (std::vector<double>& memory : view.strategy_memory) memory.clear();
}

}  // namespace reesim::world
