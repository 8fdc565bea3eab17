#include "world/round.h"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "world/buffer.h"
#include "world/check.h"
#include "world/random.h"
#include "world/storage.h"

namespace reesim::world {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// body(0) .. body(n - 1), in parallel unless the arena has one thread (then a plain loop: TBB's
// task machinery costs a few percent of a round for nothing). The bodies write disjoint slots, so
// the results do not depend on which.
template <typename Body>
void ForEachIndex(std::size_t n, const Body& body) {
  if (n <= 1 || tbb::this_task_arena::max_concurrency() == 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  tbb::parallel_for(std::size_t{0}, n, body);
}

// A recycler's capacity comes in equal steps at these multiples of its unit cost (collection gets dearer).
constexpr std::array<double, 4> kRecyclingCostSteps = {1.0, 1.5, 2.0, 3.0};

}  // namespace

// Who stands behind each step of a product's market, and the market itself; kept in RoundScratch so
// the buffers are reused from round to round.
struct SupplyOwner {
  int participant = -1;  // a plant's entry in ProductMarket::participants, selling this round's output, or
  int stockpile = -1;    // a stockpile release: index into the barrier table's orders, or
  int stock_group = -1;  // holders' stock at one ask in one region: index into ProductMarket::stock_groups
};

struct DemandOwner {
  int plant = -1;         // a processor buying its input, or
  int demand_entry = -1;  // a sector's final demand, or
  int stockpile = -1;     // a stockpile purchase
  // Final demand: the step covers the fractions [curve_from, curve_from + tonnes / scale_tonnes] of its
  // segment's reference quantity `scale_tonnes` (its surplus is the curve's area over what is served);
  // curve_from and the step's end are points of the entry's curve, whose areas up to them (area_from,
  // area_to) were derived at load, so a step served whole needs no integral at settlement.
  double curve_from = 0;
  double scale_tonnes = 0;
  double area_from = 0;
  double area_to = 0;
};

struct ProductMarket {
  MarketProblem problem;
  std::vector<SupplyOwner> supply_owner;
  std::vector<DemandOwner> demand_owner;
  MarketSolution solution;
  MarketWorkspace workspace;
  std::vector<double> demand_by_region;  // scratch: tonnes bid per region
  std::vector<int> supplying_regions, demanding_regions;  // scratch
  // The regions whose pairs the problem's matrices hold, and whether they were written with the
  // barrier table at its defaults (see BuildMarket).
  std::vector<int> paired_suppliers, paired_buyers;
  bool pairs_at_defaults = false;
  std::vector<std::uint8_t> region_seen;                  // scratch: 1 supplies, 2 demands
  // The plants that make, stock or use the product, with what the market reads of each (fixed for a
  // world): kept together, since the round visits them all in every market.
  struct Participant {
    int plant;
    int region;
    bool sells_output;  // produces the product to order
    double output_per_tonne;  // tonnes of the product in a tonne of the plant's output (> 0: it makes it, may hold stock)
    bool recycler;
    double unit_cost_usd_per_kg;
    double input_per_output;  // tonnes of the product per tonne of its output; 0 if not an input
  };
  std::vector<Participant> participants;
  bool participants_listed = false;
  // Holders' stock tranches (world/storage.h): every holder of the product in a region asks at the same
  // few prices, so the tranches at one ask in one region are one supply step, and its sale is shared
  // among them in proportion to what each offered. Kept for the round's settlement.
  struct StockTranche {
    int region;
    int level;  // in world/storage.h's schedule
    double ask_usd_per_kg;
    int participant;
    double tonnes;
  };
  std::vector<StockTranche> stock_tranches;  // as offered (participant order), then by (region, level)
  std::vector<StockTranche> tranche_scratch;
  std::vector<int> tranche_bucket_start;    // [region * (levels) + level]: counting sort
  struct StockGroup {
    int begin, end;  // in stock_tranches
    double tonnes;
  };
  std::vector<StockGroup> stock_groups;
};

// A shared export quota's search for its licence price (ShareExportQuota): at licence price `units` (the
// clearing's money units), each covered product's exports and welfare, and exports by region where it
// was cleared.
struct QuotaProbe {
  std::int64_t units = 0;
  std::vector<double> exports_tonnes, welfare_usd;  // [product]
  std::vector<double> by_region;                   // [product][region]; rows of products not cleared are zeros
  std::vector<std::uint8_t> cleared;               // [product]
  double Exports() const { return std::accumulate(exports_tonnes.begin(), exports_tonnes.end(), 0.0); }
  void Reset(std::int64_t at_units, std::size_t products, int regions) {
    units = at_units;
    exports_tonnes.assign(products, 0.0);
    welfare_usd.assign(products, 0.0);
    by_region.assign(products * static_cast<std::size_t>(regions), 0.0);
    cleared.assign(products, 0);
  }
};

struct MarketBuffers {
  std::vector<ProductMarket> by_product;
  // Reused by every round's shared export quotas, so that they allocate nothing once warm.
  std::vector<double> licence_left;  // [shared export quota]: tonnes not yet used by upstream stages
  std::vector<int> quota_products;
  std::vector<std::vector<double>> quota_base_wedges;  // [covered product]
  QuotaProbe low, high, probe, lower;
  // [shared export quota * stages + stage]: the licence price the last round found, in the clearing's
  // money units (-1: none), where this round's search looks first.
  std::vector<std::int64_t> last_licence_units;
  // [region * products + product]: this round's exports under offtake contracts, which use the region's
  // export quota for the product before the spot market does (DeliverOfftakes, BuildMarket).
  std::vector<double> contract_exports_tonnes;
};

namespace {

// The price a processor bids with for a product in its region: the round's trial price where the
// chain's fixed point has priced it (ClearChainToFixedPoint), else the expectation.
bool HasBidPrice(const RoundScratch& scratch, std::size_t cell) {
  return !scratch.bid_price_usd_per_kg.empty() && !std::isnan(scratch.bid_price_usd_per_kg[cell]);
}
double BidPrice(const WorldState& state, const RoundScratch& scratch, std::size_t cell) {
  return HasBidPrice(scratch, cell) ? scratch.bid_price_usd_per_kg[cell] : state.expected_price_usd_per_kg[cell];
}

// Value of one tonne (per kg) of the plant's output at its region at its bid prices, processing cost
// excluded. A separation plant's oxides that have never cleared in its region (a new plant where nobody
// else sells them) and that no trial has priced are valued at what they are expected to fetch elsewhere
// (ExpectedPriceFor), as its owner valued them when building it.
double OutputValueAtBidPrices(const WorldDescription& world, const WorldState& state, const RoundScratch& scratch,
                           const Plant& plant) {
  const int np = world.ProductCount();
  double value = 0;
  ForEachOutput(world, plant, [&](int product, double per_tonne) {
    const std::size_t cell = WorldState::At(plant.region, product, np);
    value += per_tonne * (plant.stage == Stage::kSeparation && !HasBidPrice(scratch, cell)
                              ? ExpectedPriceFor(world, state, plant.region, product)
                              : BidPrice(state, scratch, cell));
  });
  return value;
}

// The round's demand at the reference price: growth, substitution and the demand shock.
double ReferenceDemand(const WorldDescription& world, const WorldState& state, const RoundInputs& inputs,
                       int entry) {
  const DemandEntry& demand = world.demand[entry];
  const double years = static_cast<double>(state.round) / world.rounds_per_year;
  double tonnes = demand.base_tonnes_per_round * std::pow(1.0 + demand.growth_per_year, years) *
                  (1.0 - state.substituted_share[entry]);
  const double sd = world.market.demand_shock_sd;
  if (sd > 0) {
    RandomStream random(inputs.seed, inputs.run, static_cast<std::uint64_t>(state.round),
                        static_cast<std::uint64_t>(entry), InDomain(RandomPurpose::kDemandShock, inputs.domain));
    tonnes *= std::exp(sd * random.Normal() - 0.5 * sd * sd);
  }
  return tonnes;
}

// Adds a sector's demand curve as steps; the tied shares of each step go to their own segments.
void AddDemandCurve(const WorldDescription& world, const DemandEntry& demand, int entry, double reference_tonnes,
                    ProductMarket& market) {
  const double p0 = demand.reference_price_usd_per_kg;
  // Defence demand is a military end use: its own segment, which export controls can deny.
  const bool military = demand.sector == Sector::kDefence;
  int open_segment = -1;
  if (military) {
    open_segment = static_cast<int>(market.problem.segments.size());
    market.problem.segments.push_back({demand.region, -1, 0.0, true});
  }
  const int first_segment = static_cast<int>(market.problem.segments.size());
  double open_share = 1.0;
  for (const SupplierTie& tie : demand.sourcing) {
    market.problem.segments.push_back({demand.region, tie.from, world.market.switching_premium * p0, military});
    open_share -= tie.share;
  }
  // The curve starts at the choke, where nothing is demanded; each step is the extra demanded at its
  // price, bid at that price, so no bid reaches the choke. At each step, the open market's part, then
  // each tie's, each scaled by its share of the reference quantity.
  REESIM_CHECK(!demand.curve.empty());
  if (!(reference_tonnes > 0)) return;
  const bool open = open_share > 0;
  const double open_scale = reference_tonnes * open_share;
  const int region = demand.region;
  const std::size_t ties = demand.sourcing.size();
  std::vector<DemandStep>& steps = market.problem.demand;
  std::vector<DemandOwner>& owners = market.demand_owner;
  // Sized once and written in place: a curve has dozens of steps, and pushing them one by one was a
  // tenth of the round's market building (callgrind).
  const std::size_t per_step = (open ? 1 : 0) + ties;
  std::size_t next = steps.size();
  steps.resize(next + per_step * demand.curve.size());
  owners.resize(steps.size());
  double previous = 0, previous_area = 0;
  for (std::size_t k = 0; k < demand.curve.size(); ++k) {
    const auto [multiple, fraction] = demand.curve[k];
    if (fraction <= previous) continue;
    const double width = fraction - previous, bid = multiple * p0, area = demand.curve_area[k];
    if (open) {
      steps[next] = {region, width * open_scale, bid, open_segment};
      owners[next++] = {-1, entry, -1, previous, open_scale, previous_area, area};
    }
    for (std::size_t t = 0; t < ties; ++t) {
      const double scale = reference_tonnes * demand.sourcing[t].share;
      steps[next] = {region, width * scale, bid, first_segment + static_cast<int>(t)};
      owners[next++] = {-1, entry, -1, previous, scale, previous_area, area};
    }
    previous = fraction;
    previous_area = area;
  }
  steps.resize(next);
  owners.resize(next);
}

// A route no export control or quota covers this round adds its spot trade to its record, which a
// later control licenses a share of (contracts are delivered whatever the licences): over the run's
// first four rounds their mean, then an average weighting each round 1/4 of the last (about a year of
// quarters, most of it the latest).
void RecordLicenceBases(const BarrierTable& barriers, const RoundOutcome& outcome, std::vector<double>& route_tonnes,
                        WorldState& state) {
  std::vector<double>& base = state.licence_base_tonnes;
  if (base.empty()) return;  // licences on the destination's demand
  REESIM_CHECK_EQ(base.size(), barriers.controlled.size());
  route_tonnes.assign(base.size(), 0.0);
  for (const FlowOutcome& flow : outcome.flows) {
    if (!flow.smuggled && !flow.offtake && flow.from != flow.to) {
      route_tonnes[barriers.Arc(flow.product, flow.from, flow.to)] += flow.tonnes;
    }
  }
  const double weight = std::max(0.25, 1.0 / (state.round + 1));
  for (std::size_t arc = 0; arc < base.size(); ++arc) {
    const double tonnes = route_tonnes[arc];
    if ((tonnes == 0 && base[arc] == 0) || barriers.controlled[arc]) continue;  // most routes never trade
    base[arc] = std::isnan(base[arc]) ? tonnes : base[arc] + weight * (tonnes - base[arc]);
  }
}

// Export controls cap licensed routes at the approved share of all tonnes bid in the destination or,
// in worlds with licences_on_past_trade, of the route's record of its trade in uncontrolled rounds
// (where it has one); around any control, smuggling opens an unrecorded route whose size grows with
// last round's price gap and shrinks with the exporter's enforcement spending.
void AddControlCaps(const WorldDescription& world, const WorldState& state, const BarrierTable& barriers,
                    int product, ProductMarket& market) {
  const int nr = world.RegionCount();
  const int np = world.ProductCount();
  std::vector<double>& demand_tonnes = market.demand_by_region;
  demand_tonnes.assign(nr, 0.0);
  for (const DemandStep& step : market.problem.demand) demand_tonnes[step.region] += step.tonnes;
  const MarketParameters& params = world.market;
  auto price_at = [&](int region) {
    const double last = state.price_usd_per_kg[WorldState::At(region, product, np)];
    return std::isnan(last) ? state.expected_price_usd_per_kg[WorldState::At(region, product, np)] : last;
  };
  // Only routes the market can use: from regions that supply to regions that demand. Every such pair
  // is written (the problem's matrices keep the last round's values elsewhere; see BuildMarket).
  for (int from : market.supplying_regions) {
    for (int to : market.demanding_regions) {
      const std::size_t arc = barriers.Arc(product, from, to);
      const std::size_t pair = static_cast<std::size_t>(from) * nr + to;
      market.problem.route_cap_tonnes[pair] = std::numeric_limits<double>::infinity();
      market.problem.smuggling_cap_tonnes[pair] = 0.0;
      if (to == from || !barriers.controlled[arc] || demand_tonnes[to] <= 0) continue;
      if (barriers.approval_share[arc] < 1) {
        const double past = state.licence_base_tonnes.empty() ? kNaN : state.licence_base_tonnes[arc];
        market.problem.route_cap_tonnes[pair] = barriers.approval_share[arc] * (std::isnan(past) ? demand_tonnes[to] : past);
      }
      const double exporter_price = price_at(from);
      const double gap = exporter_price > 0 ? std::max(0.0, price_at(to) / exporter_price - 1.0) : 0.0;
      market.problem.smuggling_cap_tonnes[pair] =
          SmugglingShare(params, gap, barriers.enforcement_usd[from]) * demand_tonnes[to];
      market.problem.smuggling_cost_usd_per_kg[pair] =
          world.Transport(from, to) + params.smuggling_cost_share * exporter_price;
    }
  }
}

// Sets up one product's market from stocks, decisions, expectations, demand and barriers.
void BuildMarket(const WorldDescription& world, const WorldState& state, const RoundScratch& scratch, int product,
                 ProductMarket& market) {
  const std::vector<double>& reference_demand = scratch.reference_demand;
  const int nr = world.RegionCount();
  const int np = world.ProductCount();
  const BarrierTable& barriers = scratch.barriers;
  // The pair matrices are reset only when the size changes: the market reads them only between
  // regions that supply and regions that demand, and every such pair is written below.
  market.problem.ClearSteps(nr);
  market.supply_owner.clear();
  market.demand_owner.clear();
  market.stock_tranches.clear();
  market.stock_groups.clear();
  std::vector<double>& hint = market.problem.price_hint_usd_per_kg;
  hint.resize(nr);
  for (int r = 0; r < nr; ++r) hint[r] = state.expected_price_usd_per_kg[WorldState::At(r, product, np)];

  if (!market.participants_listed) {
    for (int i = 0; i < world.PlantCount(); ++i) {
      const Plant& plant = world.plants[i];
      const bool sells_output = ProducesToOrder(plant) && plant.product == product;
      const double per_output = InputPerOutput(world, state, plant, product);
      double output_per_tonne = 0;  // shares are > 0 (world_io.cc), so > 0 exactly when the plant makes it
      ForEachOutput(world, plant, [&](int made, double tonnes) {
        if (made == product) output_per_tonne += tonnes;
      });
      if (sells_output || output_per_tonne > 0 || per_output > 0) {
        market.participants.push_back({i, plant.region, sells_output, output_per_tonne, plant.recycler,
                                       plant.unit_cost_usd_per_kg, per_output});
      }
    }
    market.participants_listed = true;
    // Room for every step the participants can offer (a holder's stock comes in one to
    // kExcessStockTranches + 1 tranches, changing from round to round), so the round allocates nothing
    // once warm (the clearing's workspace reserves as much, world/market.cc).
    std::size_t most_supply_steps = 0;
    for (const ProductMarket::Participant& participant : market.participants) {
      if (participant.sells_output) most_supply_steps += participant.recycler ? 1 + kRecyclingCostSteps.size() : 1;
      if (participant.output_per_tonne > 0) most_supply_steps += kExcessStockTranches + 1;
    }
    market.problem.supply.reserve(most_supply_steps);
    market.supply_owner.reserve(most_supply_steps);
    // And for every bid: each processor that uses the product, and each step of its final demand's
    // curves (one per supplier tie too), however few of them bid in the first rounds.
    std::size_t most_demand_steps = 0;
    for (const ProductMarket::Participant& participant : market.participants) {
      if (participant.input_per_output > 0) most_demand_steps += HoldsInputBuffer(world, world.plants[participant.plant]) ? 2 : 1;
    }
    for (const DemandEntry& demand : world.demand) {
      if (demand.product == product) most_demand_steps += demand.curve.size() * (1 + demand.sourcing.size());
    }
    market.problem.demand.reserve(most_demand_steps);
    market.demand_owner.reserve(most_demand_steps);
    market.stock_tranches.reserve(most_supply_steps);
    market.tranche_scratch.reserve(most_supply_steps);
    market.stock_groups.reserve(most_supply_steps);
  } else if (world.recipes_change) {
    // A recipe share is never changed to 0, so the participants stay; what they need per tonne moves.
    for (ProductMarket::Participant& participant : market.participants) {
      participant.input_per_output = InputPerOutput(world, state, world.plants[participant.plant], product);
    }
  }
  for (int p = 0; p < static_cast<int>(market.participants.size()); ++p) {
    const ProductMarket::Participant& participant = market.participants[p];
    const int i = participant.plant;
    const PlantDecision& decision = scratch.decisions.plants[i];
    const double unit_cost = std::max(0.0, participant.unit_cost_usd_per_kg - barriers.production_subsidy_usd_per_kg[i]);
    const double uncommitted = decision.output_target_tonnes - scratch.committed_production[i];
    const int region = participant.region;
    // Under a price floor every kg sold earns at least the floor, so what the seller would sell at the
    // floor it offers at any price: a sale now beats keeping the unit for a later one.
    const bool floored = barriers.sale_floor_product[i] == product;
    auto offer_price = [&](double ask) { return floored && barriers.sale_floor_usd_per_kg[i] >= ask ? 0.0 : ask; };
    if (participant.sells_output && uncommitted > 0) {
      if (!participant.recycler) {
        market.problem.supply.push_back({region, uncommitted, offer_price(unit_cost)});
        market.supply_owner.push_back({p});
      } else {
        // A mandated share runs at any price; the rest follows the collection-cost curve.
        const double mandated = std::min(uncommitted, barriers.recycling_mandate_share[i] * decision.output_target_tonnes);
        if (mandated > 0) {
          market.problem.supply.push_back({region, mandated, 0.0});
          market.supply_owner.push_back({p});
        }
        for (double multiple : kRecyclingCostSteps) {
          const double tonnes = (uncommitted - mandated) / static_cast<double>(kRecyclingCostSteps.size());
          if (tonnes <= 0) break;
          market.problem.supply.push_back({region, tonnes, offer_price(unit_cost * multiple)});
          market.supply_owner.push_back({p});
        }
      }
    }
    const double stock = state.stock_tonnes[WorldState::At(i, product, np)];
    const double expected = state.expected_price_usd_per_kg[WorldState::At(region, product, np)];
    if (stock > 0 && participant.output_per_tonne > 0) {
      ForEachStockTranche(stock, decision.working_stock_tonnes * participant.output_per_tonne, decision.stock_ask_fraction,
                          [&](int level, double tonnes, double ask_fraction) {
                            market.stock_tranches.push_back({region, level, offer_price(std::max(0.0, ask_fraction * expected)), p, tonnes});
                          });
    }
    const double per_output = participant.input_per_output;
    if (per_output <= 0 || decision.output_target_tonnes <= 0) continue;
    const Plant& plant = world.plants[i];
    // A processor bids what one more unit of the input is worth to it: its output's value net of
    // processing cost and of its other inputs, per unit of this input, all at its bid prices (BidPrice:
    // the round's own where the chain's fixed point has found them). With fixed recipes, a small-share
    // input that is short (Dy, Tb) is worth the whole margin it unlocks, which is how its price can jump
    // several-fold while others barely move.
    double output_value = OutputValueAtBidPrices(world, state, scratch, plant);
    double other_inputs_value = 0, own_input_value = 0;
    if (plant.stage != Stage::kSeparation) {
      for (const ProductShare& share : world.products[plant.product].made_from) {
        const double value = RecipeShare(share, state) * BidPrice(state, scratch, WorldState::At(region, share.product, np));
        (share.product == product ? own_input_value : other_inputs_value) += value;
      }
      // Cost pass-through (markup pricing): the maker expects its output to sell for at least its inputs
      // and processing at expected prices, so dearer inputs do not stop it buying.
      if (world.market.cost_pass_through) {
        output_value = std::max(output_value, unit_cost + other_inputs_value + own_input_value);
      }
    }
    // With a margin m >= 0 at the bid prices, each input may take all of it (what one more unit
    // unlocks). Under water (m < 0), the inputs are a bundle: each is bid the same fraction of its bid
    // price, the one at which the bundle just pays. Taking the whole shortfall off one input instead
    // (m over its recipe share) bid Dy (share 0.028) 36 m below its price and NdPr about m below, so a
    // maker a little under water bought NdPr and no Dy and made nothing (docs/model.md, "Complementary
    // inputs bid as a bundle").
    const double bundle_value = output_value - unit_cost, inputs_value = own_input_value + other_inputs_value;
    const double residual = inputs_value > 0 && bundle_value < inputs_value
                                ? own_input_value * (bundle_value / inputs_value)
                                : bundle_value - other_inputs_value;
    if (!(residual > 0)) continue;
    const double willingness_to_pay = residual / per_output;
    const double need = per_output * decision.output_target_tonnes;
    if (need > stock) {
      market.problem.demand.push_back({region, need - stock, willingness_to_pay});
      market.demand_owner.push_back({i, -1});
    }
    if (HoldsInputBuffer(world, plant)) {
      // Cover is counted in rounds of use: the inputs last round's output took. The buffer is topped up
      // at prices up to the expected price: the yield of having inputs to hand offsets the cost of
      // carrying them (the convenience yield of stocks near their working level: Working 1949; Brennan
      // 1958), but a precautionary buyer does not chase a rise.
      const double buffer = world.market.input_cover_rounds * per_output * state.output_tonnes[i] - std::max(0.0, stock - need);
      if (buffer > 0 && expected > 0) {
        market.problem.demand.push_back({region, buffer, std::min(willingness_to_pay, expected)});
        market.demand_owner.push_back({i, -1});
      }
    }
  }

  // One supply step per (region, level, ask) of the holders' stock (holders asking alike: one per
  // region and level), the holders of a step in participant order: a counting sort by (region, level).
  constexpr int kLevels = kExcessStockTranches + 1;
  std::vector<ProductMarket::StockTranche>& tranches = market.tranche_scratch;
  {
    std::vector<int>& start = market.tranche_bucket_start;
    AssignWithHeadroom(start, static_cast<std::size_t>(nr) * kLevels + 1, 0);
    for (const ProductMarket::StockTranche& t : market.stock_tranches) ++start[t.region * kLevels + t.level + 1];
    for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    ResizeWithHeadroom(tranches, market.stock_tranches.size());
    for (const ProductMarket::StockTranche& t : market.stock_tranches) tranches[start[t.region * kLevels + t.level]++] = t;
    market.stock_tranches.swap(tranches);
  }
  for (std::size_t begin = 0; begin < market.stock_tranches.size();) {
    const std::vector<ProductMarket::StockTranche>& sorted = market.stock_tranches;
    std::size_t end = begin;
    double tonnes = 0;
    while (end < sorted.size() && sorted[end].region == sorted[begin].region && sorted[end].level == sorted[begin].level &&
           sorted[end].ask_usd_per_kg == sorted[begin].ask_usd_per_kg) {
      tonnes += sorted[end++].tonnes;
    }
    market.supply_owner.push_back({-1, -1, static_cast<int>(market.stock_groups.size())});
    market.stock_groups.push_back({static_cast<int>(begin), static_cast<int>(end), tonnes});
    market.problem.supply.push_back({sorted[begin].region, tonnes, sorted[begin].ask_usd_per_kg});
    begin = end;
  }

  // Room for the stockpile and speculators' orders too (they start and stop during a run).
  ReserveWithHeadroom(market.problem.supply, market.problem.supply.size() + barriers.stockpile_orders.size());
  ReserveWithHeadroom(market.supply_owner, market.supply_owner.size() + barriers.stockpile_orders.size());
  ReserveWithHeadroom(market.problem.demand, market.problem.demand.size() + barriers.stockpile_orders.size());
  ReserveWithHeadroom(market.demand_owner, market.demand_owner.size() + barriers.stockpile_orders.size());
  for (int k = 0; k < static_cast<int>(barriers.stockpile_orders.size()); ++k) {
    const StockpileOrder& order = barriers.stockpile_orders[k];
    if (order.product != product) continue;
    if (order.buy_tonnes > 0) {
      market.problem.demand.push_back({order.region, order.buy_tonnes, order.buy_max_usd_per_kg});
      market.demand_owner.push_back({-1, -1, k});
    }
    if (order.sell_tonnes > 0) {
      market.problem.supply.push_back({order.region, order.sell_tonnes, order.sell_min_usd_per_kg});
      market.supply_owner.push_back({/*participant=*/-1, /*stockpile=*/k});
    }
  }

  for (int entry = 0; entry < static_cast<int>(world.demand.size()); ++entry) {
    const DemandEntry& demand = world.demand[entry];
    if (demand.product == product && reference_demand[entry] > 0) {
      AddDemandCurve(world, demand, entry, reference_demand[entry], market);
    }
  }
  // Wedges between the regions that supply and the regions that demand (the only routes the market
  // can use).
  std::vector<int>& suppliers = market.supplying_regions;
  std::vector<int>& buyers = market.demanding_regions;
  suppliers.clear();
  buyers.clear();
  std::vector<std::uint8_t>& seen = market.region_seen;
  seen.assign(nr, 0);
  // Steps come in runs at one region (a demand curve's, a recycler's): a step at its predecessor's
  // region adds no region.
  int last_region = -1;
  for (const SupplyStep& step : market.problem.supply) {
    if (step.region == last_region) continue;
    last_region = step.region;
    if (!(seen[step.region] & 1)) suppliers.push_back(step.region);
    seen[step.region] |= 1;
  }
  last_region = -1;
  for (const DemandStep& step : market.problem.demand) {
    if (step.region == last_region) continue;
    last_region = step.region;
    if (!(seen[step.region] & 2)) buyers.push_back(step.region);
    seen[step.region] |= 2;
  }
  // With no instrument applied, the barrier table is at its defaults: a pair's wedge is its transport
  // cost and no route is capped or smuggled. If the matrices already hold the same pairs written that
  // way, they stand.
  const bool default_barriers = !scratch.instruments_applied;
  if (default_barriers && market.pairs_at_defaults && suppliers == market.paired_suppliers &&
      buyers == market.paired_buyers) {
    return;
  }
  market.pairs_at_defaults = default_barriers;
  ReserveWithHeadroom(market.paired_suppliers, suppliers.size());
  ReserveWithHeadroom(market.paired_buyers, buyers.size());
  market.paired_suppliers = suppliers;
  market.paired_buyers = buyers;
  for (int from : suppliers) {
    const double exporter_price = state.expected_price_usd_per_kg[WorldState::At(from, product, np)];
    const std::size_t cell = WorldState::At(from, product, np);
    market.problem.export_cap_tonnes[from] =
        std::max(0.0, barriers.export_quota_tonnes[cell] - scratch.markets->contract_exports_tonnes[cell]);
    for (int to : buyers) {
      if (to == from) continue;
      const std::size_t arc = barriers.Arc(product, from, to);
      double& wedge = market.problem.wedge_usd_per_kg[static_cast<std::size_t>(from) * nr + to];
      market.problem.military_denied[static_cast<std::size_t>(from) * nr + to] = barriers.military_denied[arc];
      if (barriers.banned[arc]) {
        wedge = std::numeric_limits<double>::infinity();
        continue;
      }
      // Ad-valorem rates become a per-kg wedge at the exporter's expected price.
      wedge = world.Transport(from, to) + (barriers.tariff_ad_valorem[arc] + barriers.export_tax_ad_valorem[arc] +
                                           barriers.licence_friction_ad_valorem[arc]) *
                                              exporter_price;
    }
  }
  AddControlCaps(world, state, barriers, product, market);
}

bool SharedQuotaCovers(const SharedExportQuota& quota, int region, int product) {
  return std::find(quota.regions.begin(), quota.regions.end(), region) != quota.regions.end() &&
         std::find(quota.products.begin(), quota.products.end(), product) != quota.products.end();
}

// Returns the tonnes the quota's regions export of `product` in the market's solution (smuggling aside),
// and adds each region's to `by_region[region]` if given.
double QuotaExports(const SharedExportQuota& quota, const ProductMarket& market, double* by_region = nullptr) {
  double total = 0;
  for (const TradeFlow& flow : market.solution.flows) {
    if (flow.from == flow.to || flow.smuggled) continue;
    if (std::find(quota.regions.begin(), quota.regions.end(), flow.from) == quota.regions.end()) continue;
    total += flow.tonnes;
    if (by_region) by_region[flow.from] += flow.tonnes;
  }
  return total;
}

// Holds the quota's products that clear at `stage` to the `remaining` tonnes of licence: if their
// exports at the first clearing exceed it, finds the licence price per kg, the same on every route out
// of the quota's regions, at which they fit (the lowest on the clearing's money grid, as bisection would). Demand comes in steps, so at that price
// exports jump from above the licence to below it: the products and regions whose exports jump share
// the tonnes between in proportion to the jump, each capped at its share, and the markets are cleared
// once more at the licence price with those caps. As with a quota on one product, the rent (the
// licence price times the tonnes) is booked at settlement, flow by flow, to the exporting government
// (SettleMarket). Returns the tonnes used.
double ShareExportQuota(const WorldDescription& world, const SharedExportQuota& quota, int stage, double remaining,
                        MarketBuffers& buffers, std::int64_t& last_units) {
  std::vector<ProductMarket>& markets = buffers.by_product;
  std::vector<int>& products = buffers.quota_products;
  products.clear();
  for (int p : quota.products) {
    if (static_cast<int>(world.products[p].stage) == stage) products.push_back(p);
  }
  double used = 0;
  for (int p : products) used += QuotaExports(quota, markets[p]);
  if (used <= remaining) return used;
  const int nr = world.RegionCount();
  std::vector<std::vector<double>>& base_wedges = buffers.quota_base_wedges;
  if (base_wedges.size() < products.size()) base_wedges.resize(products.size());
  double highest_bid = 0;
  for (std::size_t k = 0; k < products.size(); ++k) {
    base_wedges[k] = markets[products[k]].problem.wedge_usd_per_kg;
    for (const DemandStep& step : markets[products[k]].problem.demand) {
      highest_bid = std::max(highest_bid, step.willingness_to_pay_usd_per_kg);
    }
  }
  constexpr double kUsdPerUnitPerTonne = 1000 * kMoneyUnitUsdPerKg;  // a tonne's welfare change when L moves one unit
  auto units_to_usd = [&](std::int64_t units) { return static_cast<double>(units) * kMoneyUnitUsdPerKg; };
  // Exports fall as the licence price rises; above every bid there are none. A probe at licence price
  // L holds each product's exports E(L) and welfare V(L), and exports by region where it was cleared.
  const std::size_t covered = products.size();
  auto clear_product = [&](std::size_t k, double licence_usd_per_kg, QuotaProbe& probe) {
    MarketProblem& problem = markets[products[k]].problem;
    for (int from : quota.regions) {
      for (int to = 0; to < nr; ++to) {
        const std::size_t pair = static_cast<std::size_t>(from) * nr + to;
        if (to != from) problem.wedge_usd_per_kg[pair] = base_wedges[k][pair] + licence_usd_per_kg;
      }
    }
    ClearMarketAgain(problem, markets[products[k]].workspace, markets[products[k]].solution);
    std::fill_n(probe.by_region.begin() + static_cast<std::ptrdiff_t>(k * nr), nr, 0.0);
    probe.exports_tonnes[k] = QuotaExports(quota, markets[products[k]], &probe.by_region[k * nr]);
    probe.welfare_usd[k] = markets[products[k]].solution.welfare_usd;
    probe.cleared[k] = 1;
  };
  // The lowest price on the grid of the clearing's money unit at which exports fit (`high`): the g with
  // E(g - 1) > remaining >= E(g), as bisection finds it, unique since E never rises with L. Two facts
  // save most clearings. Each product's V is convex in L (a maximum of welfares each falling by L times
  // its exports), so the lines touching the total at the two ends of the bracket meet at a kink between
  // them: probing there (a Newton step on a piecewise-linear function) needs a few clearings where
  // bisection needs about 30; a step that does not halve the bracket is followed by a bisection step,
  // which bounds the work. And a product whose exports are the same at both ends of the bracket
  // exports that much all through it, its welfare falling linearly: it is not cleared again there.
  QuotaProbe& low = buffers.low;
  QuotaProbe& high = buffers.high;
  low.Reset(0, covered, nr);
  for (std::size_t k = 0; k < covered; ++k) {
    low.exports_tonnes[k] = QuotaExports(quota, markets[products[k]], &low.by_region[k * nr]);
    low.welfare_usd[k] = markets[products[k]].solution.welfare_usd;
    low.cleared[k] = 1;
  }
  const std::int64_t top = static_cast<std::int64_t>((2 * highest_bid + 1) / kMoneyUnitUsdPerKg);
  QuotaProbe& probe = buffers.probe;
  bool bracketed = false;  // `high` holds a price at which exports fit
  // Probes at `units`, inside the bracket from `low` to `high` (to `top`, where nothing is exported, if
  // not yet bracketed), skipping the products whose exports are the same at both ends.
  auto probe_at = [&](std::int64_t units) {
    probe.Reset(units, covered, nr);
    for (std::size_t k = 0; k < covered; ++k) {
      if (low.exports_tonnes[k] == (bracketed ? high.exports_tonnes[k] : 0.0)) {
        probe.exports_tonnes[k] = low.exports_tonnes[k];
        probe.welfare_usd[k] = low.welfare_usd[k] - low.exports_tonnes[k] * kUsdPerUnitPerTonne * static_cast<double>(units - low.units);
      } else {
        clear_product(k, units_to_usd(units), probe);
      }
    }
    return probe.Exports() <= remaining;
  };
  if (last_units > 0 && last_units < top) {
    const bool fits_last = probe_at(last_units);
    std::swap(fits_last ? high : low, probe);
    bracketed = fits_last;
    // The licence price moves little from round to round (in the bench game's quota profiles half the
    // rounds move it by under 1 %, nine in ten by under 6 %): the search brackets last round's price by
    // probes at it and 1 %, 4 %, 16 % and 64 % of it to the side the quota points to, until bracketed,
    // before it falls back to the whole range.
    std::int64_t step = std::max<std::int64_t>(1, last_units / 100);
    for (int tries = 0; tries < 4; ++tries, step *= 4) {
      const std::int64_t next = fits_last ? last_units - step : last_units + step;
      if (fits_last ? next <= low.units : next >= top) break;
      const bool fits = probe_at(next);
      if (fits != fits_last) {
        std::swap(fits ? high : low, probe);
        bracketed = true;
        break;
      }
      std::swap(fits ? high : low, probe);
    }
  }
  if (!bracketed) {
    probe_at(top);
    std::swap(high, probe);
  }
  bool bisect = false;
  while (high.units - low.units > 1) {
    std::int64_t mid = low.units + (high.units - low.units) / 2;
    const double low_exports = low.Exports(), high_exports = high.Exports();
    if (!bisect && low_exports > high_exports) {
      // V(u) = V(a) - s(a) (u - a) on the piece through a, with s the exports times a tonne's USD per unit.
      const double s_low = low_exports * kUsdPerUnitPerTonne, s_high = high_exports * kUsdPerUnitPerTonne;
      const double v_low = std::accumulate(low.welfare_usd.begin(), low.welfare_usd.end(), 0.0);
      const double v_high = std::accumulate(high.welfare_usd.begin(), high.welfare_usd.end(), 0.0);
      const double kink = (v_low - v_high + s_low * static_cast<double>(low.units) - s_high * static_cast<double>(high.units)) /
                          (s_low - s_high);
      if (std::isfinite(kink)) {
        // Clamped as a double first: a cast of a value beyond int64's range would be undefined.
        mid = static_cast<std::int64_t>(std::clamp(std::floor(kink), static_cast<double>(low.units + 1), static_cast<double>(high.units - 1)));
      }
    }
    const std::int64_t width = high.units - low.units;
    std::swap(probe_at(mid) ? high : low, probe);
    bisect = !bisect && 2 * (high.units - low.units) > width;
  }
  last_units = high.units;
  // Exports by [product][region] at `high`, and a little below it (0.1 %, at least a cent) where the steps
  // that jump are clearly worth exporting rather than tied; rents differ by at most that margin. The
  // markets are left at the lower price.
  const double high_usd = units_to_usd(high.units);
  for (std::size_t k = 0; k < covered; ++k) {
    if (high.cleared[k]) continue;
    if (quota.regions.size() == 1) {
      high.by_region[k * nr + quota.regions[0]] = high.exports_tonnes[k];  // one region exports it all
    } else {
      clear_product(k, high_usd, high);
    }
  }
  const std::vector<double>& below = high.by_region;
  const double low_usd = std::max(0.0, std::min(units_to_usd(low.units), high_usd - std::max(0.01, 1e-3 * high_usd)));
  QuotaProbe& lower = buffers.lower;
  lower.Reset(0, covered, nr);
  for (std::size_t k = 0; k < covered; ++k) clear_product(k, low_usd, lower);
  const std::vector<double>& above = lower.by_region;
  // Cells whose exports jump are capped between their two levels; the others export as at `low`.
  double fixed = 0, jump = 0;
  for (std::size_t cell = 0; cell < above.size(); ++cell) {
    if (above[cell] > below[cell]) {
      fixed += below[cell];
      jump += above[cell] - below[cell];
    } else {
      fixed += above[cell];
    }
  }
  const double fill = jump > 0 ? std::clamp((remaining - fixed) / jump, 0.0, 1.0) : 0.0;
  used = 0;
  for (std::size_t k = 0; k < products.size(); ++k) {
    ProductMarket& market = markets[products[k]];
    bool capped = false;
    for (int from : quota.regions) {
      const std::size_t cell = k * nr + from;
      if (above[cell] <= below[cell]) continue;
      market.problem.export_cap_tonnes[from] =
          std::min(market.problem.export_cap_tonnes[from], below[cell] + fill * (above[cell] - below[cell]));
      capped = true;
    }
    if (capped) ClearMarket(market.problem, market.workspace, market.solution);
    used += QuotaExports(quota, market);
  }
  return used;
}

// Books the processing cost of `tonnes` of output: the plant pays its cost net of any production
// subsidy, and the government of its region pays the subsidy.
void PayProcessing(const WorldDescription& world, const BarrierTable& barriers, int plant, int region,
                   double unit_cost_usd_per_kg, double tonnes, RoundOutcome& outcome) {
  const double subsidy = barriers.production_subsidy_usd_per_kg[plant];
  outcome.plants[plant].cost_usd += tonnes * kKgPerTonne * (unit_cost_usd_per_kg - subsidy);
  outcome.welfare.processing_cost_usd += tonnes * kKgPerTonne * unit_cost_usd_per_kg;
  outcome.policy_cost_usd[world.regions[region].actor] += tonnes * kKgPerTonne * subsidy;
}
void PayProcessing(const WorldDescription& world, const BarrierTable& barriers, int plant, double tonnes,
                   RoundOutcome& outcome) {
  const Plant& p = world.plants[plant];
  PayProcessing(world, barriers, plant, p.region, p.unit_cost_usd_per_kg, tonnes, outcome);
}

// Books tonnes served to a sector's final demand: what they were worth to it (the area under its curve),
// what it paid, and the surplus between them.
void BookFinalDemand(double tonnes, double gross_wtp_usd, double paid_usd, DemandOutcome& demand, RoundOutcome& outcome) {
  demand.served_tonnes += tonnes;
  demand.gross_wtp_usd += gross_wtp_usd;
  demand.spending_usd += paid_usd;
  demand.surplus_usd += gross_wtp_usd - paid_usd;
  outcome.welfare.gross_wtp_usd += gross_wtp_usd;
}

// Delivers this stage's offtake contracts before its markets clear: from the seller's stock (mines:
// from this round's output) to the buyer plant's stock or the buyer sector's demand, at the contract
// price. A ban (or, for defence buyers, a military denial) on the route stops the delivery; an export
// quota caps it, the contract using the quota before its stage's spot market (`licence_left`: the
// shared quotas' tonnes left, after any earlier stage's spot exports). Across a border the price is
// free on board, an ASSUMPTION (the common term of concentrate and oxide offtakes, Incoterms FOB): the
// seller pays its government's export tax and the licensing friction out of it, the buyer pays
// transport and the import tariff on top, both duties ad valorem on the contract price (the
// transaction value, the WTO's customs valuation).
void DeliverOfftakes(const WorldDescription& world, int stage, RoundScratch& scratch, std::vector<double>& licence_left,
                     WorldState& state, RoundOutcome& outcome) {
  const int np = world.ProductCount();
  const BarrierTable& barriers = scratch.barriers;
  std::vector<double>& contracted = scratch.markets->contract_exports_tonnes;
  for (const OfftakeDelivery& contract : barriers.offtakes) {
    if (static_cast<int>(world.products[contract.product].stage) != stage) continue;
    const Plant& seller = world.plants[contract.seller_plant];
    const int to = contract.buyer_plant >= 0 ? world.plants[contract.buyer_plant].region
                                             : world.demand[contract.buyer_demand].region;
    // A buyer plant that is closed takes no delivery (it could process none of it).
    if (contract.buyer_plant >= 0 && !state.Operating(contract.buyer_plant)) continue;
    const bool exported = to != seller.region;
    const std::size_t cell = WorldState::At(seller.region, contract.product, np);
    double quota_left = std::numeric_limits<double>::infinity();
    if (exported) {
      const std::size_t arc = barriers.Arc(contract.product, seller.region, to);
      const bool defence = contract.buyer_demand >= 0 && world.demand[contract.buyer_demand].sector == Sector::kDefence;
      if (barriers.banned[arc] || (defence && barriers.military_denied[arc])) continue;
      quota_left = barriers.export_quota_tonnes[cell] - contracted[cell];
      for (std::size_t q = 0; q < licence_left.size(); ++q) {
        if (SharedQuotaCovers(barriers.shared_export_quotas[q], seller.region, contract.product)) {
          quota_left = std::min(quota_left, licence_left[q]);
        }
      }
    }
    double tonnes = std::min(contract.tonnes, quota_left);
    const bool from_production = ProducesToOrder(seller);
    double& stock = state.stock_tonnes[WorldState::At(contract.seller_plant, contract.product, np)];
    if (from_production) {
      tonnes = std::min(tonnes, scratch.decisions.plants[contract.seller_plant].output_target_tonnes -
                                    scratch.committed_production[contract.seller_plant]);
    } else {
      tonnes = std::min(tonnes, stock);
    }
    if (contract.buyer_demand >= 0) tonnes = std::min(tonnes, scratch.reference_demand[contract.buyer_demand]);
    if (tonnes <= 0) continue;
    const double price = contract.price_usd_per_kg > 0
                             ? contract.price_usd_per_kg
                             : state.expected_price_usd_per_kg[WorldState::At(seller.region, contract.product, np)];
    const double kg = tonnes * kKgPerTonne;
    const double value = kg * price;
    double buyer_extra_usd = 0, seller_extra_usd = 0;  // on top of the price, and out of it
    if (exported) {
      contracted[cell] += tonnes;
      for (std::size_t q = 0; q < licence_left.size(); ++q) {
        if (SharedQuotaCovers(barriers.shared_export_quotas[q], seller.region, contract.product)) {
          licence_left[q] = std::max(0.0, licence_left[q] - tonnes);
        }
      }
      const std::size_t arc = barriers.Arc(contract.product, seller.region, to);
      const double transport = world.Transport(seller.region, to);
      const double tariff = barriers.tariff_ad_valorem[arc] * price;
      const double tax = barriers.export_tax_ad_valorem[arc] * price;
      const double friction = barriers.licence_friction_ad_valorem[arc] * price;
      outcome.trade_revenue_usd[to] += tariff * kg;
      outcome.trade_revenue_usd[seller.region] += tax * kg;
      outcome.welfare.transport_cost_usd += transport * kg;
      outcome.welfare.trade_friction_usd += friction * kg;
      buyer_extra_usd = (transport + tariff) * kg;
      seller_extra_usd = (tax + friction) * kg;
    }
    PlantOutcome& sold = outcome.plants[contract.seller_plant];
    sold.sales_tonnes += tonnes;
    sold.revenue_usd += value;
    sold.cost_usd += seller_extra_usd;
    if (from_production) {
      scratch.committed_production[contract.seller_plant] += tonnes;
      sold.output_tonnes += tonnes;
      PayProcessing(world, barriers, contract.seller_plant, tonnes, outcome);
    } else {
      stock -= tonnes;
    }
    if (contract.buyer_plant >= 0) {
      state.stock_tonnes[WorldState::At(contract.buyer_plant, contract.product, np)] += tonnes;
      outcome.plants[contract.buyer_plant].cost_usd += value + buyer_extra_usd;
    } else {
      // The contract serves a proportional slice of the demand (the curve is scaled down by it), so its
      // tonnes are worth the mean willingness to pay of the reference quantity.
      const DemandEntry& buyer = world.demand[contract.buyer_demand];
      const double gross = tonnes * kKgPerTonne * buyer.reference_price_usd_per_kg * buyer.reference_wtp_multiple;
      scratch.reference_demand[contract.buyer_demand] -= tonnes;
      BookFinalDemand(tonnes, gross, value + buyer_extra_usd, outcome.demand[contract.buyer_demand], outcome);
    }
    outcome.consumed_tonnes[WorldState::At(to, contract.product, np)] += tonnes;
    const bool military = contract.buyer_demand >= 0 && world.demand[contract.buyer_demand].sector == Sector::kDefence;
    outcome.flows.push_back({contract.product, seller.region, to, tonnes, price, /*smuggled=*/false, military, /*offtake=*/true});
  }
}

// Turns the inputs bought by the plants of `stage` into output (Leontief, up to capacity and any
// production quota; a maker with an input buffer up to its output target).
void Process(const WorldDescription& world, const BarrierTable& barriers, const std::vector<double>& capacity_tonnes,
             const Decisions& decisions, Stage stage, WorldState& state, RoundOutcome& outcome) {
  const int np = world.ProductCount();
  for (const int i : world.plants_by_stage[static_cast<int>(stage)]) {
    const Plant& plant = world.plants[i];
    if (plant.recycler) continue;
    double* stock = &state.stock_tonnes[WorldState::At(i, 0, np)];
    PlantOutcome& result = outcome.plants[i];
    if (stage == Stage::kSeparation) {
      // Up to capacity and any production quota: feed beyond them (a contract's, or bought before a cut
      // in capacity) waits in stock.
      const double feed = std::min({stock[plant.product], capacity_tonnes[i], barriers.production_cap_tonnes[i]});
      if (feed <= 0) continue;
      for (const ProductShare& share : world.products[plant.product].separates_into) {
        stock[share.product] += feed * share.tonnes_per_tonne;
      }
      stock[plant.product] -= feed;
      result.output_tonnes += feed;
      PayProcessing(world, barriers, i, feed, outcome);
      continue;
    }
    double tonnes = std::min(capacity_tonnes[i], barriers.production_cap_tonnes[i]);
    // A maker with an input buffer makes its output target and keeps the rest of its inputs; one
    // without buys no more than its target needs, so its stock runs out first.
    if (HoldsInputBuffer(world, plant)) tonnes = std::min(tonnes, decisions.plants[i].output_target_tonnes);
    for (const ProductShare& share : world.products[plant.product].made_from) {
      tonnes = std::min(tonnes, stock[share.product] / RecipeShare(share, state));
    }
    if (tonnes <= 0) continue;
    for (const ProductShare& share : world.products[plant.product].made_from) {
      stock[share.product] = std::max(0.0, stock[share.product] - tonnes * RecipeShare(share, state));
    }
    stock[plant.product] += tonnes;
    result.output_tonnes += tonnes;
    PayProcessing(world, barriers, i, tonnes, outcome);
  }
}

// Books one product's clearing into stocks, plant accounts, demand, flows and trade revenue; calls the
// instruments' sale hooks on each spot sale, and an order's owner on each fill of its order. Compiled
// twice: a loop with no call in it keeps what it reads in registers, so the markets no instrument
// reaches (every market of a round without instruments) settle without the calls' cost (about 1 % of
// a baseline round).
template <bool kCallsInstruments>
void SettleMarket(const WorldDescription& world, const RoundScratch& scratch, int product, const ProductMarket& market,
                  WorldState& state, RoundOutcome& outcome) {
  const BarrierTable& barriers = scratch.barriers;
  const int np = world.ProductCount();
  const MarketSolution& solution = market.solution;
  auto price_at = [&](int region) { return solution.price_usd_per_kg[region]; };
  for (int r = 0; r < world.RegionCount(); ++r) {
    outcome.price_usd_per_kg[WorldState::At(r, product, np)] = price_at(r);
  }
  // A plant's sale, from stock or from this round's output.
  auto sell = [&](int participant, double tonnes, bool from_stock) {
    const ProductMarket::Participant& seller = market.participants[participant];
    const int plant = seller.plant;
    PlantOutcome& result = outcome.plants[plant];
    result.sales_tonnes += tonnes;
    // Producers earn their supply node's price: below the domestic price when an export quota binds.
    const double price = solution.origin_price_usd_per_kg[seller.region];
    result.revenue_usd += tonnes * kKgPerTonne * price;
    if constexpr (kCallsInstruments) {
      for (const Instrument* instrument : scratch.hooks.on_sale) instrument->OnSale({plant, product, tonnes, price}, outcome);
    }
    if (from_stock) {
      double& stock = state.stock_tonnes[WorldState::At(plant, product, np)];
      stock = std::max(0.0, stock - tonnes);
    } else {
      result.output_tonnes += tonnes;
      PayProcessing(world, barriers, plant, seller.region, seller.unit_cost_usd_per_kg, tonnes, outcome);
    }
  };
  for (std::size_t s = 0; s < market.supply_owner.size(); ++s) {
    const double sold = solution.supply_sold_tonnes[s];
    if (sold <= 0) continue;
    const SupplyOwner owner = market.supply_owner[s];
    if (owner.stockpile >= 0) {
      const StockpileOrder& order = barriers.stockpile_orders[owner.stockpile];
      const double proceeds = sold * kKgPerTonne * solution.origin_price_usd_per_kg[order.region];
      if (order.speculative) {
        double& held = state.speculative_stock_tonnes[WorldState::At(order.region, product, np)];
        held = std::max(0.0, held - sold);
        outcome.rest_of_world.speculation_usd += proceeds;
        continue;
      }
      outcome.stockpile_net_purchase_usd[order.actor] -= proceeds;
      if constexpr (kCallsInstruments) {
        REESIM_CHECK(order.owner != nullptr);
        order.owner->OnOrderFilled(world, order, {/*sold=*/true, sold, solution.origin_price_usd_per_kg[order.region]},
                                   state, outcome);
      }
      continue;
    }
    if (owner.stock_group < 0) {
      sell(owner.participant, sold, /*from_stock=*/false);
      continue;
    }
    // Holders at one ask share its sale in proportion to what each offered.
    const ProductMarket::StockGroup& group = market.stock_groups[owner.stock_group];
    for (int k = group.begin; k < group.end; ++k) {
      const ProductMarket::StockTranche& tranche = market.stock_tranches[k];
      sell(tranche.participant, sold * (tranche.tonnes / group.tonnes), true);
    }
  }
  for (std::size_t d = 0; d < market.demand_owner.size(); ++d) {
    const double served = solution.demand_served_tonnes[d];
    if (served <= 0) continue;
    const DemandOwner owner = market.demand_owner[d];
    const DemandStep& step = market.problem.demand[d];
    const double price = solution.demand_price_usd_per_kg[d];
    const StockpileOrder* order = owner.stockpile >= 0 ? &barriers.stockpile_orders[owner.stockpile] : nullptr;
    const double paid = served * kKgPerTonne * price;
    if (order != nullptr && order->speculative) {
      state.speculative_stock_tonnes[WorldState::At(step.region, product, np)] += served;  // stock, not use
      outcome.rest_of_world.speculation_usd -= paid;
      continue;
    }
    outcome.consumed_tonnes[WorldState::At(step.region, product, np)] += served;
    if (order != nullptr) {
      outcome.stockpile_net_purchase_usd[order->actor] += paid;
      if constexpr (kCallsInstruments) {
        REESIM_CHECK(order->owner != nullptr);
        order->owner->OnOrderFilled(world, *order, {/*sold=*/false, served, price}, state, outcome);
      }
    } else if (owner.plant >= 0) {
      state.stock_tonnes[WorldState::At(owner.plant, product, np)] += served;
      outcome.plants[owner.plant].cost_usd += served * kKgPerTonne * price;
    } else {
      // Gross willingness to pay: the curve's area over the served part of the step (docs/model.md,
      // "Demand"), not the step's bid, so surplus does not depend on how finely the curve is stepped.
      // A step served whole, to within the clearing's kilogram, is its area derived at load, with the
      // rounding to the kilogram valued at the step's bid (the curve's height at its end).
      const DemandEntry& entry = world.demand[owner.demand_entry];
      const double gross =
          std::abs(served - step.tonnes) <= 1.0 / kKgPerTonne
              ? owner.scale_tonnes * kKgPerTonne * entry.reference_price_usd_per_kg * (owner.area_to - owner.area_from) +
                    (served - step.tonnes) * kKgPerTonne * step.willingness_to_pay_usd_per_kg
              : owner.scale_tonnes * kKgPerTonne * entry.reference_price_usd_per_kg *
                    (DemandCurveArea(entry, world.market.demand_price_floor_multiple,
                                     owner.curve_from + served / owner.scale_tonnes) -
                     owner.area_from);
      BookFinalDemand(served, gross, paid, outcome.demand[owner.demand_entry], outcome);
    }
  }
  // Each flow: the buyer pays the destination's price, the seller earns its supply node's; between them
  // transport, duties, friction and premiums, and what is left is a rent -- a licence's or quota's
  // (to the exporting government) or a smuggler's (to the rest of the world).
  const int nr = world.RegionCount();
  for (const TradeFlow& flow : solution.flows) {
    outcome.flows.push_back(
        {product, flow.from, flow.to, flow.tonnes, flow.price_usd_per_kg, flow.smuggled, flow.military});
    const double kg = flow.tonnes * kKgPerTonne;
    double costs_usd_per_kg = 0;  // real costs of the route
    double premium = 0;
    if (flow.segment >= 0) {
      const MarketSegment& segment = market.problem.segments[flow.segment];
      if (segment.preferred_origin != flow.from) premium = segment.switching_premium_usd_per_kg;
    }
    double rent_usd_per_kg = flow.price_usd_per_kg - solution.origin_price_usd_per_kg[flow.from] - premium;
    outcome.welfare.trade_friction_usd += premium * kg;
    if (flow.smuggled) {
      const double transport = world.Transport(flow.from, flow.to);
      const double cost = market.problem.smuggling_cost_usd_per_kg[static_cast<std::size_t>(flow.from) * nr + flow.to];
      outcome.welfare.transport_cost_usd += transport * kg;
      outcome.welfare.trade_friction_usd += (cost - transport) * kg;
      outcome.rest_of_world.smuggling_usd += (rent_usd_per_kg - cost) * kg;
      continue;
    }
    if (flow.from != flow.to) {
      const std::size_t arc = barriers.Arc(product, flow.from, flow.to);
      const double expected = state.expected_price_usd_per_kg[WorldState::At(flow.from, product, np)];
      const double transport = world.Transport(flow.from, flow.to);
      const double friction = barriers.licence_friction_ad_valorem[arc] * expected;
      const double tariff = barriers.tariff_ad_valorem[arc] * expected;
      const double tax = barriers.export_tax_ad_valorem[arc] * expected;
      outcome.trade_revenue_usd[flow.to] += tariff * kg;
      outcome.trade_revenue_usd[flow.from] += tax * kg;
      outcome.welfare.transport_cost_usd += transport * kg;
      outcome.welfare.trade_friction_usd += friction * kg;
      costs_usd_per_kg = transport + friction + tariff + tax;
    }
    rent_usd_per_kg -= costs_usd_per_kg;
    // The clearing's costs and prices are whole units of kMoneyUnitUsdPerKg: on a route no cap binds,
    // the price gap differs from the route's costs by the rounding of its wedge (and premium) to that
    // grid, at most a unit. That is rounding, booked with the route's friction, not a rent: it read as
    // a few hundred dollars of licence rent a quarter, either sign, with no policy in force. (A real
    // rent of about a unit, a licence priced at the grid's first step, is booked so too: at most
    // 1e-4 USD/kg, and the welfare identity holds either way.)
    if (std::abs(rent_usd_per_kg) <= kMoneyUnitUsdPerKg * (1 + 1e-9)) {
      outcome.welfare.trade_friction_usd += rent_usd_per_kg * kg;
      continue;
    }
    outcome.licence_rent_usd[world.regions[flow.from].actor] += rent_usd_per_kg * kg;
  }
}

void Settle(const WorldDescription& world, const RoundScratch& scratch, int product, const ProductMarket& market,
            WorldState& state, RoundOutcome& outcome) {
  if (scratch.hooks.on_sale.empty() && scratch.barriers.stockpile_orders.empty()) {
    SettleMarket</*kCallsInstruments=*/false>(world, scratch, product, market, state, outcome);
  } else {
    SettleMarket</*kCallsInstruments=*/true>(world, scratch, product, market, state, outcome);
  }
}

void ResetOutcome(const WorldDescription& world, int round, RoundOutcome& outcome) {
  const std::size_t cells = static_cast<std::size_t>(world.RegionCount()) * world.ProductCount();
  outcome.round = round;
  outcome.plants.assign(world.plants.size(), PlantOutcome{});
  outcome.flows.clear();
  outcome.demand.assign(world.demand.size(), DemandOutcome{});
  outcome.price_usd_per_kg.assign(cells, kNaN);
  outcome.consumed_tonnes.assign(cells, 0.0);
  outcome.trade_revenue_usd.assign(world.regions.size(), 0.0);
  outcome.policy_cost_usd.assign(world.actors.size(), 0.0);
  outcome.equity_income_usd.assign(world.actors.size(), 0.0);
  outcome.outside_cost_usd.assign(world.actors.size(), 0.0);
  outcome.licence_rent_usd.assign(world.actors.size(), 0.0);
  outcome.stockpile_net_purchase_usd.assign(world.actors.size(), 0.0);
  outcome.rest_of_world = RestOfWorldOutcome{};
  outcome.welfare = WelfareAccount{};
}

// Investment and exit at the end of the round: proposed plants whose firm decided to build start
// construction and pay their capital cost over the lead time (less capital subsidies, which their
// government pays, less the joint part its alliance's members pay); plants whose owner decided to
// scrap them close for good, and the others count the rounds they stand idle. Then the round's
// support as firms will see it: the subsidy terms, and what the instruments' investment hooks guarantee.
void BuildAndRetire(const WorldDescription& world, const RoundScratch& scratch, WorldState& state,
                    RoundOutcome& outcome) {
  const BarrierTable& barriers = scratch.barriers;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const Plant& plant = world.plants[i];
    PlantOutcome& result = outcome.plants[i];
    int& rounds = state.status_rounds[i];
    switch (state.plant_status[i]) {
      case PlantStatus::kProposed:
        if (!scratch.decisions.plants[i].start_construction) break;
        state.plant_status[i] = PlantStatus::kBuilding;
        rounds = plant.lead_time_rounds;
        [[fallthrough]];
      case PlantStatus::kBuilding: {
        const double capex = plant.capex_usd_per_tonne_per_year * plant.capacity_tonnes_per_round *
                             world.rounds_per_year / std::max(1, plant.lead_time_rounds);
        const double subsidy = barriers.capital_subsidy_share[i];
        const double joint = barriers.joint_investment_share[i];
        result.capex_usd += capex * (1.0 - subsidy);
        outcome.welfare.capital_cost_usd += capex;
        result.cost_usd += capex * (1.0 - subsidy);
        outcome.policy_cost_usd[world.regions[plant.region].actor] += capex * (subsidy - joint);
        if (joint > 0) {
          const std::vector<int>& investors = *barriers.joint_investors[i];
          for (int actor : investors) outcome.policy_cost_usd[actor] += capex * joint / static_cast<double>(investors.size());
        }
        if (--rounds <= 0) {
          state.plant_status[i] = PlantStatus::kOperating;
          rounds = 0;
        }
        break;
      }
      case PlantStatus::kOperating:
        // The idle count is what owners review plants by; scrapping is theirs to choose.
        if (scratch.decisions.plants[i].close) {
          state.plant_status[i] = PlantStatus::kClosed;
          rounds = 0;
        } else if (result.output_tonnes > 0 || result.sales_tonnes > 0) {
          rounds = 0;
        } else if (rounds < std::numeric_limits<int>::max()) {
          ++rounds;
        }
        break;
      case PlantStatus::kClosed:
        break;
    }
  }
  // What firms will see of the round's support when valuing projects.
  state.capital_subsidy_share = barriers.capital_subsidy_share;
  state.production_subsidy_usd_per_kg = barriers.production_subsidy_usd_per_kg;
  std::fill(state.support_price_usd_per_kg.begin(), state.support_price_usd_per_kg.end(), 0.0);
  std::fill(state.support_product.begin(), state.support_product.end(), -1);
  std::fill(state.government_equity_share.begin(), state.government_equity_share.end(), 0.0);
  for (const Instrument* instrument : scratch.hooks.at_investment) instrument->AtInvestment(world, state);
}

}  // namespace

void BarrierTable::Reset(const WorldDescription& world, const WorldState&, bool untouched) {
  Reset(world.RegionCount(), world.ProductCount(), untouched);
  production_subsidy_usd_per_kg.assign(world.plants.size(), 0.0);
  production_cap_tonnes.assign(world.plants.size(), std::numeric_limits<double>::infinity());
  capital_subsidy_share.assign(world.plants.size(), 0.0);
  joint_investment_share.assign(world.plants.size(), 0.0);
  joint_investors.assign(world.plants.size(), nullptr);
  recycling_mandate_share.assign(world.plants.size(), 0.0);
  sale_floor_usd_per_kg.assign(world.plants.size(), 0.0);
  sale_floor_product.assign(world.plants.size(), -1);
  demand_multiplier.assign(world.demand.size(), 1.0);
  switched_share.assign(world.demand.size(), 0.0);
}

void GuaranteePrice(WorldState& state, int plant, int product, double price_usd_per_kg) {
  if (price_usd_per_kg <= state.support_price_usd_per_kg[plant]) return;
  state.support_price_usd_per_kg[plant] = price_usd_per_kg;
  state.support_product[plant] = product;
}

double SmugglingShare(const MarketParameters& params, double price_gap, double enforcement_usd) {
  if (price_gap <= 0 || params.smuggling_max_share <= 0) return 0.0;
  return params.smuggling_max_share * price_gap / (price_gap + params.smuggling_gap_half) /
         (1.0 + enforcement_usd / params.enforcement_half_usd);
}

// Traders' orders for the round (docs/model.md, "Speculative stocks"): in each region, buy toward a
// holding that grows with last round's price rise, sell what is held above it.
void AddSpeculativeOrders(const WorldDescription& world, const WorldState& state, BarrierTable& barriers) {
  const MarketParameters& params = world.market;
  const int np = world.ProductCount();
  for (int product : params.speculated_products) {
    // No final user bids more than the top of its curve, below the choke: traders, who must sell to
    // them, do not bid beyond it.
    const double cap_usd_per_kg = world.product_top_bid_usd_per_kg[product];
    for (int r = 0; r < world.RegionCount(); ++r) {
      if (!params.speculation_in_region[r]) continue;
      const std::size_t cell = WorldState::At(r, product, np);
      const double last = state.price_usd_per_kg[cell];
      const double before = state.previous_price_usd_per_kg[cell];
      const double rise = last > 0 && before > 0 ? std::log(last / before) : 0.0;  // NaN compares false
      const double conviction = std::clamp((rise - params.speculation_threshold_return) /
                                               (params.speculation_full_return - params.speculation_threshold_return),
                                           0.0, 1.0);
      const double wanted = params.speculation_max_cover_rounds * state.use_tonnes[cell] * conviction;
      const double held = state.speculative_stock_tonnes[cell];
      if (wanted <= 0 && held <= 0) continue;
      const double expected = state.expected_price_usd_per_kg[cell];
      StockpileOrder order;
      order.region = r;
      order.product = product;
      order.speculative = true;
      if (wanted > held) {
        order.buy_tonnes = wanted - held;
        order.buy_max_usd_per_kg = std::min(cap_usd_per_kg, expected * std::exp(rise));  // the rise goes on
      } else {
        order.sell_tonnes = held - wanted;
        // A falling price is expected to go on falling: they take its trend from the last price (their
        // expectation lags a fall, and asking it would hold them to stock the market has left behind).
        const double from = last > 0 ? std::min(expected, last) : expected;
        order.sell_min_usd_per_kg = (1.0 - params.carrying_cost_per_round) * from * std::exp(std::min(0.0, rise));
      }
      barriers.stockpile_orders.push_back(order);
    }
  }
}

// Clears the chain stage by stage; the plants of the next stage process what they bought before it
// clears.
void ClearChain(const WorldDescription& world, WorldState& state, RoundScratch& scratch, RoundOutcome& outcome) {
  const BarrierTable& barriers = scratch.barriers;
  std::vector<ProductMarket>& markets = scratch.markets->by_product;
  std::vector<double>& licence_left = scratch.markets->licence_left;
  licence_left.clear();
  for (const SharedExportQuota& quota : barriers.shared_export_quotas) licence_left.push_back(quota.tonnes);
  scratch.markets->contract_exports_tonnes.assign(static_cast<std::size_t>(world.RegionCount()) * world.ProductCount(), 0.0);
  std::vector<std::int64_t>& last_units = scratch.markets->last_licence_units;
  if (last_units.size() < licence_left.size() * kStageCount) last_units.resize(licence_left.size() * kStageCount, -1);
  for (int stage = 0; stage < kStageCount; ++stage) {
    const std::vector<int>& products = world.products_by_stage[stage];
    DeliverOfftakes(world, stage, scratch, licence_left, state, outcome);
    ForEachIndex(products.size(), [&](std::size_t k) {
      ProductMarket& market = markets[products[k]];
      BuildMarket(world, state, scratch, products[k], market);
      ClearMarket(market.problem, market.workspace, market.solution);
    });
    for (std::size_t q = 0; q < licence_left.size(); ++q) {
      licence_left[q] -= ShareExportQuota(world, barriers.shared_export_quotas[q], stage, licence_left[q], *scratch.markets,
                                          last_units[q * kStageCount + stage]);
      licence_left[q] = std::max(0.0, licence_left[q]);
    }
    for (int product : products) Settle(world, scratch, product, markets[product], state, outcome);
    if (stage + 1 < kStageCount) {
      Process(world, barriers, scratch.capacity_tonnes, scratch.decisions, static_cast<Stage>(stage + 1), state, outcome);
    }
  }
}

// Compares every operating processor's input and processing cost with its outputs' value at its
// region's prices this round (ChainAudit). A plant with an input or output not priced in its region is
// not judged.
void AuditChain(const WorldDescription& world, const WorldState& state, const RoundScratch& scratch, RoundOutcome& outcome) {
  const int np = world.ProductCount();
  ChainAudit& audit = outcome.chain;
  audit = {};
  for (int i = 0; i < world.PlantCount(); ++i) {
    const Plant& plant = world.plants[i];
    if (ProducesToOrder(plant) || !state.Operating(i)) continue;
    auto price = [&](int product) { return outcome.price_usd_per_kg[WorldState::At(plant.region, product, np)]; };
    double cost = std::max(0.0, plant.unit_cost_usd_per_kg - scratch.barriers.production_subsidy_usd_per_kg[i]);
    if (plant.stage == Stage::kSeparation) {
      cost += price(plant.product);  // the ore it separates
    } else {
      for (const ProductShare& share : world.products[plant.product].made_from) cost += RecipeShare(share, state) * price(share.product);
    }
    double value = 0;
    ForEachOutput(world, plant, [&](int product, double per_tonne) { value += per_tonne * price(product); });
    if (std::isnan(cost) || std::isnan(value) || !(value > 0)) continue;
    ChainVerdict& verdict = outcome.plants[i].chain_verdict;
    const double produced = outcome.plants[i].output_tonnes;
    if (produced > 0 && cost > (1 + kChainAuditTolerance) * value) {
      ++audit.loss_producers;
      audit.largest_loss_share = std::max(audit.largest_loss_share, cost / value - 1);
      verdict = ChainVerdict::kLoss;
    }
    // Capacity a production quota holds back is not free: its margin is the quota's rent.
    const double free_capacity = std::min(scratch.capacity_tonnes[i], scratch.barriers.production_cap_tonnes[i]);
    if (cost < (1 - kChainAuditTolerance) * value && produced < 0.99 * free_capacity) {
      ++audit.idle_margin_plants;
      audit.largest_margin_share = std::max(audit.largest_margin_share, 1 - cost / value);
      const double target = scratch.decisions.plants[i].output_target_tonnes;
      verdict = target < 0.99 * free_capacity && produced >= 0.99 * target ? ChainVerdict::kIdleByOwnTarget
                                                                           : ChainVerdict::kIdleShortOfInputs;
    }
  }
}

// The cells (region, product) whose prices the round's bids read (BuildMarket): every operating
// processor's outputs, and the inputs of those that are not separators (a separator bids for its ore
// from its oxides' value alone).
void ListBidCells(const WorldDescription& world, const WorldState& state, std::vector<std::size_t>& cells) {
  const int np = world.ProductCount();
  cells.clear();
  cells.reserve(static_cast<std::size_t>(world.RegionCount()) * np);
  for (int i = 0; i < world.PlantCount(); ++i) {
    const Plant& plant = world.plants[i];
    if (ProducesToOrder(plant) || !state.Operating(i)) continue;
    ForEachOutput(world, plant, [&](int product, double) { cells.push_back(WorldState::At(plant.region, product, np)); });
    if (plant.stage == Stage::kSeparation) continue;
    for (const ProductShare& share : world.products[plant.product].made_from) {
      cells.push_back(WorldState::At(plant.region, share.product, np));
    }
  }
  std::sort(cells.begin(), cells.end());
  cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
}

// Clears the chain until the prices processors bid with are the prices the clearing gives (issue 15,
// point 2), at most MarketParameters.price_discovery_passes times. Each clearing is a trial on a copy of
// the state; the first bids at expected prices; after each, a cell's bid price moves toward the price it
// cleared at, B <- B + s (P - B), with s = 1 at first and halved whenever the cell's move changes
// direction. Why the halving: supply and demand come in steps, so P(B) jumps where a step changes hands
// (a smelter's bid crossing an oxide's ask moves a whole step of alloy), and whole steps cycle across
// such a jump (baseline_2024's first round: alloy 83.5, 70.2, 85.7, ... $/kg); halving brackets it as
// bisection would. The round keeps the first clearing whose prices are within kBidPriceTolerance of its
// bid prices on every cell the bids read, |P - B| <= tolerance x max(P, B), or else the trial with the
// least gap (the earliest of equals); returns the clearings made and the kept trial's largest gap
// |P - B| / max(P, B). (A cell a separator values at what its oxide fetches elsewhere,
// ExpectedPriceFor, because it never cleared in its region, is compared with its expected price in the
// first clearing: rare, and a trial prices it from then on.)
ChainAudit ClearChainToFixedPoint(const WorldDescription& world, WorldState& state, RoundScratch& scratch,
                                  RoundOutcome& outcome) {
  std::vector<double>& bid = scratch.bid_price_usd_per_kg;
  bid.assign(state.expected_price_usd_per_kg.size(), kNaN);
  scratch.bid_step.assign(bid.size(), 1.0);
  scratch.bid_last_move.assign(bid.size(), 0.0);
  ListBidCells(world, state, scratch.bid_cells);
  scratch.round_reference_demand = scratch.reference_demand;
  double best_gap = std::numeric_limits<double>::infinity();
  for (int clearing = 1;; ++clearing) {
    scratch.trial_state = state;
    scratch.trial_outcome = outcome;
    scratch.reference_demand = scratch.round_reference_demand;  // offtake deliveries of a trial undone
    std::fill(scratch.committed_production.begin(), scratch.committed_production.end(), 0.0);
    ClearChain(world, scratch.trial_state, scratch, scratch.trial_outcome);
    double gap = 0;
    for (const std::size_t cell : scratch.bid_cells) {
      const double price = scratch.trial_outcome.price_usd_per_kg[cell];
      if (std::isnan(price)) continue;
      const double used = BidPrice(state, scratch, cell);
      const double move = price - used;
      gap = std::max(gap, std::abs(move) / std::max({price, used, kMinBidPriceUsdPerKg}));
      // The next clearing's bid price (unused if this one is kept).
      if (move * scratch.bid_last_move[cell] < 0) scratch.bid_step[cell] *= 0.5;
      scratch.bid_last_move[cell] = move;
      bid[cell] = used + scratch.bid_step[cell] * move;
    }
    // Where the search stops without converging, the round keeps its most consistent trial (the least
    // gap; of equal gaps, the earliest), not the last, so that the result does not hang on where the
    // halving stopped. (Least gap is not nearest the fixed point: a trial across a jump can be both.)
    const bool converged = gap <= kBidPriceTolerance;
    const bool last = converged || clearing >= world.market.price_discovery_passes;
    if (!last && gap < best_gap) {
      best_gap = gap;
      std::swap(scratch.best_trial_state, scratch.trial_state);  // the trial is rewritten next clearing
      std::swap(scratch.best_trial_outcome, scratch.trial_outcome);
    }
    if (last) {
      const bool keep_best = !converged && best_gap <= gap;
      std::swap(state, keep_best ? scratch.best_trial_state : scratch.trial_state);
      std::swap(outcome, keep_best ? scratch.best_trial_outcome : scratch.trial_outcome);
      ChainAudit search;
      search.clearings = clearing;
      search.bid_price_gap = keep_best ? best_gap : gap;
      return search;
    }
  }
}

std::vector<MarketProblem> LastMarketProblems(const RoundScratch& scratch) {
  std::vector<MarketProblem> problems;
  if (scratch.markets == nullptr) return problems;
  for (const ProductMarket& market : scratch.markets->by_product) problems.push_back(market.problem);
  return problems;
}

void AdvanceRound(const WorldDescription& world, std::span<const Agent* const> agents, const RoundInputs& inputs,
                  WorldState& state, RoundScratch& scratch, RoundOutcome& outcome) {
  const int np = world.ProductCount();
  ResetOutcome(world, state.round, outcome);

  // Observe and decide: every agent in parallel, each writing only its own slots.
  scratch.decisions.Resize(world);
  // Each agent sees the public view and its own private data only (world/agent.h).
  PublicView(world, state, scratch.public_state);
  ForEachIndex(agents.size(), [&](std::size_t a) {
    const Observation observation(world, scratch.public_state, state, agents[a]->viewer());
    RandomStream random(inputs.seed, inputs.run, static_cast<std::uint64_t>(state.round), a,
                        InDomain(RandomPurpose::kAgentDecision, inputs.domain));
    agents[a]->Decide(observation, random, scratch.decisions);
  });

  // Apply: list the instruments by the hooks they use, in the order every hook is called (modifiers
  // last, then by actor, then as each actor listed them), and let them write the round's terms.
  scratch.barriers.Reset(world, state, /*untouched=*/!scratch.instruments_applied);
  InstrumentHooks& hooks = scratch.hooks;
  hooks.before_clearing.clear();
  hooks.on_sale.clear();
  hooks.after_clearing.clear();
  hooks.at_investment.clear();
  for (int order = 0; order <= 1; ++order) {
    for (const auto& instruments : scratch.decisions.instruments) {
      for (const Instrument* instrument : instruments) {
        if (instrument->ApplyOrder() != order) continue;
        const HookSet used = instrument->Hooks();
        if (used.before_clearing) hooks.before_clearing.push_back(instrument);
        if (used.on_sale) hooks.on_sale.push_back(instrument);
        if (used.after_clearing) hooks.after_clearing.push_back(instrument);
        if (used.at_investment) hooks.at_investment.push_back(instrument);
      }
    }
  }
  const ApplyContext context{world, state, inputs.seed, inputs.run, inputs.domain};
  for (const Instrument* instrument : hooks.before_clearing) instrument->BeforeClearing(context, scratch.barriers, outcome);
  scratch.instruments_applied = !hooks.before_clearing.empty();

  if (!world.market.speculated_products.empty()) AddSpeculativeOrders(world, state, scratch.barriers);
  const BarrierTable& barriers = scratch.barriers;
  if (scratch.instruments_applied) {  // production quotas, if any
    for (int i = 0; i < world.PlantCount(); ++i) {
      double& target = scratch.decisions.plants[i].output_target_tonnes;
      target = std::min(target, barriers.production_cap_tonnes[i]);
    }
  }

  scratch.reference_demand.resize(world.demand.size());
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    scratch.reference_demand[e] =
        ReferenceDemand(world, state, inputs, static_cast<int>(e)) * barriers.demand_multiplier[e];
    outcome.demand[e].reference_tonnes = scratch.reference_demand[e];
  }
  scratch.committed_production.assign(world.plants.size(), 0.0);
  // Plants open and close only at the end of the round (BuildAndRetire): capacities hold until then.
  scratch.capacity_tonnes.resize(world.plants.size());
  for (int i = 0; i < world.PlantCount(); ++i) scratch.capacity_tonnes[i] = EffectiveCapacity(world, state, i);

  if (!scratch.markets) scratch.markets = std::make_shared<MarketBuffers>();
  scratch.markets->by_product.resize(np);
  ChainAudit search;  // clearings and bid_price_gap only
  if (world.market.price_discovery_passes > 1) {
    search = ClearChainToFixedPoint(world, state, scratch, outcome);
  } else {
    ClearChain(world, state, scratch, outcome);
  }
  AuditChain(world, state, scratch, outcome);
  outcome.chain.clearings = search.clearings;
  outcome.chain.bid_price_gap = search.bid_price_gap;
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const double switched = barriers.switched_share[e];
    if (switched <= 0) continue;
    REESIM_CHECK_LT(switched, 1.0);
    DemandOutcome& demand = outcome.demand[e];
    demand.switched_surplus_usd = demand.surplus_usd * switched / (1.0 - switched);
    outcome.welfare.switched_surplus_usd += demand.switched_surplus_usd;
  }
  for (const Instrument* instrument : hooks.after_clearing) instrument->AfterClearing(world, outcome);

  // Settle: expectations, the slow variables of demand, the round counter.
  const double weight = world.market.expectation_weight;
  if (!state.use_tonnes.empty()) state.use_tonnes = outcome.consumed_tonnes;
  RecordLicenceBases(barriers, outcome, scratch.route_tonnes, state);
  for (std::size_t cell = 0; cell < outcome.price_usd_per_kg.size(); ++cell) {
    const double price = outcome.price_usd_per_kg[cell];
    if (std::isnan(price)) continue;
    if (!state.previous_price_usd_per_kg.empty()) state.previous_price_usd_per_kg[cell] = state.price_usd_per_kg[cell];
    state.long_run_price_usd_per_kg[cell] += (price - state.long_run_price_usd_per_kg[cell]) / world.market.long_run_price_memory_rounds;
    state.price_usd_per_kg[cell] = price;
    state.expected_price_usd_per_kg[cell] += weight * (price - state.expected_price_usd_per_kg[cell]);
  }
  UpdateThrift(world, state);
  const MarketParameters& params = world.market;
  for (std::size_t e = 0; e < world.demand.size(); ++e) {
    const DemandEntry& demand = world.demand[e];
    const double price = outcome.price_usd_per_kg[WorldState::At(demand.region, demand.product, np)];
    if (!std::isnan(price)) state.average_price_usd_per_kg[e] += 0.25 * (price - state.average_price_usd_per_kg[e]);
    double& s = state.substituted_share[e];
    const double pressure = std::max(0.0, std::log(state.average_price_usd_per_kg[e] / demand.reference_price_usd_per_kg));
    const double ceiling = demand.substitution_max_share >= 0 ? demand.substitution_max_share : params.substitution_max_share;
    s = std::clamp(s + params.substitution_speed * pressure * (ceiling - s) -
                       params.substitution_decay * s,
                   0.0, 1.0);
  }
  for (int i = 0; i < world.PlantCount(); ++i) {
    double held = 0;
    for (int p = 0; p < np; ++p) held += state.stock_tonnes[WorldState::At(i, p, np)];
    outcome.plants[i].stock_tonnes = held;
    outcome.plants[i].capacity_tonnes = scratch.capacity_tonnes[i];
    state.output_tonnes[i] = outcome.plants[i].output_tonnes;
  }
  BuildAndRetire(world, scratch, state, outcome);
  state.chosen_action = scratch.decisions.chosen_action;
  for (std::size_t a = 0; a < world.actors.size(); ++a) {
    if (!scratch.decisions.strategy_memory[a].empty()) state.strategy_memory[a] = scratch.decisions.strategy_memory[a];
  }
  outcome.speculative_stock_tonnes = state.speculative_stock_tonnes;
  outcome.stockpile_tonnes.assign(world.actors.size(), 0.0);
  for (std::size_t a = 0; a < world.actors.size(); ++a) {
    for (int p = 0; p < np; ++p) outcome.stockpile_tonnes[a] += state.stockpile_tonnes[WorldState::At(static_cast<int>(a), p, np)];
  }
  ++state.round;
}

}  // namespace reesim::world
