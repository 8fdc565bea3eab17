// Fictitious play (Brown, "Iterative solution of games by fictitious play", 1951; Robinson, Annals of
// Mathematics 54, 1951): in round 1 every player plays its first strategy (or the given first play); in
// each later round every
// player, simultaneously, plays a pure best response to the others' empirical frequencies so far (ties
// to the lowest index, payoffs within 1e-12 of the range counting as ties). The result is the profile of
// empirical frequencies. They converge to equilibrium in two-player zero-sum games (Robinson) and
// potential games, but not in general: in Shapley's 3x3 game (Shapley, "Some topics in two-person
// games", 1964) play started off the diagonal cycles through ever longer runs and the frequencies never
// settle, while the unique equilibrium is uniform. (Started on the diagonal, both players' beliefs stay
// equal, play runs round the diagonal and the marginal frequencies do tend to uniform.)
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct FictitiousPlayOptions {
  int iterations = 10000;
  int record_every = 0;  // record (round, regret of the frequencies) every this many rounds; 0: never
  std::vector<int> first_play;  // round 1's pure profile (0-based); empty: every player's first strategy
};

struct FictitiousPlayResult {
  Equilibrium frequencies;                      // empirical frequencies after the last round
  std::vector<std::pair<int, double>> trace;    // (round, regret) when record_every > 0
};

// Runs fictitious play for `iterations` rounds. Throws GameError if first_play does not fit the game.
FictitiousPlayResult FictitiousPlay(const NormalFormGame& game, const FictitiousPlayOptions& options = {});

}  // namespace reesim::games
