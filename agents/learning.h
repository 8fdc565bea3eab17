// Learning rules for repeated games, on plain payoff vectors (one entry per action), so they can be
// tested on known games and used by country strategies alike.
//
// Regret matching (Hart & Mas-Colell 2000, Econometrica 68(5)): play each action with probability
// proportional to its positive cumulative regret (uniform when none is positive). With the expected
// regret update used here, the average strategy of self-play converges to the set of coarse
// correlated equilibria; in two-player zero-sum games, to a Nash equilibrium.
//
// Fictitious play (Brown 1951): play the action with the best cumulative payoff against the history
// of opponents' play, ties broken by the lowest index.
#pragma once

#include <vector>

namespace reesim::agents {

class RegretMatching {
 public:
  // Returns the current strategy (probabilities) from cumulative regrets.
  static std::vector<double> Strategy(const std::vector<double>& cumulative_regret);
  // Adds this round's regrets: payoff of each action minus the strategy's expected payoff.
  static void AddRegrets(const std::vector<double>& strategy, const std::vector<double>& action_payoffs,
                         std::vector<double>& cumulative_regret);
  // Returns the index sampled from `strategy` by a uniform draw in [0, 1).
  static int Sample(const std::vector<double>& strategy, double uniform);
};

class FictitiousPlay {
 public:
  // Returns the action with the highest cumulative payoff (lowest index on ties).
  static int BestAction(const std::vector<double>& cumulative_payoff);
};

}  // namespace reesim::agents
