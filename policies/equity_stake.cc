#include "policies/equity_stake.h"

#include "world/round.h"

namespace reesim::policies {

void EquityStake::AfterClearing(const world::WorldDescription&, world::RoundOutcome& outcome) const {
  for (int plant : plants_) {
    // Paid out of the firm's profit (its producer surplus is net of it).
    const double dividend = share_ * (outcome.plants[plant].revenue_usd - outcome.plants[plant].cost_usd);
    outcome.equity_income_usd[actor_] += dividend;
    outcome.plants[plant].equity_paid_usd += dividend;
  }
}

void EquityStake::AtInvestment(const world::WorldDescription&, world::WorldState& state) const {
  for (int plant : plants_) state.government_equity_share[plant] += share_;
}

}  // namespace reesim::policies
