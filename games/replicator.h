// Discrete-time replicator dynamics (Taylor & Jonker, Math. Biosciences 40, 1978; the discrete form of
// Hofbauer & Sigmund, "Evolutionary Games and Population Dynamics", 1998, ch. 7): every player's mix
// is updated simultaneously by
//     s_ij <- s_ij * f_ij / sum_k s_ik f_ik,   f_ij = 1 + (u_ij(s) - min payoff) / payoff range,
// so fitness lies in [1, 2] and strategies earning more than average grow. Strategies at probability 0
// stay at 0: start from the interior (the default start is uniform). The rest points include every Nash
// equilibrium, but also non-equilibria on faces; the returned regret says which it reached.
#pragma once

#include <optional>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct ReplicatorOptions {
  int iterations = 10000;
  std::optional<MixedProfile> start;  // default: uniform
};

// Returns the profile after `iterations` updates, with its payoffs and regret. Throws GameError if
// `start` does not fit the game.
Equilibrium Replicator(const NormalFormGame& game, const ReplicatorOptions& options = {});

}  // namespace reesim::games
