#include "games/replicator.h"

#include "games/regret.h"

namespace reesim::games {

Equilibrium Replicator(const NormalFormGame& game, const ReplicatorOptions& options) {
  MixedProfile profile = options.start ? *options.start : UniformProfile(game);
  if (!IsMixedProfile(game, profile)) throw GameError("replicator: the start is not a mixed profile of this game");
  const double low = ToDouble(game.MinPayoff());
  const double scale = game.PayoffScale();
  for (int t = 0; t < options.iterations; ++t) {
    const auto values = StrategyPayoffs(game, profile);
    for (int i = 0; i < game.NumPlayers(); ++i) {
      double mean = 0;
      for (int j = 0; j < game.NumStrategies(i); ++j) mean += profile[i][j] * (1 + (values[i][j] - low) / scale);
      for (int j = 0; j < game.NumStrategies(i); ++j) profile[i][j] *= (1 + (values[i][j] - low) / scale) / mean;
    }
  }
  return MakeEquilibrium(game, std::move(profile));
}

}  // namespace reesim::games
