#include "games/lcp.h"

#include <algorithm>
#include <optional>
#include <string>

#include "games/check.h"
#include "games/enummixed.h"

namespace reesim::games {

namespace {

// A tableau for rows of  slack + M z = 1: variables are numbered by their label (0 .. m+n-1), the
// slacks being `slack_first .. slack_first + rows - 1`. Stored as B^-1 [I M | 1] for the current basis.
class Tableau {
 public:
  Tableau(int rows, int num_vars, int slack_first)
      : rows_(rows), num_vars_(num_vars), slack_first_(slack_first),
        cells_(rows, std::vector<Rational>(num_vars + 1, Rational(0))), basis_(rows) {
    for (int r = 0; r < rows; ++r) {
      cells_[r][slack_first + r] = 1;
      cells_[r][num_vars] = 1;
      basis_[r] = slack_first + r;
    }
  }

  void Set(int row, int var, const Rational& value) { cells_[row][var] = value; }

  bool IsBasic(int var) const { return std::find(basis_.begin(), basis_.end(), var) != basis_.end(); }

  // Brings `var` into the basis by the lexicographic minimum-ratio test; returns the leaving variable.
  int Pivot(int var) {
    int best = -1;
    for (int r = 0; r < rows_; ++r) {
      if (cells_[r][var] <= 0) continue;
      if (best < 0 || LexicographicallySmaller(r, best, var)) best = r;
    }
    // A and B are shifted to be positive, so the path never leaves along an unbounded ray.
    GAMES_CHECK_GE(best, 0);
    const int leaving = basis_[best];
    const Rational pivot = cells_[best][var];
    for (Rational& cell : cells_[best]) cell /= pivot;
    for (int r = 0; r < rows_; ++r) {
      if (r == best || cells_[r][var] == 0) continue;
      const Rational factor = cells_[r][var];
      for (int c = 0; c <= num_vars_; ++c) {
        if (cells_[best][c] != 0) cells_[r][c] -= factor * cells_[best][c];
      }
    }
    basis_[best] = var;
    return leaving;
  }

  // Returns the value of `var` in the current basic solution.
  Rational Value(int var) const {
    for (int r = 0; r < rows_; ++r) {
      if (basis_[r] == var) return cells_[r][num_vars_];
    }
    return Rational(0);
  }

 private:
  // Compares rows r and s by (rhs, B^-1 row) / entering coefficient, lexicographically. The columns of
  // B^-1 are the slack columns; its rows are independent, so two rows never tie.
  bool LexicographicallySmaller(int r, int s, int var) const {
    const Rational& dr = cells_[r][var];
    const Rational& ds = cells_[s][var];
    const Rational left = cells_[r][num_vars_] * ds;
    const Rational right = cells_[s][num_vars_] * dr;
    if (left != right) return left < right;
    for (int c = slack_first_; c < slack_first_ + rows_; ++c) {
      const Rational l = cells_[r][c] * ds;
      const Rational rr = cells_[s][c] * dr;
      if (l != rr) return l < rr;
    }
    GAMES_CHECK(false);
    return false;
  }

  int rows_;
  int num_vars_;
  int slack_first_;
  std::vector<std::vector<Rational>> cells_;
  std::vector<int> basis_;
};

}  // namespace

std::optional<Equilibrium> LemkeHowsonFrom(const NormalFormGame& game, int label, const LcpOptions& options) {
  if (game.NumPlayers() != 2) {
    throw GameError("lcp solves two-player games; this game has " + std::to_string(game.NumPlayers()) +
                    " players (use pure for all pure equilibria, liap for one approximate equilibrium)");
  }
  const int m = game.NumStrategies(0);
  const int n = game.NumStrategies(1);
  GAMES_CHECK(label >= 0 && label < m + n);
  const Rational min_payoff = game.MinPayoff();
  // Tableau 1 (rows = row strategies): r_i + sum_j A'_ij y_j = 1; r_i has label i, y_j label m + j.
  // Tableau 2 (rows = column strategies): s_j + sum_i B'_ij x_i = 1; x_i has label i, s_j label m + j.
  Tableau first(m, m + n, /*slack_first=*/0);
  Tableau second(n, m + n, /*slack_first=*/m);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      const std::int64_t profile = i + static_cast<std::int64_t>(m) * j;
      first.Set(i, m + j, game.Payoff(profile, 0) - min_payoff + 1);
      second.Set(j, i, game.Payoff(profile, 1) - min_payoff + 1);
    }
  }
  // x_label (label < m) lives in the second tableau, y (label >= m) in the first.
  bool in_first = label >= m;
  int entering = label;
  for (int pivots = 0;; ++pivots) {
    if (pivots >= options.max_pivots) return std::nullopt;
    Tableau& tableau = in_first ? first : second;
    GAMES_CHECK(!tableau.IsBasic(entering));
    const int leaving = tableau.Pivot(entering);
    if (leaving == label) break;
    entering = leaving;  // its complement has the same label, in the other tableau
    in_first = !in_first;
  }
  ExactProfile profile(2);
  Rational sum_x(0), sum_y(0);
  for (int i = 0; i < m; ++i) {
    profile[0].push_back(second.Value(i));
    sum_x += profile[0].back();
  }
  for (int j = 0; j < n; ++j) {
    profile[1].push_back(first.Value(m + j));
    sum_y += profile[1].back();
  }
  GAMES_CHECK(sum_x > 0 && sum_y > 0);
  for (Rational& v : profile[0]) v /= sum_x;
  for (Rational& v : profile[1]) v /= sum_y;
  Equilibrium equilibrium = MakeExactEquilibrium(game, std::move(profile));
  GAMES_CHECK_EQ(equilibrium.regret, 0.0);
  return equilibrium;
}

LcpResult LemkeHowson(const NormalFormGame& game, const LcpOptions& options) {
  if (game.NumPlayers() != 2) {
    throw GameError("lcp solves two-player games; this game has " + std::to_string(game.NumPlayers()) +
                    " players (use pure for all pure equilibria, liap for one approximate equilibrium)");
  }
  const int labels = game.NumStrategies(0) + game.NumStrategies(1);
  std::vector<std::pair<Equilibrium, int>> found;
  LcpResult result;
  for (int label = 0; label < labels; ++label) {
    std::optional<Equilibrium> equilibrium = LemkeHowsonFrom(game, label, options);
    if (!equilibrium) {
      ++result.abandoned_paths;
      continue;
    }
    const bool seen = std::any_of(found.begin(), found.end(),
                                  [&](const auto& other) { return *other.first.exact == *equilibrium->exact; });
    if (!seen) found.emplace_back(std::move(*equilibrium), label);
  }
  std::vector<std::size_t> order(found.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ExactOrderBefore(*found[a].first.exact, *found[b].first.exact);
  });
  for (const std::size_t k : order) {
    result.equilibria.push_back(std::move(found[k].first));
    result.found_from.push_back(found[k].second);
  }
  return result;
}

}  // namespace reesim::games
