// Characteristic-function (transferable-utility) games: Shapley values and the least core.
//
// A game on players 0..n-1 gives every coalition S (a bit mask, bit i for player i) a value v(S), with
// v(empty) = 0.
// - Shapley value (Shapley 1953): phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! *
//   (v(S + i) - v(S)), computed exactly by this subset formula, O(n 2^n), up to
//   kMaxExactShapleyPlayers players; above that, estimated by Monte Carlo over random orders of the
//   players (Castro, Gomez & Tejada, Computers & OR 36, 2009), each order drawn by a Fisher-Yates shuffle
//   from the counter-based stream keyed by (seed, sample), so a seed fixes the estimate.
// - Least core (Maschler, Peleg & Shapley 1979), one LP (GLPK): minimise e subject to
//   sum_{i in S} x_i >= v(S) - e for every coalition S other than the empty one and N, and
//   sum_i x_i = v(N). The core is non-empty iff the optimal e <= 0 (within a tolerance).
// Source for the definitions and the ice-cream example: Chalkiadakis, Elkind & Wooldridge,
// "Computational Aspects of Cooperative Game Theory", 2011, ch. 2.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace reesim::games {

inline constexpr int kMaxExactShapleyPlayers = 20;  // 2^20 coalitions
inline constexpr int kMaxLeastCorePlayers = 16;      // 65,534 LP rows
inline constexpr int kMaxCoalitionPlayers = 63;

using CoalitionValue = std::function<double(std::uint64_t coalition)>;

class CoalitionalGame {
 public:
  // Creates a game from its table of values, values[mask] = v(mask), 2^players entries, values[0] = 0.
  // Throws GameError on a wrong size, a nonzero empty coalition, or more than kMaxExactShapleyPlayers.
  CoalitionalGame(std::vector<std::string> players, std::vector<double> values);

  int NumPlayers() const { return static_cast<int>(players_.size()); }
  const std::vector<std::string>& players() const { return players_; }
  double Value(std::uint64_t coalition) const { return values_[coalition]; }

 private:
  std::vector<std::string> players_;
  std::vector<double> values_;
};

// Returns every player's Shapley value by the exact subset formula.
std::vector<double> ShapleyValues(const CoalitionalGame& game);

struct ShapleyOptions {
  int exact_up_to = kMaxExactShapleyPlayers;  // players; above this, Monte Carlo
  std::int64_t samples = 20000;               // random orders for Monte Carlo
  std::uint64_t seed = 1;
};

// Returns Shapley values of a game given as a function of the coalition mask: exact when
// players <= options.exact_up_to, otherwise the Monte Carlo estimate. Throws GameError when players is
// outside 1..kMaxCoalitionPlayers or samples < 1.
std::vector<double> ShapleyValues(int players, const CoalitionValue& value, const ShapleyOptions& options = {});

// Returns the Monte Carlo estimate over `samples` random orders keyed by `seed`.
std::vector<double> MonteCarloShapleyValues(int players, const CoalitionValue& value, std::int64_t samples,
                                            std::uint64_t seed);

struct LeastCore {
  double epsilon = 0;              // the least e
  std::vector<double> allocation;  // an allocation in the least core
  bool core_nonempty = false;      // epsilon <= tolerance
};

// Solves the least-core LP. Throws GameError above kMaxLeastCorePlayers players or if GLPK fails.
LeastCore LeastCoreOf(const CoalitionalGame& game, double tolerance = 1e-9);

}  // namespace reesim::games
