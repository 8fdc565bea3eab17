#include "games/regret_matching.h"

#include <algorithm>
#include <map>

#include "games/random.h"

namespace reesim::games {

double CceGap(const NormalFormGame& game, const std::vector<std::pair<std::int64_t, double>>& joint) {
  double gap = 0;
  for (int i = 0; i < game.NumPlayers(); ++i) {
    std::vector<double> gain(game.NumStrategies(i), 0.0);
    for (const auto& [index, z] : joint) {
      const int own = static_cast<int>((index / game.Stride(i)) % game.NumStrategies(i));
      const std::int64_t base = index - own * game.Stride(i);
      const double payoff = game.PayoffDouble(index, i);
      for (int j = 0; j < game.NumStrategies(i); ++j) gain[j] += z * (game.PayoffDouble(base + j * game.Stride(i), i) - payoff);
    }
    for (const double g : gain) gap = std::max(gap, g);
  }
  return gap;
}

RegretMatchingResult RegretMatching(const NormalFormGame& game, const RegretMatchingOptions& options) {
  const int n = game.NumPlayers();
  std::vector<std::vector<double>> regrets(n);
  for (int i = 0; i < n; ++i) regrets[i].assign(game.NumStrategies(i), 0.0);
  std::map<std::int64_t, std::int64_t> counts;
  std::vector<int> play(n);
  const int rounds = std::max(1, options.iterations);
  for (int t = 0; t < rounds; ++t) {
    for (int i = 0; i < n; ++i) {
      double positive = 0;
      for (const double r : regrets[i]) positive += std::max(0.0, r);
      const double u = DrawUnit(options.seed, static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(i),
                                /*c=*/0x726D);
      const int count = game.NumStrategies(i);
      int chosen = -1;
      int last_possible = 0;  // rounding can leave the cumulative sum just below 1
      double cumulative = 0;
      for (int j = 0; j < count; ++j) {
        const double p = positive > 0 ? std::max(0.0, regrets[i][j]) / positive : 1.0 / count;
        if (p > 0) last_possible = j;
        cumulative += p;
        if (chosen < 0 && u < cumulative && p > 0) chosen = j;
      }
      if (chosen < 0) chosen = last_possible;
      play[i] = chosen;
    }
    const std::int64_t index = game.ProfileIndex(play);
    ++counts[index];
    for (int i = 0; i < n; ++i) {
      const std::int64_t base = index - play[i] * game.Stride(i);
      const double payoff = game.PayoffDouble(index, i);
      for (int j = 0; j < game.NumStrategies(i); ++j) {
        regrets[i][j] += game.PayoffDouble(base + j * game.Stride(i), i) - payoff;
      }
    }
  }
  RegretMatchingResult result;
  MixedProfile marginals(n);
  for (int i = 0; i < n; ++i) marginals[i].assign(game.NumStrategies(i), 0.0);
  for (const auto& [index, count] : counts) {
    const double z = static_cast<double>(count) / rounds;
    result.joint.emplace_back(index, z);
    const std::vector<int> pure = game.ProfileAt(index);
    for (int i = 0; i < n; ++i) marginals[i][pure[i]] += z;
  }
  result.cce_gap = CceGap(game, result.joint);
  result.marginals = MakeEquilibrium(game, std::move(marginals));
  return result;
}

}  // namespace reesim::games
