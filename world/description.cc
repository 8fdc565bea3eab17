#include "world/description.h"

#include <algorithm>
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

bool HoldsInputBuffer(const WorldDescription& world, const Plant& plant) {
  return world.market.input_cover_rounds > 0 && plant.stage != Stage::kSeparation && !ProducesToOrder(plant);
}

double WorldDescription::Capacity(int plant, int round) const {
  const Plant& p = plants[plant];
  if (p.capacity_growth_per_year == 0) return p.capacity_tonnes_per_round;
  return p.capacity_tonnes_per_round * std::pow(1.0 + p.capacity_growth_per_year, static_cast<double>(round) / rounds_per_year);
}

double DemandFraction(const DemandEntry& demand, double floor_multiple, double multiple) {
  const double c = demand.choke_multiple, s = demand.switch_multiple;
  if (multiple >= c) return 0.0;
  if (multiple > s) return std::pow(s, demand.elasticity) * (c - multiple) / (c - s);
  return std::pow(std::max(multiple, floor_multiple), demand.elasticity);
}

double DemandCurveArea(const DemandEntry& demand, double floor_multiple, double fraction) {
  const double c = demand.choke_multiple, s = demand.switch_multiple, e = demand.elasticity;
  const double q_s = std::pow(s, e);               // demanded at the switching start
  const double q_f = std::pow(floor_multiple, e);  // demanded at the floor: all that is bid
  // The linear part: m(u) = c - (c - s) u / q_s for u in [0, q_s].
  const double x_lin = std::clamp(fraction, 0.0, q_s);
  double area = c * x_lin - (c - s) * x_lin * x_lin / (2.0 * q_s);
  if (fraction <= q_s) return area;
  // The constant-elasticity part: m(u) = u^(1/e) for u in [q_s, q_f] (empty when e = 0).
  const double x_ce = std::min(fraction, q_f);
  if (x_ce > q_s && e < 0) {
    const double k = 1.0 / e + 1.0;
    area += std::abs(k) < 1e-12 ? std::log(x_ce / q_s) : (std::pow(x_ce, k) - std::pow(q_s, k)) / k;
  }
  // Beyond what is bid at the floor (rounding only): at the floor price.
  if (fraction > std::max(q_s, q_f)) area += floor_multiple * (fraction - std::max(q_s, q_f));
  return area;
}

void DeriveDemandCurves(WorldDescription& world) {
  const double floor = world.market.demand_price_floor_multiple;
  const double per_doubling = world.market.demand_curve_steps_per_doubling;
  // Steps over [low, high] (multiples), geometric at `per_doubling` a doubling, from high down;
  // `high` itself is not added, `low` is.
  auto steps_between = [&](double high, double low, bool linear, DemandEntry& demand) {
    if (!(high > low)) return;
    const int n = std::max(1, static_cast<int>(std::ceil(per_doubling * std::log2(high / low) - 1e-9)));
    for (int k = 1; k <= n; ++k) {
      const double multiple = k == n ? low
                                     : (linear ? high - (high - low) * k / n
                                               : high * std::pow(low / high, static_cast<double>(k) / n));
      demand.curve.emplace_back(multiple, DemandFraction(demand, floor, multiple));
    }
  };
  world.product_top_bid_usd_per_kg.assign(world.products.size(), 0.0);
  for (DemandEntry& demand : world.demand) {
    const double p0 = demand.reference_price_usd_per_kg;
    demand.choke_multiple = demand.choke_price_usd_per_kg > 0 ? demand.choke_price_usd_per_kg / p0
                            : demand.choke_price_multiple > 0 ? demand.choke_price_multiple
                                                              : world.market.sector_choke_multiple[static_cast<int>(demand.sector)];
    demand.switch_multiple = std::max(1.0, 0.5 * demand.choke_multiple);
    demand.curve.clear();
    demand.curve.emplace_back(demand.choke_multiple, 0.0);
    steps_between(demand.choke_multiple, demand.switch_multiple, /*linear=*/true, demand);
    steps_between(demand.switch_multiple, 1.0, /*linear=*/false, demand);
    steps_between(std::min(1.0, demand.switch_multiple), floor, /*linear=*/false, demand);
    demand.curve_area.clear();
    for (const auto& point : demand.curve) demand.curve_area.push_back(DemandCurveArea(demand, floor, point.second));
    demand.reference_wtp_multiple = DemandCurveArea(demand, floor, 1.0);
    double& highest = world.product_top_bid_usd_per_kg[demand.product];
    highest = std::max(highest, demand.curve[1].first * p0);
  }
  const double widest = *std::max_element(world.market.sector_choke_multiple.begin(), world.market.sector_choke_multiple.end());
  for (std::size_t p = 0; p < world.products.size(); ++p) {
    if (world.product_top_bid_usd_per_kg[p] <= 0) {
      world.product_top_bid_usd_per_kg[p] = widest * world.products[p].reference_price_usd_per_kg;
    }
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
