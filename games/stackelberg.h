// Optimal commitment (Stackelberg leadership): the leader, player 1, announces a strategy and is
// believed; the others best-respond. Conitzer & Sandholm, "Computing the optimal strategy to commit
// to", ACM EC 2006; von Stengel & Zamir, "Leadership games with convex strategy sets", GEB 69, 2010.
//
// Pure commitment, any number of players: players commit in order 1, 2, ..., N, each seeing the
// commitments before it (Conitzer & Sandholm's sequential model, solved by backward induction, linear in
// the size of the game). A follower indifferent between strategies breaks the tie in the leader's favour
// (the "strong" Stackelberg equilibrium), then by the lowest index; the leader takes its lowest-index
// best commitment.
//
// Mixed commitment, two players: for every follower strategy j one linear program (GLPK),
//     maximise sum_i x_i A_ij  s.t.  sum_i x_i (B_ij - B_ik) >= 0 for all k,  sum_i x_i = 1,  x >= 0,
// i.e. the best mix under which j is a best response; the best of these over j (lowest j on ties) is
// the optimal commitment, the follower breaking ties in the leader's favour. Its value is at least the
// leader's payoff in every Nash equilibrium and in the pure commitment.
#pragma once

#include <vector>

#include "games/normal_form_game.h"
#include "games/rational.h"

namespace reesim::games {

struct PureCommitment {
  std::vector<int> profile;            // every player's strategy (0-based), leader first
  std::vector<Rational> payoffs;       // exact
};

struct MixedCommitment {
  std::vector<double> leader_mix;  // the leader's committed mix
  int follower_strategy = 0;       // the follower's best response (ties to the leader's favour)
  double leader_value = 0;
  double follower_value = 0;
};

// Returns the leader's optimal pure commitment with every follower best-responding in turn.
PureCommitment OptimalPureCommitment(const NormalFormGame& game);

// Returns the leader's optimal mixed commitment in a two-player game. Throws GameError if the game does
// not have two players or an LP fails.
MixedCommitment OptimalMixedCommitment(const NormalFormGame& game);

}  // namespace reesim::games
