// A price-taking firm: it runs the plants it owns. A mine offers its whole capacity at its unit cost,
// so it produces exactly when the clearing price covers marginal cost. A processor buys inputs for
// its capacity less any stock above its target (target_stock_rounds of output), bidding what the
// output is expected to be worth. Stock is offered at (1 - carrying cost) of the expected price, and
// lower when the stock exceeds the target (by the square root of the excess ratio, at most halved).
// Investment: a proposed plant is built when its expected net present value at the firm's hurdle rate
// is positive (ProjectValueUsd); it produces after its lead time (world/round.cc, BuildAndRetire).
// Exit: a plant that sells nothing for close_after_idle_rounds rounds closes.
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

// Returns a proposed plant's expected net present value at its hurdle rate: the margin on full
// capacity as an annuity over its life, discounted over the lead time, less the capital cost net of
// the capital subsidy last announced for it. A government's equity stake blends the discount rate
// toward a public rate of 5 % (state-backed finance: the stake shares the firm's decisions).
double ProjectValueUsd(const world::WorldDescription& world, const world::WorldState& state, int plant);

// Returns the output a producer with market power chooses: the myopic Cournot best response to last
// round's market (others' output as it was; price along a constant-elasticity demand through last
// round's expected price and total output), searched on a grid of capacity/40 steps.
double CournotOutput(const world::WorldDescription& world, const world::WorldState& state, int plant, double capacity);

// Returns one firm per distinct plant owner, in order of first appearance.
std::vector<PriceTakingFirm> FirmsOf(const world::WorldDescription& world);

}  // namespace reesim::agents
