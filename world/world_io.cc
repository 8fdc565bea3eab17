#include "world/world_io.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include "proto/scenario.pb.h"
#include "world/field_error.h"
#include "world/market.h"

namespace reesim::world {

namespace {

std::string Item(const char* list, int index, const std::string& id) {
  std::string path = std::string(list) + "[" + std::to_string(index) + "]";
  if (!id.empty()) path += " (" + Quoted(id) + ")";
  return path;
}

template <typename Items>
void RequireUniqueIds(const FieldComplaint& complaint, const char* list, const Items& items) {
  std::set<std::string> seen;
  for (int i = 0; i < items.size(); ++i) {
    const std::string& id = items[i].id();
    if (id.empty()) complaint.Fail(Item(list, i, "") + ".id", Quoted(id), "an id is required");
    if (!seen.insert(id).second) complaint.Fail(Item(list, i, id) + ".id", Quoted(id), "duplicate id");
  }
}

void RequireNonNegative(const FieldComplaint& complaint, const std::string& path, double value) {
  if (!std::isfinite(value) || value < 0) complaint.Fail(path, FormatNumber(value), "must be a finite number >= 0");
}

// Quantities and prices the markets clear in integer units (kg, 1e-4 USD/kg) have a ceiling
// (world/market.h); an input above it could never run, so it is refused here, not in the first round.
void RequireTonnesInRange(const FieldComplaint& complaint, const std::string& path, double value) {
  RequireNonNegative(complaint, path, value);
  if (value > kMaxMarketTonnes) {
    complaint.Fail(path, FormatNumber(value), "must be at most " + FormatNumber(kMaxMarketTonnes) + " (the markets' integer units carry no more)");
  }
}
void RequireUsdPerKgInRange(const FieldComplaint& complaint, const std::string& path, double value) {
  RequireNonNegative(complaint, path, value);
  if (value > kMaxMarketUsdPerKg) {
    complaint.Fail(path, FormatNumber(value), "must be at most " + FormatNumber(kMaxMarketUsdPerKg) + " USD/kg (the markets' integer units carry no more)");
  }
}

Stage StageFromProto(reesim::Stage stage) {
  switch (stage) {
    case reesim::MINING: return Stage::kMining;
    case reesim::SEPARATION: return Stage::kSeparation;
    case reesim::METAL: return Stage::kMetal;
    case reesim::MAGNET: return Stage::kMagnet;
    default: REESIM_CHECK(false);
  }
}

// Haversine distance on a sphere of the Earth's mean radius.
double GreatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  constexpr double kEarthRadiusKm = 6371.0;
  const double dlat = (lat2 - lat1) * kRadians;
  const double dlon = (lon2 - lon1) * kRadians;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace

WorldDescription WorldFromProto(const reesim::Scenario& scenario, const std::string& source) {
  const FieldComplaint complaint(source);
  WorldDescription world;
  world.name = scenario.name();

  if (scenario.rounds_per_year() < 0 || scenario.rounds_per_year() > 52) {
    complaint.Fail("rounds_per_year", std::to_string(scenario.rounds_per_year()), "must be between 1 and 52");
  }
  if (scenario.rounds_per_year() != 0) world.rounds_per_year = scenario.rounds_per_year();  // 0: not given
  if (scenario.rounds() < 0) complaint.Fail("rounds", std::to_string(scenario.rounds()), "must be >= 1");
  if (scenario.rounds() != 0) world.default_rounds = scenario.rounds();  // 0: not given
  if (!scenario.start_period().empty()) world.start_period = scenario.start_period();
  static const std::regex kPeriod(R"(^[0-9]{4}(Q[1-4]|P[0-9]{1,2})?$)");
  if (!std::regex_match(world.start_period, kPeriod)) {
    complaint.Fail("start_period", Quoted(world.start_period), "expected YYYY or YYYYQn, e.g. \"2024Q1\"");
  }

  if (scenario.actors_size() == 0) complaint.Fail("actors", "", "a scenario needs at least one actor");
  RequireUniqueIds(complaint, "actors", scenario.actors());
  for (int i = 0; i < scenario.actors_size(); ++i) {
    const reesim::Actor& in = scenario.actors(i);
    Actor actor{in.id(), in.name(), {}};
    const reesim::PayoffWeights& w = in.weights();
    actor.weights = {w.consumer_surplus(), w.producer_surplus(), w.revenue(),
                     w.security(),         w.leverage(),         w.environment()};
    world.actors.push_back(std::move(actor));
  }

  if (scenario.regions_size() == 0) complaint.Fail("regions", "", "a scenario needs at least one region");
  RequireUniqueIds(complaint, "regions", scenario.regions());
  for (int i = 0; i < scenario.regions_size(); ++i) {
    const reesim::Region& in = scenario.regions(i);
    const int actor = world.FindActor(in.actor());
    if (actor < 0) complaint.Fail(Item("regions", i, in.id()) + ".actor", Quoted(in.actor()), "unknown actor");
    world.regions.push_back({in.id(), in.name(), actor});
  }

  if (scenario.products_size() == 0) complaint.Fail("products", "", "a scenario needs at least one product");
  RequireUniqueIds(complaint, "products", scenario.products());
  for (int i = 0; i < scenario.products_size(); ++i) {
    const reesim::Product& in = scenario.products(i);
    const std::string path = Item("products", i, in.id());
    if (in.stage() == reesim::STAGE_UNSPECIFIED) {
      complaint.Fail(path + ".stage", "", "every product needs a stage (MINING, SEPARATION, METAL or MAGNET)");
    }
    if (!(in.reference_price_usd_per_kg() > 0)) {
      complaint.Fail(path + ".reference_price_usd_per_kg", FormatNumber(in.reference_price_usd_per_kg()), "must be > 0");
    }
    RequireUsdPerKgInRange(complaint, path + ".reference_price_usd_per_kg", in.reference_price_usd_per_kg());
    world.products.push_back({in.id(), StageFromProto(in.stage()), in.reference_price_usd_per_kg(), {}, {}});
  }
  // Second pass: shares refer to products by id.
  for (int i = 0; i < scenario.products_size(); ++i) {
    const reesim::Product& in = scenario.products(i);
    Product& product = world.products[i];
    const std::string path = Item("products", i, in.id());
    auto convert = [&](const auto& shares, const char* field, Stage wanted_input_stage, bool from_input) {
      std::vector<ProductShare> out;
      for (int k = 0; k < shares.size(); ++k) {
        const std::string share_path = path + "." + field + "[" + std::to_string(k) + "]";
        const int p = world.FindProduct(shares[k].product());
        if (p < 0) complaint.Fail(share_path + ".product", Quoted(shares[k].product()), "unknown product");
        if (world.products[p].stage != wanted_input_stage) {
          complaint.Fail(share_path + ".product", Quoted(shares[k].product()),
                         std::string(from_input ? "an input" : "an output") + " must be a " +
                             kStageNames[static_cast<int>(wanted_input_stage)] + " product");
        }
        if (!(shares[k].tonnes_per_tonne() > 0)) {
          complaint.Fail(share_path + ".tonnes_per_tonne", FormatNumber(shares[k].tonnes_per_tonne()), "must be > 0");
        }
        out.push_back({p, shares[k].tonnes_per_tonne()});
      }
      return out;
    };
    switch (product.stage) {
      case Stage::kMining: {
        if (in.made_from_size() > 0 || in.recipe_changes_size() > 0 || in.price_thrift_size() > 0) {
          complaint.Fail(path + ".made_from", "", "a mining product has no recipe");
        }
        product.separates_into = convert(in.separates_into(), "separates_into", Stage::kSeparation, /*from_input=*/false);
        double sum = 0;
        for (const ProductShare& share : product.separates_into) sum += share.tonnes_per_tonne;
        if (std::abs(sum - 1.0) > 1e-6) {
          complaint.Fail(path + ".separates_into", "sum " + FormatNumber(sum), "the oxide mix must sum to 1");
        }
        break;
      }
      case Stage::kSeparation:
        if (in.made_from_size() > 0 || in.separates_into_size() > 0 || in.recipe_changes_size() > 0 ||
            in.price_thrift_size() > 0) {
          complaint.Fail(path, "", "a separated oxide comes from the mining products' separates_into");
        }
        break;
      case Stage::kMetal:
      case Stage::kMagnet: {
        if (in.separates_into_size() > 0) complaint.Fail(path + ".separates_into", "", "only mining products separate");
        if (in.made_from_size() == 0) complaint.Fail(path + ".made_from", "", "a metal or magnet product needs a recipe");
        const Stage input_stage = product.stage == Stage::kMetal ? Stage::kSeparation : Stage::kMetal;
        product.made_from = convert(in.made_from(), "made_from", input_stage, /*from_input=*/true);
        // The recipe entry a change or thrift names, or nullptr (and a complaint).
        auto recipe_share = [&](const std::string& id, const std::string& field_path) -> ProductShare* {
          const int input = world.FindProduct(id);
          for (ProductShare& share : product.made_from) {
            if (input >= 0 && share.product == input) return &share;
          }
          complaint.Fail(field_path + ".product", Quoted(id), "is not in the recipe (made_from)");
          return nullptr;
        };
        for (int k = 0; k < in.recipe_changes_size(); ++k) {
          const reesim::RecipeChange& change = in.recipe_changes(k);
          const std::string change_path = path + ".recipe_changes[" + std::to_string(k) + "]";
          ProductShare* share = recipe_share(change.product(), change_path);
          if (share == nullptr) continue;
          if (share->change_end_round >= 0) {
            complaint.Fail(change_path + ".product", Quoted(change.product()), "already has a recipe change");
          }
          if (!(change.tonnes_per_tonne() > 0)) {
            complaint.Fail(change_path + ".tonnes_per_tonne", FormatNumber(change.tonnes_per_tonne()), "must be > 0");
          }
          if (change.start_round() < 0 || change.end_round() <= change.start_round()) {
            complaint.Fail(change_path, "rounds " + std::to_string(change.start_round()) + " to " +
                                            std::to_string(change.end_round()),
                           "need 0 <= start_round < end_round");
          }
          share->changed_tonnes_per_tonne = change.tonnes_per_tonne();
          share->change_start_round = change.start_round();
          share->change_end_round = change.end_round();
          world.recipes_change = true;
        }
        for (int k = 0; k < in.price_thrift_size(); ++k) {
          const reesim::PriceThrift& thrift = in.price_thrift(k);
          const std::string thrift_path = path + ".price_thrift[" + std::to_string(k) + "]";
          ProductShare* share = recipe_share(thrift.product(), thrift_path);
          if (share == nullptr) continue;
          if (share->thrift_cell >= 0) {
            complaint.Fail(thrift_path + ".product", Quoted(thrift.product()), "already has a price thrift");
          }
          if (!(thrift.max_cut() > 0 && thrift.max_cut() < 1)) {
            complaint.Fail(thrift_path + ".max_cut", FormatNumber(thrift.max_cut()), "must be in (0, 1)");
          }
          if (!(thrift.speed() > 0)) complaint.Fail(thrift_path + ".speed", FormatNumber(thrift.speed()), "must be > 0");
          share->thrift_max_cut = thrift.max_cut();
          share->thrift_speed = thrift.speed();
          share->thrift_cell = world.thrift_cells++;
          world.recipes_change = true;
        }
        break;
      }
    }
  }
  RequireUniqueIds(complaint, "plants", scenario.plants());
  const double rounds_per_year = world.rounds_per_year;
  for (int i = 0; i < scenario.plants_size(); ++i) {
    const reesim::Plant& in = scenario.plants(i);
    const std::string path = Item("plants", i, in.id());
    Plant plant;
    plant.id = in.id();
    plant.owner = in.owner().empty() ? in.id() : in.owner();
    plant.region = world.FindRegion(in.region());
    if (plant.region < 0) complaint.Fail(path + ".region", Quoted(in.region()), "unknown region");
    if (in.stage() == reesim::STAGE_UNSPECIFIED) complaint.Fail(path + ".stage", "", "every plant needs a stage");
    plant.stage = StageFromProto(in.stage());
    const bool separates = plant.stage == Stage::kSeparation;
    const std::string& product_id = separates ? in.feed() : in.product();
    const char* field = separates ? ".feed" : ".product";
    plant.product = world.FindProduct(product_id);
    if (plant.product < 0) complaint.Fail(path + field, Quoted(product_id), "unknown product");
    const Stage wanted = separates ? Stage::kMining : plant.stage;
    if (world.products[plant.product].stage != wanted) {
      complaint.Fail(path + field, Quoted(product_id),
                     std::string("must be a ") + kStageNames[static_cast<int>(wanted)] + " product");
    }
    if (in.recycler() && (separates || plant.stage == Stage::kMining)) {
      complaint.Fail(path + ".recycler", "true", "recyclers make metal, alloy or magnets, not mined or separated products");
    }
    plant.recycler = in.recycler();
    plant.market_power = in.market_power();
    if (in.market_power() && !ProducesToOrder(plant)) {
      // A processor's output follows the inputs it buys at its bids; only a plant that offers its output
      // to order (a mine, a recycler) sets a Cournot quantity.
      complaint.Fail(path + ".market_power", "true", "market power is modelled for mines and recyclers only");
    }
    plant.reserve = in.reserve();
    if (separates && !in.product().empty()) complaint.Fail(path + ".product", Quoted(in.product()), "a separation plant names its feed, not a product");
    RequireTonnesInRange(complaint, path + ".capacity_tonnes_per_year", in.capacity_tonnes_per_year());
    RequireUsdPerKgInRange(complaint, path + ".unit_cost_usd_per_kg", in.unit_cost_usd_per_kg());
    RequireTonnesInRange(complaint, path + ".inventory_tonnes", in.inventory_tonnes());
    plant.capacity_tonnes_per_round = in.capacity_tonnes_per_year() / rounds_per_year;
    plant.unit_cost_usd_per_kg = in.unit_cost_usd_per_kg();
    plant.opening_stock_tonnes = in.inventory_tonnes();
    if (!(in.capacity_growth_per_year() > -1 && in.capacity_growth_per_year() < 10)) {
      complaint.Fail(path + ".capacity_growth_per_year", FormatNumber(in.capacity_growth_per_year()), "must be above -1 and below 10");
    }
    plant.capacity_growth_per_year = in.capacity_growth_per_year();
    if (in.has_project()) {
      const reesim::Project& project = in.project();
      plant.is_project = true;
      RequireNonNegative(complaint, path + ".project.capex_usd_per_tonne_per_year", project.capex_usd_per_tonne_per_year());
      plant.capex_usd_per_tonne_per_year = project.capex_usd_per_tonne_per_year();
      static constexpr double kDefaultLeadYears[kStageCount] = {8, 4, 2, 3};
      const double lead_years =
          project.has_lead_time_years() ? project.lead_time_years() : kDefaultLeadYears[static_cast<int>(plant.stage)];
      if (!(lead_years >= 0 && lead_years <= 50)) {
        complaint.Fail(path + ".project.lead_time_years", FormatNumber(lead_years), "must be between 0 and 50");
      }
      plant.lead_time_rounds = static_cast<int>(std::lround(lead_years * rounds_per_year));
      if (project.has_hurdle_rate()) plant.hurdle_rate = project.hurdle_rate();
      if (!(plant.hurdle_rate > -0.5 && plant.hurdle_rate < 1)) {
        complaint.Fail(path + ".project.hurdle_rate", FormatNumber(plant.hurdle_rate), "must be between -0.5 and 1");
      }
      if (project.has_life_years()) plant.life_years = project.life_years();
      if (!(plant.life_years > 0 && plant.life_years <= 100)) {
        complaint.Fail(path + ".project.life_years", FormatNumber(plant.life_years), "must be between 0 and 100");
      }
    }
    world.plants.push_back(std::move(plant));
  }
  DeriveIndexes(world);

  for (int i = 0; i < scenario.demand_size(); ++i) {
    const reesim::Demand& in = scenario.demand(i);
    const std::string path = "demand[" + std::to_string(i) + "]";
    DemandEntry demand;
    demand.region = world.FindRegion(in.region());
    if (demand.region < 0) complaint.Fail(path + ".region", Quoted(in.region()), "unknown region");
    demand.product = world.FindProduct(in.product());
    if (demand.product < 0) complaint.Fail(path + ".product", Quoted(in.product()), "unknown product");
    if (in.sector() == reesim::SECTOR_UNSPECIFIED) complaint.Fail(path + ".sector", "", "every demand needs a sector");
    demand.sector = static_cast<Sector>(static_cast<int>(in.sector()) - 1);
    RequireTonnesInRange(complaint, path + ".base_tonnes_per_year", in.base_tonnes_per_year());
    demand.base_tonnes_per_round = in.base_tonnes_per_year() / rounds_per_year;
    demand.reference_price_usd_per_kg = in.reference_price_usd_per_kg() == 0
                                            ? world.products[demand.product].reference_price_usd_per_kg
                                            : in.reference_price_usd_per_kg();
    if (!(demand.reference_price_usd_per_kg > 0)) {
      complaint.Fail(path + ".reference_price_usd_per_kg", FormatNumber(in.reference_price_usd_per_kg()), "must be > 0");
    }
    RequireUsdPerKgInRange(complaint, path + ".reference_price_usd_per_kg", demand.reference_price_usd_per_kg);
    if (!(in.elasticity() <= 0 && in.elasticity() >= -5)) {
      complaint.Fail(path + ".elasticity", FormatNumber(in.elasticity()), "must be between -5 and 0");
    }
    demand.elasticity = in.elasticity();
    if (!(in.growth_per_year() > -1 && in.growth_per_year() < 10)) {
      complaint.Fail(path + ".growth_per_year", FormatNumber(in.growth_per_year()), "must be above -1 and below 10");
    }
    demand.growth_per_year = in.growth_per_year();
    demand.critical = in.critical();
    if (in.has_substitution_max_share()) {
      if (!(in.substitution_max_share() >= 0 && in.substitution_max_share() <= 1)) {
        complaint.Fail(path + ".substitution_max_share", FormatNumber(in.substitution_max_share()),
                       "must be between 0 and 1");
      }
      demand.substitution_max_share = in.substitution_max_share();
    }
    if (in.has_choke_price_usd_per_kg() && in.has_choke_price_multiple()) {
      complaint.Fail(path + ".choke_price_usd_per_kg", FormatNumber(in.choke_price_usd_per_kg()),
                     "give the choke price in USD/kg or as choke_price_multiple, not both");
    }
    if (in.has_choke_price_usd_per_kg()) {
      if (!(in.choke_price_usd_per_kg() > demand.reference_price_usd_per_kg &&
            in.choke_price_usd_per_kg() <= 1000 * demand.reference_price_usd_per_kg)) {
        complaint.Fail(path + ".choke_price_usd_per_kg", FormatNumber(in.choke_price_usd_per_kg()),
                       "must be above the demand's reference price and at most 1000 times it");
      }
      demand.choke_price_usd_per_kg = in.choke_price_usd_per_kg();
    }
    if (in.has_choke_price_multiple()) {
      if (!(in.choke_price_multiple() > 1 && in.choke_price_multiple() <= 1000)) {
        complaint.Fail(path + ".choke_price_multiple", FormatNumber(in.choke_price_multiple()),
                       "must be above 1 and at most 1000");
      }
      demand.choke_price_multiple = in.choke_price_multiple();
    }
    double tied = 0;
    for (int k = 0; k < in.sourcing_size(); ++k) {
      const std::string tie_path = path + ".sourcing[" + std::to_string(k) + "]";
      const int from = world.FindRegion(in.sourcing(k).from());
      if (from < 0) complaint.Fail(tie_path + ".from", Quoted(in.sourcing(k).from()), "unknown region");
      const double share = in.sourcing(k).share();
      if (!(share > 0 && share <= 1)) complaint.Fail(tie_path + ".share", FormatNumber(share), "must be above 0 and at most 1");
      tied += share;
      demand.sourcing.push_back({from, share});
    }
    if (tied > 1 + 1e-9) complaint.Fail(path + ".sourcing", "sum " + FormatNumber(tied), "the tied shares of a demand must sum to at most 1");
    world.demand.push_back(demand);
  }

  const reesim::MarketParameters& market = scenario.market();
  RequireUsdPerKgInRange(complaint, "market.default_transport_usd_per_kg", market.default_transport_usd_per_kg());
  const int nr = world.RegionCount();
  world.transport_usd_per_kg.assign(static_cast<std::size_t>(nr) * nr, market.default_transport_usd_per_kg());
  RequireUsdPerKgInRange(complaint, "market.transport_base_usd_per_kg", market.transport_base_usd_per_kg());
  RequireNonNegative(complaint, "market.transport_usd_per_kg_per_1000km", market.transport_usd_per_kg_per_1000km());
  for (int i = 0; i < nr; ++i) {
    const reesim::Region& region = scenario.regions(i);
    if (region.has_latitude() != region.has_longitude()) {
      complaint.Fail(Item("regions", i, region.id()), "", "give both latitude and longitude, or neither");
    }
    if (region.has_latitude() && !(std::abs(region.latitude()) <= 90 && std::abs(region.longitude()) <= 180)) {
      complaint.Fail(Item("regions", i, region.id()) + ".latitude", FormatNumber(region.latitude()),
                     "coordinates must be within +-90 and +-180 degrees");
    }
  }
  for (int from = 0; from < nr; ++from) {
    for (int to = 0; to < nr; ++to) {
      const reesim::Region& a = scenario.regions(from);
      const reesim::Region& b = scenario.regions(to);
      double& cost = world.transport_usd_per_kg[static_cast<std::size_t>(from) * nr + to];
      if (from == to) {
        cost = 0;
      } else if (a.has_latitude() && b.has_latitude()) {
        cost = market.transport_base_usd_per_kg() +
               market.transport_usd_per_kg_per_1000km() *
                   GreatCircleKm(a.latitude(), a.longitude(), b.latitude(), b.longitude()) / 1000.0;
      }
    }
  }
  for (int i = 0; i < scenario.transport_size(); ++i) {
    const reesim::TransportCost& in = scenario.transport(i);
    const std::string path = "transport[" + std::to_string(i) + "]";
    const int from = world.FindRegion(in.from());
    if (from < 0) complaint.Fail(path + ".from", Quoted(in.from()), "unknown region");
    const int to = world.FindRegion(in.to());
    if (to < 0) complaint.Fail(path + ".to", Quoted(in.to()), "unknown region");
    RequireUsdPerKgInRange(complaint, path + ".usd_per_kg", in.usd_per_kg());
    world.transport_usd_per_kg[static_cast<std::size_t>(from) * nr + to] = in.usd_per_kg();
  }

  world.in_reference_price.assign(nr, true);
  for (int i = 0; i < market.reference_price_excludes_size(); ++i) {
    const int r = world.FindRegion(market.reference_price_excludes(i));
    if (r < 0) {
      complaint.Fail("market.reference_price_excludes[" + std::to_string(i) + "]",
                     Quoted(market.reference_price_excludes(i)), "unknown region");
    }
    world.in_reference_price[r] = false;
  }
  MarketParameters& params = world.market;
  // A field given (zero included) must lie in [low, high]; a field left out keeps MarketParameters' default.
  auto set_fraction = [&](const char* name, bool given, double value, double low, double high, double& out) {
    if (!given) return;
    if (!(value >= low && value <= high)) {
      complaint.Fail(std::string("market.") + name, FormatNumber(value),
                     "must be between " + FormatNumber(low) + " and " + FormatNumber(high));
    }
    out = value;
  };
  set_fraction("expectation_weight", market.has_expectation_weight(), market.expectation_weight(), 0.0, 1.0, params.expectation_weight);
  set_fraction("carrying_cost_per_round", market.has_carrying_cost_per_round(), market.carrying_cost_per_round(), 0.0, 1.0,
               params.carrying_cost_per_round);
  set_fraction("target_stock_rounds", market.has_target_stock_rounds(), market.target_stock_rounds(), 0.0, 100.0, params.target_stock_rounds);
  set_fraction("input_cover_rounds", market.has_input_cover_rounds(), market.input_cover_rounds(), 0.0, 20.0, params.input_cover_rounds);
  if (market.has_demand_price_cap_multiple()) {
    complaint.Fail("market.demand_price_cap_multiple", FormatNumber(market.demand_price_cap_multiple()),
                   "was removed (issue 15): demand now reaches zero at a choke price with an economic meaning; "
                   "set market.sector_chokes { sector: ... multiple: ... } or a demand's choke_price_multiple");
  }
  for (int i = 0; i < market.sector_chokes_size(); ++i) {
    const reesim::SectorChoke& choke = market.sector_chokes(i);
    const std::string path = "market.sector_chokes[" + std::to_string(i) + "]";
    if (choke.sector() == reesim::SECTOR_UNSPECIFIED) complaint.Fail(path + ".sector", "", "name a sector");
    if (!(choke.multiple() > 1 && choke.multiple() <= 1000)) {
      complaint.Fail(path + ".multiple", FormatNumber(choke.multiple()), "must be above 1 and at most 1000");
    }
    params.sector_choke_multiple[static_cast<int>(choke.sector()) - 1] = choke.multiple();
  }
  if (market.has_demand_price_floor_multiple() &&
      !(market.demand_price_floor_multiple() > 0 && market.demand_price_floor_multiple() <= 1)) {
    complaint.Fail("market.demand_price_floor_multiple", FormatNumber(market.demand_price_floor_multiple()),
                   "must be above 0 and at most 1");
  }
  set_fraction("demand_price_floor_multiple", market.has_demand_price_floor_multiple(), market.demand_price_floor_multiple(), 0.0, 1.0,
               params.demand_price_floor_multiple);
  set_fraction("demand_curve_steps_per_doubling", market.has_demand_curve_steps_per_doubling(),
               market.demand_curve_steps_per_doubling(), 0.5, 64.0, params.demand_curve_steps_per_doubling);
  set_fraction("demand_shock_sd", market.has_demand_shock_sd(), market.demand_shock_sd(), 0.0, 2.0, params.demand_shock_sd);
  set_fraction("substitution_speed", market.has_substitution_speed(), market.substitution_speed(), 0.0, 10.0, params.substitution_speed);
  set_fraction("substitution_max_share", market.has_substitution_max_share(), market.substitution_max_share(), 0.0, 1.0,
               params.substitution_max_share);
  set_fraction("substitution_decay", market.has_substitution_decay(), market.substitution_decay(), 0.0, 1.0, params.substitution_decay);
  set_fraction("switching_premium", market.has_switching_premium(), market.switching_premium(), 0.0, 10.0, params.switching_premium);
  params.cost_pass_through = market.cost_pass_through();
  params.licences_on_past_trade = market.licences_on_past_trade();
  if (market.has_price_discovery_passes()) {
    if (market.price_discovery_passes() < 1 || market.price_discovery_passes() > 10) {
      complaint.Fail("market.price_discovery_passes", std::to_string(market.price_discovery_passes()),
                     "must be between 1 and 10");
    }
    params.price_discovery_passes = market.price_discovery_passes();
  }
  if (market.has_speculation()) {
    const reesim::Speculation& speculation = market.speculation();
    for (int i = 0; i < speculation.products_size(); ++i) {
      const std::string path = "market.speculation.products[" + std::to_string(i) + "]";
      const int p = world.FindProduct(speculation.products(i));
      if (p < 0) complaint.Fail(path, Quoted(speculation.products(i)), "unknown product");
      if (std::find(params.speculated_products.begin(), params.speculated_products.end(), p) !=
          params.speculated_products.end()) {
        complaint.Fail(path, Quoted(speculation.products(i)), "listed twice");
      }
      params.speculated_products.push_back(p);
    }
    if (params.speculated_products.empty()) {
      complaint.Fail("market.speculation.products", "", "name at least one product that traders hold");
    }
    params.speculation_in_region.assign(world.regions.size(), speculation.regions_size() == 0);
    for (int i = 0; i < speculation.regions_size(); ++i) {
      const int r = world.FindRegion(speculation.regions(i));
      if (r < 0) {
        complaint.Fail("market.speculation.regions[" + std::to_string(i) + "]", Quoted(speculation.regions(i)),
                       "unknown region");
      }
      params.speculation_in_region[r] = true;
    }
    if (!(speculation.max_cover_rounds() > 0 && speculation.max_cover_rounds() <= 20)) {
      complaint.Fail("market.speculation.max_cover_rounds", FormatNumber(speculation.max_cover_rounds()),
                     "must be above 0 and at most 20 rounds of use");
    }
    params.speculation_max_cover_rounds = speculation.max_cover_rounds();
    set_fraction("speculation.threshold_return", speculation.has_threshold_return(), speculation.threshold_return(), 0.0, 5.0,
                 params.speculation_threshold_return);
    set_fraction("speculation.full_return", speculation.has_full_return(), speculation.full_return(), 0.0, 5.0, params.speculation_full_return);
    if (!(params.speculation_full_return > params.speculation_threshold_return)) {
      complaint.Fail("market.speculation.full_return", FormatNumber(params.speculation_full_return),
                     "must be above threshold_return (" + FormatNumber(params.speculation_threshold_return) + ")");
    }
  }
  set_fraction("smuggling_max_share", market.has_smuggling_max_share(), market.smuggling_max_share(), 0.0, 1.0, params.smuggling_max_share);
  set_fraction("smuggling_gap_half", market.has_smuggling_gap_half(), market.smuggling_gap_half(), 0.0, 100.0, params.smuggling_gap_half);
  set_fraction("smuggling_cost_share", market.has_smuggling_cost_share(), market.smuggling_cost_share(), 0.0, 10.0, params.smuggling_cost_share);
  double enforcement_half = params.enforcement_half_usd / 1e6;
  set_fraction("enforcement_half_usd_million_per_round", market.has_enforcement_half_usd_million_per_round(),
               market.enforcement_half_usd_million_per_round(), 0.0, 1e6, enforcement_half);
  params.enforcement_half_usd = enforcement_half * 1e6;
  set_fraction("investment_price_haircut", market.has_investment_price_haircut(), market.investment_price_haircut(), 0.0, 1.0,
               params.investment_price_haircut);
  if (market.has_close_after_idle_rounds()) {
    if (market.close_after_idle_rounds() < 1) {
      complaint.Fail("market.close_after_idle_rounds", std::to_string(market.close_after_idle_rounds()), "must be >= 1");
    }
    params.close_after_idle_rounds = market.close_after_idle_rounds();
  }
  set_fraction("price_reversion_half_life_rounds", market.has_price_reversion_half_life_rounds(),
               market.price_reversion_half_life_rounds(), 0.5, 400.0, params.price_reversion_half_life_rounds);
  set_fraction("long_run_price_memory_rounds", market.has_long_run_price_memory_rounds(),
               market.long_run_price_memory_rounds(), 1.0, 400.0, params.long_run_price_memory_rounds);
  set_fraction("investment_value_volatility", market.has_investment_value_volatility(), market.investment_value_volatility(),
               0.0, 5.0, params.investment_value_volatility);
  if (market.has_cournot_demand_elasticity()) {
    if (!(market.cournot_demand_elasticity() < 0 && market.cournot_demand_elasticity() >= -10)) {
      complaint.Fail("market.cournot_demand_elasticity", FormatNumber(market.cournot_demand_elasticity()),
                     "must be below 0 and at least -10");
    }
    params.cournot_demand_elasticity = market.cournot_demand_elasticity();
  }
  if (market.environmental_cost_usd_per_kg_size() != 0) {
    if (market.environmental_cost_usd_per_kg_size() != kStageCount) {
      complaint.Fail("market.environmental_cost_usd_per_kg", std::to_string(market.environmental_cost_usd_per_kg_size()) + " values",
                     "give one value per stage: mining, separation, metal, magnet");
    }
    for (int s = 0; s < kStageCount; ++s) {
      RequireNonNegative(complaint, "market.environmental_cost_usd_per_kg[" + std::to_string(s) + "]",
                         market.environmental_cost_usd_per_kg(s));
      params.environmental_cost_usd_per_kg[s] = market.environmental_cost_usd_per_kg(s);
    }
  }
  DeriveDemandCurves(world);
  // Final demand bids up to its choke price, which the markets' integer units must carry too.
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const DemandEntry& demand = world.demand[e];
    const double choke = demand.choke_multiple * demand.reference_price_usd_per_kg;
    if (choke > kMaxMarketUsdPerKg) {
      complaint.Fail("demand[" + std::to_string(e) + "].reference_price_usd_per_kg", FormatNumber(demand.reference_price_usd_per_kg),
                     "its choke price, " + FormatNumber(choke) + " USD/kg, must be at most " + FormatNumber(kMaxMarketUsdPerKg) +
                         " (the markets' integer units carry no more)");
    }
  }
  return world;
}

}  // namespace reesim::world
