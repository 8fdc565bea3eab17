// Payoffs of mixed profiles, best responses and regret, in doubles and exactly.
//
// For a mixed profile s, u_ij(s) is player i's expected payoff from pure strategy j when the others
// play s_-i; player i's payoff is u_i(s) = sum_j s_ij u_ij(s). The regret of s is
// max_i max_j (u_ij(s) - u_i(s)) >= 0, zero exactly at Nash equilibria (Nash 1951). One pass over the
// profiles, O(profiles x players).
#pragma once

#include <vector>

#include "games/normal_form_game.h"
#include "games/rational.h"

namespace reesim::games {

// Returns u_ij(profile) for every player i and strategy j.
std::vector<std::vector<double>> StrategyPayoffs(const NormalFormGame& game, const MixedProfile& profile);
std::vector<std::vector<Rational>> StrategyPayoffs(const NormalFormGame& game, const ExactProfile& profile);

// Returns each player's expected payoff u_i(profile).
std::vector<double> ExpectedPayoffs(const NormalFormGame& game, const MixedProfile& profile);
std::vector<Rational> ExpectedPayoffs(const NormalFormGame& game, const ExactProfile& profile);

// Returns max_i max_j (u_ij - u_i): the largest gain of a unilateral deviation (>= 0).
double Regret(const NormalFormGame& game, const MixedProfile& profile);
Rational Regret(const NormalFormGame& game, const ExactProfile& profile);

// Returns player i's pure best responses to `profile` in increasing index order: the strategies whose
// u_ij is within `tolerance` of the best (exact for the rational overload).
std::vector<int> BestResponses(const NormalFormGame& game, const MixedProfile& profile, int player,
                               double tolerance = 0.0);
std::vector<int> BestResponses(const NormalFormGame& game, const ExactProfile& profile, int player);

// Returns true when every player's probabilities are >= 0 and sum to 1 (within `tolerance`), and the
// shape matches the game.
bool IsMixedProfile(const NormalFormGame& game, const MixedProfile& profile, double tolerance = 1e-9);

// Returns d u_ij / d s_kl for every pair of (player, strategy): row offset(i)+j, column offset(k)+l,
// where offset(i) = sum of the strategy counts of players before i. Zero when k == i. Used by the
// methods that follow or polish smooth paths (liap, logit).
std::vector<std::vector<double>> StrategyPayoffJacobian(const NormalFormGame& game, const MixedProfile& profile);

// Returns offset(i) for every player and the total count as the last element.
std::vector<int> StrategyOffsets(const NormalFormGame& game);

}  // namespace reesim::games
