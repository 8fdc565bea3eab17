// The barrier and incentive table of a round (docs/model.md, "The round"): what policies in force do to trade.
// Instruments (policies/) write into it; market clearing reads it. Reset every round.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace reesim::world {

struct WorldDescription;
struct WorldState;

// A government's strategic stockpile acting in one market this round: it buys up to `buy_tonnes` at
// prices up to `buy_max_usd_per_kg`, and releases up to `sell_tonnes` at prices from `sell_min_usd_per_kg`.
struct StockpileOrder {
  int actor = -1;
  int region = -1;
  int product = -1;
  double buy_tonnes = 0;
  double buy_max_usd_per_kg = 0;
  double sell_tonnes = 0;
  double sell_min_usd_per_kg = 0;
  double release_rate_tonnes = 0;                // asked to release, before holdings limit it
  const std::vector<int>* pool = nullptr;        // pooled with these actors' holdings (an alliance)
  bool speculative = false;                      // traders' stock in `region` (no actor; outside payoffs)
};

// A contract served before the spot market: the seller plant delivers up to `tonnes` of `product` to a
// buyer plant or to a demand entry, at `price_usd_per_kg` (0: the seller's expected price).
struct OfftakeDelivery {
  int seller_plant = -1;
  int buyer_plant = -1;
  int buyer_demand = -1;
  int product = -1;
  double tonnes = 0;
  double price_usd_per_kg = 0;
};

// A government's share of a firm's profit.
struct EquityShare {
  int actor = -1;
  double share = 0;
  const std::vector<int>* plants = nullptr;  // owned by the instrument
};

// A guaranteed minimum price for a plant's sales of a product; the government pays the gap.
struct PriceFloorTerms {
  int actor = -1;
  int plant = -1;
  int product = -1;
  double floor_usd_per_kg = 0;
};

// An export quota over several products or regions (China's one quota on every rare-earth product):
// the licence goes where it earns most, so the clearing prices a tonne of it the same for every
// product and region it covers (round.cc, ShareExportQuota). A quota over products of several stages
// is used stage by stage, upstream first.
struct SharedExportQuota {
  std::vector<int> regions;
  std::vector<int> products;
  double tonnes = 0;  // this round
};

struct BarrierTable {
  int regions = 0;
  int products = 0;
  std::vector<double> tariff_ad_valorem;      // [(product * regions + from) * regions + to]
  std::vector<double> export_tax_ad_valorem;  // same layout
  std::vector<std::uint8_t> banned;           // same layout: 1 = no trade
  std::vector<double> export_quota_tonnes;    // [region * products + product] per round; inf = none
  std::vector<SharedExportQuota> shared_export_quotas;
  // Export controls (arc layout): licensing friction as a share of the price (no revenue), the share
  // of the destination's demand that is licensed, military end use denied, and whether the arc is
  // under any control (bans and quotas too), which is what smuggling leaks around.
  std::vector<double> licence_friction_ad_valorem;
  std::vector<double> approval_share;
  std::vector<std::uint8_t> military_denied;
  std::vector<std::uint8_t> controlled;
  std::vector<double> enforcement_usd;        // [region]: spending against smuggling this round
  // Incentives.
  std::vector<double> production_subsidy_usd_per_kg;  // [plant]: lowers its cost; the government pays
  std::vector<double> production_cap_tonnes;          // [plant]: most it may make this round; inf = no quota
  std::vector<double> capital_subsidy_share;          // [plant]: share of a new plant's capital cost paid
  std::vector<double> joint_investment_share;         // [plant]: the part of it an alliance pays jointly
  std::vector<const std::vector<int>*> joint_investors;  // [plant]: the actors sharing it
  std::vector<double> recycling_mandate_share;        // [plant]: share of a recycler's capacity that must run
  std::vector<double> demand_multiplier;              // [demand entry]: substitution research that worked
  std::vector<StockpileOrder> stockpile_orders;
  std::vector<OfftakeDelivery> offtakes;
  std::vector<double> sanction_cost_usd;              // [actor]: trade lost to sanctions this round
  std::vector<EquityShare> equity;
  std::vector<PriceFloorTerms> price_floors;

  // Clears the table for a round of `world`. `untouched`: no instrument applied since the last
  // reset, so the per-route tables (products x regions^2, the bulk of the table) are still clear.
  void Reset(const WorldDescription& world, const WorldState& state, bool untouched = false);
  void Reset(int region_count, int product_count, bool untouched = false) {
    const std::size_t arcs = static_cast<std::size_t>(product_count) * region_count * region_count;
    const bool keep_routes = untouched && regions == region_count && products == product_count && banned.size() == arcs;
    regions = region_count;
    products = product_count;
    enforcement_usd.assign(regions, 0.0);
    stockpile_orders.clear();
    shared_export_quotas.clear();
    offtakes.clear();
    equity.clear();
    price_floors.clear();
    if (keep_routes) return;
    tariff_ad_valorem.assign(arcs, 0.0);
    export_tax_ad_valorem.assign(arcs, 0.0);
    banned.assign(arcs, 0);
    export_quota_tonnes.assign(static_cast<std::size_t>(regions) * products,
                               std::numeric_limits<double>::infinity());
    licence_friction_ad_valorem.assign(arcs, 0.0);
    approval_share.assign(arcs, 1.0);
    military_denied.assign(arcs, 0);
    controlled.assign(arcs, 0);
  }
  std::size_t Arc(int product, int from, int to) const {
    return (static_cast<std::size_t>(product) * regions + from) * regions + to;
  }
};

// What an instrument sees when it acts: the description, last round's state, and the run's keys for
// instruments with uncertain outcomes (their draws are keyed by these, never by thread or call order).
struct ApplyContext {
  const WorldDescription& world;
  const WorldState& state;
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
};

// A policy instrument in force: acts on the barrier table. Implementations live in policies/.
class Instrument {
 public:
  virtual ~Instrument() = default;
  // Adds this instrument's effect for the round to `table`.
  virtual void Apply(const ApplyContext& context, BarrierTable& table) const = 0;
  // Instruments that modify others' effects (alliances) run after the rest: a higher order runs later.
  virtual int ApplyOrder() const { return 0; }
};

}  // namespace reesim::world
