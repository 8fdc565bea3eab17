#include "games/polish.h"

#include <algorithm>
#include <cmath>

#include "games/linear_solve.h"
#include "games/regret.h"

namespace reesim::games {

namespace {

// Newton's method on the support equations; returns the profile it converges to, if any.
std::optional<MixedProfile> NewtonOnSupport(const NormalFormGame& game, MixedProfile profile,
                                            const std::vector<std::vector<int>>& supports) {
  const int n = game.NumPlayers();
  const std::vector<int> offsets = StrategyOffsets(game);
  // Start from the profile restricted to the support, renormalised.
  for (int i = 0; i < n; ++i) {
    double sum = 0;
    for (const int j : supports[i]) sum += profile[i][j];
    const std::vector<double> start = profile[i];
    for (int j = 0; j < game.NumStrategies(i); ++j) profile[i][j] = 0;
    for (const int j : supports[i]) profile[i][j] = sum > 0 ? start[j] / sum : 1.0 / static_cast<double>(supports[i].size());
  }
  std::vector<std::pair<int, int>> unknowns;  // (player, strategy)
  for (int i = 0; i < n; ++i) {
    for (const int j : supports[i]) unknowns.emplace_back(i, j);
  }
  const std::size_t size = unknowns.size();
  const double scale = game.PayoffScale();
  for (int iteration = 0; iteration < 40; ++iteration) {
    const auto values = StrategyPayoffs(game, profile);
    std::vector<double> residual;
    std::vector<std::vector<double>> jacobian;
    const auto d = StrategyPayoffJacobian(game, profile);
    double norm = 0;
    for (int i = 0; i < n; ++i) {
      double sum = -1;
      for (const int j : supports[i]) sum += profile[i][j];
      residual.push_back(sum);
      std::vector<double> row(size, 0.0);
      for (std::size_t u = 0; u < size; ++u) row[u] = unknowns[u].first == i ? 1.0 : 0.0;
      jacobian.push_back(std::move(row));
      norm = std::max(norm, std::abs(sum));
      const int first = supports[i][0];
      for (std::size_t s = 1; s < supports[i].size(); ++s) {
        const int j = supports[i][s];
        const double r = (values[i][j] - values[i][first]) / scale;
        residual.push_back(r);
        norm = std::max(norm, std::abs(r));
        std::vector<double> jrow(size, 0.0);
        for (std::size_t u = 0; u < size; ++u) {
          const auto [k, l] = unknowns[u];
          if (k == i) continue;
          jrow[u] = (d[offsets[i] + j][offsets[k] + l] - d[offsets[i] + first][offsets[k] + l]) / scale;
        }
        jacobian.push_back(std::move(jrow));
      }
    }
    if (norm < 1e-15) break;
    const std::optional<std::vector<double>> step = SolveLinear(jacobian, residual);
    if (!step) return std::nullopt;
    double change = 0;
    for (std::size_t u = 0; u < size; ++u) {
      profile[unknowns[u].first][unknowns[u].second] -= (*step)[u];
      change = std::max(change, std::abs((*step)[u]));
    }
    if (!std::isfinite(change) || change > 10) return std::nullopt;
    if (change < 1e-16) break;
  }
  for (int i = 0; i < n; ++i) {
    for (double& p : profile[i]) {
      if (p < -1e-12) return std::nullopt;
      p = std::max(p, 0.0);
    }
  }
  return profile;
}

}  // namespace

std::optional<MixedProfile> PolishEquilibrium(const NormalFormGame& game, const MixedProfile& start) {
  const double start_regret = Regret(game, start);
  std::optional<MixedProfile> best;
  double best_regret = start_regret;
  for (const double threshold : {1e-2, 1e-4, 1e-6, 1e-9}) {
    std::vector<std::vector<int>> supports(game.NumPlayers());
    for (int i = 0; i < game.NumPlayers(); ++i) {
      for (int j = 0; j < game.NumStrategies(i); ++j) {
        if (start[i][j] > threshold) supports[i].push_back(j);
      }
      if (supports[i].empty()) {  // the largest probability, lowest index on ties
        supports[i].push_back(static_cast<int>(std::max_element(start[i].begin(), start[i].end()) - start[i].begin()));
      }
    }
    const std::optional<MixedProfile> polished = NewtonOnSupport(game, start, supports);
    if (!polished) continue;
    const double regret = Regret(game, *polished);
    if (regret < best_regret) {
      best_regret = regret;
      best = polished;
    }
  }
  return best;
}

}  // namespace reesim::games
