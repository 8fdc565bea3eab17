// Simplicial subdivision (games/simpdiv.h) against games whose equilibria are known, and against
// seeded random games where only the regret can be checked. Links only reesim::games (part of
// games_test). Known answers carry their arithmetic in a comment beside them.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "games/empirical_analysis.h"
#include "games/liap.h"
#include "games/methods.h"
#include "games/nfg_io.h"
#include "test_support.h"
#include "games/normal_form_game.h"
#include "games/pure.h"
#include "games/random.h"
#include "games/regret.h"
#include "games/polish.h"
#include "games/simpdiv.h"

namespace reesim::games {
namespace {

// A game with the given strategy counts and integer payoffs drawn uniformly from [low, high] by the
// counter-based stream keyed by (seed, game, profile, player).
NormalFormGame RandomGame(const std::vector<int>& counts, std::uint64_t seed, std::uint64_t g, int low, int high) {
  NormalFormGame game = NormalFormGame::WithCounts(std::vector<std::string>(counts.size(), "p"), counts);
  for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
    for (int i = 0; i < game.NumPlayers(); ++i) {
      const auto draw = DrawBelow(static_cast<std::uint64_t>(high - low + 1), seed, g, static_cast<std::uint64_t>(p), i);
      game.SetPayoff(p, i, static_cast<long>(draw) + low);
    }
  }
  return game;
}

SimpdivOptions Unpolished() {
  SimpdivOptions options;
  options.polish = false;
  return options;
}

// Checks that `found` converged: regret below 1e-6 x range, in the reported profile; without polishing
// that is the grid point's own regret (the subdivision's guarantee, not Newton's).
void CheckConverged(const NormalFormGame& game, const SimpdivResult& found, bool polished) {
  const double range = game.PayoffScale();
  CHECK(found.converged);
  CHECK(IsMixedProfile(game, found.equilibrium.strategies));
  CHECK(found.equilibrium.regret < 1e-6 * range);
  CHECK(Regret(game, found.equilibrium.strategies) == found.equilibrium.regret);
  if (!polished) CHECK(found.grid_regret == found.equilibrium.regret);
  CHECK(found.equilibrium.regret <= found.grid_regret);
  CHECK(found.refinements >= 1);
  CHECK(found.grid == (std::int64_t{1} << found.refinements));
}

// The three-player game of Simpdiv.ThreePlayerGameWithAUniqueFullyMixedEquilibrium (see there).
NormalFormGame CyclicMatchingGame() {
  NormalFormGame game = NormalFormGame::WithCounts({"1", "2", "3"}, {2, 2, 2});
  for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
    const std::vector<int> s = game.ProfileAt(p);
    game.SetPayoff(p, 0, s[0] == s[1] ? (s[0] == 0 ? 2 : 1) : 0);
    game.SetPayoff(p, 1, s[1] == s[2] ? (s[1] == 0 ? 3 : 1) : 0);
    game.SetPayoff(p, 2, s[2] != s[0] ? (s[2] == 0 ? 2 : 3) : 0);
  }
  return game;
}

TEST_CASE("Simpdiv.MatchingPenniesIsOneHalfEach") {
  // Zero sum, no pure equilibrium; each must make the other indifferent: 1/2, a point of the first
  // grid (mesh 1/2), so the subdivision lands on it exactly.
  const NormalFormGame pennies = ParseNfg("NFG 1 R \"pennies\" { \"1\" \"2\" } { 2 2 }\n1 -1 -1 1 -1 1 1 -1\n");
  const SimpdivResult found = Simpdiv(pennies, Unpolished());
  CheckConverged(pennies, found, false);
  for (const auto& player : found.equilibrium.strategies) {
    CHECK(player[0] == 0.5);
    CHECK(player[1] == 0.5);
  }
  CHECK(found.equilibrium.regret == 0);
  CHECK(found.equilibrium.payoffs == std::vector<double>{0, 0});
}

TEST_CASE("Simpdiv.ThreePlayerGameWithAUniqueFullyMixedEquilibrium") {
  // A cyclic matching game (after Jordan, GEB 5, 1993), 2 strategies each, H = 1 and T = 2:
  //   player 1 gets 2 when s1 = s2 = H, 1 when s1 = s2 = T, else 0  -> indifferent iff q = P(s2 = H) = 1/3
  //     (2q = 1 - q);
  //   player 2 gets 3 when s2 = s3 = H, 1 when s2 = s3 = T, else 0  -> indifferent iff r = P(s3 = H) = 1/4
  //     (3r = 1 - r);
  //   player 3 gets 2 when s3 = H, s1 = T; 3 when s3 = T, s1 = H; else 0 -> indifferent iff
  //     p = P(s1 = H) = 2/5 (2(1 - p) = 3p).
  // Unique: 1 plays H iff q > 1/3, 2 plays H iff r > 1/4, 3 plays H iff p < 2/5. If p > 2/5 then r = 0,
  // so q = 0, so p = 0: a contradiction; p < 2/5 gives r = 1, q = 1, p = 1 likewise. So p = 2/5, and
  // player 1 mixes only if q = 1/3, player 2 only if r = 1/4. Not dyadic (2/5, 1/3): no grid point is
  // the equilibrium, so only refinement reaches it.
  const NormalFormGame game = CyclicMatchingGame();
  CHECK(Regret(game, ExactProfile{{Rational(2, 5), Rational(3, 5)}, {Rational(1, 3), Rational(2, 3)},
                                  {Rational(1, 4), Rational(3, 4)}}) == 0);
  // The grid alone: each grid's best point is the next grid's start, until the regret is below 1e-6 x
  // range.
  const SimpdivResult grid = Simpdiv(game, Unpolished());
  CheckConverged(game, grid, false);
  CHECK(grid.refinements > 10);  // 1/3 and 2/5 are approached grid by grid
  // Regret below 1e-6 x range bounds the distance to the equilibrium only loosely; 1e-4 is ample.
  CHECK(grid.equilibrium.strategies[0][0] == doctest::Approx(0.4).epsilon(1e-4));
  CHECK(grid.equilibrium.strategies[1][0] == doctest::Approx(1.0 / 3).epsilon(1e-4));
  CHECK(grid.equilibrium.strategies[2][0] == doctest::Approx(0.25).epsilon(1e-4));
  // With Newton's polish (the default): no more grids than the grid alone, and the same equilibrium.
  const SimpdivResult polished = Simpdiv(game);
  CheckConverged(game, polished, true);
  CHECK(polished.refinements <= grid.refinements);
  CHECK(polished.equilibrium.strategies[0][0] == doctest::Approx(0.4).epsilon(1e-4));
  CHECK(polished.equilibrium.strategies[1][0] == doctest::Approx(1.0 / 3).epsilon(1e-4));
  CHECK(polished.equilibrium.strategies[2][0] == doctest::Approx(0.25).epsilon(1e-4));
}

TEST_CASE("Polish.NewtonStartsFromTheGivenProfileInAThreePlayerGame") {
  // Newton's method on the support equations starts from the approximate profile restricted to its
  // support. It used to start from zeros (the profile was cleared, then copied from itself), where a
  // game of three or more players has a zero Jacobian: the solve was singular and polish never helped.
  const NormalFormGame game = CyclicMatchingGame();
  const MixedProfile near = {{0.41, 0.59}, {0.32, 0.68}, {0.26, 0.74}};
  const std::optional<MixedProfile> polished = PolishEquilibrium(game, near);
  REQUIRE(polished.has_value());
  CHECK(Regret(game, *polished) < 1e-12);
  CHECK((*polished)[0][0] == doctest::Approx(0.4).epsilon(1e-12));
  CHECK((*polished)[1][0] == doctest::Approx(1.0 / 3).epsilon(1e-12));
  CHECK((*polished)[2][0] == doctest::Approx(0.25).epsilon(1e-12));
}

TEST_CASE("Simpdiv.FindsAnEquilibriumOfMcKelveyMcLennansGame") {
  const NormalFormGame mm = ParseNfg(R"(NFG 1 R "McKelvey-McLennan 2x2x2" { "1" "2" "3" }
{ { "1" "2" } { "1" "2" } { "1" "2" } } ""
{ { "" 9, 8, 12 } { "" 0, 0, 0 } { "" 0, 0, 0 } { "" 9, 8, 2 } { "" 0, 0, 0 } { "" 3, 4, 6 } { "" 3, 4, 6 } { "" 0, 0, 0 } }
1 2 3 4 5 6 7 8
)");
  const SimpdivResult found = Simpdiv(mm);
  CheckConverged(mm, found, true);
  // From everyone's first strategy: (1, 1, 1) pays (9, 8, 12), and no deviation pays more (0): the pure
  // equilibrium at the start, found on the first grid with regret 0.
  CHECK(found.equilibrium.strategies == MixedProfile{{1, 0}, {1, 0}, {1, 0}});
  CHECK(found.refinements == 1);
  CHECK(found.equilibrium.regret == 0);
}

TEST_CASE("Simpdiv.SucceedsWhereLiapFromItsDefaultStartFails") {
  // A seeded random 3x3x3 game (payoffs 0..9) without a pure equilibrium: liap from the uniform
  // profile stops at a local minimum of its Lyapunov function (regret about 0.009 x range); simplicial
  // subdivision reaches the target, on the grid alone and with polishing.
  const NormalFormGame game = RandomGame({3, 3, 3}, /*seed=*/21, 27, 0, 9);
  CHECK(PureEquilibria(game).empty());
  LiapOptions one_start;
  one_start.max_starts = 1;
  const LiapResult liap = Liap(game, one_start);
  CHECK_FALSE(liap.converged);
  CHECK(liap.equilibrium.regret > 1e-3 * game.PayoffScale());
  CheckConverged(game, Simpdiv(game, Unpolished()), false);
  CheckConverged(game, Simpdiv(game), true);
}

TEST_CASE("Solve.TheDefaultForManyPlayersListsOnlyEquilibriaWhereLiapStopsShort") {
  // The example rare-earth game's estimated table (tests/data/games/README.md): liap from its default
  // starts stops at a point of regret 2.67, which `reesim game --solve` once listed beside the pure
  // equilibrium. The default now lists simpdiv's point instead, here the same pure equilibrium.
  const NormalFormGame game =
      ParseNfg(testing::FileBytes(std::string(REESIM_SOURCE_DIR) + "/tests/data/games/rare_earth_game_4p.nfg"));
  const LiapResult liap = Liap(game);
  REQUIRE_FALSE(liap.converged);
  CHECK(liap.equilibrium.regret > 1.0);
  const MethodResult result = SolveWithMethod(game, "pure+liap");
  REQUIRE(result.equilibria.size() == 1);
  CHECK(result.equilibria[0].regret == 0);
  CHECK(result.equilibria[0].strategies == MixedProfile{{0, 0, 1, 0}, {0, 0, 0, 1}, {0, 1, 0}, {0, 1, 0}});
}

TEST_CASE("Simpdiv.DegenerateGames") {
  // Selten's game (IJGT 1975, Fig. 2): the equilibria form a segment x = (1, 0, 0), y = (1 - q, q),
  // q in [0, 1/2]; row 3 pays 2q, row 1 pays 1.
  const NormalFormGame selten =
      ParseNfg("NFG 1 R \"Selten\" { \"1\" \"2\" } { 3 2 }\n1 1 0 2 0 2 1 1 0 3 2 0\n");
  const SimpdivResult found = Simpdiv(selten, Unpolished());
  CheckConverged(selten, found, false);
  CHECK(found.equilibrium.strategies[0][0] == doctest::Approx(1).epsilon(1e-6));
  CHECK(found.equilibrium.strategies[1][1] <= 0.5 + 1e-6);
  // Every payoff equal: every profile is an equilibrium, the start among them.
  NormalFormGame flat = NormalFormGame::WithCounts({"1", "2", "3"}, {3, 2, 2});
  for (std::int64_t p = 0; p < flat.NumProfiles(); ++p) {
    for (int i = 0; i < 3; ++i) flat.SetPayoff(p, i, 7);
  }
  const SimpdivResult any = Simpdiv(flat);
  CheckConverged(flat, any, true);
  CHECK(any.equilibrium.regret == 0);
  // One player with one strategy, another with ties everywhere (a 1 x 3 game where the column player's
  // payoffs are all 0): the start is an equilibrium.
  const NormalFormGame thin = ParseNfg("NFG 1 R \"thin\" { \"1\" \"2\" } { 1 3 }\n5 0 4 0 3 0\n");
  CheckConverged(thin, Simpdiv(thin), true);
  // One player: the best of its strategies (payoffs 1, 5, 2), reached from the first.
  NormalFormGame solo = NormalFormGame::WithCounts({"solo"}, {3});
  for (std::int64_t p = 0; p < 3; ++p) solo.SetPayoff(p, 0, std::vector<long>{1, 5, 2}[p]);
  const SimpdivResult alone = Simpdiv(solo, Unpolished());
  CheckConverged(solo, alone, false);
  CHECK(alone.equilibrium.strategies == MixedProfile{{0, 1, 0}});
  // Two players each with strategies that tie against every opponent strategy but one.
  const NormalFormGame ties = ParseNfg("NFG 1 R \"ties\" { \"1\" \"2\" } { 3 3 }\n0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 0 0 0\n");
  CheckConverged(ties, Simpdiv(ties, Unpolished()), false);
}

TEST_CASE("Simpdiv.RandomGamesReachTheTargetRegret") {
  // Seeded 3x3x3 and 2x2x2x2 games with integer payoffs in [0, 9], and a few other shapes.
  int games = 0;
  for (std::uint64_t g = 0; g < 10; ++g) {
    for (const std::vector<int>& counts : std::vector<std::vector<int>>{{3, 3, 3}, {2, 2, 2, 2}}) {
      const NormalFormGame game = RandomGame(counts, /*seed=*/16, g, 0, 9);
      CAPTURE(g);
      CAPTURE(WritePayoffNfg(game));
      CheckConverged(game, Simpdiv(game, Unpolished()), false);
      CheckConverged(game, Simpdiv(game), true);
      ++games;
    }
  }
  for (std::uint64_t g = 0; g < 10; ++g) {
    const std::vector<std::vector<int>> shapes = {{4, 3}, {2, 5, 3}, {3, 2, 2, 2}, {2, 2, 2, 2, 2}, {5, 5}};
    const NormalFormGame game = RandomGame(shapes[g % shapes.size()], /*seed=*/17, g, -5, 5);
    CAPTURE(g);
    CAPTURE(WritePayoffNfg(game));
    CheckConverged(game, Simpdiv(game, Unpolished()), false);
    ++games;
  }
  CHECK(games == 30);
}

TEST_CASE("Simpdiv.IsDeterministic") {
  const NormalFormGame game = RandomGame({3, 3, 3}, /*seed=*/16, 3, 0, 9);
  const SimpdivResult a = Simpdiv(game);
  const SimpdivResult b = Simpdiv(game);
  CHECK(a.pivots == b.pivots);
  CHECK(a.grid == b.grid);
  REQUIRE(a.equilibrium.strategies.size() == b.equilibrium.strategies.size());
  for (std::size_t i = 0; i < a.equilibrium.strategies.size(); ++i) {
    for (std::size_t j = 0; j < a.equilibrium.strategies[i].size(); ++j) {
      CHECK(std::bit_cast<std::uint64_t>(a.equilibrium.strategies[i][j]) ==
            std::bit_cast<std::uint64_t>(b.equilibrium.strategies[i][j]));
    }
  }
}

TEST_CASE("Simpdiv.IsAMethodByName") {
  const NormalFormGame game = RandomGame({2, 2, 2}, /*seed=*/18, 0, 0, 9);
  CHECK(IsMethod("simpdiv"));
  CHECK(MethodNames().find("simpdiv") != std::string::npos);
  const MethodResult result = SolveWithMethod(game, "simpdiv");
  REQUIRE(result.equilibria.size() == 1);
  REQUIRE(result.converged.size() == 1);
  CHECK(result.converged[0] == std::optional<bool>(true));
  CHECK(result.equilibria[0].regret < 1e-6 * game.PayoffScale());
}

TEST_CASE("Simpdiv.AnalysesAnEmpiricalGame") {
  // The cyclic matching game's payoffs observed with noise uniform in [-0.05, 0.05] over 12 replicates,
  // as an empirical game's cells: simpdiv named in the analysis' methods finds its mixed equilibrium
  // (near (2/5, 1/3, 1/4): the noise moves the cell means by about 0.01) and reports that it converged.
  const NormalFormGame exact = CyclicMatchingGame();
  PayoffSamples samples({"1", "2", "3"}, {{"H", "T"}, {"H", "T"}, {"H", "T"}}, 12);
  for (std::int64_t p = 0; p < exact.NumProfiles(); ++p) {
    for (int i = 0; i < 3; ++i) {
      for (int r = 0; r < 12; ++r) {
        const double noise = 0.1 * (DrawUnit(/*seed=*/5, static_cast<std::uint64_t>(p), i, r) - 0.5);
        samples.Set(p, i, r, exact.PayoffDouble(p, i) + noise);
      }
    }
  }
  const NormalFormGame estimated = EstimatedGame(samples, "cyclic");
  BootstrapOptions bootstrap;
  bootstrap.resamples = 50;
  const EquilibriumAnalysis analysis = AnalyseEquilibria(samples, estimated, {"pure", "simpdiv"}, 1, bootstrap);
  REQUIRE(analysis.equilibria.size() == 1);  // no pure equilibrium
  const AssessedEquilibrium& found = analysis.equilibria[0];
  CHECK(found.methods == std::vector<std::string>{"simpdiv"});
  CHECK(found.converged == std::optional<bool>(true));
  CHECK(found.equilibrium.regret < 1e-6 * estimated.PayoffScale());
  CHECK(found.equilibrium.strategies[0][0] == doctest::Approx(0.4).epsilon(0.05));
  CHECK(found.equilibrium.strategies[1][0] == doctest::Approx(1.0 / 3).epsilon(0.05));
  CHECK(found.equilibrium.strategies[2][0] == doctest::Approx(0.25).epsilon(0.05));
}

TEST_CASE("Simpdiv.StopsAtItsCapsWithConvergedFalse") {
  // The cyclic matching game's only equilibrium, (2/5, 1/3, 1/4), is no point of the grids of mesh 1/2
  // and 1/4: with two grids the regret stays far above the target.
  const NormalFormGame game = CyclicMatchingGame();
  SimpdivOptions options = Unpolished();
  options.max_refinements = 2;
  const SimpdivResult coarse = Simpdiv(game, options);
  CHECK(coarse.refinements == 2);
  CHECK(coarse.grid == 4);
  CHECK_FALSE(coarse.converged);
  CHECK(coarse.equilibrium.regret > 1e-3 * game.PayoffScale());
  CHECK(coarse.equilibrium.regret == coarse.grid_regret);
  options.max_refinements = 46;
  options.max_pivots = 3;
  const SimpdivResult capped = Simpdiv(game, options);
  CHECK(capped.pivots <= 3);
  CHECK_FALSE(capped.converged);
}

}  // namespace
}  // namespace reesim::games
