#include "games/equilibrium.h"

#include "games/regret.h"

namespace reesim::games {

Equilibrium MakeEquilibrium(const NormalFormGame& game, MixedProfile profile) {
  Equilibrium equilibrium;
  equilibrium.payoffs = ExpectedPayoffs(game, profile);
  equilibrium.regret = Regret(game, profile);
  equilibrium.strategies = std::move(profile);
  return equilibrium;
}

Equilibrium MakeExactEquilibrium(const NormalFormGame& game, ExactProfile profile) {
  Equilibrium equilibrium;
  equilibrium.strategies = ToDoubles(profile);
  const std::vector<Rational> payoffs = ExpectedPayoffs(game, profile);
  equilibrium.payoffs = ToDoubles(payoffs);
  equilibrium.exact_payoffs = payoffs;
  equilibrium.regret = ToDouble(Regret(game, profile));
  equilibrium.exact = std::move(profile);
  return equilibrium;
}

}  // namespace reesim::games
