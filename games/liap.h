// One approximate Nash equilibrium of a game with any number of players: minimisation of a Lyapunov
// function (McKelvey, "A Liapunov function for Nash equilibria", Caltech SSWP 953, 1998; Gambit's
// `liap`), from several starting points, each result refined by Newton's method on its support
// (polish.h).
//
// The function is L(s) = sum_i sum_j max(0, u_ij(s) - u_i(s))^2 over the product of the players'
// simplices, with payoffs divided by their range: L >= 0, and L = 0 exactly at Nash equilibria. It is
// minimised by projected gradient descent with a backtracking (Armijo) line search. Starts: the
// uniform profile, then points drawn uniformly from the simplices by the counter-based stream keyed by
// (seed, start). The method stops at the first start whose polished profile has regret below
// `tolerance` x payoff range; otherwise it returns the profile of least regret found. Local minima with
// L > 0 exist, so success is not guaranteed in every game; `converged` says whether the tolerance was
// met. Deterministic for a given seed.
#pragma once

#include <cstdint>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct LiapOptions {
  int max_starts = 200;        // starting points tried at most
  int max_iterations = 3000;   // descent steps per start
  double tolerance = 1e-9;     // target regret, as a fraction of the payoff range
  std::uint64_t seed = 1;      // keys the random starts after the first (uniform) one
};

struct LiapResult {
  Equilibrium equilibrium;
  bool converged = false;  // regret <= tolerance x payoff range
  int starts = 0;          // starting points used
};

// Returns one approximate equilibrium (see above). Never throws for a valid game.
LiapResult Liap(const NormalFormGame& game, const LiapOptions& options = {});

// Returns L(profile), the Lyapunov function above (payoffs divided by their range).
double LyapunovValue(const NormalFormGame& game, const MixedProfile& profile);

}  // namespace reesim::games
