#include "games/coalitions.h"

#include <numeric>
#include <string>

#include "games/check.h"
#include "games/game_error.h"
#include "games/linear_program.h"
#include "games/random.h"

namespace reesim::games {

CoalitionalGame::CoalitionalGame(std::vector<std::string> players, std::vector<double> values)
    : players_(std::move(players)), values_(std::move(values)) {
  if (players_.empty() || players_.size() > static_cast<std::size_t>(kMaxExactShapleyPlayers)) {
    throw GameError("a coalitional game given by its table needs 1 to " + std::to_string(kMaxExactShapleyPlayers) +
                    " players, got " + std::to_string(players_.size()));
  }
  if (values_.size() != (std::size_t{1} << players_.size())) {
    throw GameError("a coalitional game of " + std::to_string(players_.size()) + " players needs " +
                    std::to_string(std::size_t{1} << players_.size()) + " values, got " + std::to_string(values_.size()));
  }
  if (values_[0] != 0) throw GameError("the empty coalition's value must be 0");
}

std::vector<double> ShapleyValues(const CoalitionalGame& game) {
  return ShapleyValues(game.NumPlayers(), [&](std::uint64_t s) { return game.Value(s); });
}

std::vector<double> ShapleyValues(int players, const CoalitionValue& value, const ShapleyOptions& options) {
  if (players < 1 || players > kMaxCoalitionPlayers) {
    throw GameError("Shapley values need 1 to " + std::to_string(kMaxCoalitionPlayers) + " players, got " +
                    std::to_string(players));
  }
  if (players > options.exact_up_to || players > kMaxExactShapleyPlayers) {
    return MonteCarloShapleyValues(players, value, options.samples, options.seed);
  }
  const int n = players;
  // weight[s] = s! (n - s - 1)! / n! = 1 / (n * C(n - 1, s)).
  std::vector<double> weight(n);
  double binomial = 1;  // C(n - 1, s), exact in doubles for n <= 20
  for (int s = 0; s < n; ++s) {
    weight[s] = 1.0 / (n * binomial);
    binomial = binomial * (n - 1 - s) / (s + 1);
  }
  const std::uint64_t count = std::uint64_t{1} << n;
  std::vector<double> table(count);
  for (std::uint64_t s = 0; s < count; ++s) table[s] = value(s);
  std::vector<double> phi(n, 0.0);
  for (std::uint64_t s = 0; s < count; ++s) {
    const int size = __builtin_popcountll(s);
    if (size == n) continue;
    for (int i = 0; i < n; ++i) {
      if (s & (std::uint64_t{1} << i)) continue;
      phi[i] += weight[size] * (table[s | (std::uint64_t{1} << i)] - table[s]);
    }
  }
  return phi;
}

std::vector<double> MonteCarloShapleyValues(int players, const CoalitionValue& value, std::int64_t samples,
                                            std::uint64_t seed) {
  if (players < 1 || players > kMaxCoalitionPlayers) {
    throw GameError("Shapley values need 1 to " + std::to_string(kMaxCoalitionPlayers) + " players, got " +
                    std::to_string(players));
  }
  if (samples < 1) throw GameError("Monte Carlo Shapley values need at least one sample");
  std::vector<double> phi(players, 0.0);
  std::vector<int> order(players);
  for (std::int64_t sample = 0; sample < samples; ++sample) {
    std::iota(order.begin(), order.end(), 0);
    for (int k = players - 1; k > 0; --k) {  // Fisher-Yates, keyed by (seed, sample, position)
      const int swap_with = static_cast<int>(DrawBelow(static_cast<std::uint64_t>(k) + 1, seed,
                                                       static_cast<std::uint64_t>(sample), static_cast<std::uint64_t>(k),
                                                       /*c=*/0x5368));
      std::swap(order[k], order[swap_with]);
    }
    std::uint64_t coalition = 0;
    double previous = value(0);
    for (const int i : order) {
      coalition |= std::uint64_t{1} << i;
      const double current = value(coalition);
      phi[i] += current - previous;
      previous = current;
    }
  }
  for (double& p : phi) p /= static_cast<double>(samples);
  return phi;
}

LeastCore LeastCoreOf(const CoalitionalGame& game, double tolerance) {
  const int n = game.NumPlayers();
  if (n > kMaxLeastCorePlayers) {
    throw GameError("the least-core LP has one row per coalition: at most " + std::to_string(kMaxLeastCorePlayers) +
                    " players, got " + std::to_string(n));
  }
  LinearProgram lp;
  lp.maximize = false;
  for (int i = 0; i <= n; ++i) {  // x_0 .. x_{n-1}, then e (all free)
    lp.objective.push_back(i == n ? 1.0 : 0.0);
    lp.lower.push_back(-kLpInfinity);
    lp.upper.push_back(kLpInfinity);
  }
  const std::uint64_t grand = (std::uint64_t{1} << n) - 1;
  for (std::uint64_t s = 1; s < grand; ++s) {
    LinearProgram::Row row;
    for (int i = 0; i < n; ++i) {
      if (s & (std::uint64_t{1} << i)) row.coefficients.emplace_back(i, 1.0);
    }
    row.coefficients.emplace_back(n, 1.0);
    row.lower = game.Value(s);
    lp.rows.push_back(std::move(row));
  }
  LinearProgram::Row all;
  for (int i = 0; i < n; ++i) all.coefficients.emplace_back(i, 1.0);
  all.lower = all.upper = game.Value(grand);
  lp.rows.push_back(std::move(all));
  const LpSolution solution = SolveLinearProgram(lp);
  if (solution.status != LpSolution::Status::kOptimal) {
    // With n = 1 there are no coalition rows and e is unbounded below: the core is {v(N)}.
    if (n == 1 && solution.status == LpSolution::Status::kUnbounded) {
      return LeastCore{0.0, {game.Value(grand)}, true};
    }
    throw GameError("the least-core LP failed in GLPK");
  }
  LeastCore result;
  result.epsilon = solution.objective;
  result.allocation.assign(solution.x.begin(), solution.x.begin() + n);
  result.core_nonempty = result.epsilon <= tolerance;
  return result;
}

}  // namespace reesim::games
