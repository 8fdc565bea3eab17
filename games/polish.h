// Refining an approximate Nash equilibrium to machine precision: guess each player's support from the
// approximate profile, then solve "every strategy in the support earns the same, the probabilities sum
// to 1" by Newton's method (the support equations of McKelvey & McLennan, "Computation of equilibria in
// finite games", Handbook of Computational Economics 1996, section 4). Used by liap and logit.
#pragma once

#include <optional>

#include "games/normal_form_game.h"

namespace reesim::games {

// Returns a profile with regret below that of `start`, found by Newton's method on the supports
// {j : start[i][j] > threshold} for a few thresholds, or nothing if none converges to a profile (all
// probabilities >= 0) with smaller regret.
std::optional<MixedProfile> PolishEquilibrium(const NormalFormGame& game, const MixedProfile& start);

}  // namespace reesim::games
