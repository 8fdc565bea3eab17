#include "policies/equity_stake.h"

#include "world/round.h"

namespace reesim::policies {

void EquityStake::AfterClearing(const world::WorldDescription&, world::RoundOutcome& outcome) const {
  for (int plant : plants_) {
    outcome.equity_income_usd[actor_] += share_ * (outcome.plants[plant].revenue_usd - outcome.plants[plant].cost_usd);
  }
}

void EquityStake::AtInvestment(const world::WorldDescription&, world::WorldState& state) const {
  for (int plant : plants_) state.government_equity_share[plant] += share_;
}

}  // namespace reesim::policies
