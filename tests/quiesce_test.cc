// EGTA's profile search (games/quiesce.h) on synthetic payoff oracles: no simulation. Known answers:
// the search confirms the equilibrium the full table has, having evaluated fewer profiles than the
// full game; a mixed equilibrium is confirmed once the subgame has grown to its support; the budget
// stops the search and says which deviations were not evaluated.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "games/methods.h"
#include "games/pure.h"
#include "games/quiesce.h"
#include "games/random.h"

namespace reesim::games {
namespace {

// An oracle over a complete table, recording what it was asked to evaluate (and refusing to answer for
// a profile it was not asked about, as a simulation could not).
struct TableOracle {
  explicit TableOracle(NormalFormGame table) : game(std::move(table)), asked(game.NumProfiles(), false) {}
  NormalFormGame game;
  std::vector<bool> asked;
  std::vector<std::vector<std::int64_t>> batches;
  PayoffOracle oracle() {
    return PayoffOracle{[this](const std::vector<std::int64_t>& profiles) {
                          CHECK(std::is_sorted(profiles.begin(), profiles.end()));
                          for (std::int64_t p : profiles) {
                            CHECK(!asked[p]);  // never asked twice
                            asked[p] = true;
                          }
                          batches.push_back(profiles);
                        },
                        [this](std::int64_t p, int i) {
                          REQUIRE(asked[p]);
                          return game.PayoffDouble(p, i);
                        }};
  }
};

// Four players with four strategies each; player i's payoff falls with the distance of its strategy
// from a target t_i and rises with the next player's strategy, so t = (2, 3, 1, 2) is the unique pure
// equilibrium (each t_i is dominant).
NormalFormGame TargetGame() {
  const std::vector<int> target = {2, 3, 1, 2};
  NormalFormGame game = NormalFormGame::WithCounts({"A", "B", "C", "D"}, {4, 4, 4, 4});
  for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
    const std::vector<int> s = game.ProfileAt(p);
    for (int i = 0; i < 4; ++i) {
      const double noise = 0.01 * DrawUnit(7, static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(i), 0);
      game.SetPayoffFromDouble(p, i, -std::abs(s[i] - target[i]) + 0.25 * s[(i + 1) % 4] + noise);
    }
  }
  return game;
}

std::vector<std::vector<std::string>> Labels(const NormalFormGame& game) { return game.strategies(); }

TEST_CASE("Quiesce.FindsTheKnownEquilibriumWithFewerProfilesThanTheFullGame") {
  TableOracle table(TargetGame());
  // The known answer, from the full table.
  const std::vector<Equilibrium> full = PureEquilibria(table.game);
  REQUIRE(full.size() == 1);
  REQUIRE(full[0].strategies[0][2] == 1.0);
  QuiesceOptions options;
  options.max_profiles = 256;
  const QuiesceResult result = Quiesce(table.game.players(), Labels(table.game), table.oracle(), options);
  CHECK(result.stop == QuiesceStop::kConfirmed);
  const std::vector<int> last = result.LastCandidates();
  int confirmed = 0;
  for (int c : last) {
    const QuiesceCandidate& candidate = result.candidates[c];
    if (candidate.status != CandidateStatus::kConfirmed) continue;
    ++confirmed;
    CHECK(SameProfile(candidate.strategies, full[0].strategies));
    CHECK(candidate.regret == 0);
    // Every unilateral deviation (4 players x 3 strategies) was evaluated and loses.
    CHECK(candidate.deviations.size() == 12);
    for (const QuiesceDeviation& deviation : candidate.deviations) {
      CHECK(deviation.missing.empty());
      CHECK(deviation.gain < 0);
    }
    for (int i = 0; i < 4; ++i) CHECK(std::abs(candidate.payoffs[i] - full[0].payoffs[i]) < 1e-12);
  }
  CHECK(confirmed == 1);
  // Fewer profiles than the full game's 256, each evaluated once, and the record agrees with the oracle.
  const std::int64_t evaluated = static_cast<std::int64_t>(result.evaluated.size());
  MESSAGE("quiesce evaluated " << evaluated << " of 256 profiles in " << result.steps.size() << " steps");
  CHECK(evaluated < 128);
  CHECK(evaluated == std::count(table.asked.begin(), table.asked.end(), true));
  CHECK(std::set<std::int64_t>(result.evaluated.begin(), result.evaluated.end()).size() == result.evaluated.size());
  // The first step is the all-first profile; every earlier candidate was refuted by a deviation.
  CHECK(result.steps.front().completed == std::vector<std::int64_t>{0});
  for (std::size_t c = 0; c < result.candidates.size(); ++c) {
    if (result.candidates[c].step + 1 < static_cast<int>(result.steps.size())) {
      CHECK(result.candidates[c].status == CandidateStatus::kRefuted);
      CHECK(result.candidates[c].regret > 0);
    }
  }
  // The subgames grow.
  for (std::size_t s = 1; s < result.steps.size(); ++s) {
    std::size_t before = 0, after = 0;
    for (const auto& set : result.steps[s - 1].subgame) before += set.size();
    for (const auto& set : result.steps[s].subgame) after += set.size();
    CHECK(after > before);
  }
}

TEST_CASE("Quiesce.ConfirmsAMixedEquilibriumOnceTheSubgameHoldsItsSupport") {
  // Rock-Paper-Scissors: no pure equilibrium; the search grows the subgame to all three strategies and
  // confirms the uniform mix (the only equilibrium), having evaluated every profile.
  const std::vector<std::vector<Rational>> a = {{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}};
  std::vector<std::vector<Rational>> b = a;
  for (auto& row : b) {
    for (auto& v : row) v = -v;
  }
  TableOracle table(NormalFormGame::Bimatrix(a, b));
  QuiesceOptions options;
  options.max_profiles = 9;
  const QuiesceResult result = Quiesce(table.game.players(), Labels(table.game), table.oracle(), options);
  CHECK(result.stop == QuiesceStop::kConfirmed);
  const std::vector<int> last = result.LastCandidates();
  REQUIRE(last.size() == 1);
  const QuiesceCandidate& candidate = result.candidates[last[0]];
  CHECK(candidate.status == CandidateStatus::kConfirmed);
  CHECK(candidate.method == "enummixed");
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) CHECK(candidate.strategies[i][j] == doctest::Approx(1.0 / 3));
  }
  CHECK(result.evaluated.size() == 9);
}

TEST_CASE("Quiesce.TheBudgetStopsTheSearchAndNamesTheDeviationsNotEvaluated") {
  // A game whose all-first profile is already the equilibrium (t = 0 for everyone): 1 profile, then its
  // 12 deviations. With a budget of 6, five deviations are evaluated and seven are not.
  NormalFormGame game = NormalFormGame::WithCounts({"A", "B", "C", "D"}, {4, 4, 4, 4});
  for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
    const std::vector<int> s = game.ProfileAt(p);
    for (int i = 0; i < 4; ++i) game.SetPayoffFromDouble(p, i, -s[i] + 0.5 * s[(i + 1) % 4]);
  }
  TableOracle table(game);
  QuiesceOptions options;
  options.max_profiles = 6;
  const QuiesceResult result = Quiesce(game.players(), Labels(game), table.oracle(), options);
  CHECK(result.stop == QuiesceStop::kBudget);
  CHECK(result.evaluated == std::vector<std::int64_t>{0, 1, 2, 3, 4, 8});
  REQUIRE(result.candidates.size() == 1);
  const QuiesceCandidate& candidate = result.candidates[0];
  CHECK(candidate.status == CandidateStatus::kUnconfirmed);
  int missing = 0;
  for (const QuiesceDeviation& deviation : candidate.deviations) {
    if (deviation.missing.empty()) {
      CHECK(deviation.gain < 0);
    } else {
      ++missing;
      CHECK(std::isnan(deviation.gain));
      CHECK(deviation.missing.size() == 1);
    }
  }
  CHECK(missing == 7);
  // With the whole budget it is confirmed after 13 profiles; the tolerance can also confirm a
  // candidate whose best deviation gains little.
  TableOracle again(game);
  options.max_profiles = 256;
  const QuiesceResult whole = Quiesce(game.players(), Labels(game), again.oracle(), options);
  CHECK(whole.stop == QuiesceStop::kConfirmed);
  CHECK(whole.evaluated.size() == 13);
  CHECK_THROWS_AS(Quiesce(game.players(), Labels(game), again.oracle(), QuiesceOptions{}), GameError);
}

TEST_CASE("Quiesce.ToleranceDecidesWhatCountsAsAGain") {
  // Prisoner's Dilemma with a small temptation: at tolerance 0 the search leaves (C,C) for (D,D); at a
  // tolerance above the temptation (C,C) is confirmed at once.
  const std::vector<std::vector<Rational>> a = {{3, 0}, {Rational(31, 10), 1}};
  const std::vector<std::vector<Rational>> b = {{3, Rational(31, 10)}, {0, 1}};
  const NormalFormGame game = NormalFormGame::Bimatrix(a, b);
  QuiesceOptions options;
  options.max_profiles = 4;
  TableOracle strict(game);
  const QuiesceResult defect = Quiesce(game.players(), Labels(game), strict.oracle(), options);
  CHECK(defect.stop == QuiesceStop::kConfirmed);
  const QuiesceCandidate& dd = defect.candidates[defect.LastCandidates().at(0)];
  CHECK(dd.status == CandidateStatus::kConfirmed);
  CHECK(dd.strategies[0][1] == 1.0);
  CHECK(dd.strategies[1][1] == 1.0);
  options.tolerance = 0.2;
  TableOracle lenient(game);
  const QuiesceResult cooperate = Quiesce(game.players(), Labels(game), lenient.oracle(), options);
  CHECK(cooperate.steps.size() == 1);
  CHECK(cooperate.candidates.at(0).status == CandidateStatus::kConfirmed);
  CHECK(cooperate.candidates[0].regret == doctest::Approx(0.1));
  CHECK(cooperate.evaluated.size() == 3);
}

TEST_CASE("Quiesce.CandidatesAreAssessedOnTheEvaluatedProfilesOnly") {
  // Samples of the target game with noise; the confirmed candidate is robust, and the assessment reads
  // no unevaluated cell (those are NaN in the samples).
  const NormalFormGame game = TargetGame();
  PayoffSamples samples(game.players(), game.strategies(), 20);
  std::vector<bool> evaluated(game.NumProfiles(), false);
  PayoffOracle oracle{[&](const std::vector<std::int64_t>& profiles) {
                        for (std::int64_t p : profiles) {
                          evaluated[p] = true;
                          for (int i = 0; i < 4; ++i) {
                            for (int r = 0; r < 20; ++r) {
                              const double noise = 0.2 * (DrawUnit(3, static_cast<std::uint64_t>(p), static_cast<std::uint64_t>(i),
                                                                    static_cast<std::uint64_t>(r)) - 0.5);
                              samples.Set(p, i, r, game.PayoffDouble(p, i) + noise);
                            }
                          }
                        }
                      },
                      [&](std::int64_t p, int i) {
                        double sum = 0;
                        for (int r = 0; r < 20; ++r) sum += samples.At(p, i, r);
                        return sum / 20;
                      }};
  QuiesceOptions options;
  options.max_profiles = 256;
  const QuiesceResult result = Quiesce(game.players(), game.strategies(), oracle, options);
  REQUIRE(result.stop == QuiesceStop::kConfirmed);
  std::vector<QuiesceCandidate> confirmed;
  for (int c : result.LastCandidates()) {
    if (result.candidates[c].status == CandidateStatus::kConfirmed) confirmed.push_back(result.candidates[c]);
  }
  REQUIRE(confirmed.size() == 1);
  BootstrapOptions bootstrap;
  bootstrap.resamples = 200;
  const EquilibriumAnalysis analysis = AssessCandidates(samples, evaluated, confirmed, bootstrap);
  REQUIRE(analysis.equilibria.size() == 1);
  CHECK(analysis.equilibria[0].robustness == 1.0);
  CHECK(analysis.equilibria[0].methods == std::vector<std::string>{"quiesce:pure"});
  CHECK(std::isfinite(analysis.equilibria[0].regret_q95));
  for (int i = 0; i < 4; ++i) {
    CHECK(analysis.epsilon[i] > 0);
    CHECK(analysis.equilibria[0].payoff_ci95[i].first <= confirmed[0].payoffs[i]);
    CHECK(analysis.equilibria[0].payoff_ci95[i].second >= confirmed[0].payoffs[i]);
  }
}

}  // namespace
}  // namespace reesim::games
