#include "games/quiesce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "games/enummixed.h"
#include "games/methods.h"

namespace reesim::games {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A probability above this counts as support (solvers' mixes carry rounding dust).
constexpr double kSupport = 1e-12;

// Profile indexing of the full game (Gambit order: player 1 fastest).
struct Shape {
  std::vector<int> counts;
  std::vector<std::int64_t> strides;
  std::int64_t profiles = 1;
  explicit Shape(const std::vector<std::vector<std::string>>& strategies) {
    for (const auto& s : strategies) {
      counts.push_back(static_cast<int>(s.size()));
      strides.push_back(profiles);
      profiles *= static_cast<std::int64_t>(s.size());
    }
  }
  std::int64_t Index(const std::vector<int>& profile) const {
    std::int64_t index = 0;
    for (std::size_t i = 0; i < profile.size(); ++i) index += profile[i] * strides[i];
    return index;
  }
};

// Calls visit(profile index, probability) for every profile in the product of the mix's supports,
// player `fixed` (if >= 0) held at strategy `fixed_strategy` with probability 1; odometer order.
template <typename Visit>
void ForEachSupportProfile(const Shape& shape, const MixedProfile& mix, int fixed, int fixed_strategy, Visit visit) {
  const int n = static_cast<int>(mix.size());
  std::vector<std::vector<int>> supports(n);
  for (int i = 0; i < n; ++i) {
    if (i == fixed) {
      supports[i] = {fixed_strategy};
      continue;
    }
    for (int j = 0; j < static_cast<int>(mix[i].size()); ++j) {
      if (mix[i][j] > kSupport) supports[i].push_back(j);
    }
  }
  std::vector<std::size_t> at(n, 0);
  std::vector<int> profile(n);
  while (true) {
    double probability = 1;
    for (int i = 0; i < n; ++i) {
      profile[i] = supports[i][at[i]];
      if (i != fixed) probability *= mix[i][profile[i]];
    }
    visit(shape.Index(profile), probability);
    int i = 0;
    while (i < n && ++at[i] == supports[i].size()) at[i++] = 0;
    if (i == n) return;
  }
}

// The profiles of the subgame (the product of its strategy sets), ascending.
std::vector<std::int64_t> SubgameProfiles(const Shape& shape, const std::vector<std::vector<int>>& subgame) {
  MixedProfile uniform(subgame.size());
  for (std::size_t i = 0; i < subgame.size(); ++i) {
    uniform[i].assign(shape.counts[i], 0.0);
    for (int j : subgame[i]) uniform[i][j] = 1;
  }
  std::vector<std::int64_t> profiles;
  ForEachSupportProfile(shape, uniform, -1, 0, [&](std::int64_t p, double) { profiles.push_back(p); });
  std::sort(profiles.begin(), profiles.end());
  return profiles;
}

// The subgame as a game of its own, from the oracle's means.
NormalFormGame SubgameOf(const Shape& shape, const std::vector<std::string>& players,
                         const std::vector<std::vector<std::string>>& strategies, const std::vector<std::vector<int>>& subgame,
                         const PayoffOracle& oracle) {
  std::vector<std::vector<std::string>> labels(players.size());
  for (std::size_t i = 0; i < players.size(); ++i) {
    for (int j : subgame[i]) labels[i].push_back(strategies[i][j]);
  }
  NormalFormGame game(players, labels);
  std::vector<int> full(players.size());
  for (std::int64_t q = 0; q < game.NumProfiles(); ++q) {
    const std::vector<int> local = game.ProfileAt(q);
    for (std::size_t i = 0; i < players.size(); ++i) full[i] = subgame[i][local[i]];
    const std::int64_t p = shape.Index(full);
    for (int i = 0; i < game.NumPlayers(); ++i) {
      const double value = oracle.payoff(p, i);
      game.SetPayoffFromDouble(q, i, std::isfinite(value) ? value : 0.0);  // a cell whose runs all failed reads 0
    }
  }
  return game;
}

// The subgame's equilibria (see the header), with the solver's name.
std::pair<std::string, std::vector<Equilibrium>> SolveSubgame(const NormalFormGame& game, std::uint64_t seed) {
  MethodOptions options;
  options.seed = seed;
  std::vector<Equilibrium> pure = SolveWithMethod(game, "pure", options).equilibria;
  if (!pure.empty()) return {"pure", std::move(pure)};
  if (game.NumPlayers() == 2) {
    const int m = game.NumStrategies(0), n = game.NumStrategies(1);
    const std::string method = EnumMixedBases(m, n) * (m + n) > EnumMixedOptions{}.max_work ? "lcp" : "enummixed";
    return {method, SolveWithMethod(game, method, options).equilibria};
  }
  return {"liap", SolveWithMethod(game, "liap", options).equilibria};
}

// Expected payoffs of a mixed profile whose support profiles are all evaluated.
std::vector<double> ExpectedPayoffs(const Shape& shape, const MixedProfile& mix, const PayoffOracle& oracle) {
  std::vector<double> expected(mix.size(), 0.0);
  ForEachSupportProfile(shape, mix, -1, 0, [&](std::int64_t p, double probability) {
    for (std::size_t i = 0; i < mix.size(); ++i) {
      const double value = oracle.payoff(p, static_cast<int>(i));
      expected[i] += probability * (std::isfinite(value) ? value : 0.0);
    }
  });
  return expected;
}

// The deviations of a candidate (player i to each strategy it does not play with probability 1).
std::vector<QuiesceDeviation> DeviationsOf(const Shape& shape, const MixedProfile& mix) {
  std::vector<QuiesceDeviation> deviations;
  for (int i = 0; i < static_cast<int>(mix.size()); ++i) {
    for (int j = 0; j < shape.counts[i]; ++j) {
      if (mix[i][j] >= 1 - kSupport) continue;
      QuiesceDeviation deviation;
      deviation.player = i;
      deviation.strategy = j;
      ForEachSupportProfile(shape, mix, i, j, [&](std::int64_t p, double) { deviation.missing.push_back(p); });
      std::sort(deviation.missing.begin(), deviation.missing.end());
      deviations.push_back(std::move(deviation));
    }
  }
  return deviations;
}

// Settles the candidate's deviations whose profiles are now all evaluated, and its status.
void Assess(const Shape& shape, QuiesceCandidate& candidate, const std::vector<bool>& evaluated, const PayoffOracle& oracle,
            double tolerance) {
  bool all = true, refuted = false;
  candidate.regret = 0;
  for (QuiesceDeviation& deviation : candidate.deviations) {
    std::erase_if(deviation.missing, [&](std::int64_t p) { return evaluated[p]; });
    if (!deviation.missing.empty()) {
      deviation.gain = kNaN;
      all = false;
      continue;
    }
    double value = 0;
    ForEachSupportProfile(shape, candidate.strategies, deviation.player, deviation.strategy, [&](std::int64_t p, double probability) {
      const double payoff = oracle.payoff(p, deviation.player);
      value += probability * (std::isfinite(payoff) ? payoff : 0.0);
    });
    deviation.gain = value - candidate.payoffs[deviation.player];
    candidate.regret = std::max(candidate.regret, deviation.gain);
    refuted = refuted || deviation.gain > tolerance;
  }
  candidate.status = refuted ? CandidateStatus::kRefuted : all ? CandidateStatus::kConfirmed : CandidateStatus::kUnconfirmed;
}

}  // namespace

const char* StatusName(CandidateStatus status) {
  switch (status) {
    case CandidateStatus::kConfirmed: return "confirmed";
    case CandidateStatus::kRefuted: return "refuted";
    case CandidateStatus::kUnconfirmed: return "unconfirmed";
  }
  return "";
}

const char* StopName(QuiesceStop stop) {
  switch (stop) {
    case QuiesceStop::kConfirmed: return "confirmed";
    case QuiesceStop::kBudget: return "budget";
    case QuiesceStop::kNoProgress: return "no_progress";
  }
  return "";
}

std::vector<int> QuiesceResult::LastCandidates() const {
  for (auto step = steps.rbegin(); step != steps.rend(); ++step) {
    if (!step->candidates.empty()) return step->candidates;
  }
  return {};
}

QuiesceResult Quiesce(const std::vector<std::string>& players, const std::vector<std::vector<std::string>>& strategies,
                      const PayoffOracle& oracle, const QuiesceOptions& options) {
  if (options.max_profiles < 1) throw GameError("quiesce needs a budget of at least one profile");
  if (!(options.tolerance >= 0) || !std::isfinite(options.tolerance)) {
    throw GameError("quiesce's tolerance must be a finite number >= 0");
  }
  const NormalFormGame check(players, strategies);  // throws GameError for a game of no shape
  const Shape shape(strategies);
  QuiesceResult result;
  std::vector<bool> evaluated(static_cast<std::size_t>(shape.profiles), false);
  // Evaluates `profiles` (those not yet evaluated, ascending), at most what the budget leaves.
  auto evaluate = [&](std::vector<std::int64_t> profiles) {
    std::erase_if(profiles, [&](std::int64_t p) { return evaluated[p]; });
    const std::int64_t left = options.max_profiles - static_cast<std::int64_t>(result.evaluated.size());
    if (static_cast<std::int64_t>(profiles.size()) > left) profiles.resize(static_cast<std::size_t>(left));
    std::sort(profiles.begin(), profiles.end());
    if (profiles.empty()) return profiles;
    oracle.evaluate(profiles);
    for (std::int64_t p : profiles) {
      evaluated[p] = true;
      result.evaluated.push_back(p);
    }
    return profiles;
  };

  std::vector<std::vector<int>> subgame(players.size(), std::vector<int>{0});
  while (true) {
    QuiesceStep step;
    step.subgame = subgame;
    // 2. Complete the subgame, all or nothing.
    std::vector<std::int64_t> missing = SubgameProfiles(shape, subgame);
    std::erase_if(missing, [&](std::int64_t p) { return evaluated[p]; });
    const std::int64_t left = options.max_profiles - static_cast<std::int64_t>(result.evaluated.size());
    if (static_cast<std::int64_t>(missing.size()) > left) {
      step.needed_but_over_budget = static_cast<std::int64_t>(missing.size());
      result.steps.push_back(std::move(step));
      result.stop = QuiesceStop::kBudget;
      return result;
    }
    step.completed = evaluate(missing);
    // 3. Candidates: the subgame's equilibria, in the full game.
    const auto [method, equilibria] = SolveSubgame(SubgameOf(shape, players, strategies, subgame, oracle), options.seed);
    const int step_index = static_cast<int>(result.steps.size());
    const std::size_t first = result.candidates.size();
    for (const Equilibrium& e : equilibria) {
      QuiesceCandidate candidate;
      candidate.step = step_index;
      candidate.method = method;
      candidate.strategies.resize(players.size());
      for (std::size_t i = 0; i < players.size(); ++i) {
        candidate.strategies[i].assign(shape.counts[i], 0.0);
        for (std::size_t k = 0; k < subgame[i].size(); ++k) candidate.strategies[i][subgame[i][k]] = e.strategies[i][k];
      }
      candidate.payoffs = ExpectedPayoffs(shape, candidate.strategies, oracle);
      candidate.deviations = DeviationsOf(shape, candidate.strategies);
      step.candidates.push_back(static_cast<int>(result.candidates.size()));
      result.candidates.push_back(std::move(candidate));
    }
    // 4. Their deviations, in order, as far as the budget allows.
    std::vector<std::int64_t> wanted;
    std::set<std::int64_t> seen;
    for (std::size_t c = first; c < result.candidates.size(); ++c) {
      for (const QuiesceDeviation& deviation : result.candidates[c].deviations) {
        for (std::int64_t p : deviation.missing) {
          if (!evaluated[p] && seen.insert(p).second) wanted.push_back(p);
        }
      }
    }
    const bool fits = static_cast<std::int64_t>(wanted.size()) <=
                      options.max_profiles - static_cast<std::int64_t>(result.evaluated.size());
    step.deviations = evaluate(wanted);  // evaluate() keeps the prefix that fits, in this order
    // 5. Status, stop or grow.
    bool confirmed = false;
    std::vector<std::vector<int>> grown = subgame;
    for (std::size_t c = first; c < result.candidates.size(); ++c) {
      QuiesceCandidate& candidate = result.candidates[c];
      Assess(shape, candidate, evaluated, oracle, options.tolerance);
      confirmed = confirmed || candidate.status == CandidateStatus::kConfirmed;
      if (candidate.status != CandidateStatus::kRefuted) continue;
      const QuiesceDeviation* best = nullptr;
      for (const QuiesceDeviation& deviation : candidate.deviations) {
        if (deviation.missing.empty() && (best == nullptr || deviation.gain > best->gain)) best = &deviation;
      }
      std::vector<int>& set = grown[best->player];
      if (std::find(set.begin(), set.end(), best->strategy) == set.end()) {
        set.insert(std::upper_bound(set.begin(), set.end(), best->strategy), best->strategy);
      }
    }
    result.steps.push_back(std::move(step));
    if (confirmed) {
      result.stop = QuiesceStop::kConfirmed;
      return result;
    }
    if (!fits) {
      result.stop = QuiesceStop::kBudget;
      return result;
    }
    if (grown == subgame) {
      result.stop = QuiesceStop::kNoProgress;
      return result;
    }
    subgame = std::move(grown);
  }
}

EquilibriumAnalysis AssessCandidates(const PayoffSamples& samples, const std::vector<bool>& evaluated,
                                     const std::vector<QuiesceCandidate>& candidates, const BootstrapOptions& options) {
  const Shape shape(samples.strategies());
  const int n = samples.NumPlayers();
  const int replicates = samples.replicates();
  // Full-sample means of the evaluated cells (NaN when every run failed).
  auto mean = [&](std::int64_t p, int i, const std::vector<int>* counts) {
    double sum = 0, weight = 0;
    for (int r = 0; r < replicates; ++r) {
      const double value = samples.At(p, i, r);
      const int w = counts ? (*counts)[r] : 1;
      if (w == 0 || !std::isfinite(value)) continue;
      sum += w * value;
      weight += w;
    }
    return weight > 0 ? sum / weight : kNaN;
  };
  EquilibriumAnalysis analysis;
  analysis.resamples = options.resamples;
  for (int i = 0; i < n; ++i) {
    double low = HUGE_VAL, high = -HUGE_VAL;
    for (std::int64_t p = 0; p < shape.profiles; ++p) {
      if (!evaluated[p]) continue;
      const double m = mean(p, i, nullptr);
      if (!std::isfinite(m)) continue;
      low = std::min(low, m);
      high = std::max(high, m);
    }
    analysis.epsilon.push_back(options.epsilon > 0 ? options.epsilon : high >= low ? 0.01 * (high - low) : 0.0);
  }
  // One candidate's payoffs and largest gain per player, from cell means `cell` (the full sample's
  // when a resample's replicates of a cell all failed).
  auto evaluate = [&](const QuiesceCandidate& c, const std::vector<int>* counts, std::vector<double>& payoffs,
                      std::vector<double>& gains) {
    auto cell = [&](std::int64_t p, int i) {
      double m = counts ? mean(p, i, counts) : kNaN;
      if (!std::isfinite(m)) m = mean(p, i, nullptr);
      return std::isfinite(m) ? m : 0.0;
    };
    payoffs.assign(n, 0.0);
    gains.assign(n, 0.0);
    ForEachSupportProfile(shape, c.strategies, -1, 0, [&](std::int64_t p, double probability) {
      for (int i = 0; i < n; ++i) payoffs[i] += probability * cell(p, i);
    });
    for (const QuiesceDeviation& deviation : c.deviations) {
      if (!deviation.missing.empty()) continue;
      double value = 0;
      ForEachSupportProfile(shape, c.strategies, deviation.player, deviation.strategy,
                            [&](std::int64_t p, double probability) { value += probability * cell(p, deviation.player); });
      gains[deviation.player] = std::max(gains[deviation.player], value - payoffs[deviation.player]);
    }
  };
  std::vector<double> payoffs, gains;
  for (const QuiesceCandidate& c : candidates) {
    AssessedEquilibrium assessed;
    assessed.equilibrium.strategies = c.strategies;
    assessed.equilibrium.payoffs = c.payoffs;
    assessed.equilibrium.regret = c.regret;
    assessed.methods = {"quiesce:" + c.method};
    analysis.equilibria.push_back(std::move(assessed));
  }
  const std::size_t count = candidates.size();
  ResampleTally tally(count, n);
  for (int b = 0; b < options.resamples && count > 0; ++b) {
    const std::vector<int> counts = ResampleCounts(replicates, options.seed, b);
    for (std::size_t e = 0; e < count; ++e) {
      evaluate(candidates[e], &counts, payoffs, gains);
      tally.Add(e, payoffs, gains, analysis.epsilon);
    }
  }
  tally.Finish(options.resamples, analysis.equilibria);
  return analysis;
}

}  // namespace reesim::games
