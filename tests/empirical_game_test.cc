// The empirical game's spec and its experiment (games/empirical_game.h): the profile <-> arm mapping,
// the arms' overlays, and bad specs named by file and field. The runs themselves are tested through
// the program (cli_test).
#include <doctest/doctest.h>

#include <cmath>

#include "games/empirical_game.h"
#include "proto/scenario.pb.h"
#include "world/check.h"

namespace reesim::games {
namespace {

constexpr const char* kThreePlayers = R"(
name: "mapping" scenario: "baseline_2024" rounds: 2 replicates: 3
players { actor: "CHN"
  strategies { name: "open" }
  strategies { name: "quota" overlay { policies { export_quota { products: "dy_oxide" tonnes_per_year: 1000 } } } } }
players { actor: "USA"
  strategies { name: "none" }
  strategies { name: "tariff" overlay { policies { import_tariff { ad_valorem: 0.25 from: "CHN" } } } }
  strategies { name: "rule" strategy { kind: RULE_BASED menu { name: "stock" policies { stockpile { products: "dy_oxide" buy_tonnes_per_year: 50 } } } } } }
players { actor: "JPN" strategies { name: "none" } strategies { name: "subsidy" overlay { policies { production_subsidy { products: "ndfeb_magnet" usd_per_kg: 2 } } } } }
)";

std::string LoadError(const std::string& text) {
  try {
    LoadGameText(text, "game.textproto");
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REESIM_CHECK(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("EmpiricalGame.ProfilesMapToArmsInGambitOrder") {
  const GameSpec spec = LoadGameText(kThreePlayers, "game.textproto");
  CHECK(spec.profiles == 12);
  CHECK(spec.Counts() == std::vector<int>{2, 3, 2});
  REQUIRE(spec.experiment.arm_names.size() == 12);
  CHECK(spec.experiment.RunsPerArm() == 3);
  // Player 1 fastest: arm = s1 + 2 (s2 + 3 s3).
  CHECK(ProfileOfArm(spec, 1) == std::vector<int>{1, 0, 0});
  CHECK(ProfileOfArm(spec, 2) == std::vector<int>{0, 1, 0});
  CHECK(ProfileOfArm(spec, 6) == std::vector<int>{0, 0, 1});
  CHECK(ProfileOfArm(spec, 11) == std::vector<int>{1, 2, 1});
  for (std::int64_t arm = 0; arm < spec.profiles; ++arm) CHECK(ArmOfProfile(spec, ProfileOfArm(spec, arm)) == arm);
  CHECK(spec.experiment.arm_names[0] == "CHN=open;USA=none;JPN=none");
  CHECK(spec.experiment.arm_names[11] == "CHN=quota;USA=rule;JPN=subsidy");
  // Outcomes: each player's discounted payoff at the default 5 % a year.
  REQUIRE(spec.experiment.outcomes.size() == 3);
  CHECK(spec.experiment.outcomes[1].metric == "payoff.USA");
  CHECK(spec.experiment.outcomes[1].discount_rate == 0.05);
  CHECK(spec.analyses.methods == std::vector<std::string>{"pure"});
  CHECK(spec.analyses.liap_without_pure);
}

TEST_CASE("EmpiricalGame.ArmOverlaysSetStrategiesAndActForThePlayer") {
  const GameSpec spec = LoadGameText(kThreePlayers, "game.textproto");
  // A strategy sets an actor's reesim.Strategy, so the base scenario has no actors and every arm lists
  // them all, in the scenario's order.
  CHECK(spec.experiment.scenario->actors_size() == 0);
  const reesim::Scenario& rule = *spec.experiment.arm_overlays[ArmOfProfile(spec, {1, 2, 1})];
  REQUIRE(rule.actors_size() == 15);
  CHECK(rule.actors(0).id() == "CHN");
  CHECK(rule.actors(1).id() == "USA");
  CHECK(rule.actors(1).strategy().kind() == reesim::RULE_BASED);
  CHECK(rule.actors(0).strategy().kind() == reesim::STRATEGY_KIND_UNSPECIFIED);
  // Policies without an actor act for their player, in player order.
  REQUIRE(rule.policies_size() == 2);
  CHECK(rule.policies(0).actor() == "CHN");
  CHECK(rule.policies(0).has_export_quota());
  CHECK(rule.policies(1).actor() == "JPN");
  const reesim::Scenario& tariff = *spec.experiment.arm_overlays[ArmOfProfile(spec, {0, 1, 0})];
  REQUIRE(tariff.policies_size() == 1);
  CHECK(tariff.policies(0).actor() == "USA");
  CHECK(tariff.actors(1).strategy().kind() == reesim::STRATEGY_KIND_UNSPECIFIED);
  // Without `strategy` anywhere, the overlays hold policies only.
  const GameSpec plain = LoadGameText(Replace(kThreePlayers, R"(
  strategies { name: "rule" strategy { kind: RULE_BASED menu { name: "stock" policies { stockpile { products: "dy_oxide" buy_tonnes_per_year: 50 } } } } } })", "}"), "game.textproto");
  CHECK(plain.experiment.scenario->actors_size() == 15);
  CHECK(plain.experiment.arm_overlays[1]->actors_size() == 0);
}

TEST_CASE("EmpiricalGame.AllianceGameAddsOneArmPerCoalition") {
  const GameSpec spec = LoadGameText(std::string(kThreePlayers) + R"(
alliance_game { members: "USA" members: "JPN" members: "AUS" alliance { pooled_stockpile: true } start_round: 1
                profile: "quota" profile: "tariff" profile: "none" })",
                                     "game.textproto");
  REQUIRE(spec.alliance.has_value());
  // 12 profiles, the arm without the alliance, and the 4 coalitions of two or more of three members.
  CHECK(spec.experiment.arm_names.size() == 12 + 1 + 4);
  CHECK(spec.alliance->first_arm == 12);
  CHECK(spec.experiment.arm_names[12] == "alliance=none");
  CHECK(spec.alliance->coalition_arm[0b011] == 13);
  CHECK(spec.experiment.arm_names[13] == "alliance=USA+JPN");
  CHECK(spec.experiment.arm_names[16] == "alliance=USA+JPN+AUS");
  CHECK(spec.alliance->coalition_arm[0b100] == 12);
  const reesim::Scenario& grand = *spec.experiment.arm_overlays[16];
  const reesim::PolicyEvent& event = grand.policies(grand.policies_size() - 1);
  CHECK(event.actor() == "USA");
  CHECK(event.start_round() == 1);
  CHECK(event.alliance().members_size() == 3);
  CHECK(event.alliance().pooled_stockpile());
  // Every coalition's run has the players at the alliance game's profile: CHN's quota, the US tariff.
  CHECK(spec.alliance->profile == std::vector<int>{1, 1, 0});
  CHECK(grand.policies(0).has_export_quota());
  CHECK(grand.policies(1).has_import_tariff());
  // AUS is not a player: its payoff is one more outcome.
  CHECK(spec.experiment.outcomes.size() == 4);
  CHECK(spec.alliance->outcome == std::vector<int>{1, 2, 3});
}

TEST_CASE("EmpiricalGame.BadSpecsNameTheFileAndTheField") {
  const std::string base = kThreePlayers;
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {Replace(base, "actor: \"JPN\"", "actor: \"JPX\""),
       "game.textproto: players[2].actor = \"JPX\": no such actor in the scenario (actors: CHN, USA, JPN, EU"},
      {Replace(base, "actor: \"JPN\"", "actor: \"CHN\""), "game.textproto: players[2].actor = \"CHN\": already a player"},
      {Replace(base, "kind: RULE_BASED", "kind: CLEVER"),
       "game.textproto:9:53: Unknown enumeration value of \"CLEVER\" for field \"kind\""},
      {Replace(base, "name: \"tariff\"", "name: \"none\""), "players[1].strategies[1].name = \"none\": duplicate strategy name"},
      {Replace(base, "name: \"tariff\"", "name: \"a,b\""), "players[1].strategies[1].name = \"a,b\": every strategy needs a name"},
      {Replace(base, "ad_valorem: 0.25", "ad_valorem: -3"), "game.textproto: players[1].strategies[1] (\"tariff\"): "},
      {Replace(base, "ad_valorem: 0.25", "ad_valorem: \"x\""), "game.textproto:8:80: Expected double, got: \"x\""},
      {Replace(base, "players { actor: \"JPN\"", "players { colour: \"red\" actor: \"JPN\""), "game.textproto:10:17: Message type \"reesim.GamePlayer\" has no field named \"colour\""},
      {base + "players { actor: \"EU\" strategies { name: \"a\" } payoff { metric: \"payoff.EX\" } }",
       "game.textproto: players[3].payoff.metric = \"payoff.EX\": unknown metric; nearest: payoff.EU"},
      {base + "analyses { methods: \"simplex\" }", "game.textproto: analyses.methods[0] = \"simplex\": unknown method (methods: enummixed"},
      {base + "analyses { methods: \"enummixed\" }", "analyses.methods[0] = \"enummixed\": enummixed solves two-player games; this game has 3 players"},
      {base + "analyses { bootstrap_resamples: -1 }", "analyses.bootstrap_resamples = -1: must be between 1 and 100000"},
      {base + "sampler: SOBOL", "game.textproto: sampler = SOBOL: a game takes MONTE_CARLO"},
      {base + "parameters { path: \"market.no_such\" uniform { min: 0 max: 1 } }", "game.textproto: parameters[0].path = \"market.no_such\""},
      {Replace(base, "replicates: 3", "replicates: 0"), "game.textproto: replicates = 0: must be at least 1"},
      {Replace(base, "scenario: \"baseline_2024\"", "scenario: \"nowhere\""), "no such library scenario"},
      {Replace(base, "players { actor: \"CHN\"", "players { actor: \"CHN\" strategies { name: \"x\" overlay { actors { id: \"Z\" } } }"),
       "players[0].strategies[0].overlay.actors: an overlay may not list actors"},
      {base + "alliance_game { members: \"USA\" }", "alliance_game.members = 1 members: an alliance game takes 2 to 10 members"},
      {base + "alliance_game { members: \"USA\" members: \"XXX\" }", "alliance_game.members[1] = \"XXX\": no such actor"},
      {base + "alliance_game { members: \"USA\" members: \"JPN\" profile: \"open\" profile: \"war\" profile: \"none\" }",
       "alliance_game.profile[1] = \"war\": not a strategy of USA (none, tariff, rule)"},
      {"name: \"x\" scenario: \"baseline_2024\" replicates: 1", "game.textproto: players: name at least one player"},
      {base + "max_profiles: 5", "game.textproto: max_profiles = 5: goes with profile_search: QUIESCE"},
      {base + "quiesce_tolerance: 1", "game.textproto: quiesce_tolerance = 1: goes with profile_search: QUIESCE"},
      {base + "profile_search: QUIESCE max_profiles: -2", "game.textproto: max_profiles = -2: must be at least 1"},
      {base + "profile_search: QUIESCE quiesce_tolerance: -1", "game.textproto: quiesce_tolerance = -1: must be >= 0"},
      {base + "profile_search: QUIESCE analyses { methods: \"pure\" }", "analyses.methods = \"pure\": QUIESCE finds its candidates itself"},
      {base + "profile_search: QUIESCE analyses { tournament: true }", "analyses.tournament = true: a tournament needs every profile"},
      {base + "profile_search: EVERYTHING", "Unknown enumeration value of \"EVERYTHING\" for field \"profile_search\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const std::string error = LoadError(c.text);
    CAPTURE(error);
    CHECK(error.find(c.expected) != std::string::npos);
  }
  CHECK(LooksLikeGame(base));
  CHECK_FALSE(LooksLikeGame("scenario: \"baseline_2024\" replicates: 2 outcomes { metric: \"payoff.USA\" }"));
}

TEST_CASE("EmpiricalGame.CollectorFillsTheTableFromRecordsAndMarksFailures") {
  const GameSpec spec = LoadGameText(Replace(kThreePlayers, "name: \"mapping\"", "name: \"m\""), "game.textproto");
  GameCollector collector(spec);
  experiments::RunRecord record;
  record.arm = static_cast<int>(ArmOfProfile(spec, {1, 2, 0}));
  record.replicate = 2;
  record.outcomes = {10, 20, 30};
  collector.Add(record);
  record.replicate = 1;
  record.failure = "boom";
  record.outcomes = {std::nan(""), std::nan(""), std::nan("")};
  collector.Add(record);
  CHECK(collector.samples().At(record.arm, 0, 2) == 10);
  CHECK(collector.samples().At(record.arm, 2, 2) == 30);
  CHECK(std::isnan(collector.samples().At(record.arm, 1, 1)));
  CHECK(collector.failures() == 1);
  CHECK(collector.records() == 2);
}

}  // namespace
}  // namespace reesim::games
