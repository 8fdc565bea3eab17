// The empirical game's analysis on synthetic samples (games/empirical_analysis.h): no simulation.
#include <doctest/doctest.h>

#include <cmath>

#include "games/empirical_analysis.h"
#include "games/random.h"

namespace reesim::games {
namespace {

// Uniform noise in [-half, half] keyed by (seed, profile, player, replicate).
double Noise(std::uint64_t seed, std::int64_t profile, int player, int replicate, double half) {
  return (2 * DrawUnit(seed, static_cast<std::uint64_t>(profile), static_cast<std::uint64_t>(player),
                       static_cast<std::uint64_t>(replicate)) -
          1) *
         half;
}

// A 2x2 game with payoffs a[row][column] and b[row][column] plus noise, `replicates` samples a cell.
PayoffSamples NoisyBimatrix(const double a[2][2], const double b[2][2], int replicates, double half, std::uint64_t seed) {
  PayoffSamples samples({"Row", "Column"}, {{"C", "D"}, {"C", "D"}}, replicates);
  for (int row = 0; row < 2; ++row) {
    for (int column = 0; column < 2; ++column) {
      const std::int64_t profile = row + 2 * column;  // player 1 fastest
      for (int r = 0; r < replicates; ++r) {
        samples.Set(profile, 0, r, a[row][column] + Noise(seed, profile, 0, r, half));
        samples.Set(profile, 1, r, b[row][column] + Noise(seed, profile, 1, r, half));
      }
    }
  }
  return samples;
}

TEST_CASE("EmpiricalGame.DecimalsAreExactAndWrittenAsDecimals") {
  CHECK(ToDecimalString(Rational(1, 8)) == "0.125");
  CHECK(ToDecimalString(Rational(-5, 2)) == "-2.5");
  CHECK(ToDecimalString(Rational(3)) == "3");
  CHECK(ToDecimalString(Rational(1, 3)) == "1/3");
  CHECK(ToDecimalString(Rational(-1, 400)) == "-0.0025");
  // The shortest round-trip decimal of a double, read exactly: 0.1 is 1/10, not the double's binary value.
  CHECK(ShortestDecimal(0.1) == Rational(1, 10));
  CHECK(ShortestDecimal(42652.0690809104) == *ParseRational("42652.0690809104"));
  CHECK(ToDecimalString(ShortestDecimal(1e-7)) == "0.0000001");
}

TEST_CASE("EmpiricalGame.CellsHaveMeanSeIntervalAndCountWithoutFailedRuns") {
  // Values 1, 2, 3, NaN: mean 2, sd 1, SE 1/sqrt(3), t(0.975, 2) = 4.302652729749464.
  const Estimate e = EstimateOf({1, 2, 3, std::nan("")});
  CHECK(e.n == 3);
  CHECK(e.mean == doctest::Approx(2));
  CHECK(e.se == doctest::Approx(1 / std::sqrt(3.0)));
  CHECK(e.ci95_high - e.mean == doctest::Approx(4.302652729749464 / std::sqrt(3.0)));
  CHECK(std::isnan(EstimateOf({5}).se));
  CHECK(EstimateOf({}).n == 0);
}

TEST_CASE("EmpiricalGame.ResamplesAreDeterministicAndCommonToAllCells") {
  for (int b = 0; b < 20; ++b) {
    const std::vector<int> counts = ResampleCounts(17, 5, b);
    int total = 0;
    for (int c : counts) total += c;
    CHECK(total == 17);
    CHECK(counts == ResampleCounts(17, 5, b));  // a pure function of (replicates, seed, resample)
  }
  CHECK(ResampleCounts(17, 5, 0) != ResampleCounts(17, 5, 1));
  CHECK(ResampleCounts(17, 5, 0) != ResampleCounts(17, 6, 0));
  // All-ones counts give back the estimated game.
  const double a[2][2] = {{3, 0}, {5, 1}}, b[2][2] = {{3, 5}, {0, 1}};
  const PayoffSamples samples = NoisyBimatrix(a, b, 8, 0.5, 1);
  const NormalFormGame estimated = EstimatedGame(samples, "pd");
  const NormalFormGame same = ResampledGame(samples, estimated, std::vector<int>(8, 1));
  for (std::int64_t p = 0; p < 4; ++p) {
    for (int i = 0; i < 2; ++i) CHECK(same.PayoffDouble(p, i) == doctest::Approx(estimated.PayoffDouble(p, i)).epsilon(1e-15));
  }
}

TEST_CASE("EmpiricalGame.ARobustEquilibriumSurvivesEveryResampleAndAFragileOneDoesNot") {
  // Prisoner's Dilemma (C first): A = [[3,0],[5,1]], B = A^T; the only equilibrium is (D, D), where a
  // deviation loses 1. With noise of +-0.5 and 40 replicates the cell means move by about 0.05: the
  // equilibrium holds in every resample.
  const double a[2][2] = {{3, 0}, {5, 1}}, b[2][2] = {{3, 5}, {0, 1}};
  const PayoffSamples pd = NoisyBimatrix(a, b, 40, 0.5, 7);
  const NormalFormGame estimated = EstimatedGame(pd, "pd");
  BootstrapOptions options;
  options.resamples = 300;
  options.seed = 3;
  const EquilibriumAnalysis robust = AnalyseEquilibria(pd, estimated, {"pure", "enummixed"}, 1, options);
  REQUIRE(robust.equilibria.size() == 1);
  const AssessedEquilibrium& dd = robust.equilibria[0];
  CHECK(dd.equilibrium.strategies == MixedProfile{{0, 1}, {0, 1}});
  CHECK(dd.methods == std::vector<std::string>{"pure", "enummixed"});
  CHECK(dd.equilibrium.regret == 0);
  CHECK(dd.robustness == 1);
  CHECK(dd.regret_q95 == 0);
  CHECK(dd.payoff_ci95[0].first < 1);
  CHECK(dd.payoff_ci95[0].second > 1);
  CHECK(dd.payoff_ci95[0].second - dd.payoff_ci95[0].first < 0.2);
  // Per-player epsilon: 1 % of each player's range of means (about 5).
  CHECK(robust.epsilon[0] == doctest::Approx(0.05).epsilon(0.05));

  // The same game where D gains only 0.02 over C against D (A[1][1] = 1, A[0][1] = 0.98), with noise of
  // +-2: the estimated game still has a pure equilibrium, but resamples often reverse the comparison.
  const double a2[2][2] = {{3, 0.98}, {5, 1}}, b2[2][2] = {{3, 5}, {0.98, 1}};
  const PayoffSamples close = NoisyBimatrix(a2, b2, 40, 2.0, 11);
  const NormalFormGame close_game = EstimatedGame(close, "close");
  options.epsilon = 1e-9;
  const EquilibriumAnalysis fragile = AnalyseEquilibria(close, close_game, {"pure"}, 1, options);
  REQUIRE_FALSE(fragile.equilibria.empty());
  for (const AssessedEquilibrium& e : fragile.equilibria) {
    CAPTURE(e.robustness);
    CHECK(e.robustness > 0.05);
    CHECK(e.robustness < 0.95);
    CHECK(e.regret_q95 > 0);
  }
  // Deterministic: the same inputs give the same numbers.
  const EquilibriumAnalysis again = AnalyseEquilibria(close, close_game, {"pure"}, 1, options);
  CHECK(again.equilibria[0].robustness == fragile.equilibria[0].robustness);
  CHECK(again.equilibria[0].payoff_ci95 == fragile.equilibria[0].payoff_ci95);
}

TEST_CASE("EmpiricalGame.TournamentRanksTheDominantStrategyFirst") {
  // In the Prisoner's Dilemma D beats C against every column, by 2 or 1: win rate 1, score 3 vs 1.5.
  const double a[2][2] = {{3, 0}, {5, 1}}, b[2][2] = {{3, 5}, {0, 1}};
  const PayoffSamples pd = NoisyBimatrix(a, b, 30, 0.5, 2);
  BootstrapOptions options;
  options.resamples = 200;
  const std::vector<PlayerTournament> tournament = Tournament(pd, options);
  REQUIRE(tournament.size() == 2);
  for (const PlayerTournament& t : tournament) {
    CHECK(t.ranking[0].strategy == 1);
    CHECK(t.ranking[0].score.mean == doctest::Approx(3).epsilon(0.05));
    CHECK(t.ranking[1].score.mean == doctest::Approx(1.5).epsilon(0.05));
    CHECK(t.ranking[0].boot_low < t.ranking[0].score.mean);
    CHECK(t.ranking[0].boot_high > t.ranking[0].score.mean);
    CHECK(t.win_rate[1][0] == 1);
    CHECK(t.win_rate[0][1] == 0);
    REQUIRE(t.top_two.has_value());
    CHECK(t.top_two->first == 1);
    CHECK(t.top_two->mean_difference == doctest::Approx(1.5).epsilon(0.05));
    CHECK(t.top_two->p_value < 1e-10);
  }
}

TEST_CASE("EmpiricalGame.StackelbergAndCoalitionsOnKnownGames") {
  // GAMES.md: leader A = [[2,4],[1,3]], follower B = [[1,0],[0,1]]: mixed commitment (1/2, 1/2), value
  // 3.5; pure: row 1 is answered by column 1 (leader 2), row 2 by column 2 (leader 3): row 2.
  NormalFormGame game = NormalFormGame::Bimatrix({{2, 4}, {1, 3}}, {{1, 0}, {0, 1}});
  const std::vector<StackelbergResult> results = StackelbergAnalysis(game);
  REQUIRE(results.size() == 2);
  CHECK(results[0].leader == 0);
  CHECK(results[0].pure_profile == std::vector<int>{1, 1});
  CHECK(results[0].pure_payoffs[0] == 3);
  REQUIRE(results[0].mixed.has_value());
  CHECK(results[0].mixed->leader_value == doctest::Approx(3.5));
  // The column player leading: column 1 is answered by row 1 (column gets 1), column 2 by row 1 (0).
  CHECK(results[1].leader == 1);
  CHECK(results[1].pure_profile == std::vector<int>{0, 0});
  CHECK(results[1].pure_payoffs == std::vector<double>{2, 1});

  // The ice-cream game (C, M, P): v(CM) = v(CP) = 500, v(MP) = 750, v(CMP) = 1000, singletons 0, as
  // samples of three replicates around the values: Shapley (250, 375, 375), core not empty.
  const double values[8] = {0, 0, 0, 500, 0, 500, 750, 1000};
  std::vector<std::vector<double>> samples(8);
  for (int mask = 0; mask < 8; ++mask) samples[mask] = {values[mask] - 1, values[mask], values[mask] + 1};
  BootstrapOptions options;
  options.resamples = 50;
  const CoalitionAnalysis c = AnalyseCoalitions({"C", "M", "P"}, samples, options);
  CHECK(c.shapley[0] == doctest::Approx(250));
  CHECK(c.shapley[1] == doctest::Approx(375));
  CHECK(c.shapley[2] == doctest::Approx(375));
  CHECK(c.least_core.core_nonempty);
  CHECK(c.core_nonempty_share == 1);
  CHECK(c.values[7].mean == doctest::Approx(1000));
  CHECK(c.shapley_ci95[0].first <= 250);
  CHECK(c.shapley_ci95[0].second >= 250);
}

}  // namespace
}  // namespace reesim::games
