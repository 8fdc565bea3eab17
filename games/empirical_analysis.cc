#include "games/empirical_analysis.h"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <optional>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include "games/check.h"
#include "games/game_error.h"
#include "games/methods.h"
#include "games/random.h"
#include "games/regret.h"

namespace reesim::games {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Keys the bootstrap's draws apart from every other use of the seed ("gameboot").
constexpr std::uint64_t kBootstrapKey = 0x67616d65626f6f74ULL;

// Returns the weighted mean of the finite values (weights: replicate counts), or NaN if none.
double WeightedMean(const std::vector<double>& values, const std::vector<int>& counts) {
  double sum = 0, weight = 0;
  for (std::size_t r = 0; r < values.size(); ++r) {
    if (counts[r] == 0 || !std::isfinite(values[r])) continue;
    sum += counts[r] * values[r];
    weight += counts[r];
  }
  return weight > 0 ? sum / weight : kNaN;
}

std::pair<double, double> PercentileInterval(const std::vector<double>& values) {
  return {Quantile(values, 0.025), Quantile(values, 0.975)};
}

}  // namespace

void ResampleTally::Add(std::size_t e, const std::vector<double>& player_payoffs, const std::vector<double>& gains,
                        const std::vector<double>& epsilon) {
  double regret = 0;
  bool within = true;
  for (std::size_t i = 0; i < gains.size(); ++i) {
    regret = std::max(regret, gains[i]);
    within = within && gains[i] <= epsilon[i];
    payoffs[e][i].push_back(player_payoffs[i]);
  }
  regrets[e].push_back(regret);
  robust[e] += within;
}

void ResampleTally::Finish(int resamples, std::vector<AssessedEquilibrium>& equilibria) const {
  for (std::size_t e = 0; e < equilibria.size(); ++e) {
    AssessedEquilibrium& assessed = equilibria[e];
    assessed.robustness = resamples > 0 ? static_cast<double>(robust[e]) / resamples : kNaN;
    assessed.regret_median = Quantile(regrets[e], 0.5);
    assessed.regret_q95 = Quantile(regrets[e], 0.95);
    for (const std::vector<double>& player : payoffs[e]) assessed.payoff_ci95.push_back(PercentileInterval(player));
  }
}

namespace {

// Returns `game` with the players in `order` (order[k] = the original index of the new player k).
NormalFormGame Reordered(const NormalFormGame& game, const std::vector<int>& order) {
  std::vector<std::string> players;
  std::vector<std::vector<std::string>> strategies;
  for (int k : order) {
    players.push_back(game.players()[k]);
    strategies.push_back(game.strategies()[k]);
  }
  NormalFormGame reordered(players, strategies);
  std::vector<int> original(order.size());
  for (std::int64_t q = 0; q < reordered.NumProfiles(); ++q) {
    const std::vector<int> profile = reordered.ProfileAt(q);
    for (std::size_t k = 0; k < order.size(); ++k) original[order[k]] = profile[k];
    const std::int64_t p = game.ProfileIndex(original);
    for (std::size_t k = 0; k < order.size(); ++k) reordered.SetPayoff(q, static_cast<int>(k), game.Payoff(p, order[k]));
  }
  return reordered;
}

// Returns the index of a pure profile (every mix puts probability 1 on one strategy), or -1.
std::int64_t PureIndex(const NormalFormGame& game, const MixedProfile& profile) {
  std::vector<int> pure;
  for (const std::vector<double>& mix : profile) {
    const auto one = std::find(mix.begin(), mix.end(), 1.0);
    if (one == mix.end()) return -1;
    pure.push_back(static_cast<int>(one - mix.begin()));
  }
  return game.ProfileIndex(pure);
}

// Returns u_ij, each player's payoff from each pure strategy against the others' part of `profile`:
// for a pure profile (pure_index >= 0) read from the cells of the unilateral deviations, else
// StrategyPayoffs (one pass over every profile).
std::vector<std::vector<double>> DeviationPayoffs(const NormalFormGame& game, const MixedProfile& profile,
                                                  std::int64_t pure_index) {
  if (pure_index < 0) return StrategyPayoffs(game, profile);
  std::vector<std::vector<double>> payoffs(game.NumPlayers());
  const std::vector<int> pure = game.ProfileAt(pure_index);
  for (int i = 0; i < game.NumPlayers(); ++i) {
    const std::int64_t base = pure_index - pure[i] * game.Stride(i);
    for (int j = 0; j < game.NumStrategies(i); ++j) payoffs[i].push_back(game.PayoffDouble(base + j * game.Stride(i), i));
  }
  return payoffs;
}

// The pure branch of DeviationPayoffs with the cells read through `cell(profile, player)`.
template <typename Cell>
std::vector<std::vector<double>> PureDeviationPayoffs(const NormalFormGame& game, std::int64_t pure_index, const Cell& cell) {
  std::vector<std::vector<double>> payoffs(game.NumPlayers());
  const std::vector<int> pure = game.ProfileAt(pure_index);
  for (int i = 0; i < game.NumPlayers(); ++i) {
    const std::int64_t base = pure_index - pure[i] * game.Stride(i);
    for (int j = 0; j < game.NumStrategies(i); ++j) payoffs[i].push_back(cell(base + j * game.Stride(i), i));
  }
  return payoffs;
}

double StudentTwoSidedP(double t, std::int64_t n) {
  const boost::math::students_t student(static_cast<double>(n - 1));
  return 2 * boost::math::cdf(boost::math::complement(student, std::abs(t)));
}

}  // namespace

PayoffSamples::PayoffSamples(std::vector<std::string> players, std::vector<std::vector<std::string>> strategies,
                             int replicates)
    : players_(players), strategies_(strategies), replicates_(replicates), shape_(std::move(players), std::move(strategies)) {
  if (replicates < 1) throw GameError("an empirical game needs at least one replicate");
  num_profiles_ = shape_.NumProfiles();
  values_.assign(static_cast<std::size_t>(num_profiles_) * players_.size() * static_cast<std::size_t>(replicates), kNaN);
}

double Quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * q;
  const std::size_t low = static_cast<std::size_t>(std::floor(h));
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (h - static_cast<double>(low)) * (values[high] - values[low]);
}

Estimate EstimateOf(const std::vector<double>& values) {
  Estimate estimate;
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++estimate.n;
  }
  if (estimate.n == 0) {
    estimate.mean = estimate.se = estimate.ci95_low = estimate.ci95_high = kNaN;
    return estimate;
  }
  const double n = static_cast<double>(estimate.n);
  estimate.mean = sum / n;
  if (estimate.n < 2) {
    estimate.se = estimate.ci95_low = estimate.ci95_high = kNaN;
    return estimate;
  }
  double squares = 0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - estimate.mean) * (v - estimate.mean);
  }
  estimate.se = std::sqrt(squares / (n - 1)) / std::sqrt(n);
  const double t = boost::math::quantile(boost::math::students_t(n - 1), 0.975);
  estimate.ci95_low = estimate.mean - t * estimate.se;
  estimate.ci95_high = estimate.mean + t * estimate.se;
  return estimate;
}

std::vector<Estimate> EstimateCells(const PayoffSamples& samples) {
  std::vector<Estimate> cells;
  std::vector<double> values(samples.replicates());
  for (std::int64_t p = 0; p < samples.NumProfiles(); ++p) {
    for (int i = 0; i < samples.NumPlayers(); ++i) {
      for (int r = 0; r < samples.replicates(); ++r) values[r] = samples.At(p, i, r);
      cells.push_back(EstimateOf(values));
    }
  }
  return cells;
}

Rational ShortestDecimal(double value) {
  GAMES_CHECK(std::isfinite(value));
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  const std::optional<Rational> parsed = ParseRational(std::string_view(buffer, result.ptr - buffer));
  GAMES_CHECK(parsed.has_value());
  return *parsed;
}

NormalFormGame EstimatedGame(const PayoffSamples& samples, const std::string& title, std::int64_t* missing) {
  NormalFormGame game = samples.shape();
  game.set_title(title);
  const std::vector<Estimate> cells = EstimateCells(samples);
  std::int64_t empty = 0;
  for (std::int64_t p = 0; p < samples.NumProfiles(); ++p) {
    for (int i = 0; i < samples.NumPlayers(); ++i) {
      const Estimate& cell = cells[static_cast<std::size_t>(p) * samples.NumPlayers() + i];
      if (cell.n == 0) {
        ++empty;
        game.SetPayoff(p, i, Rational(0));
      } else {
        game.SetPayoff(p, i, ShortestDecimal(cell.mean));
      }
    }
  }
  if (missing != nullptr) *missing = empty;
  return game;
}

std::vector<int> ResampleCounts(int replicates, std::uint64_t seed, int resample) {
  std::vector<int> counts(replicates, 0);
  for (int k = 0; k < replicates; ++k) {
    ++counts[DrawBelow(static_cast<std::uint64_t>(replicates), seed, kBootstrapKey, static_cast<std::uint64_t>(resample),
                       static_cast<std::uint64_t>(k))];
  }
  return counts;
}

NormalFormGame ResampledGame(const PayoffSamples& samples, const NormalFormGame& estimated, const std::vector<int>& counts) {
  NormalFormGame game = estimated;
  std::vector<double> values(samples.replicates());
  for (std::int64_t p = 0; p < samples.NumProfiles(); ++p) {
    for (int i = 0; i < samples.NumPlayers(); ++i) {
      for (int r = 0; r < samples.replicates(); ++r) values[r] = samples.At(p, i, r);
      const double mean = WeightedMean(values, counts);
      if (std::isfinite(mean)) game.SetPayoffFromDouble(p, i, mean);
    }
  }
  return game;
}

EquilibriumAnalysis AnalyseEquilibria(const PayoffSamples& samples, const NormalFormGame& estimated,
                                      const std::vector<std::string>& methods, std::uint64_t method_seed,
                                      const BootstrapOptions& options) {
  EquilibriumAnalysis analysis;
  analysis.resamples = options.resamples;
  for (int i = 0; i < estimated.NumPlayers(); ++i) {
    double low = HUGE_VAL, high = -HUGE_VAL;
    for (std::int64_t p = 0; p < estimated.NumProfiles(); ++p) {
      low = std::min(low, estimated.PayoffDouble(p, i));
      high = std::max(high, estimated.PayoffDouble(p, i));
    }
    analysis.epsilon.push_back(options.epsilon > 0 ? options.epsilon : 0.01 * (high - low));
  }
  for (const std::string& method : methods) {
    MethodOptions method_options;
    method_options.seed = method_seed;
    MethodResult result = SolveWithMethod(estimated, method, method_options);
    for (std::size_t k = 0; k < result.equilibria.size(); ++k) {
      Equilibrium& found = result.equilibria[k];
      const auto same = std::find_if(analysis.equilibria.begin(), analysis.equilibria.end(), [&](const AssessedEquilibrium& e) {
        return SameProfile(e.equilibrium.strategies, found.strategies);
      });
      if (same != analysis.equilibria.end()) {
        if (std::find(same->methods.begin(), same->methods.end(), method) == same->methods.end()) same->methods.push_back(method);
        continue;
      }
      AssessedEquilibrium assessed;
      assessed.equilibrium = std::move(found);
      assessed.methods.push_back(method);
      assessed.converged = result.converged[k];
      analysis.equilibria.push_back(std::move(assessed));
    }
  }
  const std::size_t count = analysis.equilibria.size();
  ResampleTally tally(count, samples.NumPlayers());
  std::vector<std::int64_t> pure_index;  // [equilibrium]: its profile if pure, else -1
  for (const AssessedEquilibrium& assessed : analysis.equilibria) pure_index.push_back(PureIndex(estimated, assessed.equilibrium.strategies));
  std::vector<double> gains(samples.NumPlayers());
  // A pure equilibrium's regret needs only its unilateral deviations' cells, so the resampled game
  // (a copy of every exact payoff, and every cell's resampled mean) is built only when a mixed
  // equilibrium needs it; the cells read are the same doubles either way.
  const bool any_mixed = std::any_of(pure_index.begin(), pure_index.end(), [](std::int64_t p) { return p < 0; });
  std::vector<double> values(samples.replicates());
  for (int b = 0; b < options.resamples && count > 0; ++b) {
    const std::vector<int> counts = ResampleCounts(samples.replicates(), options.seed, b);
    std::optional<NormalFormGame> resampled;
    if (any_mixed) resampled = ResampledGame(samples, estimated, counts);
    // Cell (p, i) of the resampled game, as ResampledGame sets it.
    const auto cell = [&](std::int64_t p, int i) {
      for (int r = 0; r < samples.replicates(); ++r) values[r] = samples.At(p, i, r);
      const double mean = WeightedMean(values, counts);
      return std::isfinite(mean) ? mean : estimated.PayoffDouble(p, i);
    };
    for (std::size_t e = 0; e < count; ++e) {
      const MixedProfile& profile = analysis.equilibria[e].equilibrium.strategies;
      const std::vector<std::vector<double>> deviations =
          pure_index[e] >= 0 ? PureDeviationPayoffs(estimated, pure_index[e], cell) : DeviationPayoffs(*resampled, profile, -1);
      std::vector<double> expected(samples.NumPlayers(), 0.0);
      for (int i = 0; i < samples.NumPlayers(); ++i) {
        for (std::size_t j = 0; j < profile[i].size(); ++j) expected[i] += profile[i][j] * deviations[i][j];
      }
      for (int i = 0; i < samples.NumPlayers(); ++i) {
        gains[i] = std::max(0.0, *std::max_element(deviations[i].begin(), deviations[i].end()) - expected[i]);
      }
      tally.Add(e, expected, gains, analysis.epsilon);
    }
  }
  tally.Finish(options.resamples, analysis.equilibria);
  return analysis;
}

std::vector<PlayerTournament> Tournament(const PayoffSamples& samples, const BootstrapOptions& options) {
  const NormalFormGame& shape = samples.shape();
  const int replicates = samples.replicates();
  std::vector<std::vector<int>> resample_counts;
  for (int b = 0; b < options.resamples; ++b) resample_counts.push_back(ResampleCounts(replicates, options.seed, b));
  std::vector<PlayerTournament> tournaments;
  for (int i = 0; i < samples.NumPlayers(); ++i) {
    const int n = shape.NumStrategies(i);
    const std::int64_t stride = shape.Stride(i);
    // The others' profiles: the profiles where player i plays its first strategy.
    std::vector<std::int64_t> others;
    for (std::int64_t p = 0; p < shape.NumProfiles(); ++p) {
      if ((p / stride) % n == 0) others.push_back(p);
    }
    // score[j][r]: strategy j's mean payoff over the others' profiles in replicate r.
    std::vector<std::vector<double>> score(n, std::vector<double>(replicates, kNaN));
    for (int j = 0; j < n; ++j) {
      for (int r = 0; r < replicates; ++r) {
        double sum = 0;
        int count = 0;
        for (std::int64_t o : others) {
          const double v = samples.At(o + j * stride, i, r);
          if (!std::isfinite(v)) continue;
          sum += v;
          ++count;
        }
        if (count > 0) score[j][r] = sum / count;
      }
    }
    PlayerTournament tournament;
    tournament.player = i;
    for (int j = 0; j < n; ++j) {
      TournamentEntry entry;
      entry.strategy = j;
      entry.score = EstimateOf(score[j]);
      std::vector<double> means;
      for (const std::vector<int>& counts : resample_counts) means.push_back(WeightedMean(score[j], counts));
      std::tie(entry.boot_low, entry.boot_high) = PercentileInterval(means);
      tournament.ranking.push_back(entry);
    }
    std::stable_sort(tournament.ranking.begin(), tournament.ranking.end(), [](const TournamentEntry& a, const TournamentEntry& b) {
      const bool a_ok = std::isfinite(a.score.mean), b_ok = std::isfinite(b.score.mean);
      if (a_ok != b_ok) return a_ok;
      return a_ok && a.score.mean > b.score.mean;
    });
    tournament.win_rate.assign(n, std::vector<double>(n, kNaN));
    for (int j = 0; j < n; ++j) {
      for (int k = 0; k < n; ++k) {
        if (j == k) continue;
        double wins = 0;
        std::int64_t pairs = 0;
        for (std::int64_t o : others) {
          for (int r = 0; r < replicates; ++r) {
            const double a = samples.At(o + j * stride, i, r), b = samples.At(o + k * stride, i, r);
            if (!std::isfinite(a) || !std::isfinite(b)) continue;
            wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
            ++pairs;
          }
        }
        if (pairs > 0) tournament.win_rate[j][k] = wins / static_cast<double>(pairs);
      }
    }
    if (n >= 2) {
      PairedTest test;
      test.first = tournament.ranking[0].strategy;
      test.second = tournament.ranking[1].strategy;
      std::vector<double> differences(replicates);
      for (int r = 0; r < replicates; ++r) differences[r] = score[test.first][r] - score[test.second][r];
      const Estimate d = EstimateOf(differences);
      test.n = d.n;
      test.mean_difference = d.mean;
      test.se = d.se;
      if (d.n < 2) {
        test.t = test.p_value = kNaN;
      } else if (d.se > 0) {
        test.t = d.mean / d.se;
        test.p_value = StudentTwoSidedP(test.t, d.n);
      } else {
        test.t = d.mean == 0 ? 0 : (d.mean > 0 ? HUGE_VAL : -HUGE_VAL);
        test.p_value = d.mean == 0 ? 1.0 : 0.0;
      }
      tournament.top_two = test;
    }
    tournaments.push_back(std::move(tournament));
  }
  return tournaments;
}

std::vector<StackelbergResult> StackelbergAnalysis(const NormalFormGame& estimated) {
  std::vector<StackelbergResult> results;
  const int players = estimated.NumPlayers();
  for (int leader = 0; leader < players; ++leader) {
    std::vector<int> order = {leader};
    for (int i = 0; i < players; ++i) {
      if (i != leader) order.push_back(i);
    }
    const NormalFormGame led = Reordered(estimated, order);
    const PureCommitment pure = OptimalPureCommitment(led);
    StackelbergResult result;
    result.leader = leader;
    result.pure_profile.assign(players, 0);
    result.pure_payoffs.assign(players, 0);
    for (int k = 0; k < players; ++k) {
      result.pure_profile[order[k]] = pure.profile[k];
      result.pure_payoffs[order[k]] = ToDouble(pure.payoffs[k]);
    }
    if (players == 2) result.mixed = OptimalMixedCommitment(led);
    results.push_back(std::move(result));
  }
  return results;
}

CoalitionAnalysis AnalyseCoalitions(const std::vector<std::string>& members,
                                    const std::vector<std::vector<double>>& value_samples, const BootstrapOptions& options) {
  const int m = static_cast<int>(members.size());
  if (m < 1 || m > kMaxLeastCorePlayers) {
    throw GameError("a coalitional game of " + std::to_string(m) + " members; the least core takes 1 to " +
                    std::to_string(kMaxLeastCorePlayers));
  }
  const std::size_t masks = std::size_t{1} << m;
  if (value_samples.size() != masks) throw GameError("a coalition value table needs 2^members rows");
  CoalitionAnalysis analysis;
  analysis.members = members;
  std::vector<double> means(masks, 0.0);
  for (std::size_t mask = 0; mask < masks; ++mask) {
    analysis.values.push_back(mask == 0 ? Estimate{} : EstimateOf(value_samples[mask]));
    if (mask > 0) means[mask] = std::isfinite(analysis.values.back().mean) ? analysis.values.back().mean : 0.0;
  }
  // The core test's tolerance scales with the values (payoffs may be in millions).
  double scale = 1;
  for (double v : means) scale = std::max(scale, std::abs(v));
  const double tolerance = 1e-9 * scale;
  const CoalitionalGame game(members, means);
  analysis.shapley = ShapleyValues(game);
  analysis.least_core = LeastCoreOf(game, tolerance);
  const int replicates = static_cast<int>(value_samples[masks - 1].size());
  std::vector<std::vector<double>> shapley(m);
  int nonempty = 0;
  for (int b = 0; b < options.resamples; ++b) {
    const std::vector<int> counts = ResampleCounts(replicates, options.seed, b);
    std::vector<double> resampled(masks, 0.0);
    for (std::size_t mask = 1; mask < masks; ++mask) {
      const double mean = WeightedMean(value_samples[mask], counts);
      resampled[mask] = std::isfinite(mean) ? mean : means[mask];
    }
    const CoalitionalGame resampled_game(members, resampled);
    const std::vector<double> values = ShapleyValues(resampled_game);
    for (int i = 0; i < m; ++i) shapley[i].push_back(values[i]);
    nonempty += LeastCoreOf(resampled_game, tolerance).core_nonempty;
  }
  for (int i = 0; i < m; ++i) analysis.shapley_ci95.push_back(PercentileInterval(shapley[i]));
  analysis.core_nonempty_share = options.resamples > 0 ? static_cast<double>(nonempty) / options.resamples : kNaN;
  return analysis;
}

}  // namespace reesim::games
