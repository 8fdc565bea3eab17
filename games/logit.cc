#include "games/logit.h"

#include <cmath>

#include "games/linear_solve.h"
#include "games/polish.h"
#include "games/regret.h"

namespace reesim::games {

namespace {

struct Curve {
  const NormalFormGame& game;
  double scale;
  std::vector<int> offsets;
  int size;  // unknowns b; the point has size + 1 coordinates (b, lambda)

  MixedProfile Profile(const std::vector<double>& x) const {
    MixedProfile profile(game.NumPlayers());
    for (int i = 0; i < game.NumPlayers(); ++i) {
      for (int j = 0; j < game.NumStrategies(i); ++j) profile[i].push_back(std::exp(x[offsets[i] + j]));
    }
    return profile;
  }

  // H(x) and its Jacobian (size x (size + 1)).
  void Evaluate(const std::vector<double>& x, std::vector<double>& h, std::vector<std::vector<double>>& jacobian) const {
    const MixedProfile profile = Profile(x);
    const auto values = StrategyPayoffs(game, profile);
    const auto d = StrategyPayoffJacobian(game, profile);
    const double lambda = x[size];
    h.assign(size, 0.0);
    jacobian.assign(size, std::vector<double>(size + 1, 0.0));
    for (int i = 0; i < game.NumPlayers(); ++i) {
      const int o = offsets[i];
      double sum = -1;
      for (int j = 0; j < game.NumStrategies(i); ++j) {
        sum += profile[i][j];
        jacobian[o][o + j] = profile[i][j];
      }
      h[o] = sum;
      for (int j = 1; j < game.NumStrategies(i); ++j) {
        const double gap = (values[i][j] - values[i][0]) / scale;
        h[o + j] = x[o + j] - x[o] - lambda * gap;
        std::vector<double>& row = jacobian[o + j];
        row[o + j] += 1;
        row[o] -= 1;
        for (int k = 0; k < game.NumPlayers(); ++k) {
          if (k == i) continue;
          for (int l = 0; l < game.NumStrategies(k); ++l) {
            const double dgap = (d[o + j][offsets[k] + l] - d[o][offsets[k] + l]) / scale;
            row[offsets[k] + l] -= lambda * dgap * profile[k][l];
          }
        }
        row[size] = -gap;
      }
    }
  }
};

double Norm(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x * x;
  return std::sqrt(sum);
}

// The unit tangent at x continuing `previous`: solves [J; previous^T] t = e_last.
std::optional<std::vector<double>> Tangent(const std::vector<std::vector<double>>& jacobian,
                                           const std::vector<double>& previous) {
  std::vector<std::vector<double>> a = jacobian;
  a.push_back(previous);
  std::vector<double> b(previous.size(), 0.0);
  b.back() = 1;
  std::optional<std::vector<double>> t = SolveLinear(std::move(a), std::move(b), 1e-15);
  if (!t) return std::nullopt;
  const double norm = Norm(*t);
  if (!(norm > 0) || !std::isfinite(norm)) return std::nullopt;
  for (double& v : *t) v /= norm;
  return t;
}

}  // namespace

LogitResult LogitPath(const NormalFormGame& game, const LogitOptions& options) {
  const std::vector<int> offsets = StrategyOffsets(game);
  const Curve curve{game, game.PayoffScale(), offsets, offsets.back()};
  const int size = curve.size;
  std::vector<double> x(size + 1, 0.0);
  for (int i = 0; i < game.NumPlayers(); ++i) {
    for (int j = 0; j < game.NumStrategies(i); ++j) x[offsets[i] + j] = -std::log(static_cast<double>(game.NumStrategies(i)));
  }
  LogitResult result;
  result.path.push_back({0.0, curve.Profile(x)});
  std::vector<double> h;
  std::vector<std::vector<double>> jacobian;
  curve.Evaluate(x, h, jacobian);
  std::vector<double> tangent(size + 1, 0.0);
  tangent[size] = 1;  // lambda increasing
  {
    const auto t = Tangent(jacobian, tangent);
    if (t) tangent = *t;
  }
  double step = options.first_step;
  int accepted = 0;
  while (accepted < options.max_steps && x[size] < options.max_lambda) {
    if (step < 1e-12) break;  // cannot continue
    std::vector<double> predicted(size + 1);
    for (int k = 0; k <= size; ++k) predicted[k] = x[k] + step * tangent[k];
    // Corrector: Newton on H = 0 and tangent . (y - predicted) = 0.
    std::vector<double> y = predicted;
    bool converged = false;
    int iterations = 0;
    double previous_change = HUGE_VAL;
    for (; iterations < 10; ++iterations) {
      curve.Evaluate(y, h, jacobian);
      std::vector<std::vector<double>> a = jacobian;
      a.push_back(tangent);
      std::vector<double> rhs(size + 1);
      for (int k = 0; k < size; ++k) rhs[k] = -h[k];
      double along = 0;
      for (int k = 0; k <= size; ++k) along += tangent[k] * (y[k] - predicted[k]);
      rhs[size] = -along;
      const std::optional<std::vector<double>> delta = SolveLinear(std::move(a), std::move(rhs), 1e-15);
      if (!delta) break;
      const double change = Norm(*delta);
      if (!std::isfinite(change) || change > step || (iterations > 0 && change > 0.5 * previous_change + 1e-12)) break;
      for (int k = 0; k <= size; ++k) y[k] += (*delta)[k];
      previous_change = change;
      if (change <= 1e-10 * (1 + Norm(y))) {
        converged = true;
        ++iterations;
        break;
      }
    }
    if (!converged) {
      step /= 2;
      continue;
    }
    curve.Evaluate(y, h, jacobian);
    const std::optional<std::vector<double>> next_tangent = Tangent(jacobian, tangent);
    if (!next_tangent) {
      step /= 2;
      continue;
    }
    x = std::move(y);
    tangent = *next_tangent;
    ++accepted;
    if (options.record_every > 0 && accepted % options.record_every == 0) {
      result.path.push_back({x[size] / curve.scale, curve.Profile(x)});
    }
    if (iterations <= 3) step *= 2;
    else if (iterations >= 6) step /= 2;
  }
  if (result.path.back().lambda != x[size] / curve.scale) result.path.push_back({x[size] / curve.scale, curve.Profile(x)});
  result.reached_max_lambda = x[size] >= options.max_lambda;
  MixedProfile last = curve.Profile(x);
  for (auto& player : last) {  // renormalise the rounding of exp
    double sum = 0;
    for (const double p : player) sum += p;
    for (double& p : player) p /= sum;
  }
  if (std::optional<MixedProfile> polished = PolishEquilibrium(game, last)) last = std::move(*polished);
  result.limit = MakeEquilibrium(game, std::move(last));
  return result;
}

}  // namespace reesim::games
