// The immutable description of a world: regions and their governments, the products of the chain,
// plants, final demand, transport costs and market parameters. Loaded once from a scenario file,
// validated, and shared const by every round (FLAME GPU 2's ModelDescription, OpenSpiel's Game).
// Quantities are tonnes of rare-earth oxide equivalent (REO) per round, prices USD per kg.
// The chain (docs/model.md): mining -> separation -> metal -> magnet ->
// sectors; a separation plant turns one tonne of feed into the feed's oxide mix (joint production).
#pragma once

#include <array>
#include <limits>
#include <string>
#include <vector>

namespace reesim::world {

enum class Stage { kMining = 0, kSeparation = 1, kMetal = 2, kMagnet = 3 };
inline constexpr int kStageCount = 4;
inline constexpr std::array<const char*, kStageCount> kStageNames = {"mining", "separation", "metal",
                                                                     "magnet"};

enum class Sector { kEv = 0, kWind = 1, kElectronics = 2, kDefence = 3, kIndustrial = 4 };
inline constexpr int kSectorCount = 5;
inline constexpr std::array<const char*, kSectorCount> kSectorNames = {"ev", "wind", "electronics",
                                                                       "defence", "industrial"};

inline constexpr double kUnlimited = std::numeric_limits<double>::infinity();
inline constexpr double kKgPerTonne = 1000.0;

struct PayoffWeights {
  double consumer_surplus = 0;
  double producer_surplus = 0;
  double revenue = 0;
  double security = 0;
  double leverage = 0;
  double environment = 0;
};

struct Actor {
  std::string id;
  std::string name;
  PayoffWeights weights;
};

struct Region {
  std::string id;
  std::string name;
  int actor = -1;
};

struct ProductShare {
  int product = -1;
  double tonnes_per_tonne = 0;
  // Recipes only: the share moves linearly to `changed_tonnes_per_tonne` between change_start_round
  // and change_end_round (Product.recipe_changes); change_end_round < 0 = no change.
  double changed_tonnes_per_tonne = 0;
  int change_start_round = -1, change_end_round = -1;
  // Recipes only: price-driven thrift (Product.price_thrift); thrift_cell indexes
  // WorldState::recipe_thrift, -1 = none.
  double thrift_max_cut = 0, thrift_speed = 0;
  int thrift_cell = -1;

  // The share in round `round`.
  double At(int round) const {
    if (change_end_round < 0 || round <= change_start_round) return tonnes_per_tonne;
    if (round >= change_end_round) return changed_tonnes_per_tonne;
    const double progress = static_cast<double>(round - change_start_round) / (change_end_round - change_start_round);
    return tonnes_per_tonne + progress * (changed_tonnes_per_tonne - tonnes_per_tonne);
  }
};

struct Product {
  std::string id;
  Stage stage = Stage::kMining;
  double reference_price_usd_per_kg = 0;
  std::vector<ProductShare> separates_into;  // mining products: the oxide mix of one tonne of feed
  std::vector<ProductShare> made_from;       // metal and magnet products: the recipe
};

struct Plant;
// Returns whether the plant produces to order from its own resource (mines, recyclers) rather than
// processing inputs it bought.
bool ProducesToOrder(const Plant& plant);

struct WorldDescription;
// Returns whether the plant keeps a buffer of its inputs (MarketParameters::input_cover_rounds > 0): a
// metal or magnet maker, the users of oxides and alloy (docs/model.md, "Users' input buffers").
bool HoldsInputBuffer(const WorldDescription& world, const Plant& plant);

struct Plant {
  std::string id;
  int region = -1;
  std::string owner;
  Stage stage = Stage::kMining;
  // The product it makes; for separation plants, the feed it separates.
  int product = -1;
  double capacity_tonnes_per_round = 0;  // in the first round
  double capacity_growth_per_year = 0;   // exogenous trend, compounded
  double unit_cost_usd_per_kg = 0;
  double opening_stock_tonnes = 0;
  bool recycler = false;  // makes its product from scrap: no inputs, rising cost steps
  bool market_power = false;  // sets output as a Cournot best response
  bool reserve = false;       // kept idle on purpose by its owner or government: never scrapped
  // A project (not built at the start): capital cost, lead time, the firm's hurdle rate, life.
  bool is_project = false;
  double capex_usd_per_tonne_per_year = 0;
  int lead_time_rounds = 0;
  double hurdle_rate = 0.12;
  double life_years = 20;
};

// A long-term supplier relationship: `share` of a demand buys from region `from` first.
struct SupplierTie {
  int from = -1;
  double share = 0;
};

struct DemandEntry {
  int region = -1;
  Sector sector = Sector::kIndustrial;
  int product = -1;
  double base_tonnes_per_round = 0;
  double reference_price_usd_per_kg = 0;
  double elasticity = 0;
  double growth_per_year = 0;
  bool critical = false;
  double substitution_max_share = -1;  // < 0: the market's
  std::vector<SupplierTie> sourcing;
  // The choke price: the price at which the whole use has switched to its substitute (ferrite or
  // induction motors, thrift, recycling) and demand reaches zero. Given per entry in USD/kg or as a
  // multiple of P0 (0: not given); else the market's multiple for the sector (docs/model.md, "Demand").
  double choke_price_usd_per_kg = 0;
  double choke_price_multiple = 0;
  // Derived (DeriveDemandCurves), in multiples of P0: the choke c, the switching start s = max(1, c/2)
  // below which demand has constant elasticity; the steps of the curve, highest price first, each a
  // (multiple, fraction of D_ref demanded at it) pair, the first the choke with fraction 0; and the mean
  // willingness to pay of the reference quantity, Area(1) (offtake deliveries are valued at it).
  double choke_multiple = 0;
  double switch_multiple = 0;
  std::vector<std::pair<double, double>> curve;
  std::vector<double> curve_area;  // [k]: DemandCurveArea up to curve[k]'s fraction (settlement reads it)
  double reference_wtp_multiple = 0;
};

// The demand curve (docs/model.md, "Demand"), as a fraction f(m) of the reference quantity D_ref at a
// price m x P0, with e the elasticity, s the switching start, c the choke and m_f the floor:
//   f(m) = m^e                      for m_f <= m <= s   (constant elasticity)
//   f(m) = s^e (c - m) / (c - s)    for s < m < c       (users switch to substitutes, linearly)
//   f(m) = 0                        for m >= c;   nothing is bid below m_f.
// Returns f(m).
double DemandFraction(const DemandEntry& demand, double floor_multiple, double multiple);
// Returns the area under the inverse demand curve from 0 to the fraction `fraction` of D_ref, in
// multiples of P0 (gross willingness to pay per unit of D_ref, over P0): the integral of m(u) du.
// Fractions beyond what is bid at the floor count at the floor price.
double DemandCurveArea(const DemandEntry& demand, double floor_multiple, double fraction);

struct MarketParameters {
  double expectation_weight = 0.5;
  double carrying_cost_per_round = 0.05;
  double target_stock_rounds = 0.5;
  double input_cover_rounds = 0.0;  // metal and magnet makers' input buffer, in rounds of use (docs/model.md)
  bool licences_on_past_trade = false;  // export licences a share of the route's past trade (docs/model.md)
  // The choke price of each sector's demand as a multiple of its reference price, where a demand entry
  // gives none (ASSUMPTIONS, docs/model.md "Demand": EV 8, wind 4, electronics 10, defence 30,
  // industrial 4), by Sector.
  std::array<double, kSectorCount> sector_choke_multiple = {8.0, 4.0, 10.0, 30.0, 4.0};
  double demand_price_floor_multiple = 0.25;
  // Steps of the demand curve per doubling of the price (the linear part gets this many steps): a
  // numerical resolution with no economic meaning; surplus and prices should not depend on it.
  double demand_curve_steps_per_doubling = 6.0;
  double demand_shock_sd = 0.0;
  double substitution_speed = 0.0;
  double substitution_max_share = 0.3;
  double substitution_decay = 0.0;
  double switching_premium = 0.2;  // fraction of P0 a tied demand pays extra to buy from another source
  // Metal and magnet makers expect to pass input costs through to their output price (docs/model.md).
  bool cost_pass_through = false;
  int price_discovery_passes = 1;  // most clearings of the chain a round, looking for a fixed point (docs/model.md)
  // Speculative stocks (docs/model.md, "Speculative stocks"): the products held (empty: none), the most
  // held in rounds of a region's use, and the log price rises a round at which holding starts and is full.
  std::vector<int> speculated_products;
  std::vector<bool> speculation_in_region;  // [region]
  double speculation_max_cover_rounds = 0.0;
  double speculation_threshold_return = 0.05;
  double speculation_full_return = 0.3;
  // Smuggling around export controls: leak share = max * g / (g + gap_half) / (1 + E / enforcement_half),
  // g the relative price gap across the control last round, E the exporter's enforcement spending.
  double smuggling_max_share = 0.0;
  double smuggling_gap_half = 0.5;
  double smuggling_cost_share = 0.1;             // extra cost of smuggled goods, share of the price
  double enforcement_half_usd = 10e6;            // spending per round that halves leakage
  double investment_price_haircut = 0.1;         // policy-risk discount on expected prices for projects
  int close_after_idle_rounds = 8;               // a plant idle this long is reviewed for scrapping
  // The price outlook of investment and exit (docs/model.md, "Investment and exit"). ASSUMPTION: a
  // deviation from the reference price halves in two years; shocks to commodity prices last from
  // under a year to many years (Cashin, Liang & McDermott 2000, "How persistent are shocks to world
  // commodity prices?", IMF Staff Papers 47(2)).
  double price_reversion_half_life_rounds = 8;
  // ASSUMPTION: firms take the long-run level of a price to be the mean of what they have seen over the
  // last few years (weight 1/16 a round), as the long-run factor of Schwartz & Smith's (2000,
  // "Short-term variations and long-term dynamics in commodity prices", Management Science 46(7))
  // two-factor model is a slowly moving level that short-run deviations revert to.
  double long_run_price_memory_rounds = 16;
  // ASSUMPTION: 20 % a year, the base case of Dixit & Pindyck (1994, "Investment under Uncertainty",
  // ch. 5), where waiting makes a project worth building only at 1.5-2 times its cost.
  double investment_value_volatility = 0.2;
  // Environmental cost of output by stage, USD per kg (ASSUMPTIONS: mining and separation -- tailings,
  // radioactive thorium residues, ammonium and acid effluent -- dominate).
  std::array<double, kStageCount> environmental_cost_usd_per_kg = {2.0, 3.0, 0.5, 0.2};
  double cournot_demand_elasticity = -0.5;
};

struct WorldDescription {
  std::string name;
  std::string start_period = "2024Q1";
  int rounds_per_year = 4;
  int default_rounds = 8;
  std::vector<Actor> actors;
  std::vector<Region> regions;
  std::vector<Product> products;
  std::vector<Plant> plants;
  std::vector<DemandEntry> demand;
  std::vector<double> transport_usd_per_kg;  // [from * regions + to]; 0 on the diagonal
  std::vector<bool> in_reference_price;      // [region]: counts towards the world price `price.<p>`
  MarketParameters market;
  // Derived (DeriveDemandCurves), [product]: the highest bid of the product's final demand (its curves'
  // first step below the choke), USD/kg; without final demand, the widest sector choke multiple x the
  // product's reference price. Speculators bid no more: they could not sell above it.
  std::vector<double> product_top_bid_usd_per_kg;

  // Derived once at load: products of each stage in id order of the scenario.
  std::array<std::vector<int>, kStageCount> products_by_stage;
  std::array<std::vector<int>, kStageCount> plants_by_stage;
  bool recipes_change = false;  // some recipe share moves (Product.recipe_changes or price_thrift)
  int thrift_cells = 0;         // recipe shares with price-driven thrift

  int RegionCount() const { return static_cast<int>(regions.size()); }
  int ProductCount() const { return static_cast<int>(products.size()); }
  int PlantCount() const { return static_cast<int>(plants.size()); }
  double Transport(int from, int to) const { return transport_usd_per_kg[from * RegionCount() + to]; }
  // Returns the plant's capacity in the given round (its trend applied).
  double Capacity(int plant, int round) const;
  // Returns the label of a round: "2024Q3" for quarters, "2026" for years, "2024P5" otherwise.
  std::string PeriodLabel(int round) const;
  // Returns the index of the region/product/actor with this id, or -1.
  int FindRegion(const std::string& id) const;
  int FindProduct(const std::string& id) const;
  int FindActor(const std::string& id) const;
  int FindPlant(const std::string& id) const;
};

// Calls fn(product, tonnes per tonne of throughput) for each product the plant makes: a separation
// plant makes its feed's oxide mix, every other plant its one product.
template <typename Fn>
void ForEachOutput(const WorldDescription& world, const Plant& plant, Fn&& fn) {
  if (plant.stage != Stage::kSeparation) {
    fn(plant.product, 1.0);
    return;
  }
  for (const ProductShare& share : world.products[plant.product].separates_into) fn(share.product, share.tonnes_per_tonne);
}

// Returns whether the plant makes `product`.
bool Makes(const WorldDescription& world, const Plant& plant, int product);

// Fills products_by_stage and plants_by_stage; called by loaders after the products and plants are set.
void DeriveIndexes(WorldDescription& world);

// Fills each demand entry's choke, switching start, `curve` and reference_wtp_multiple from its
// elasticity, its or its sector's choke and the market's floor and resolution (docs/model.md,
// "Demand"), and product_top_bid_usd_per_kg; called by loaders once demand and market parameters are set.
void DeriveDemandCurves(WorldDescription& world);

}  // namespace reesim::world
