// Nash equilibria of a two-player game by the Lemke-Howson algorithm, exactly, started from each of
// the m + n labels (von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory
// vol. 3, 2002, sections 3-4 and 6; Lemke & Howson, SIAM J. Appl. Math. 12, 1964).
//
// Two tableaux in exact rationals, r + A' y = 1 and s + B'^T x = 1 with A', B' the payoffs shifted to be
// >= 1; from the artificial equilibrium (0, 0) the label k is dropped and complementary pivoting
// alternates between the tableaux until label k is picked up again. Degenerate games are handled by
// the lexicographic minimum-ratio test (von Stengel 2002, section 6), so every path ends at a
// completely labelled pair of vertices: each result is an extreme equilibrium, and so among those
// EnumMixed lists. Different labels can lead to the same equilibrium; results are deduplicated.
// Each path costs at most a number of pivots exponential in the worst case (Savani & von Stengel 2006)
// but few in practice; LcpOptions::max_pivots bounds it.
#pragma once

#include <optional>
#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct LcpOptions {
  // Stop a path after this many pivots (it is then abandoned; the result says so).
  int max_pivots = 100000;
};

struct LcpResult {
  std::vector<Equilibrium> equilibria;  // deduplicated, in EnumMixed's order
  std::vector<int> found_from;          // for each equilibrium, the first label (0-based) that reached it
  int abandoned_paths = 0;              // paths stopped at max_pivots
};

// Runs Lemke-Howson from every label 0 .. m+n-1 (labels 0..m-1 are the row player's strategies).
// Throws GameError unless the game has two players.
LcpResult LemkeHowson(const NormalFormGame& game, const LcpOptions& options = {});

// Runs one Lemke-Howson path from `label`; returns nothing if it was stopped at max_pivots.
std::optional<Equilibrium> LemkeHowsonFrom(const NormalFormGame& game, int label, const LcpOptions& options = {});

}  // namespace reesim::games
