// A finite game in normal (strategic) form: N players, each with a finite list of labelled pure
// strategies, and every player's payoff at every pure profile, stored exactly (GMP rationals) and as
// doubles. Profiles are indexed in Gambit's order (player 1's strategy changes fastest): the 0-based
// index of (s1, ..., sN) is s1 + n1 * (s2 + n2 * (s3 + ...)).
//
// This is the core interface of the games library: every solver (games/*.h) takes a NormalFormGame and
// returns Equilibrium values (games/equilibrium.h). Sources: Gambit's table games (McKelvey, McLennan &
// Turocy, "Gambit: Software Tools for Game Theory"); OpenSpiel's NormalFormGame.
//
// Limits: at most kMaxPlayers players and kMaxPayoffEntries payoffs (profiles x players) in total, so
// a game always fits in memory comfortably (each exact payoff is a heap-allocated GMP rational).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "games/game_error.h"
#include "games/rational.h"

namespace reesim::games {

inline constexpr int kMaxPlayers = 32;
inline constexpr std::int64_t kMaxPayoffEntries = 4'000'000;

// A mixed strategy per player: strategies[i][j] is the probability player i plays strategy j.
using MixedProfile = std::vector<std::vector<double>>;
using ExactProfile = std::vector<std::vector<Rational>>;

class NormalFormGame {
 public:
  // Creates a game with these players and strategy labels, every payoff 0. Throws GameError if there
  // are no players, more than kMaxPlayers, a player without strategies, or more than kMaxPayoffEntries
  // payoffs.
  NormalFormGame(std::vector<std::string> players, std::vector<std::vector<std::string>> strategies);

  // Creates a game whose strategies are labelled "1", "2", ... (as Gambit does for counts).
  static NormalFormGame WithCounts(std::vector<std::string> players, const std::vector<int>& counts);

  // Creates a two-player game from the row player's matrix `a` and the column player's `b` (same shape,
  // a[row][column]); players "1" and "2". Throws GameError on ragged or mismatched matrices.
  static NormalFormGame Bimatrix(const std::vector<std::vector<Rational>>& a, const std::vector<std::vector<Rational>>& b);

  int NumPlayers() const { return static_cast<int>(players_.size()); }
  int NumStrategies(int player) const { return counts_[player]; }
  const std::vector<int>& StrategyCounts() const { return counts_; }
  // Returns the total number of pure strategies, summed over players.
  int TotalStrategies() const;
  std::int64_t NumProfiles() const { return num_profiles_; }
  // Returns how far the profile index moves when `player`'s strategy increases by one.
  std::int64_t Stride(int player) const { return strides_[player]; }

  // Returns the index of a pure profile (one strategy per player).
  std::int64_t ProfileIndex(const std::vector<int>& profile) const;
  // Returns the pure profile at an index.
  std::vector<int> ProfileAt(std::int64_t index) const;

  const Rational& Payoff(std::int64_t profile, int player) const { return exact_[Slot(profile, player)]; }
  double PayoffDouble(std::int64_t profile, int player) const { return doubles_[Slot(profile, player)]; }
  void SetPayoff(std::int64_t profile, int player, const Rational& value);
  // Sets a payoff to a finite double, exactly (a double is a rational): cheaper than SetPayoff, whose
  // rounding to the nearest double is not needed here.
  void SetPayoffFromDouble(std::int64_t profile, int player, double value);

  // Returns player `player`'s payoffs in a two-player game as a matrix [row strategy][column strategy].
  std::vector<std::vector<Rational>> PayoffMatrix(int player) const;

  // The smallest and largest payoff of any player (exact and as doubles), and their difference.
  Rational MinPayoff() const;
  Rational MaxPayoff() const;
  // Returns max - min payoff, or 1 when every payoff is equal (a scale for tolerances that is never 0).
  double PayoffScale() const;

  const std::string& title() const { return title_; }
  void set_title(std::string title) { title_ = std::move(title); }
  const std::string& comment() const { return comment_; }
  void set_comment(std::string comment) { comment_ = std::move(comment); }
  const std::vector<std::string>& players() const { return players_; }
  const std::vector<std::vector<std::string>>& strategies() const { return strategies_; }

  // Equal when titles, comments, labels and every exact payoff are equal.
  bool operator==(const NormalFormGame& other) const;

 private:
  std::size_t Slot(std::int64_t profile, int player) const {
    return static_cast<std::size_t>(profile) * players_.size() + static_cast<std::size_t>(player);
  }

  std::string title_;
  std::string comment_;
  std::vector<std::string> players_;
  std::vector<std::vector<std::string>> strategies_;
  std::vector<int> counts_;
  std::vector<std::int64_t> strides_;
  std::int64_t num_profiles_ = 0;
  std::vector<Rational> exact_;  // [profile * players + player]
  std::vector<double> doubles_;  // the same, rounded to nearest double
};

// Returns the profile where every player mixes uniformly over all its strategies.
MixedProfile UniformProfile(const NormalFormGame& game);

}  // namespace reesim::games
