// All pure-strategy Nash equilibria of a game with any number of players, exactly: a profile is an
// equilibrium when no player gains by switching its own strategy (Gambit's `enumpure`). Cost
// O(profiles x total strategies).
#pragma once

#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

// Returns every pure Nash equilibrium in increasing profile index (Gambit order), each with its exact
// profile and payoffs and regret 0.
std::vector<Equilibrium> PureEquilibria(const NormalFormGame& game);

// Returns whether the pure profile at `index` is a Nash equilibrium (exact comparison).
bool IsPureEquilibrium(const NormalFormGame& game, std::int64_t index);

}  // namespace reesim::games
