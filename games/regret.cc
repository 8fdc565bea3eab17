#include "games/regret.h"

#include <algorithm>
#include <cmath>

#include "games/check.h"

namespace reesim::games {

namespace {

template <typename T>
void CheckShape(const NormalFormGame& game, const std::vector<std::vector<T>>& profile) {
  GAMES_CHECK_EQ(profile.size(), static_cast<std::size_t>(game.NumPlayers()));
  for (int i = 0; i < game.NumPlayers(); ++i) GAMES_CHECK_EQ(profile[i].size(), static_cast<std::size_t>(game.NumStrategies(i)));
}

// One pass over the pure profiles in index order (player 1 fastest), each player's weight being the
// product of the others' probabilities (prefix and suffix products, so no division).
template <typename T, typename PayoffOf>
std::vector<std::vector<T>> StrategyPayoffsImpl(const NormalFormGame& game, const std::vector<std::vector<T>>& profile,
                                                PayoffOf payoff_of) {
  CheckShape(game, profile);
  const int n = game.NumPlayers();
  std::vector<std::vector<T>> values(n);
  for (int i = 0; i < n; ++i) values[i].assign(game.NumStrategies(i), T(0));
  std::vector<int> pure(n, 0);
  std::vector<T> prefix(n + 1), suffix(n + 1);
  for (std::int64_t index = 0; index < game.NumProfiles(); ++index) {
    prefix[0] = T(1);
    for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] * profile[i][pure[i]];
    suffix[n] = T(1);
    for (int i = n - 1; i >= 0; --i) suffix[i] = suffix[i + 1] * profile[i][pure[i]];
    for (int i = 0; i < n; ++i) {
      const T weight = prefix[i] * suffix[i + 1];
      if (weight != 0) values[i][pure[i]] += weight * payoff_of(index, i);
    }
    for (int i = 0; i < n; ++i) {  // the odometer, player 1 fastest
      if (++pure[i] < game.NumStrategies(i)) break;
      pure[i] = 0;
    }
  }
  return values;
}

template <typename T>
std::vector<T> ExpectedFrom(const std::vector<std::vector<T>>& profile, const std::vector<std::vector<T>>& values) {
  std::vector<T> payoffs(profile.size(), T(0));
  for (std::size_t i = 0; i < profile.size(); ++i) {
    for (std::size_t j = 0; j < profile[i].size(); ++j) payoffs[i] += profile[i][j] * values[i][j];
  }
  return payoffs;
}

}  // namespace

std::vector<std::vector<double>> StrategyPayoffs(const NormalFormGame& game, const MixedProfile& profile) {
  return StrategyPayoffsImpl(game, profile, [&](std::int64_t index, int i) { return game.PayoffDouble(index, i); });
}

std::vector<std::vector<Rational>> StrategyPayoffs(const NormalFormGame& game, const ExactProfile& profile) {
  return StrategyPayoffsImpl(game, profile, [&](std::int64_t index, int i) { return game.Payoff(index, i); });
}

std::vector<double> ExpectedPayoffs(const NormalFormGame& game, const MixedProfile& profile) {
  return ExpectedFrom(profile, StrategyPayoffs(game, profile));
}

std::vector<Rational> ExpectedPayoffs(const NormalFormGame& game, const ExactProfile& profile) {
  return ExpectedFrom(profile, StrategyPayoffs(game, profile));
}

double Regret(const NormalFormGame& game, const MixedProfile& profile) {
  const auto values = StrategyPayoffs(game, profile);
  const auto payoffs = ExpectedFrom(profile, values);
  double regret = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (const double value : values[i]) regret = std::max(regret, value - payoffs[i]);
  }
  return regret;
}

Rational Regret(const NormalFormGame& game, const ExactProfile& profile) {
  const auto values = StrategyPayoffs(game, profile);
  const auto payoffs = ExpectedFrom(profile, values);
  Rational regret(0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (const Rational& value : values[i]) {
      if (value - payoffs[i] > regret) regret = value - payoffs[i];
    }
  }
  return regret;
}

std::vector<int> BestResponses(const NormalFormGame& game, const MixedProfile& profile, int player, double tolerance) {
  const auto values = StrategyPayoffs(game, profile);
  const double best = *std::max_element(values[player].begin(), values[player].end());
  std::vector<int> responses;
  for (int j = 0; j < game.NumStrategies(player); ++j) {
    if (values[player][j] >= best - tolerance) responses.push_back(j);
  }
  return responses;
}

std::vector<int> BestResponses(const NormalFormGame& game, const ExactProfile& profile, int player) {
  const auto values = StrategyPayoffs(game, profile);
  const Rational best = *std::max_element(values[player].begin(), values[player].end());
  std::vector<int> responses;
  for (int j = 0; j < game.NumStrategies(player); ++j) {
    if (values[player][j] == best) responses.push_back(j);
  }
  return responses;
}

bool IsMixedProfile(const NormalFormGame& game, const MixedProfile& profile, double tolerance) {
  if (profile.size() != static_cast<std::size_t>(game.NumPlayers())) return false;
  for (int i = 0; i < game.NumPlayers(); ++i) {
    if (profile[i].size() != static_cast<std::size_t>(game.NumStrategies(i))) return false;
    double sum = 0;
    for (const double p : profile[i]) {
      if (!(p >= -tolerance)) return false;
      sum += p;
    }
    if (std::abs(sum - 1.0) > tolerance) return false;
  }
  return true;
}

std::vector<int> StrategyOffsets(const NormalFormGame& game) {
  std::vector<int> offsets(game.NumPlayers() + 1, 0);
  for (int i = 0; i < game.NumPlayers(); ++i) offsets[i + 1] = offsets[i] + game.NumStrategies(i);
  return offsets;
}

std::vector<std::vector<double>> StrategyPayoffJacobian(const NormalFormGame& game, const MixedProfile& profile) {
  CheckShape(game, profile);
  const int n = game.NumPlayers();
  const std::vector<int> offsets = StrategyOffsets(game);
  const int total = offsets[n];
  std::vector<std::vector<double>> jacobian(total, std::vector<double>(total, 0.0));
  if (n < 2) return jacobian;
  std::vector<int> pure(n, 0);
  for (std::int64_t index = 0; index < game.NumProfiles(); ++index) {
    for (int i = 0; i < n; ++i) {
      const double payoff = game.PayoffDouble(index, i);
      if (payoff != 0) {
        for (int k = 0; k < n; ++k) {
          if (k == i) continue;
          double weight = 1;
          for (int m = 0; m < n; ++m) {
            if (m != i && m != k) weight *= profile[m][pure[m]];
          }
          jacobian[offsets[i] + pure[i]][offsets[k] + pure[k]] += weight * payoff;
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      if (++pure[i] < game.NumStrategies(i)) break;
      pure[i] = 0;
    }
  }
  return jacobian;
}

}  // namespace reesim::games
