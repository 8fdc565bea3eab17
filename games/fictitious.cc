#include "games/fictitious.h"

#include "games/regret.h"

namespace reesim::games {

namespace {

MixedProfile Frequencies(const std::vector<std::vector<std::int64_t>>& counts, std::int64_t rounds) {
  MixedProfile profile(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    for (const std::int64_t c : counts[i]) profile[i].push_back(static_cast<double>(c) / static_cast<double>(rounds));
  }
  return profile;
}

}  // namespace

FictitiousPlayResult FictitiousPlay(const NormalFormGame& game, const FictitiousPlayOptions& options) {
  const int n = game.NumPlayers();
  const double tie = 1e-12 * game.PayoffScale();
  std::vector<int> first = options.first_play.empty() ? std::vector<int>(n, 0) : options.first_play;
  if (first.size() != static_cast<std::size_t>(n)) throw GameError("fictitious play: first_play needs one strategy per player");
  std::vector<std::vector<std::int64_t>> counts(n);
  for (int i = 0; i < n; ++i) {
    if (first[i] < 0 || first[i] >= game.NumStrategies(i)) throw GameError("fictitious play: first_play is out of range");
    counts[i].assign(game.NumStrategies(i), 0);
    counts[i][first[i]] = 1;
  }
  FictitiousPlayResult result;
  for (int round = 2; round <= options.iterations; ++round) {
    const MixedProfile beliefs = Frequencies(counts, round - 1);
    const auto values = StrategyPayoffs(game, beliefs);
    for (int i = 0; i < n; ++i) {
      int best = 0;
      for (int j = 1; j < game.NumStrategies(i); ++j) {
        if (values[i][j] > values[i][best] + tie) best = j;
      }
      ++counts[i][best];
    }
    if (options.record_every > 0 && round % options.record_every == 0) {
      result.trace.emplace_back(round, Regret(game, Frequencies(counts, round)));
    }
  }
  result.frequencies = MakeEquilibrium(game, Frequencies(counts, std::max(1, options.iterations)));
  return result;
}

}  // namespace reesim::games
