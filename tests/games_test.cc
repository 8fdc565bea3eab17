// The games library (games/): .nfg reading and writing, and every solver against games whose
// equilibria are known exactly. Links only reesim::games. Known answers carry their arithmetic or source
// in a comment beside them.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "games/coalitions.h"
#include "games/enummixed.h"
#include "games/fictitious.h"
#include "games/lcp.h"
#include "games/liap.h"
#include "games/logit.h"
#include "games/nfg_io.h"
#include "games/normal_form_game.h"
#include "games/pure.h"
#include "games/random.h"
#include "games/rational.h"
#include "games/regret.h"
#include "games/regret_matching.h"
#include "games/replicator.h"
#include "games/stackelberg.h"

namespace reesim::games {
namespace {

using Matrix = std::vector<std::vector<Rational>>;

Rational Q(const std::string& text) {
  const auto value = ParseRational(text);
  REQUIRE(value.has_value());
  return *value;
}

Matrix M(std::initializer_list<std::initializer_list<int>> rows) {
  Matrix matrix;
  for (const auto& row : rows) {
    matrix.emplace_back();
    for (const int v : row) matrix.back().push_back(Rational(v));
  }
  return matrix;
}

Matrix Transpose(const Matrix& a) {
  Matrix t(a[0].size(), std::vector<Rational>(a.size()));
  for (std::size_t r = 0; r < a.size(); ++r) {
    for (std::size_t c = 0; c < a[r].size(); ++c) t[c][r] = a[r][c];
  }
  return t;
}

Matrix Negate(const Matrix& a) {
  Matrix n = a;
  for (auto& row : n) {
    for (auto& v : row) v = -v;
  }
  return n;
}

// An exact profile written as strings: {{"1/2", "1/2"}, {"1", "0"}}.
ExactProfile P(std::initializer_list<std::initializer_list<const char*>> players) {
  ExactProfile profile;
  for (const auto& player : players) {
    profile.emplace_back();
    for (const char* v : player) profile.back().push_back(Q(v));
  }
  return profile;
}

std::vector<ExactProfile> ExactProfiles(const std::vector<Equilibrium>& equilibria) {
  std::vector<ExactProfile> out;
  for (const Equilibrium& e : equilibria) {
    REQUIRE(e.exact.has_value());
    out.push_back(*e.exact);
  }
  return out;
}

std::string Show(const ExactProfile& profile) {
  std::string text;
  for (const auto& player : profile) {
    text += "(";
    for (std::size_t j = 0; j < player.size(); ++j) text += (j ? "," : "") + ToString(player[j]);
    text += ")";
  }
  return text;
}

// The known answers of docs/games.md's reference table, in the order EnumMixed lists them.
struct Known {
  const char* name;
  Matrix a, b;
  std::vector<ExactProfile> equilibria;
};

std::vector<Known> KnownTwoPlayerGames() {
  std::vector<Known> games;
  // Prisoner's Dilemma (C first): D strictly dominates C (5 > 3, 1 > 0), so (D, D) only.
  games.push_back({"prisoners_dilemma", M({{3, 0}, {5, 1}}), Transpose(M({{3, 0}, {5, 1}})), {P({{"0", "1"}, {"0", "1"}})}});
  // Matching pennies: zero sum, no pure equilibrium; each must make the other indifferent: 1/2.
  games.push_back({"matching_pennies", M({{1, -1}, {-1, 1}}), Negate(M({{1, -1}, {-1, 1}})),
                   {P({{"1/2", "1/2"}, {"1/2", "1/2"}})}});
  // Rock-paper-scissors: the unique equilibrium is uniform for both.
  games.push_back({"rps", M({{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}}), Negate(M({{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}})),
                   {P({{"1/3", "1/3", "1/3"}, {"1/3", "1/3", "1/3"}})}});
  // Biased RPS: with y = (1, 10, 5)/16, A y = (-250 + 250, 25 - 25, -50 + 50)/16 = 0 in every row;
  // the game is symmetric zero sum (B = -A = A^T), so x = y.
  games.push_back({"biased_rps", M({{0, -25, 50}, {25, 0, -5}, {-50, 5, 0}}),
                   Negate(M({{0, -25, 50}, {25, 0, -5}, {-50, 5, 0}})),
                   {P({{"1/16", "10/16", "5/16"}, {"1/16", "10/16", "5/16"}})}});
  // Battle of the sexes: two pure; mixed x = (3/5, 2/5) makes the column player indifferent
  // (2x1 = 3x2), y = (2/5, 3/5) the row player (3y1 = 2y2); payoffs (6/5, 6/5).
  games.push_back({"battle_of_the_sexes", M({{3, 0}, {0, 2}}), M({{2, 0}, {0, 3}}),
                   {P({{"1", "0"}, {"1", "0"}}), P({{"3/5", "2/5"}, {"2/5", "3/5"}}), P({{"0", "1"}, {"0", "1"}})}});
  // Stag hunt: (S, S), (H, H), and the mix with 2y = y + (1 - y)... 2 y1 = 1: y1 = 1/2.
  games.push_back({"stag_hunt", M({{2, 0}, {1, 1}}), Transpose(M({{2, 0}, {1, 1}})),
                   {P({{"1", "0"}, {"1", "0"}}), P({{"1/2", "1/2"}, {"1/2", "1/2"}}), P({{"0", "1"}, {"0", "1"}})}});
  // Chicken (Dare first): (D, C), (C, D), and 4 y2 = y1 + 3 y2 -> y1 = y2 = 1/2.
  games.push_back({"chicken", M({{0, 4}, {1, 3}}), Transpose(M({{0, 4}, {1, 3}})),
                   {P({{"1", "0"}, {"0", "1"}}), P({{"1/2", "1/2"}, {"1/2", "1/2"}}), P({{"0", "1"}, {"1", "0"}})}});
  // Shapley's game: the uniform profile only.
  games.push_back({"shapley", M({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}), M({{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}),
                   {P({{"1/3", "1/3", "1/3"}, {"1/3", "1/3", "1/3"}})}});
  // Gambit's 2x2 (contrib/games/2x2.nfg): column indifferent when x2 = x1 -> x = (1/2, 1/2); row
  // indifferent when 2 y1 = y2 -> y = (1/3, 2/3).
  games.push_back({"gambit_2x2", M({{2, 0}, {0, 1}}), M({{0, 1}, {1, 0}}), {P({{"1/2", "1/2"}, {"1/3", "2/3"}})}});
  // Gambit's 2x2 constant sum (A + B = 2 everywhere... 2+0, 0+2, 0+2, 1+1): column indifferent when
  // 2 x2 = 2 x1 + x2... x = (1/3, 2/3); row indifferent when 2 y1 = y2: y = (1/3, 2/3).
  games.push_back({"gambit_2x2_const_sum", M({{2, 0}, {0, 1}}), M({{0, 2}, {2, 1}}),
                   {P({{"1/3", "2/3"}, {"1/3", "2/3"}})}});
  // Selten (IJGT 1975) Fig. 2: x = (1, 0, 0) with y = (1 - q, q), q in [0, 1/2] (row 3 pays 2q, row 1
  // pays 1: q <= 1/2). Extreme points q = 0 and q = 1/2. Supports of unequal size (1 and 2): the
  // degeneracy test.
  games.push_back({"selten", M({{1, 1}, {0, 0}, {0, 2}}), M({{1, 1}, {2, 3}, {2, 0}}),
                   {P({{"1", "0", "0"}, {"1", "0"}}), P({{"1", "0", "0"}, {"1/2", "1/2"}})}});
  return games;
}

// ---------------------------------------------------------------------------------------------------
// .nfg files

constexpr const char* kSeltenNfg = R"(NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
)";

constexpr const char* kMcKelveyMcLennanNfg =
    R"(NFG 1 R "2x2x2 Example from McKelvey-McLennan, with 9 Nash equilibria, 2 totally mixed" { "Player 1" "Player 2" "Player 3" }

{ { "1" "2" }
{ "1" "2" }
{ "1" "2" }
}
""

{
{ "" 9, 8, 12 }
{ "" 0, 0, 0 }
{ "" 0, 0, 0 }
{ "" 9, 8, 2 }
{ "" 0, 0, 0 }
{ "" 3, 4, 6 }
{ "" 3, 4, 6 }
{ "" 0, 0, 0 }
}
1 2 3 4 5 6 7 8
)";

// Three-player matching pennies, one profile per line, player 1 fastest.
constexpr const char* kThreePlayerPenniesNfg = R"(NFG 1 R "3-player matching pennies" { "1" "2" "3" } { 2 2 2 }
1 1 -1
-1 1 1
-1 -1 -1
1 -1 1
1 -1 1
-1 -1 -1
-1 1 1
1 1 -1
)";

TEST_CASE("Nfg.ReadsThePayoffVersionInGambitOrder") {
  const NormalFormGame game = ParseNfg(kSeltenNfg);
  CHECK(game.title() == "Selten (IJGT, 75), Figure 2, normal form");
  CHECK(game.players() == std::vector<std::string>{"Player 1", "Player 2"});
  CHECK(game.StrategyCounts() == std::vector<int>{3, 2});
  // (P1, P2) -> (u1, u2): (1,1)->(1,1), (2,1)->(0,2), (3,1)->(0,2), (1,2)->(1,1), (2,2)->(0,3), (3,2)->(2,0).
  const int expected[6][2][2] = {{{0, 0}, {1, 1}}, {{1, 0}, {0, 2}}, {{2, 0}, {0, 2}},
                                 {{0, 1}, {1, 1}}, {{1, 1}, {0, 3}}, {{2, 1}, {2, 0}}};
  for (const auto& cell : expected) {
    const std::int64_t index = game.ProfileIndex({cell[0][0], cell[0][1]});
    CHECK(game.Payoff(index, 0) == cell[1][0]);
    CHECK(game.Payoff(index, 1) == cell[1][1]);
  }
  CHECK(game.ProfileIndex({2, 1}) == 5);  // s1 + n1 * s2 = 2 + 3 * 1
  CHECK(game.ProfileAt(4) == std::vector<int>{1, 1});
}

TEST_CASE("Nfg.ReadsTheOutcomeVersion") {
  const NormalFormGame game = ParseNfg(kMcKelveyMcLennanNfg);
  CHECK(game.NumPlayers() == 3);
  CHECK(game.NumProfiles() == 8);
  CHECK(game.comment().empty());
  CHECK(game.Payoff(game.ProfileIndex({0, 0, 0}), 2) == 12);
  CHECK(game.Payoff(game.ProfileIndex({1, 1, 0}), 0) == 9);  // profile 4: outcome 4 = (9, 8, 2)
  CHECK(game.Payoff(game.ProfileIndex({1, 1, 0}), 2) == 2);
  CHECK(game.Payoff(game.ProfileIndex({1, 1, 1}), 1) == 0);
  // Outcome 0 is the null outcome; commas are optional; labels keep escaped quotes.
  const NormalFormGame labelled = ParseNfg(R"(NFG 1 R "t" { "A \"the row\"" "B" }
{ { "up" "down" } { "left" "right" } }
"a comment"
{ { "win" 1 -1 } { "lose\\draw" -1, 1 } }
1 0 2 1
)");
  CHECK(labelled.players()[0] == "A \"the row\"");
  CHECK(labelled.strategies()[0] == std::vector<std::string>{"up", "down"});
  CHECK(labelled.comment() == "a comment");
  CHECK(labelled.Payoff(1, 0) == 0);
  CHECK(labelled.Payoff(2, 1) == 1);
  CHECK(labelled.Payoff(3, 0) == 1);
}

TEST_CASE("Nfg.NumbersAreReadExactly") {
  const NormalFormGame game = ParseNfg("NFG 1 R \"\" { \"a\" \"b\" } { 2 2 }\n1/3 -2.5 1e3 .5 +4 -7/2 1.25e-2 0.1\n");
  CHECK(game.Payoff(0, 0) == Rational(1, 3));
  CHECK(game.Payoff(0, 1) == Rational(-5, 2));
  CHECK(game.Payoff(1, 0) == 1000);
  CHECK(game.Payoff(1, 1) == Rational(1, 2));
  CHECK(game.Payoff(2, 0) == 4);
  CHECK(game.Payoff(2, 1) == Rational(-7, 2));
  CHECK(game.Payoff(3, 0) == Rational(1, 80));
  CHECK(game.Payoff(3, 1) == Rational(1, 10));  // exactly 1/10, not the double nearest 0.1
  CHECK(game.PayoffDouble(3, 1) == 0.1);
  CHECK(ToString(Rational(6, 4)) == "3/2");
  CHECK(ToString(Rational(-4)) == "-4");
  CHECK_FALSE(ParseRational("1/0").has_value());
  CHECK_FALSE(ParseRational("1.2.3").has_value());
  CHECK_FALSE(ParseRational("-").has_value());
  CHECK_FALSE(ParseRational("1e").has_value());
}

TEST_CASE("Nfg.WriteThenReadIsExactInBothVersions") {
  NormalFormGame game = NormalFormGame::WithCounts({"Row \"R\"", "Col\\C", "Third"}, {2, 3, 2});
  game.set_title("a \"quoted\" title");
  game.set_comment("line one\nline two");
  for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
    for (int i = 0; i < 3; ++i) game.SetPayoff(p, i, Rational(static_cast<long>(p * 7 - 11 * i), static_cast<long>(i + 3)));
  }
  game.SetPayoff(5, 1, Q("-1234567890123456789/3"));
  const NormalFormGame payoff_version = ParseNfg(WritePayoffNfg(game));
  CHECK(payoff_version == game);
  CHECK(WritePayoffNfg(game).find("{ 2 3 2 }") != std::string::npos);  // default labels: counts
  const NormalFormGame outcome_version = ParseNfg(WriteOutcomeNfg(game));
  CHECK(outcome_version == game);

  NormalFormGame labelled = ParseNfg(WriteOutcomeNfg(ParseNfg(kMcKelveyMcLennanNfg)));
  CHECK(labelled == ParseNfg(kMcKelveyMcLennanNfg));
  const NormalFormGame with_labels = ParseNfg("NFG 1 R \"\" { \"a\" \"b\" } { { \"x\" \"y\" } { \"z\" } } 1 2 3 4");
  CHECK(ParseNfg(WritePayoffNfg(with_labels)) == with_labels);
  CHECK(ParseNfg(WriteOutcomeNfg(with_labels)) == with_labels);
}

TEST_CASE("Nfg.MalformedFilesGiveLineColumnAndWhatWasExpected") {
  struct Case {
    const char* name;
    std::string text;
    std::string error;  // the start of what() (LINE:COL: ...)
  };
  const std::vector<Case> cases = {
      {"not nfg", "EFG 2 R \"x\" { \"a\" }", "1:1: expected 'NFG'"},
      {"bad version", "NFG 2 R \"x\"", "1:5: expected the version number 1"},
      {"missing title", "NFG 1 R { \"a\" }", "1:9: expected the game's title"},
      {"too few counts", "NFG 1 R \"x\" { \"a\" \"b\" } { 2 }\n1 2 3 4", "1:29: expected the number of strategies of player 2 (one count per player, 2 players), found '}'"},
      {"too many counts", "NFG 1 R \"x\" { \"a\" \"b\" } { 2 2 2 }\n", "1:31: expected '}' after 2 strategy counts"},
      {"zero strategies", "NFG 1 R \"x\" { \"a\" } { 0 }\n", "1:23: expected the number of strategies of player 1 (a whole number from 1"},
      {"fractional count", "NFG 1 R \"x\" { \"a\" } { 3/2 }\n", "1:23: expected the number of strategies of player 1"},
      {"missing payoff", "NFG 1 R \"x\" { \"a\" \"b\" } { 2 1 }\n1 2\n3", "3:2: expected the payoff of player 2 at profile #2 of 2 (payoff 4 of 4), found the end of the file"},
      {"extra payoff", "NFG 1 R \"x\" { \"a\" \"b\" } { 2 1 }\n1 2\n3 4 5", "3:5: expected the end of the file after 4 payoffs"},
      {"non-numeric payoff", "NFG 1 R \"x\" { \"a\" } { 2 }\n1\nabc", "3:1: expected the payoff of player 1 at profile #2 of 2 (payoff 2 of 2), found 'abc'"},
      {"malformed number", "NFG 1 R \"x\" { \"a\" } { 2 }\n1 1.2.3", "2:3: expected the payoff of player 1 at profile #2 of 2 (payoff 2 of 2), found '1.2.3', which is not a number"},
      {"zero denominator", "NFG 1 R \"x\" { \"a\" } { 1 }\n  1/0", "2:3: expected the payoff of player 1 at profile #1"},
      {"unterminated string", "NFG 1 R \"x\" { \"a\" \"b } { 2 1 }\n1 2 3 4\n", "1:19: unterminated string"},
      {"truncated header", "NFG 1 R \"x\" { \"a\" \"b\" } { 2", "1:28: expected the number of strategies of player 2, found the end of the file"},
      {"truncated player list", "NFG 1 R \"x\" { \"a\"", "1:18: expected a player name in double quotes or '}'"},
      {"no players", "NFG 1 R \"x\" { } { }", "1:15: expected a player name in double quotes"},
      {"unknown outcome", "NFG 1 R \"x\" { \"a\" } { { \"u\" \"v\" } }\n{ { \"\" 1 } }\n1 2\n",
       "3:3: outcome index 2 of profile #2 is not defined: the file defines 1 outcomes"},
      {"negative outcome", "NFG 1 R \"x\" { \"a\" } { { \"u\" } }\n{ { \"\" 1 } }\n-1\n", "3:1: expected the outcome index of profile #1 of 1 (a whole number >= 0)"},
      {"missing outcome index", "NFG 1 R \"x\" { \"a\" } { { \"u\" \"v\" } }\n{ { \"\" 1 } }\n1\n", "4:1: expected the outcome index of profile #2 of 2, found the end of the file"},
      {"extra outcome index", "NFG 1 R \"x\" { \"a\" } { { \"u\" } }\n{ { \"\" 1 } }\n1 1\n", "3:3: expected the end of the file after 1 outcome indices"},
      {"outcome missing payoff", "NFG 1 R \"x\" { \"a\" \"b\" } { { \"u\" } { \"v\" } }\n{ { \"\" 1 } }\n1\n",
       "2:10: expected the payoff of player 2 of 2 in outcome #1"},
      {"outcome extra payoff", "NFG 1 R \"x\" { \"a\" } { { \"u\" } }\n{ { \"\" 1 2 } }\n1\n", "2:10: expected '}' closing outcome #1 after its 1 payoffs"},
      {"outcome without label", "NFG 1 R \"x\" { \"a\" } { { \"u\" } }\n{ { 1 } }\n1\n", "2:5: expected the label of outcome #1"},
      {"strategy list without labels", "NFG 1 R \"x\" { \"a\" } { { } }\n", "1:25: expected a strategy label"},
      {"too large", "NFG 1 R \"x\" { \"a\" \"b\" } { 4000 4000 }", "1:32: the game has more than 4000000 payoffs"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string what;
    try {
      ParseNfg(c.text);
    } catch (const NfgError& error) {
      what = error.what();
    }
    CHECK(what.substr(0, c.error.size()) == c.error);
    if (what.substr(0, c.error.size()) != c.error) MESSAGE(c.name, ": ", what);
  }
}

// ---------------------------------------------------------------------------------------------------
// Pure equilibria

TEST_CASE("Pure.FindsEveryPureEquilibriumWithAnyNumberOfPlayers") {
  // McKelvey-McLennan 2x2x2: pure equilibria, as each player's probability of strategy 1, (1,1,1),
  // (1,0,0), (0,1,0), (0,0,1) -> profiles (0,0,0), (0,1,1), (1,0,1), (1,1,0) in 0-based strategies, at
  // indices 0, 6, 5, 3; listed by index.
  const std::vector<Equilibrium> mm = PureEquilibria(ParseNfg(kMcKelveyMcLennanNfg));
  REQUIRE(mm.size() == 4);
  CHECK(*mm[0].exact == P({{"1", "0"}, {"1", "0"}, {"1", "0"}}));
  CHECK(*mm[1].exact == P({{"0", "1"}, {"0", "1"}, {"1", "0"}}));
  CHECK(*mm[2].exact == P({{"0", "1"}, {"1", "0"}, {"0", "1"}}));
  CHECK(*mm[3].exact == P({{"1", "0"}, {"0", "1"}, {"0", "1"}}));
  CHECK(mm[0].payoffs == std::vector<double>{9, 8, 12});
  for (const Equilibrium& e : mm) CHECK(e.regret == 0);
  CHECK(PureEquilibria(ParseNfg(kThreePlayerPenniesNfg)).empty());
  const auto pd = PureEquilibria(NormalFormGame::Bimatrix(M({{3, 0}, {5, 1}}), Transpose(M({{3, 0}, {5, 1}}))));
  REQUIRE(pd.size() == 1);
  CHECK(pd[0].payoffs == std::vector<double>{1, 1});
}

// ---------------------------------------------------------------------------------------------------
// Two players, exact

TEST_CASE("EnumMixed.FindsEveryKnownEquilibriumExactly") {
  for (const Known& known : KnownTwoPlayerGames()) {
    CAPTURE(known.name);
    const std::vector<Equilibrium> found = EnumMixed(NormalFormGame::Bimatrix(known.a, known.b));
    std::string listed;
    for (const Equilibrium& e : found) listed += Show(*e.exact) + " ";
    CAPTURE(listed);
    CHECK(ExactProfiles(found) == known.equilibria);
    for (const Equilibrium& e : found) CHECK(e.regret == 0);
  }
}

TEST_CASE("EnumMixed.PayoffsOfTheMixedBattleOfTheSexesAreSixFifths") {
  const auto found = EnumMixed(NormalFormGame::Bimatrix(M({{3, 0}, {0, 2}}), M({{2, 0}, {0, 3}})));
  REQUIRE(found.size() == 3);
  CHECK(*found[0].exact_payoffs == std::vector<Rational>{3, 2});
  CHECK(*found[1].exact_payoffs == std::vector<Rational>{Rational(6, 5), Rational(6, 5)});
  CHECK(*found[2].exact_payoffs == std::vector<Rational>{2, 3});
}

TEST_CASE("EnumMixed.CoordinationGamesHaveTwoToTheNMinusOneEquilibria") {
  // A = B = I: every non-empty subset S of strategies, both players uniform over S, is an equilibrium.
  for (const int n : {1, 2, 3, 4, 5}) {
    Matrix identity(n, std::vector<Rational>(n, Rational(0)));
    for (int i = 0; i < n; ++i) identity[i][i] = 1;
    const auto found = EnumMixed(NormalFormGame::Bimatrix(identity, identity));
    CHECK(found.size() == static_cast<std::size_t>((1 << n) - 1));  // 3x3: 7, 4x4: 15
    for (const Equilibrium& e : found) {
      CHECK((*e.exact)[0] == (*e.exact)[1]);
      int support = 0;
      for (const Rational& p : (*e.exact)[0]) support += p > 0;
      for (const Rational& p : (*e.exact)[0]) CHECK((p == 0 || p == Rational(1, support)));
    }
  }
}

TEST_CASE("EnumMixed.RefusesGamesTooLargeAndNamesTheMethodsThatFit") {
  const NormalFormGame big = NormalFormGame::WithCounts({"a", "b"}, {13, 13});
  try {
    EnumMixed(big);
    FAIL("expected a GameError");
  } catch (const GameError& error) {
    const std::string what = error.what();
    CHECK(what.find("too large") != std::string::npos);
    CHECK(what.find("lcp") != std::string::npos);
    CHECK(what.find("liap") != std::string::npos);
  }
  CHECK_THROWS_AS(EnumMixed(ParseNfg(kMcKelveyMcLennanNfg)), GameError);
  CHECK(EnumMixedBases(3, 3) == 19);  // C(6,3) - 1
}

TEST_CASE("Lcp.LemkeHowsonFromEveryLabelFindsKnownEquilibria") {
  for (const Known& known : KnownTwoPlayerGames()) {
    CAPTURE(known.name);
    const LcpResult result = LemkeHowson(NormalFormGame::Bimatrix(known.a, known.b));
    CHECK(result.abandoned_paths == 0);
    REQUIRE_FALSE(result.equilibria.empty());
    for (const Equilibrium& e : result.equilibria) {
      CAPTURE(Show(*e.exact));
      CHECK(std::find(known.equilibria.begin(), known.equilibria.end(), *e.exact) != known.equilibria.end());
      CHECK(e.regret == 0);
    }
  }
  // Battle of the sexes: label 1 (row strategy 1) leads to the pure (1, 1) from the artificial
  // equilibrium; the labels together find both pure equilibria (the mixed one is not reachable from
  // (0, 0): it has the opposite index).
  const LcpResult bos = LemkeHowson(NormalFormGame::Bimatrix(M({{3, 0}, {0, 2}}), M({{2, 0}, {0, 3}})));
  CHECK(bos.equilibria.size() == 2);
}

// Checks the best-response conditions exactly: every strategy played with positive probability earns
// the player's best payoff against the other's mix.
void CheckExactBestResponses(const NormalFormGame& game, const ExactProfile& profile) {
  const auto values = StrategyPayoffs(game, profile);
  for (int i = 0; i < 2; ++i) {
    Rational sum(0);
    const Rational best = *std::max_element(values[i].begin(), values[i].end());
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      CHECK(profile[i][j] >= 0);
      sum += profile[i][j];
      if (profile[i][j] > 0) CHECK(values[i][j] == best);
    }
    CHECK(sum == 1);
  }
}

TEST_CASE("Property.RandomGamesEnumMixedIsExactAndContainsEveryLemkeHowsonEquilibrium") {
  // 200 games, sizes 1..6 x 1..6, integer payoffs in [-4, 4] drawn from a seeded counter-based
  // stream: small ranges make many degenerate games, where enumerating equal supports would fail.
  int total_equilibria = 0;
  for (std::uint64_t g = 0; g < 200; ++g) {
    const int m = 1 + static_cast<int>(DrawBelow(6, /*seed=*/42, g, /*b=*/0));
    const int n = 1 + static_cast<int>(DrawBelow(6, /*seed=*/42, g, /*b=*/1));
    Matrix a(m, std::vector<Rational>(n)), b(m, std::vector<Rational>(n));
    for (int r = 0; r < m; ++r) {
      for (int c = 0; c < n; ++c) {
        a[r][c] = static_cast<long>(DrawBelow(9, 42, g, 100 + r * 6 + c)) - 4;
        b[r][c] = static_cast<long>(DrawBelow(9, 42, g, 200 + r * 6 + c)) - 4;
      }
    }
    const NormalFormGame game = NormalFormGame::Bimatrix(a, b);
    CAPTURE(g);
    CAPTURE(WritePayoffNfg(game));
    const std::vector<Equilibrium> all = EnumMixed(game);
    REQUIRE_FALSE(all.empty());  // Nash: every finite game has one
    total_equilibria += static_cast<int>(all.size());
    for (const Equilibrium& e : all) CheckExactBestResponses(game, *e.exact);
    for (std::size_t k = 1; k < all.size(); ++k) CHECK(ExactOrderBefore(*all[k - 1].exact, *all[k].exact));
    const LcpResult lh = LemkeHowson(game);
    CHECK(lh.abandoned_paths == 0);
    for (const Equilibrium& e : lh.equilibria) {
      CHECK(std::any_of(all.begin(), all.end(), [&](const Equilibrium& x) { return *x.exact == *e.exact; }));
    }
    // Every pure equilibrium is an extreme equilibrium.
    for (const Equilibrium& e : PureEquilibria(game)) {
      CHECK(std::any_of(all.begin(), all.end(), [&](const Equilibrium& x) { return *x.exact == *e.exact; }));
    }
  }
  CHECK(total_equilibria > 200);
}

TEST_CASE("Property.EnumMixedInIntegersFindsWhatRationalsFind") {
  // Candidate bases solved in integers (128 bits, GMP where those overflow) against rationals
  // throughout, on 80 random games up to 7 x 7: small integers (degenerate), fractions with mixed
  // denominators (scaled to integers), payoffs near 2^40 (products of minors overflow 128 bits: those
  // bases go to GMP integers) and near 2^70 (beyond 62 bits: GMP integers from the start).
  const char* kinds[] = {"small integers", "fractions", "near 2^40", "near 2^70"};
  for (std::uint64_t g = 0; g < 80; ++g) {
    const int kind = static_cast<int>(g % 4);
    CAPTURE(kinds[kind]);
    CAPTURE(g);
    const int m = 2 + static_cast<int>(DrawBelow(6, /*seed=*/7, g, /*b=*/0));
    const int n = 2 + static_cast<int>(DrawBelow(6, /*seed=*/7, g, /*b=*/1));
    Matrix a(m, std::vector<Rational>(n)), b(m, std::vector<Rational>(n));
    for (int r = 0; r < m; ++r) {
      for (int c = 0; c < n; ++c) {
        for (int p = 0; p < 2; ++p) {
          const long draw = static_cast<long>(DrawBelow(9, 7, g, 100 * (p + 1) + r * 8 + c)) - 4;
          const long low = static_cast<long>(DrawBelow(1000, 7, g, 500 + r * 8 + c));
          Rational& cell = p == 0 ? a[r][c] : b[r][c];
          if (kind == 0) cell = draw;
          if (kind == 1) cell = Rational(draw, 1 + static_cast<long>(DrawBelow(6, 7, g, 300 * (p + 1) + r * 8 + c)));
          if (kind == 2) cell = Rational(mpz_class(draw) * (mpz_class(1) << 40) + low);
          if (kind == 3) cell = Rational(mpz_class(draw) * (mpz_class(1) << 70) + low);
        }
      }
    }
    const NormalFormGame game = NormalFormGame::Bimatrix(a, b);
    EnumMixedOptions rationals;
    rationals.integer_arithmetic = false;
    const std::vector<Equilibrium> fast = EnumMixed(game);
    const std::vector<Equilibrium> slow = EnumMixed(game, rationals);
    REQUIRE(fast.size() == slow.size());
    for (std::size_t k = 0; k < fast.size(); ++k) CHECK(*fast[k].exact == *slow[k].exact);
  }
}

// ---------------------------------------------------------------------------------------------------
// Regret and best responses

TEST_CASE("Regret.IsTheLargestUnilateralGainAndZeroAtEquilibria") {
  const NormalFormGame pennies = NormalFormGame::Bimatrix(M({{1, -1}, {-1, 1}}), Negate(M({{1, -1}, {-1, 1}})));
  CHECK(Regret(pennies, UniformProfile(pennies)) == 0);
  // At (heads, heads) the column player gets -1 and would get 1 by switching: regret 2.
  CHECK(Regret(pennies, MixedProfile{{1, 0}, {1, 0}}) == 2);
  CHECK(Regret(pennies, P({{"1", "0"}, {"1", "0"}})) == 2);
  // Row plays (3/4, 1/4): the column player's tails earns 3/4 - 1/4 = 1/2, heads -1/2, its mix 0.
  CHECK(Regret(pennies, P({{"3/4", "1/4"}, {"1/2", "1/2"}})) == Rational(1, 2));
  const NormalFormGame bos = NormalFormGame::Bimatrix(M({{3, 0}, {0, 2}}), M({{2, 0}, {0, 3}}));
  // Against y = (2/5, 3/5) both rows earn 6/5: both are best responses, exactly.
  CHECK(BestResponses(bos, P({{"1", "0"}, {"2/5", "3/5"}}), 0) == std::vector<int>{0, 1});
  CHECK(BestResponses(bos, P({{"1", "0"}, {"1/2", "1/2"}}), 0) == std::vector<int>{0});
  CHECK(BestResponses(bos, MixedProfile{{1, 0}, {0, 1}}, 0) == std::vector<int>{1});
  CHECK(ExpectedPayoffs(bos, P({{"3/5", "2/5"}, {"2/5", "3/5"}})) == std::vector<Rational>{Rational(6, 5), Rational(6, 5)});
  const NormalFormGame three = ParseNfg(kThreePlayerPenniesNfg);
  CHECK(Regret(three, UniformProfile(three)) == doctest::Approx(0).epsilon(1e-15));
  CHECK(IsMixedProfile(three, UniformProfile(three)));
  CHECK_FALSE(IsMixedProfile(three, MixedProfile{{1, 0}, {0.5, 0.5}}));
}

// ---------------------------------------------------------------------------------------------------
// n players, approximate

// The nine equilibria of McKelvey-McLennan's 2x2x2 game, as each player's probability of strategy 1.
const std::vector<std::array<double, 3>> kMcKelveyMcLennanEquilibria = {
    {1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0.25, 1.0 / 3}, {1.0 / 3, 1, 0.25}, {0.5, 0.5, 1},
    {0.5, 0.4, 0.25}, {0.4, 0.5, 1.0 / 3}};

bool IsKnownMcKelveyMcLennanEquilibrium(const MixedProfile& profile, double tolerance) {
  return std::any_of(kMcKelveyMcLennanEquilibria.begin(), kMcKelveyMcLennanEquilibria.end(), [&](const auto& e) {
    for (int i = 0; i < 3; ++i) {
      if (std::abs(profile[i][0] - e[i]) > tolerance) return false;
    }
    return true;
  });
}

TEST_CASE("Liap.FindsAnEquilibriumOfThreePlayerGamesToOneMillionthOfTheRange") {
  const NormalFormGame mm = ParseNfg(kMcKelveyMcLennanNfg);
  // The known equilibria are equilibria: regret 0 (checked exactly for the totally mixed ones).
  CHECK(Regret(mm, P({{"1/2", "1/2"}, {"2/5", "3/5"}, {"1/4", "3/4"}})) == 0);
  CHECK(Regret(mm, P({{"2/5", "3/5"}, {"1/2", "1/2"}, {"1/3", "2/3"}})) == 0);
  CHECK(Regret(mm, P({{"0", "1"}, {"1/4", "3/4"}, {"1/3", "2/3"}})) == 0);
  const LiapResult found = Liap(mm);
  CHECK(found.converged);
  CHECK(found.equilibrium.regret < 1e-6 * mm.PayoffScale());  // range 12
  CHECK(IsKnownMcKelveyMcLennanEquilibrium(found.equilibrium.strategies, 1e-6));
  // Different seeds may find different equilibria; every one is among the nine.
  for (std::uint64_t seed = 2; seed < 12; ++seed) {
    LiapOptions options;
    options.seed = seed;
    options.max_starts = 5;
    const LiapResult other = Liap(mm, options);
    if (other.converged) CHECK(IsKnownMcKelveyMcLennanEquilibrium(other.equilibrium.strategies, 1e-6));
  }
  const NormalFormGame three = ParseNfg(kThreePlayerPenniesNfg);
  const LiapResult pennies = Liap(three);
  CHECK(pennies.converged);
  CHECK(pennies.equilibrium.regret < 1e-6 * three.PayoffScale());
  for (const auto& player : pennies.equilibrium.strategies) CHECK(player[0] == doctest::Approx(0.5).epsilon(1e-6));
}

TEST_CASE("Liap.ConvergesOnEveryReferenceGameAndOnRandomGames") {
  for (const Known& known : KnownTwoPlayerGames()) {
    CAPTURE(known.name);
    const NormalFormGame game = NormalFormGame::Bimatrix(known.a, known.b);
    const LiapResult found = Liap(game);
    CHECK(found.converged);
    CHECK(found.equilibrium.regret < 1e-6 * game.PayoffScale());
  }
  // Random 3- and 4-player games with 2 or 3 strategies each, integer payoffs 0..9.
  int converged = 0;
  for (std::uint64_t g = 0; g < 12; ++g) {
    const int players = 3 + static_cast<int>(g % 2);
    std::vector<int> counts;
    for (int i = 0; i < players; ++i) counts.push_back(2 + static_cast<int>(DrawBelow(2, 7, g, i)));
    NormalFormGame game = NormalFormGame::WithCounts(std::vector<std::string>(players, "p"), counts);
    for (std::int64_t p = 0; p < game.NumProfiles(); ++p) {
      for (int i = 0; i < players; ++i) game.SetPayoff(p, i, static_cast<long>(DrawBelow(10, 7, g, 1000 + p * 8 + i)));
    }
    const LiapResult found = Liap(game);
    CAPTURE(g);
    CHECK(found.equilibrium.regret < 1e-6 * game.PayoffScale());
    converged += found.converged;
  }
  CHECK(converged == 12);
}

// ---------------------------------------------------------------------------------------------------
// Dynamics

const Matrix kShapleyA = M({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}});
const Matrix kShapleyB = M({{0, 1, 0}, {0, 0, 1}, {1, 0, 0}});

TEST_CASE("Fictitious.CyclesOnShapleysGameWhileTheUniqueEquilibriumIsUniform") {
  const NormalFormGame shapley = NormalFormGame::Bimatrix(kShapleyA, kShapleyB);
  const auto all = EnumMixed(shapley);
  REQUIRE(all.size() == 1);
  CHECK(*all[0].exact == P({{"1/3", "1/3", "1/3"}, {"1/3", "1/3", "1/3"}}));
  FictitiousPlayOptions options;
  options.iterations = 100000;
  options.record_every = 1000;
  options.first_play = {0, 1};  // off the diagonal, as in Shapley's example
  const FictitiousPlayResult result = FictitiousPlay(shapley, options);
  // Shapley (1964): the empirical frequencies cycle and never approach the uniform profile, so their
  // regret stays bounded away from 0 however long play runs (here above 0.14 from round 10,000 on).
  double lowest = 1;
  for (const auto& [round, regret] : result.trace) {
    if (round >= 10000) lowest = std::min(lowest, regret);
  }
  CHECK(result.trace.size() == 100);
  CHECK(lowest > 0.1);
  // The frequencies keep moving: late in the run they visit clearly different points.
  FictitiousPlayOptions shorter = options;
  double largest_gap = 0;
  for (const int rounds : {60000, 70000, 80000, 90000}) {
    shorter.iterations = rounds;
    const auto earlier = FictitiousPlay(shapley, shorter).frequencies.strategies;
    for (int j = 0; j < 3; ++j) largest_gap = std::max(largest_gap, std::abs(earlier[0][j] - result.frequencies.strategies[0][j]));
  }
  CHECK(largest_gap > 0.05);
  // Started on the diagonal, beliefs stay equal and the marginals do tend to uniform.
  FictitiousPlayOptions diagonal;
  diagonal.iterations = 30000;
  CHECK(FictitiousPlay(shapley, diagonal).frequencies.regret < 1e-3);
  // In a zero-sum game the frequencies do converge (Robinson 1951): matching pennies.
  const NormalFormGame pennies = NormalFormGame::Bimatrix(M({{1, -1}, {-1, 1}}), Negate(M({{1, -1}, {-1, 1}})));
  FictitiousPlayOptions plain;
  plain.iterations = 20000;
  CHECK(FictitiousPlay(pennies, plain).frequencies.regret < 0.01);
}

TEST_CASE("Replicator.DominatedStrategiesDieOutAndInteriorRestPointsStay") {
  const NormalFormGame pd = NormalFormGame::Bimatrix(M({{3, 0}, {5, 1}}), Transpose(M({{3, 0}, {5, 1}})));
  const Equilibrium defect = Replicator(pd);
  CHECK(defect.strategies[0][1] > 0.999);
  CHECK(defect.strategies[1][1] > 0.999);
  CHECK(defect.regret < 1e-3);
  // Rock-paper-scissors: the uniform profile is a rest point (every strategy earns the average).
  const NormalFormGame rps = NormalFormGame::Bimatrix(M({{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}}),
                                                      Negate(M({{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}})));
  const Equilibrium still = Replicator(rps);
  for (const auto& player : still.strategies) {
    for (const double p : player) CHECK(p == doctest::Approx(1.0 / 3).epsilon(1e-12));
  }
  // Stag hunt from (0.6, 0.4): stag earns 1.2 > hare's 1, so play goes to (stag, stag).
  const NormalFormGame stag = NormalFormGame::Bimatrix(M({{2, 0}, {1, 1}}), Transpose(M({{2, 0}, {1, 1}})));
  ReplicatorOptions options;
  options.start = MixedProfile{{0.6, 0.4}, {0.6, 0.4}};
  const Equilibrium hunt = Replicator(stag, options);
  CHECK(hunt.strategies[0][0] > 0.999);
  CHECK(hunt.regret < 1e-3);
  for (const auto& player : hunt.strategies) CHECK(player[0] + player[1] == doctest::Approx(1.0));
  options.start = MixedProfile{{1.0}, {0.5, 0.5}};
  CHECK_THROWS_AS(Replicator(stag, options), GameError);
}

TEST_CASE("RegretMatching.JointPlayApproachesCoarseCorrelatedEquilibria") {
  const NormalFormGame shapley = NormalFormGame::Bimatrix(kShapleyA, kShapleyB);
  const RegretMatchingResult result = RegretMatching(shapley);
  // Hart & Mas-Colell: the gap shrinks like 1/sqrt(rounds); 1e5 rounds in a game of range 1.
  CHECK(result.cce_gap < 0.02);
  double total = 0;
  for (const auto& [index, z] : result.joint) total += z;
  CHECK(total == doctest::Approx(1.0));
  CHECK(CceGap(shapley, result.joint) == result.cce_gap);
  // Same seed, same run; another seed, another run.
  CHECK(RegretMatching(shapley).joint == result.joint);
  RegretMatchingOptions other;
  other.seed = 2;
  CHECK(RegretMatching(shapley, other).joint != result.joint);
  // The Prisoner's Dilemma's only coarse correlated equilibrium is (D, D).
  const NormalFormGame pd = NormalFormGame::Bimatrix(M({{3, 0}, {5, 1}}), Transpose(M({{3, 0}, {5, 1}})));
  const RegretMatchingResult defect = RegretMatching(pd);
  double dd = 0;
  for (const auto& [index, z] : defect.joint) {
    if (index == 3) dd = z;
  }
  CHECK(dd > 0.99);
  // A known CCE of Shapley's game: uniform over the six off-diagonal... the uniform product is one,
  // with gap 0; a pure profile is not ((1,1) pays 0 and deviations pay 1).
  std::vector<std::pair<std::int64_t, double>> uniform;
  for (std::int64_t p = 0; p < 9; ++p) uniform.emplace_back(p, 1.0 / 9);
  CHECK(CceGap(shapley, uniform) == doctest::Approx(0).epsilon(1e-15));
  CHECK(CceGap(shapley, {{0, 1.0}}) == 1);
}

TEST_CASE("Logit.PathStartsUniformAndApproachesAnEquilibrium") {
  struct Case {
    const char* name;
    NormalFormGame game;
  };
  const std::vector<Case> cases = {
      {"battle_of_the_sexes", NormalFormGame::Bimatrix(M({{3, 0}, {0, 2}}), M({{2, 0}, {0, 3}}))},
      {"prisoners_dilemma", NormalFormGame::Bimatrix(M({{3, 0}, {5, 1}}), Transpose(M({{3, 0}, {5, 1}})))},
      {"biased_rps", NormalFormGame::Bimatrix(M({{0, -25, 50}, {25, 0, -5}, {-50, 5, 0}}),
                                              Negate(M({{0, -25, 50}, {25, 0, -5}, {-50, 5, 0}})))},
      {"selten", NormalFormGame::Bimatrix(M({{1, 1}, {0, 0}, {0, 2}}), M({{1, 1}, {2, 3}, {2, 0}}))},
      {"mckelvey_mclennan", ParseNfg(kMcKelveyMcLennanNfg)},
      {"three_player_pennies", ParseNfg(kThreePlayerPenniesNfg)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const LogitResult result = LogitPath(c.game);
    REQUIRE(result.path.size() >= 2);
    CHECK(result.path.front().lambda == 0);
    for (int i = 0; i < c.game.NumPlayers(); ++i) {
      for (const double p : result.path.front().profile[i]) CHECK(p == doctest::Approx(1.0 / c.game.NumStrategies(i)));
    }
    CHECK(result.reached_max_lambda);
    CHECK(result.path.back().lambda * c.game.PayoffScale() >= 1e6);
    // Unpolished, the last point of the path is already close to an equilibrium; polished, it is one.
    CHECK(Regret(c.game, result.path.back().profile) < 1e-3 * c.game.PayoffScale());
    CHECK(result.limit.regret < 1e-9 * c.game.PayoffScale());
    // Each point on the path is a logit QRE: s_ij proportional to exp(lambda u_ij).
    for (std::size_t k = 0; k < result.path.size(); k += std::max<std::size_t>(1, result.path.size() / 7)) {
      const LogitPoint& point = result.path[k];
      if (point.lambda * c.game.PayoffScale() > 50) continue;  // probabilities underflow beyond
      const auto values = StrategyPayoffs(c.game, point.profile);
      for (int i = 0; i < c.game.NumPlayers(); ++i) {
        for (int j = 1; j < c.game.NumStrategies(i); ++j) {
          CHECK(std::log(point.profile[i][j] / point.profile[i][0]) ==
                doctest::Approx(point.lambda * (values[i][j] - values[i][0])).epsilon(1e-6).scale(1));
        }
      }
    }
  }
  // Biased RPS: the principal branch ends at its unique equilibrium (1/16, 10/16, 5/16).
  const LogitResult rps = LogitPath(cases[2].game);
  CHECK(rps.limit.strategies[0][1] == doctest::Approx(10.0 / 16).epsilon(1e-9));
  // Prisoner's Dilemma: at defection.
  CHECK(LogitPath(cases[1].game).limit.strategies[0][1] == doctest::Approx(1.0));
}

// ---------------------------------------------------------------------------------------------------
// Stackelberg

TEST_CASE("Stackelberg.OptimalMixedCommitmentOnTheReferenceGames") {
  struct Case {
    Matrix a, b;
    std::vector<double> commitment;
    double value;
    double pure_value;
  };
  // Conitzer & Sandholm 2006 and the reference table: committing to (1/2, 1/2) leaves the follower
  // indifferent (1/2 = 1/2), resolved for the leader: column 2, 4/2 + 3/2 = 3.5. Pure: row 2 -> column 2,
  // 3. Second: x = (1/3, 2/3) makes columns 1 and 2 tie at 0 (column 3: 5/3 - 8/3 < 0); column 1 pays the
  // leader 2/3 + 2/3 = 4/3. Pure: row 2 -> column 1, 1. Third: row 1 leaves the follower indifferent
  // (0, 0), resolved to column 2 worth 9 to the leader; no mix does better than 9.
  const std::vector<Case> cases = {
      {M({{2, 4}, {1, 3}}), M({{1, 0}, {0, 1}}), {0.5, 0.5}, 3.5, 3},
      {M({{2, 0, 0}, {1, 0, 0}}), M({{0, 2, 5}, {0, -1, -4}}), {1.0 / 3, 2.0 / 3}, 4.0 / 3, 1},
      {M({{3, 9}, {9, 1}}), M({{0, 0}, {1, 8}}), {1, 0}, 9, 9},
  };
  for (const Case& c : cases) {
    const NormalFormGame game = NormalFormGame::Bimatrix(c.a, c.b);
    const MixedCommitment mixed = OptimalMixedCommitment(game);
    CHECK(mixed.leader_value == doctest::Approx(c.value).epsilon(1e-12));
    REQUIRE(mixed.leader_mix.size() == c.commitment.size());
    for (std::size_t i = 0; i < c.commitment.size(); ++i) CHECK(mixed.leader_mix[i] == doctest::Approx(c.commitment[i]).epsilon(1e-12));
    const PureCommitment pure = OptimalPureCommitment(game);
    CHECK(ToDouble(pure.payoffs[0]) == c.pure_value);
    // Commitment is worth at least every Nash equilibrium (von Stengel & Zamir 2010).
    for (const Equilibrium& e : EnumMixed(game)) CHECK(mixed.leader_value >= e.payoffs[0] - 1e-12);
    CHECK(mixed.leader_value >= ToDouble(pure.payoffs[0]) - 1e-12);
  }
  // Three players committing in turn (McKelvey-McLennan): player 3 answers (1,1) with 1 (12 > 0),
  // (2,1) with 2 (6 > 0), (1,2) with 2, (2,2) with 1 (2 > 0); player 2 answers 1 with 1 (8 > 4) and 2 with
  // 2 (8 > 4); player 1 gets 9 either way and takes strategy 1: profile (1, 1, 1), payoffs (9, 8, 12).
  const PureCommitment chain = OptimalPureCommitment(ParseNfg(kMcKelveyMcLennanNfg));
  CHECK(chain.profile == std::vector<int>{0, 0, 0});
  CHECK(chain.payoffs == std::vector<Rational>{9, 8, 12});
  CHECK_THROWS_AS(OptimalMixedCommitment(ParseNfg(kMcKelveyMcLennanNfg)), GameError);
}

// ---------------------------------------------------------------------------------------------------
// Coalitions

CoalitionalGame IceCream() {
  // Chalkiadakis, Elkind & Wooldridge, Example 2.2: C, M, P (bits 0, 1, 2); singletons 0, CM 500, CP 500,
  // MP 750, CMP 1000.
  return CoalitionalGame({"C", "M", "P"}, {0, 0, 0, 500, 0, 500, 750, 1000});
}

TEST_CASE("Coalitions.IceCreamShapleyValuesAndCore") {
  // phi_C = (1/3)(0) + (1/6)(500 + 500) + (1/3)(1000 - 750) = 250; phi_M = phi_P = (1000 - 250) / 2.
  const std::vector<double> phi = ShapleyValues(IceCream());
  CHECK(phi[0] == doctest::Approx(250).epsilon(1e-12));
  CHECK(phi[1] == doctest::Approx(375).epsilon(1e-12));
  CHECK(phi[2] == doctest::Approx(375).epsilon(1e-12));
  // Least core: the three pair constraints sum to 2 * 1000 >= 1750 - 3e, so e >= -250/3, reached at
  // x = (500/3, 1250/3, 1250/3) (each pair tight); e <= 0, so the core is not empty.
  const LeastCore core = LeastCoreOf(IceCream());
  CHECK(core.core_nonempty);
  CHECK(core.epsilon == doctest::Approx(-250.0 / 3).epsilon(1e-12));
  CHECK(core.allocation[0] == doctest::Approx(500.0 / 3).epsilon(1e-12));
  CHECK(core.allocation[1] == doctest::Approx(1250.0 / 3).epsilon(1e-12));
  // Three-player majority (v = 1 for two or more): pairs need 2 >= 3 (1 - e), e = 1/3 > 0: empty core.
  const LeastCore majority = LeastCoreOf(CoalitionalGame({"a", "b", "c"}, {0, 0, 0, 1, 0, 1, 1, 1}));
  CHECK_FALSE(majority.core_nonempty);
  CHECK(majority.epsilon == doctest::Approx(1.0 / 3).epsilon(1e-12));
  // Monte Carlo over orders estimates the same values, deterministically for a seed.
  const auto value = [](std::uint64_t s) { return IceCream().Value(s); };
  const std::vector<double> estimate = MonteCarloShapleyValues(3, value, /*samples=*/30000, /*seed=*/5);
  CHECK(estimate[0] == doctest::Approx(250).epsilon(0.03));
  CHECK(estimate[1] == doctest::Approx(375).epsilon(0.03));
  CHECK(MonteCarloShapleyValues(3, value, 30000, 5) == estimate);
  CHECK_THROWS_AS(CoalitionalGame({"a", "b"}, {0, 1, 1}), GameError);
}

TEST_CASE("Coalitions.ManyPlayersUseMonteCarlo") {
  // A unanimity game on players T = {0, 3, 7, 12, 29} among 30: v(S) = 1 iff T is in S; Shapley gives
  // 1/5 to each member of T and 0 to the rest. The exact formula would need 2^30 values.
  const std::uint64_t t = (1ULL << 0) | (1ULL << 3) | (1ULL << 7) | (1ULL << 12) | (1ULL << 29);
  const auto unanimity = [t](std::uint64_t s) { return (s & t) == t ? 1.0 : 0.0; };
  const std::vector<double> phi = ShapleyValues(30, unanimity);
  double total = 0;
  for (int i = 0; i < 30; ++i) {
    total += phi[i];
    if (t & (1ULL << i)) CHECK(phi[i] == doctest::Approx(0.2).epsilon(0.1));
    else CHECK(phi[i] == 0);
  }
  CHECK(total == doctest::Approx(1.0));  // efficiency holds in every sampled order
  // Exact and Monte Carlo agree on a 10-player additive game (phi_i = weight_i in every order).
  const auto additive = [](std::uint64_t s) {
    double v = 0;
    for (int i = 0; i < 10; ++i) v += (s >> i & 1) ? i + 1 : 0;
    return v;
  };
  const std::vector<double> exact = ShapleyValues(10, additive);
  ShapleyOptions sampled;
  sampled.exact_up_to = 5;
  sampled.samples = 50;
  const std::vector<double> estimate = ShapleyValues(10, additive, sampled);
  for (int i = 0; i < 10; ++i) {
    CHECK(exact[i] == doctest::Approx(i + 1).epsilon(1e-12));
    CHECK(estimate[i] == doctest::Approx(i + 1).epsilon(1e-12));
  }
}

}  // namespace
}  // namespace reesim::games
