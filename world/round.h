// The round (docs/model.md): observe, decide (agents in parallel), apply (instruments write the
// round's terms), clear (stage by stage, upstream first; products of a stage in parallel), settle
// (stocks, expectations, substitution), invest. Instruments act through their hooks at fixed points
// of it (world/barriers.h, docs/instruments.md). One named transition over explicit inputs:
// description, state, agents, seed. Its typed outcome feeds the snapshot; nothing here touches
// protobuf or strings.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "world/agent.h"
#include "world/barriers.h"
#include "world/description.h"
#include "world/market.h"
#include "world/state.h"

namespace reesim::world {

// The chain audit's verdict on a processor in a round (ChainAudit below), so its counts can be traced
// to plants and to why.
enum class ChainVerdict : std::uint8_t {
  kNone,
  kLoss,  // produced at a loss beyond the tolerance
  // Idle with a margin beyond it, having made its own output target, which was below the capacity no
  // production quota holds back: its owner chose to make less (for a price-taking firm, its output
  // stock above its working stock; agents/firm.cc).
  kIdleByOwnTarget,
  kIdleShortOfInputs,  // idle with such a margin otherwise: it bought less than its target needed
};

struct PlantOutcome {
  double output_tonnes = 0;   // produced this round (separation: feed separated)
  double sales_tonnes = 0;
  double revenue_usd = 0;
  double cost_usd = 0;        // processing plus inputs bought
  double stock_tonnes = 0;    // held at the end of the round, outputs and inputs
  double capacity_tonnes = 0; // operating capacity this round
  double capex_usd = 0;       // capital spent this round (net of capital subsidies; also in cost_usd)
  double equity_paid_usd = 0; // the part of revenue - cost paid to governments holding equity in it
  ChainVerdict chain_verdict = ChainVerdict::kNone;
};

struct FlowOutcome {
  int product = -1;
  int from = -1;
  int to = -1;
  double tonnes = 0;
  double price_usd_per_kg = 0;  // delivered price at the destination
  bool smuggled = false;        // unrecorded: around a control, no duties paid
  bool military = false;        // delivered to a military end use (defence demand)
  bool offtake = false;         // a contract's delivery, before the spot market
};

struct DemandOutcome {
  double reference_tonnes = 0;  // demand at the reference price this round
  double served_tonnes = 0;
  double surplus_usd = 0;       // consumer surplus: gross willingness to pay - spending
  double gross_wtp_usd = 0;     // the area under the demand curve over what was served (Demand, docs/model.md)
  double spending_usd = 0;      // paid for what was served (spot price or contract price)
  // The surplus of the users research moved to a substitute (BarrierTable.switched_share): what they
  // would have had buying at this round's prices, in proportion to those who still buy. ASSUMPTION
  // (revealed preference): a user that switches is no worse off than had it stayed; the instrument
  // gives no substitute's cost that would value the gain beyond that.
  double switched_surplus_usd = 0;
};

// The round's real resource flows, USD (docs/model.md, "Payoffs": the conservation identity). Every
// payoff component, summed over actors and the rest of the world, equals
//   gross_wtp - processing - capital - transport - trade_friction - outside + stockpile acquisitions.
struct WelfareAccount {
  double gross_wtp_usd = 0;        // served final demand, valued on its demand curve
  double processing_cost_usd = 0;  // plants' unit costs x tonnes processed, gross of production subsidies
  double capital_cost_usd = 0;     // capital spent on projects, gross of capital subsidies
  double transport_cost_usd = 0;   // tonnes x transport cost on every traded flow (smuggled ones too)
  // Licensing friction, switching premiums and smuggling's extra cost: costs of trading paid by
  // buyers and sellers to no one in the model (paperwork, qualification, concealment); and a route's
  // wedge rounded to the clearing's money grid (at most 1e-4 USD/kg, either sign).
  double trade_friction_usd = 0;
  double switched_surplus_usd = 0;  // users moved to a substitute (DemandOutcome), outside the markets
};

// Rents no government or firm of the model earns: smugglers' margins (the price gap across a control
// less their costs) and speculators' trading cash (sales less purchases), USD this round.
struct RestOfWorldOutcome {
  double smuggling_usd = 0;
  double speculation_usd = 0;
};

// The chain's prices against its processors (docs/model.md, "Chain consistency"): issue 15's invariant
// that a processor that produces pays no more for its inputs, at its region's prices this round, plus its
// processing cost, than its outputs fetch there; and that one whose outputs fetch more than that, with
// capacity left, produces. Measured after the round clears; the round does not enforce it. A plant
// counts when the gap exceeds kChainAuditTolerance of its outputs' value.
inline constexpr double kChainAuditTolerance = 0.05;  // a reporting threshold (ASSUMPTION), not economics
struct ChainAudit {
  int loss_producers = 0;           // operating processors that produced at a loss beyond the tolerance
  int idle_margin_plants = 0;       // ... with a margin beyond it that produced under 99 % of the capacity
                                    // no production quota holds back
  double largest_loss_share = 0;    // max over the former of (input and processing cost) / value - 1
  double largest_margin_share = 0;  // max over the latter of 1 - cost / value
  // The search for the chain's fixed point (round.cc, ClearChainToFixedPoint; price_discovery_passes
  // > 1): the clearings made this round, and the largest gap |P - B| / max(P, B) between a price B the
  // bids read and the price P the kept clearing gave. NaN gap: no search (one clearing at expected prices).
  int clearings = 1;
  double bid_price_gap = std::numeric_limits<double>::quiet_NaN();
};
// A fixed point's tolerance: bid prices within 1 % of the prices they clear at (a numerical setting,
// ASSUMPTION; docs/model.md gives the sensitivity); gaps are taken relative to at least a cent a kg.
inline constexpr double kBidPriceTolerance = 0.01;
inline constexpr double kMinBidPriceUsdPerKg = 0.01;

struct RoundOutcome {
  int round = 0;
  std::vector<PlantOutcome> plants;       // [plant]
  std::vector<FlowOutcome> flows;         // by product, then origin, then destination
  std::vector<DemandOutcome> demand;      // [demand entry]
  std::vector<double> price_usd_per_kg;   // [region * products + product]; NaN: no market there
  std::vector<double> consumed_tonnes;    // [region * products + product]: final and intermediate use
  std::vector<double> trade_revenue_usd;  // [region]: tariffs collected plus export taxes
  std::vector<double> policy_cost_usd;    // [actor]: enforcement, subsidies, price floors, net stockpile purchases
  std::vector<double> equity_income_usd;  // [actor]: its share of the profits of firms it owns
  // [actor]: the part of policy_cost_usd spent outside the markets -- enforcement, trade lost to
  // sanctions -- which no one in the model receives.
  std::vector<double> outside_cost_usd;
  // [actor]: rents of licensed or quota-capped exports (the price gap across the cap less transport,
  // duties and friction), booked to the exporting government (ASSUMPTION: it holds the licences; it
  // may auction or allocate them, so the rent stays in the exporting country).
  std::vector<double> licence_rent_usd;
  // [actor]: strategic stockpile purchases less releases at the prices they traded (the value the
  // stockpile gained, at cost; the cash is in policy_cost_usd).
  std::vector<double> stockpile_net_purchase_usd;
  RestOfWorldOutcome rest_of_world;
  WelfareAccount welfare;
  std::vector<double> stockpile_tonnes;   // [actor]: strategic stocks held at the end of the round
  std::vector<double> speculative_stock_tonnes;  // [region * products + product]; empty without speculation
  ChainAudit chain;
};

struct MarketBuffers;  // round.cc: each product's market problem and solution

// The instruments in force this round whose hooks the round calls, each list in call order.
struct InstrumentHooks {
  std::vector<const Instrument*> before_clearing, on_sale, after_clearing, at_investment;
};

// Reusable buffers of a run (kept between rounds).
struct RoundScratch {
  Decisions decisions;
  BarrierTable barriers;
  InstrumentHooks hooks;
  std::vector<double> reference_demand;      // [demand entry]: this round's, net of offtake deliveries
  std::vector<double> committed_production;  // [plant]: mine output already sold under offtakes
  std::vector<double> capacity_tonnes;       // [plant]: this round's effective capacity
  std::vector<double> route_tonnes;          // [route, as BarrierTable::Arc]: this round's trade (licence bases)
  std::shared_ptr<MarketBuffers> markets;    // created by the first round
  bool instruments_applied = true;           // terms written in the last round (its table needs a full reset)
  WorldState public_state;                   // the round's public view of the state (PublicView)
  // The chain's fixed point (round.cc, ClearChainToFixedPoint): the bid prices found so far ([region *
  // products + product], NaN: the expectation; empty when the round clears once), the cells processors
  // bid with, how their bid prices move, and a trial clearing's state, outcome and the round's demand
  // before offtakes.
  std::vector<double> bid_price_usd_per_kg;
  std::vector<std::size_t> bid_cells;
  std::vector<double> bid_step, bid_last_move;  // [cell]: the fraction of the gap a bid price moves, its last move
  WorldState trial_state;
  RoundOutcome trial_outcome;
  WorldState best_trial_state;  // the most consistent trial so far, kept if the search does not converge
  RoundOutcome best_trial_outcome;
  std::vector<double> round_reference_demand;
};

struct RoundInputs {
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
  RandomDomain domain = RandomDomain::kRun;  // kLookahead: a strategy's look-ahead on a copy of the world
};

// Returns the share of a destination's demand that can be smuggled around a control, given last
// round's relative price gap (destination over origin, minus 1) and the exporter's enforcement spending.
double SmugglingShare(const MarketParameters& params, double price_gap, double enforcement_usd);

// Tells firms valuing projects that `plant` is guaranteed `price_usd_per_kg` for `product` next round
// (a price floor, a contract price); of several guarantees the highest counts, the first on a tie.
// For AtInvestment hooks.
void GuaranteePrice(WorldState& state, int plant, int product, double price_usd_per_kg);

// Advances `state` by one round. Agents decide in parallel on the calling TBB arena; results do not
// depend on the thread count.
void AdvanceRound(const WorldDescription& world, std::span<const Agent* const> agents,
                  const RoundInputs& inputs, WorldState& state, RoundScratch& scratch, RoundOutcome& outcome);

// Copies of the last round's market problems, one per product (none before the first round; with
// price_discovery_passes above 1, the last trial's, which may not be the one kept): for benchmarks that
// time the clearing alone.
std::vector<MarketProblem> LastMarketProblems(const RoundScratch& scratch);

}  // namespace reesim::world
