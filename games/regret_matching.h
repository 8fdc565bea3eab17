// Regret matching (Hart & Mas-Colell, "A simple adaptive procedure leading to correlated equilibrium",
// Econometrica 68, 2000; the unconditional form of their section 4): every player keeps, for each of its
// strategies, the cumulative regret of not having always played it against what the others actually
// played, and plays each strategy with probability proportional to its positive regret (uniformly when
// none is positive). Play is sampled from the counter-based stream keyed by (seed, round, player), so a
// seed fixes the run. The empirical distribution of joint play converges to the set of coarse correlated
// equilibria (Hannan consistency): its CCE gap, the largest gain any player could have had by always
// playing one fixed strategy against the recorded play, goes to 0 like 1/sqrt(rounds).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct RegretMatchingOptions {
  int iterations = 100000;
  std::uint64_t seed = 1;
};

struct RegretMatchingResult {
  // The marginals of the empirical joint play as a mixed profile, with their Nash regret (which need
  // not go to 0: the joint distribution is correlated).
  Equilibrium marginals;
  std::vector<std::pair<std::int64_t, double>> joint;  // (profile index, frequency), by index
  double cce_gap = 0;                                  // CceGap(game, joint)
};

// Runs regret matching for `iterations` rounds.
RegretMatchingResult RegretMatching(const NormalFormGame& game, const RegretMatchingOptions& options = {});

// Returns max(0, max_i max_j sum_s z(s) (u_i(j, s_-i) - u_i(s))) for a distribution z over pure
// profiles: 0 exactly at coarse correlated equilibria (Moulin & Vial 1978).
double CceGap(const NormalFormGame& game, const std::vector<std::pair<std::int64_t, double>>& joint);

}  // namespace reesim::games
