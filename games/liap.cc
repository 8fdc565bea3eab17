#include "games/liap.h"

#include <algorithm>
#include <cmath>

#include "games/polish.h"
#include "games/random.h"
#include "games/regret.h"

namespace reesim::games {

namespace {

// Euclidean projection of v onto the probability simplex (sort-based: Held, Wolfe & Crowder 1974).
void ProjectOntoSimplex(std::vector<double>& v) {
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double cumulative = 0;
  double theta = 0;
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    cumulative += sorted[k];
    const double candidate = (cumulative - 1) / static_cast<double>(k + 1);
    if (sorted[k] - candidate > 0) theta = candidate;
  }
  for (double& x : v) x = std::max(0.0, x - theta);
}

// L and its gradient with respect to every s_kl.
double ValueAndGradient(const NormalFormGame& game, const MixedProfile& profile, double scale,
                        MixedProfile* gradient) {
  const int n = game.NumPlayers();
  const auto values = StrategyPayoffs(game, profile);
  std::vector<double> payoffs(n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < game.NumStrategies(i); ++j) payoffs[i] += profile[i][j] * values[i][j];
  }
  double value = 0;
  std::vector<std::vector<double>> excess(n);
  std::vector<double> total_excess(n, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      const double e = std::max(0.0, (values[i][j] - payoffs[i]) / scale);
      excess[i].push_back(e);
      total_excess[i] += e;
      value += e * e;
    }
  }
  if (gradient == nullptr) return value;
  const auto d = StrategyPayoffJacobian(game, profile);
  const std::vector<int> offsets = StrategyOffsets(game);
  *gradient = profile;
  for (int k = 0; k < n; ++k) {
    for (int l = 0; l < game.NumStrategies(k); ++l) {
      double g = 0;
      for (int i = 0; i < n; ++i) {
        if (total_excess[i] == 0) continue;
        // d u_i / d s_kl: u_il when k == i, else sum_j s_ij d u_ij / d s_kl.
        double du_i = 0;
        if (k == i) {
          du_i = values[i][l];
        } else {
          for (int j = 0; j < game.NumStrategies(i); ++j) du_i += profile[i][j] * d[offsets[i] + j][offsets[k] + l];
        }
        double sum = -total_excess[i] * du_i;
        if (k != i) {
          for (int j = 0; j < game.NumStrategies(i); ++j) sum += excess[i][j] * d[offsets[i] + j][offsets[k] + l];
        }
        g += 2 * sum / scale;
      }
      (*gradient)[k][l] = g;
    }
  }
  return value;
}

// Projected gradient descent from `profile`; returns the last point.
MixedProfile Descend(const NormalFormGame& game, MixedProfile profile, double scale, int max_iterations) {
  MixedProfile gradient;
  double value = ValueAndGradient(game, profile, scale, &gradient);
  double step = 1.0;
  for (int iteration = 0; iteration < max_iterations && value > 1e-24; ++iteration) {
    bool improved = false;
    for (int tries = 0; tries < 60; ++tries) {
      MixedProfile next = profile;
      double decrease = 0;  // the Armijo model: gradient . (profile - next)
      for (std::size_t i = 0; i < next.size(); ++i) {
        for (std::size_t j = 0; j < next[i].size(); ++j) next[i][j] -= step * gradient[i][j];
        ProjectOntoSimplex(next[i]);
        for (std::size_t j = 0; j < next[i].size(); ++j) decrease += gradient[i][j] * (profile[i][j] - next[i][j]);
      }
      const double next_value = ValueAndGradient(game, next, scale, nullptr);
      if (next_value <= value - 1e-4 * decrease && next_value < value) {
        profile = std::move(next);
        value = ValueAndGradient(game, profile, scale, &gradient);
        step *= 2;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return profile;
}

MixedProfile RandomStart(const NormalFormGame& game, std::uint64_t seed, int start) {
  MixedProfile profile(game.NumPlayers());
  std::uint64_t key = 0;
  for (int i = 0; i < game.NumPlayers(); ++i) {
    double sum = 0;
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      // Exponential draws, normalised: uniform on the simplex.
      const double e = -std::log(1.0 - DrawUnit(seed, static_cast<std::uint64_t>(start), key++, /*c=*/0x6C696170));
      profile[i].push_back(e);
      sum += e;
    }
    for (double& p : profile[i]) p /= sum;
  }
  return profile;
}

}  // namespace

double LyapunovValue(const NormalFormGame& game, const MixedProfile& profile) {
  return ValueAndGradient(game, profile, game.PayoffScale(), nullptr);
}

LiapResult Liap(const NormalFormGame& game, const LiapOptions& options) {
  const double scale = game.PayoffScale();
  LiapResult result;
  bool have = false;
  for (int start = 0; start < std::max(1, options.max_starts); ++start) {
    const MixedProfile initial = start == 0 ? UniformProfile(game) : RandomStart(game, options.seed, start);
    MixedProfile profile = Descend(game, initial, scale, options.max_iterations);
    if (std::optional<MixedProfile> polished = PolishEquilibrium(game, profile)) profile = std::move(*polished);
    Equilibrium candidate = MakeEquilibrium(game, std::move(profile));
    result.starts = start + 1;
    if (!have || candidate.regret < result.equilibrium.regret) {
      result.equilibrium = std::move(candidate);
      have = true;
    }
    if (result.equilibrium.regret <= options.tolerance * scale) {
      result.converged = true;
      break;
    }
  }
  return result;
}

}  // namespace reesim::games
