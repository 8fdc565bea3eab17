#include "games/pure.h"

namespace reesim::games {

bool IsPureEquilibrium(const NormalFormGame& game, std::int64_t index) {
  const std::vector<int> profile = game.ProfileAt(index);
  for (int i = 0; i < game.NumPlayers(); ++i) {
    const Rational& payoff = game.Payoff(index, i);
    const std::int64_t base = index - profile[i] * game.Stride(i);
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      if (game.Payoff(base + j * game.Stride(i), i) > payoff) return false;
    }
  }
  return true;
}

std::vector<Equilibrium> PureEquilibria(const NormalFormGame& game) {
  std::vector<Equilibrium> equilibria;
  for (std::int64_t index = 0; index < game.NumProfiles(); ++index) {
    if (!IsPureEquilibrium(game, index)) continue;
    const std::vector<int> pure = game.ProfileAt(index);
    ExactProfile profile(game.NumPlayers());
    for (int i = 0; i < game.NumPlayers(); ++i) {
      profile[i].assign(game.NumStrategies(i), Rational(0));
      profile[i][pure[i]] = 1;
    }
    // A pure profile's payoffs are its cell; its regret is 0 by the test above.
    Equilibrium equilibrium;
    equilibrium.strategies = ToDoubles(profile);
    equilibrium.exact = std::move(profile);
    equilibrium.exact_payoffs.emplace();
    for (int i = 0; i < game.NumPlayers(); ++i) {
      equilibrium.payoffs.push_back(game.PayoffDouble(index, i));
      equilibrium.exact_payoffs->push_back(game.Payoff(index, i));
    }
    equilibrium.regret = 0;
    equilibria.push_back(std::move(equilibrium));
  }
  return equilibria;
}

}  // namespace reesim::games
