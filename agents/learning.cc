#include "agents/learning.h"

#include <algorithm>

namespace reesim::agents {

std::vector<double> RegretMatching::Strategy(const std::vector<double>& cumulative_regret) {
  std::vector<double> strategy(cumulative_regret.size(), 0.0);
  double positive = 0;
  for (double regret : cumulative_regret) positive += std::max(0.0, regret);
  for (std::size_t a = 0; a < strategy.size(); ++a) {
    strategy[a] = positive > 0 ? std::max(0.0, cumulative_regret[a]) / positive : 1.0 / strategy.size();
  }
  return strategy;
}

void RegretMatching::AddRegrets(const std::vector<double>& strategy, const std::vector<double>& action_payoffs,
                                std::vector<double>& cumulative_regret) {
  double expected = 0;
  for (std::size_t a = 0; a < strategy.size(); ++a) expected += strategy[a] * action_payoffs[a];
  for (std::size_t a = 0; a < strategy.size(); ++a) cumulative_regret[a] += action_payoffs[a] - expected;
}

int RegretMatching::Sample(const std::vector<double>& strategy, double uniform) {
  double cumulative = 0;
  for (std::size_t a = 0; a < strategy.size(); ++a) {
    cumulative += strategy[a];
    if (uniform < cumulative) return static_cast<int>(a);
  }
  return static_cast<int>(strategy.size()) - 1;
}

int FictitiousPlay::BestAction(const std::vector<double>& cumulative_payoff) {
  return static_cast<int>(std::max_element(cumulative_payoff.begin(), cumulative_payoff.end()) -
                          cumulative_payoff.begin());
}

}  // namespace reesim::agents
