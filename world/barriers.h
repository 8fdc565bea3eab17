// Policy instruments and the round's terms they write (docs/instruments.md).
//
// An instrument in force acts at fixed points of the round, its hooks, in this order:
//   1. before clearing: writes the round's terms into the BarrierTable (what each market reads on its
//      arcs and steps: duties, bans, licences, quotas, orders, contracts; caps on plants' output,
//      demand multipliers), and books costs the government bears outside the markets;
//   2. at settlement: each spot sale of a plant's product (price support), and each fill of a market
//      order it placed (stockpiles);
//   3. after clearing: income on the round's results (equity);
//   4. at investment: what firms may count on when valuing projects (guaranteed prices, equity).
// The round calls only the hooks an instrument names in Hooks(), so a hook it does not use costs
// nothing. Instruments live in policies/, one file each; world never includes them.
//
// Rates and shares that several instruments combine on one cell (tariffs that add up, controls of
// which the strictest binds, capital-subsidy shares capped at 1) meet in the table, and the round
// applies the combined value: a tariff's revenue is booked per flow from the arc's combined rate, a
// production subsidy per tonne processed from the plant's combined subsidy, capital support per plant
// under construction from its combined shares. So the table is also where the clearing's hot loop
// reads its wedges: no call per arc.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "world/random.h"

namespace reesim::world {

struct WorldDescription;
struct WorldState;
struct RoundOutcome;
class Instrument;

// An order placed in one market this round, as a demand step (buy up to `buy_tonnes` at prices up to
// `buy_max_usd_per_kg`) and a supply step (release up to `sell_tonnes` at prices from
// `sell_min_usd_per_kg`): a government's strategic stockpile, or traders' speculative stock.
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
  bool speculative = false;                      // traders' stock in `region` (no actor; the rest of the world's)
  const Instrument* owner = nullptr;             // told of the order's fills; none for traders
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

// An export quota over several products or regions (China's one quota on every rare-earth product):
// the licence goes where it earns most, so the clearing prices a tonne of it the same for every
// product and region it covers (round.cc, ShareExportQuota). A quota over products of several stages
// is used stage by stage, upstream first.
struct SharedExportQuota {
  std::vector<int> regions;
  std::vector<int> products;
  double tonnes = 0;  // this round
};

// The round's terms: what the instruments in force do to trade, production and investment, as the
// clearing and the round read it. Written before clearing; reset every round. Each field says who
// reads it and how instruments combine on it.
struct BarrierTable {
  int regions = 0;
  int products = 0;
  // Arcs [(product * regions + from) * regions + to] (Arc()). The clearing's wedge is transport plus
  // the ad-valorem rates below times the exporter's expected price; rates add up. At settlement the
  // importer's government collects the tariff and the exporter's the export tax, per flow.
  std::vector<double> tariff_ad_valorem;
  std::vector<double> export_tax_ad_valorem;
  std::vector<std::uint8_t> banned;           // 1 = no arc
  // Export controls: licensing friction as a share of the price (in the wedge; no revenue), the share
  // licensed (a cap on the route: of the destination's demand, or of the route's past trade;
  // AddControlCaps in round.cc), military end use denied, and
  // whether the arc is under any control (bans and quotas too), which is what smuggling leaks around.
  std::vector<double> licence_friction_ad_valorem;
  std::vector<double> approval_share;
  std::vector<std::uint8_t> military_denied;
  std::vector<std::uint8_t> controlled;
  // Regions and products.
  std::vector<double> export_quota_tonnes;    // [region * products + product] per round; inf = none
  std::vector<SharedExportQuota> shared_export_quotas;
  // A new shared quota for this round, empty; its buffers are the last rounds' (Reset keeps them), so
  // that a round writing quotas allocates nothing once warm.
  SharedExportQuota& AddSharedExportQuota() {
    if (spare_shared_export_quotas.empty()) return shared_export_quotas.emplace_back();
    shared_export_quotas.push_back(std::move(spare_shared_export_quotas.back()));
    spare_shared_export_quotas.pop_back();
    SharedExportQuota& quota = shared_export_quotas.back();
    quota.regions.clear();
    quota.products.clear();
    quota.tonnes = 0;
    return quota;
  }
  std::vector<double> enforcement_usd;        // [region]: spending against smuggling from it this round
  // Plants. A production subsidy lowers the plant's offers and raises its bids; the government of its
  // region pays it on every tonne processed. Capital-subsidy shares of a plant under construction are
  // paid by its government, less the joint part its alliance's members pay in equal parts; the firm
  // pays the rest. Firms see both subsidies in the next round's state.
  std::vector<double> production_subsidy_usd_per_kg;  // [plant]; rates add up
  std::vector<double> production_cap_tonnes;          // [plant]: most it may make this round; inf = no quota
  std::vector<double> capital_subsidy_share;          // [plant]: share of a new plant's capital cost paid
  std::vector<double> joint_investment_share;         // [plant]: the part of it an alliance pays jointly
  std::vector<const std::vector<int>*> joint_investors;  // [plant]: the actors sharing it
  std::vector<double> recycling_mandate_share;        // [plant]: share of a recycler's capacity that must run
  // [plant]: a price floor on its sales of `sale_floor_product[plant]` (-1: none) this round: it is paid
  // at least this for every kg it sells, so it offers at any market price what it would sell at the floor.
  std::vector<double> sale_floor_usd_per_kg;
  std::vector<int> sale_floor_product;
  // Demand and the markets' extra steps.
  std::vector<double> demand_multiplier;              // [demand entry]: multipliers multiply
  // [demand entry]: the share of its users that research has moved to a substitute (their demand is
  // cut through demand_multiplier too); settlement books their surplus (RoundOutcome.demand).
  std::vector<double> switched_share;
  std::vector<StockpileOrder> stockpile_orders;
  std::vector<OfftakeDelivery> offtakes;               // delivered before the spot market, in this order
  std::vector<SharedExportQuota> spare_shared_export_quotas;  // buffers of past rounds' (AddSharedExportQuota)

  // Clears the table for a round of `world`. `untouched`: no instrument wrote terms since the last
  // reset, so the per-route tables (products x regions^2, the bulk of the table) are still clear.
  void Reset(const WorldDescription& world, const WorldState& state, bool untouched = false);
  void Reset(int region_count, int product_count, bool untouched = false) {
    const std::size_t arcs = static_cast<std::size_t>(product_count) * region_count * region_count;
    const bool keep_routes = untouched && regions == region_count && products == product_count && banned.size() == arcs;
    regions = region_count;
    products = product_count;
    enforcement_usd.assign(regions, 0.0);
    stockpile_orders.clear();
    for (SharedExportQuota& quota : shared_export_quotas) spare_shared_export_quotas.push_back(std::move(quota));
    shared_export_quotas.clear();
    offtakes.clear();
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

// What an instrument sees before clearing: the description, last round's state, and the run's keys
// for instruments with uncertain outcomes (their draws are keyed by these, never by thread or call order).
struct ApplyContext {
  const WorldDescription& world;
  const WorldState& state;
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
  RandomDomain domain = RandomDomain::kRun;
};

// A plant's spot sale at settlement.
struct Sale {
  int plant = -1;
  int product = -1;
  double tonnes = 0;
  double price_usd_per_kg = 0;  // its supply node's price: below the domestic price when an export quota binds
};

// A fill of a StockpileOrder at settlement: its demand step bought `tonnes` at the price of the step's
// market, or its supply step sold them at the region's supply price.
struct OrderFill {
  bool sold = false;
  double tonnes = 0;
  double price_usd_per_kg = 0;
};

// The hooks an instrument uses; the round calls no other.
struct HookSet {
  bool before_clearing = false;
  bool on_sale = false;
  bool after_clearing = false;
  bool at_investment = false;
};

// A policy instrument in force. Implementations live in policies/, one file each (docs/instruments.md).
// Hooks are const: one instrument serves every run and thread of an experiment, so what it writes goes
// into the table, the state or the outcome it is given.
class Instrument {
 public:
  virtual ~Instrument() = default;
  virtual HookSet Hooks() const = 0;
  // Instruments that modify others' terms (alliances) run after the rest: a higher order runs later.
  // Every hook is called in this order, then by actor, then in the order each actor listed them.
  virtual int ApplyOrder() const { return 0; }

  // Before clearing: writes this round's terms into `table`; books costs the government bears outside
  // the markets (enforcement, trade lost to sanctions) into `outcome`.
  virtual void BeforeClearing(const ApplyContext& context, BarrierTable& table, RoundOutcome& outcome) const;
  // At settlement, for each spot sale by a plant (trial clearings of price discovery included).
  virtual void OnSale(const Sale& sale, RoundOutcome& outcome) const;
  // At settlement, for each fill of an order this instrument placed (StockpileOrder::owner); called
  // whatever Hooks() says.
  virtual void OnOrderFilled(const WorldDescription& world, const StockpileOrder& order, const OrderFill& fill,
                             WorldState& state, RoundOutcome& outcome) const;
  // After the chain has cleared, with every plant's revenue and cost of the round in `outcome`.
  virtual void AfterClearing(const WorldDescription& world, RoundOutcome& outcome) const;
  // At investment, after the round's capital costs are paid: writes what firms will see of this
  // instrument when valuing projects next round (GuaranteePrice, government_equity_share in `state`).
  virtual void AtInvestment(const WorldDescription& world, WorldState& state) const;
};

// The hooks' defaults do nothing (the round never calls a hook an instrument does not name).
inline void Instrument::BeforeClearing(const ApplyContext&, BarrierTable&, RoundOutcome&) const {}
inline void Instrument::OnSale(const Sale&, RoundOutcome&) const {}
inline void Instrument::OnOrderFilled(const WorldDescription&, const StockpileOrder&, const OrderFill&, WorldState&,
                                      RoundOutcome&) const {}
inline void Instrument::AfterClearing(const WorldDescription&, RoundOutcome&) const {}
inline void Instrument::AtInvestment(const WorldDescription&, WorldState&) const {}

}  // namespace reesim::world
