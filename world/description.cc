#include "world/description.h"

#include <cmath>
#include <cstdlib>

namespace reesim::world {

namespace {
template <typename T>
int FindById(const std::vector<T>& items, const std::string& id) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].id == id) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

int WorldDescription::FindRegion(const std::string& id) const { return FindById(regions, id); }
int WorldDescription::FindProduct(const std::string& id) const { return FindById(products, id); }
int WorldDescription::FindActor(const std::string& id) const { return FindById(actors, id); }
int WorldDescription::FindPlant(const std::string& id) const { return FindById(plants, id); }

std::string WorldDescription::PeriodLabel(int round) const {
  // start_period is "YYYY" or "YYYYQn" (validated at load).
  const int start_year = std::atoi(start_period.substr(0, 4).c_str());
  const int start_sub = start_period.size() > 5 ? std::atoi(start_period.substr(5).c_str()) - 1 : 0;
  const int index = start_sub + round;
  const int year = start_year + index / rounds_per_year;
  const int sub = index % rounds_per_year + 1;
  if (rounds_per_year == 1) return std::to_string(year);
  if (rounds_per_year == 4) return std::to_string(year) + "Q" + std::to_string(sub);
  return std::to_string(year) + "P" + std::to_string(sub);
}

bool Makes(const WorldDescription& world, const Plant& plant, int product) {
  bool makes = false;
  ForEachOutput(world, plant, [&](int output, double) { makes |= output == product; });
  return makes;
}

bool ProducesToOrder(const Plant& plant) { return plant.stage == Stage::kMining || plant.recycler; }

double WorldDescription::Capacity(int plant, int round) const {
  const Plant& p = plants[plant];
  if (p.capacity_growth_per_year == 0) return p.capacity_tonnes_per_round;
  return p.capacity_tonnes_per_round * std::pow(1.0 + p.capacity_growth_per_year, static_cast<double>(round) / rounds_per_year);
}

void DeriveDemandCurves(WorldDescription& world) {
  // The grid between the cap and the floor, in multiples of the reference price.
  static constexpr double kDemandGrid[] = {4.0, 2.0, 1.5, 1.25, 1.1, 1.0, 0.9, 0.75, 0.5};
  const double cap = world.market.demand_price_cap_multiple;
  const double floor = world.market.demand_price_floor_multiple;
  for (DemandEntry& demand : world.demand) {
    demand.curve.clear();
    auto add = [&](double multiple) { demand.curve.emplace_back(multiple, std::pow(multiple, demand.elasticity)); };
    add(cap);
    // Above 4 x P0 a long cap (a spike scenario's) gets a step at each doubling from 8, so a price
    // between 4 and the cap does not sit on one step holding all the demand in between.
    double doubling = 8.0;
    while (doubling * 2.0 < cap) doubling *= 2.0;
    for (; doubling >= 8.0; doubling /= 2.0) {
      if (doubling < cap) add(doubling);
    }
    for (double multiple : kDemandGrid) {
      if (multiple < demand.curve.back().first && multiple > floor) add(multiple);
    }
    if (floor < demand.curve.back().first) add(floor);
  }
}

void DeriveIndexes(WorldDescription& world) {
  for (auto& list : world.products_by_stage) list.clear();
  for (int p = 0; p < world.ProductCount(); ++p) {
    world.products_by_stage[static_cast<int>(world.products[p].stage)].push_back(p);
  }
  for (auto& list : world.plants_by_stage) list.clear();
  for (int i = 0; i < world.PlantCount(); ++i) {
    world.plants_by_stage[static_cast<int>(world.plants[i].stage)].push_back(i);
  }
}

}  // namespace reesim::world
