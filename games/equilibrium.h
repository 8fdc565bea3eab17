// What every solver returns: a mixed profile with its payoffs and its regret (the largest gain any
// player gets by a unilateral deviation to a pure strategy, in payoff units; 0 at a Nash equilibrium),
// and the exact profile and payoffs when the method works in exact arithmetic.
#pragma once

#include <optional>
#include <vector>

#include "games/normal_form_game.h"
#include "games/rational.h"

namespace reesim::games {

struct Equilibrium {
  MixedProfile strategies;                        // [player][strategy] probabilities
  std::vector<double> payoffs;                    // expected payoff of each player
  double regret = 0;                              // max gain of a unilateral deviation
  std::optional<ExactProfile> exact;              // set by exact methods
  std::optional<std::vector<Rational>> exact_payoffs;
};

// Returns an Equilibrium for `profile` with its payoffs and regret computed (in doubles).
Equilibrium MakeEquilibrium(const NormalFormGame& game, MixedProfile profile);

// Returns an Equilibrium for an exact profile: exact payoffs, the regret computed exactly (then
// rounded), and the doubles alongside.
Equilibrium MakeExactEquilibrium(const NormalFormGame& game, ExactProfile profile);

}  // namespace reesim::games
