// All extreme Nash equilibria of a two-player game, exactly, degenerate games included.
//
// Method: vertex enumeration of the two best-response polytopes (Avis, Rosenberg, Savani & von Stengel,
// "Enumeration of Nash equilibria for two-player games", Economic Theory 42, 2010; von Stengel,
// "Computing equilibria for two-person games", Handbook of Game Theory vol. 3, 2002, section 3).
// With payoffs shifted to be positive (A' = A - min A + 1, B' likewise),
//   P = { x >= 0 : B'^T x <= 1 },  Q = { y >= 0 : A' y <= 1 },
// a label being a strategy that is unplayed by its owner or a best response of the other player. A
// pair of vertices (x, y) != (0, 0) that together carry every label is, normalised, an extreme Nash
// equilibrium, and every extreme equilibrium arises this way. Vertices are found by solving, for every
// support F of x and every equally large set J of tight best-response constraints, the square system
// sum_{i in F} B'_ij x_i = 1 (j in J) in exact rationals; this covers equilibria whose two supports have
// unequal sizes (degenerate games), which support enumeration over equal-size supports misses. Selten's
// degenerate game gives both extreme points of its equilibrium segment; the n x n identity coordination
// game gives its 2^n - 1 equilibria.
//
// Cost: C(m+n, m) - 1 candidate bases per polytope, each an exact k x k solve in integers
// (fraction-free, 128 bits where they suffice, else GMP). Games whose
// bases x (m + n) exceed EnumMixedOptions::max_work are refused with a GameError naming the methods
// that fit (lcp, liap).
#pragma once

#include <cstdint>
#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct EnumMixedOptions {
  // Refuse games whose candidate bases x (m + n) exceed this (11 x 11 fits, 12 x 12 does not: with
  // payoffs of a few digits 11 x 11 takes about 2 s, but with payoffs read from doubles much longer).
  double max_work = 2e7;
  // Solve candidate bases in integers (the payoffs scaled to integers; 128 bits, GMP integers where
  // those overflow); false: in rationals (the same result, slower; kept for the test that compares).
  bool integer_arithmetic = true;
};

// Returns every extreme equilibrium of a two-player game, exact, without duplicates, ordered by the
// row player's mix and then the column player's, each compared lexicographically with larger
// probabilities of earlier strategies first (so the pure profile (1, 1), if an equilibrium, comes
// first). Throws GameError if the game does not have two players or is too large.
std::vector<Equilibrium> EnumMixed(const NormalFormGame& game, const EnumMixedOptions& options = {});

// Returns the number of candidate bases per polytope, C(m+n, m) - 1 (saturating at 1e300).
double EnumMixedBases(int rows, int columns);

// Returns whether profile `a` comes before `b` in EnumMixed's order: player by player, strategy by
// strategy, the larger probability first.
bool ExactOrderBefore(const ExactProfile& a, const ExactProfile& b);

// Sorts exact equilibria into the order EnumMixed uses and removes duplicates.
void SortExactEquilibria(std::vector<Equilibrium>& equilibria);

}  // namespace reesim::games
