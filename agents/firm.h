// A price-taking firm: it runs the plants it owns. A mine offers its whole capacity at its unit cost,
// so it produces exactly when the clearing price covers marginal cost. A processor buys inputs for
// its capacity less any stock above its target (target_stock_rounds of output), bidding what the
// output is expected to be worth. Stock up to the target is offered at (1 - carrying cost) of the
// expected price, the excess at lower asks, cheapest first (world/storage.h: competitive storage).
// Investment: a proposed plant is built when the value of its expected margins, on an outlook that
// reverts toward long-run prices and allows for its own effect on them, exceeds its capital cost by
// the Dixit-Pindyck value of waiting (AppraiseProject); it produces after its lead time
// (world/round.cc, BuildAndRetire). Exit: an owner reviews a plant idle for close_after_idle_rounds
// rounds and scraps it only if it does not expect to cover its cash cost again; capacity kept in
// reserve on purpose (Plant.reserve) is never scrapped.
// Market power: a producer flagged market_power sets its output as a Cournot best response
// (CournotOutput) instead of offering its whole capacity.
#pragma once

#include <string>
#include <vector>

#include "world/agent.h"

namespace reesim::agents {

class PriceTakingFirm : public world::Agent {
 public:
  PriceTakingFirm(std::string name, std::vector<int> plants) : name_(std::move(name)), plants_(std::move(plants)) {}
  void Decide(const world::Observation& observation, world::RandomStream& random,
              world::Decisions& out) const override;
  world::Viewer viewer() const override { return {/*actor=*/-1, plants_}; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<int> plants_;
};

// Returns the plant's expected cash margin per kg of output: output value (expected prices less the
// policy-risk haircut, or, for the guaranteed product, the price of a floor or fixed-price offtake if
// higher) minus inputs (feed, recipe) minus unit cost plus any production subsidy last announced.
// Where a product has never cleared in the plant's region, its expected price is the mean
// expectation of the reference-price regions where it has.
double ExpectedMarginUsdPerKg(const world::WorldDescription& world, const world::WorldState& state, int plant);

// The same margin at the long-run level of prices (WorldState::long_run_price_usd_per_kg), the plant's
// outputs multiplied by `output_price_multiple` (a new plant's own effect on the price of what it sells).
double LongRunMarginUsdPerKg(const world::WorldDescription& world, const world::WorldState& state, int plant,
                             double output_price_multiple);

// The share of a price's deviation from the long run that is left a round later:
// 0.5^(1 / price_reversion_half_life_rounds).
double PriceReversionPerRound(const world::WorldDescription& world);

// Dixit & Pindyck (1994, "Investment under Uncertainty", ch. 5): a project whose value follows a
// geometric Brownian motion of volatility sigma, with no drift beyond the reversion already in the
// outlook (so the payout rate equals the discount rate r), is worth building now only when its value
// is at least beta / (beta - 1) times its cost, beta = 1/2 + sqrt(1/4 + 2 r / sigma^2). Returns that
// multiple (1 when r or sigma is not positive: waiting is then worth nothing).
double WaitingMultiple(double discount_rate, double volatility_per_year);

// A firm's appraisal of a proposed plant (docs/model.md, "Investment and exit").
struct ProjectAppraisal {
  double discount_rate = 0;               // a year: the hurdle rate, blended toward 5 % by a government stake
  double capacity_share = 0;              // of its stage's operating and building capacity, once added
  double own_price_effect = 1;            // multiple of its output prices its capacity brings
  double margin_now_usd_per_kg = 0;       // at today's expectations, with its own price effect
  double margin_long_run_usd_per_kg = 0;  // at the long-run level of prices, with its own price effect
  double value_usd = 0;                   // present value of its cash margins over its life
  double capex_usd = 0;                   // capital cost net of the capital subsidy last announced
  // WaitingMultiple(discount_rate, MarketParameters.investment_value_volatility)
  double waiting_multiple = 1;

  double NetPresentValueUsd() const { return value_usd - capex_usd; }
  // Positive when building now beats waiting: value above waiting_multiple x capital cost.
  double SurplusOverWaitingUsd() const { return value_usd - waiting_multiple * capex_usd; }
};

// Appraises a proposed plant: its expected margin moves from today's toward the long-run margin with
// the price reversion (PriceReversionPerRound), its output prices all along cut by its own capacity's
// effect, (1 + own / existing)^(1 / cournot_demand_elasticity), `existing` the operating and building
// capacity of its stage (ASSUMPTION: firms assume the demand elasticity of
// MarketParameters.cournot_demand_elasticity for what they sell); it is valued quarter by quarter over
// its life after the lead time, idling in quarters whose margin is negative, and discounted at the
// hurdle rate.
ProjectAppraisal AppraiseProject(const world::WorldDescription& world, const world::WorldState& state, int plant);

// AppraiseProject(...).NetPresentValueUsd().
double ProjectValueUsd(const world::WorldDescription& world, const world::WorldState& state, int plant);

// Whether the owner of an existing plant expects it to cover its cash cost again at some point of the
// outlook (today's expected margin or the long-run one is positive). An owner scraps an idle plant
// only when it does not.
bool ExpectsToCoverCashCost(const world::WorldDescription& world, const world::WorldState& state, int plant);

// Returns the output a producer with market power chooses: the myopic Cournot best response to last
// round's market (others' output as it was; price along a constant-elasticity demand through last
// round's expected price and total output), searched on a grid of capacity/40 steps.
double CournotOutput(const world::WorldDescription& world, const world::WorldState& state, int plant, double capacity);

// Returns one firm per distinct plant owner, in order of first appearance.
std::vector<PriceTakingFirm> FirmsOf(const world::WorldDescription& world);

}  // namespace reesim::agents
