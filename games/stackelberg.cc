#include "games/stackelberg.h"

#include <string>

#include "games/check.h"
#include "games/linear_program.h"

namespace reesim::games {

namespace {

// The profile reached when players `player`, ..., N-1 commit in turn after `prefix` (the first `player`
// strategies, already in `index`).
std::int64_t Outcome(const NormalFormGame& game, int player, std::int64_t index) {
  if (player == game.NumPlayers()) return index;
  std::int64_t best = -1;
  for (int s = 0; s < game.NumStrategies(player); ++s) {
    const std::int64_t outcome = Outcome(game, player + 1, index + s * game.Stride(player));
    if (best < 0) {
      best = outcome;
      continue;
    }
    const Rational& mine = game.Payoff(outcome, player);
    const Rational& best_mine = game.Payoff(best, player);
    if (mine > best_mine || (player > 0 && mine == best_mine && game.Payoff(outcome, 0) > game.Payoff(best, 0))) {
      best = outcome;
    }
  }
  return best;
}

}  // namespace

PureCommitment OptimalPureCommitment(const NormalFormGame& game) {
  const std::int64_t outcome = Outcome(game, /*player=*/0, /*index=*/0);
  PureCommitment commitment;
  commitment.profile = game.ProfileAt(outcome);
  for (int i = 0; i < game.NumPlayers(); ++i) commitment.payoffs.push_back(game.Payoff(outcome, i));
  return commitment;
}

MixedCommitment OptimalMixedCommitment(const NormalFormGame& game) {
  if (game.NumPlayers() != 2) {
    throw GameError("the mixed Stackelberg commitment is for two-player games; this game has " +
                    std::to_string(game.NumPlayers()) + " players (the pure commitment handles any number)");
  }
  const int m = game.NumStrategies(0);
  const int n = game.NumStrategies(1);
  auto a = [&](int i, int j) { return game.PayoffDouble(i + static_cast<std::int64_t>(m) * j, 0); };
  auto b = [&](int i, int j) { return game.PayoffDouble(i + static_cast<std::int64_t>(m) * j, 1); };
  bool found = false;
  MixedCommitment best;
  const double tie = 1e-9 * game.PayoffScale();
  for (int j = 0; j < n; ++j) {
    LinearProgram lp;
    lp.maximize = true;
    for (int i = 0; i < m; ++i) {
      lp.objective.push_back(a(i, j));
      lp.lower.push_back(0);
      lp.upper.push_back(kLpInfinity);
    }
    for (int k = 0; k < n; ++k) {
      if (k == j) continue;
      LinearProgram::Row row;
      for (int i = 0; i < m; ++i) row.coefficients.emplace_back(i, b(i, j) - b(i, k));
      row.lower = 0;
      lp.rows.push_back(std::move(row));
    }
    LinearProgram::Row sum;
    for (int i = 0; i < m; ++i) sum.coefficients.emplace_back(i, 1.0);
    sum.lower = sum.upper = 1;
    lp.rows.push_back(std::move(sum));
    const LpSolution solution = SolveLinearProgram(lp);
    if (solution.status == LpSolution::Status::kInfeasible) continue;  // j is never a best response
    if (solution.status != LpSolution::Status::kOptimal) {
      throw GameError("the Stackelberg LP for follower strategy " + std::to_string(j + 1) + " failed in GLPK");
    }
    if (found && solution.objective <= best.leader_value + tie) continue;
    found = true;
    best.leader_mix = solution.x;
    best.follower_strategy = j;
    best.leader_value = solution.objective;
    best.follower_value = 0;
    for (int i = 0; i < m; ++i) best.follower_value += solution.x[i] * b(i, j);
  }
  GAMES_CHECK(found);  // some follower strategy is a best response to every mix
  return best;
}

}  // namespace reesim::games
