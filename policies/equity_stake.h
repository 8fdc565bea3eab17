// Equity stake: a government owns `share` of a firm (the US DoD's 15 % of MP Materials).
//
// After clearing: the government receives its share of the firm's plants' profit of the round
// (revenue less costs; payoff revenue, as equity income).
// At investment: the share is written into the state, where the firm sees it when valuing projects
// (it discounts them at a rate blended toward a public one by the stake; agents/firm.cc).
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class EquityStake : public world::Instrument {
 public:
  EquityStake(int actor, std::vector<int> plants, double share) : actor_(actor), plants_(std::move(plants)), share_(share) {}
  world::HookSet Hooks() const override { return {.after_clearing = true, .at_investment = true}; }
  void AfterClearing(const world::WorldDescription& world, world::RoundOutcome& outcome) const override;
  void AtInvestment(const world::WorldDescription& world, world::WorldState& state) const override;

 private:
  int actor_;
  std::vector<int> plants_;  // the firm's
  double share_;
};

}  // namespace reesim::policies
