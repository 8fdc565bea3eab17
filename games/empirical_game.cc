#include "games/empirical_game.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "experiments/design.h"
#include "experiments/runner.h"
#include "experiments/writer.h"
#include "games/enummixed.h"
#include "games/game_error.h"
#include "games/methods.h"
#include "proto/experiment.pb.h"
#include "proto/game.pb.h"
#include "proto/scenario.pb.h"
#include "run/metrics.h"
#include "run/metric_catalogue.h"
#include "run/scenario_io.h"
#include "run/simulation.h"
#include "run/snapshot_io.h"
#include "world/field_error.h"

namespace reesim::games {

namespace {

constexpr int kMaxGamePlayers = 16;
constexpr std::int64_t kMaxGameProfiles = 65536;
constexpr int kMaxAllianceMembers = 10;
constexpr int kMaxResamples = 100000;

std::string Index(const std::string& field, int k) { return field + "[" + std::to_string(k) + "]"; }

bool GoodName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

// The overlay of one arm: the players' strategies `chosen` ([player]: a strategy index, or -1 for none)
// on the scenario `full`; with `with_actors`, every actor is listed (the base scenario has none).
reesim::Scenario ArmOverlay(const reesim::Game& game, const reesim::Scenario& full, const std::vector<int>& chosen,
                            bool with_actors) {
  reesim::Scenario overlay;
  if (with_actors) *overlay.mutable_actors() = full.actors();
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i] < 0) continue;
    const reesim::GamePlayer& player = game.players(static_cast<int>(i));
    const reesim::GameStrategy& strategy = player.strategies(chosen[i]);
    if (!strategy.has_strategy()) continue;
    for (reesim::Actor& actor : *overlay.mutable_actors()) {
      if (actor.id() == player.actor()) *actor.mutable_strategy() = strategy.strategy();
    }
  }
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i] < 0) continue;
    const reesim::GamePlayer& player = game.players(static_cast<int>(i));
    reesim::Scenario strategy_overlay = player.strategies(chosen[i]).overlay();
    for (reesim::PolicyEvent& event : *strategy_overlay.mutable_policies()) {
      if (event.actor().empty()) event.set_actor(player.actor());
    }
    overlay.MergeFrom(strategy_overlay);
  }
  return overlay;
}

// Loads `base` + `overlay` as a run would, naming `what` in errors.
run::LoadedScenario LoadArm(const reesim::Scenario& base, const reesim::Scenario& overlay, const std::string& what) {
  auto merged = std::make_shared<reesim::Scenario>(base);
  merged->MergeFrom(overlay);
  return run::LoadScenarioMessage(std::move(merged), "", what);
}

reesim::Outcome DefaultPayoff(const std::string& actor, double discount_rate) {
  reesim::Outcome outcome;
  outcome.set_name("payoff_" + actor);
  outcome.set_metric("payoff." + actor);
  outcome.set_aggregation(reesim::DISCOUNTED_SUM);
  outcome.set_discount_rate(discount_rate);
  return outcome;
}

}  // namespace

std::vector<int> GameSpec::Counts() const {
  std::vector<int> counts;
  for (const GamePlayerSpec& player : players) counts.push_back(static_cast<int>(player.strategies.size()));
  return counts;
}

GameSpec LoadGameText(const std::string& text, const std::string& source) {
  reesim::Game in;
  run::ParseTextFormat(text, source, "game", in);
  const FieldComplaint complaint(source);
  GameSpec spec;
  spec.source = source;
  spec.sha256 = run::Sha256Hex(text);
  spec.name = in.name();
  spec.scenario = in.scenario();
  if (in.scenario().empty()) complaint.Fail("scenario", "", "name a library scenario or a scenario file");
  if (in.replicates() < 1) complaint.Fail("replicates", std::to_string(in.replicates()), "must be at least 1");
  if (in.sampler() == reesim::SOBOL) {
    complaint.Fail("sampler", "SOBOL",
                   "a game takes MONTE_CARLO, LATIN_HYPERCUBE or FULL_FACTORIAL (a Sobol design's rows are not "
                   "independent draws)");
  }
  spec.discount_rate = in.has_discount_rate() ? in.discount_rate() : 0.05;
  if (!(spec.discount_rate > -1) || !std::isfinite(spec.discount_rate)) {
    complaint.Fail("discount_rate", FormatNumber(spec.discount_rate), "must be above -1 (a rate per year)");
  }
  const std::shared_ptr<reesim::Scenario> full = run::ParseScenarioText("base_scenario: \"" + in.scenario() + "\"", source);
  std::vector<std::string> actors;
  for (const reesim::Actor& actor : full->actors()) actors.push_back(actor.id());
  std::string actor_list;
  for (const std::string& actor : actors) actor_list += (actor_list.empty() ? "" : ", ") + actor;

  // Players, strategies and payoffs.
  if (in.players_size() == 0) complaint.Fail("players", "", "name at least one player (an actor with strategies)");
  if (in.players_size() > kMaxGamePlayers) {
    complaint.Fail("players", std::to_string(in.players_size()) + " players", "at most " + std::to_string(kMaxGamePlayers));
  }
  reesim::Experiment experiment;
  experiment.set_name(in.name());
  experiment.set_scenario(in.scenario());
  experiment.set_rounds(in.rounds());
  experiment.set_replicates(in.replicates());
  experiment.set_seed(in.seed());
  *experiment.mutable_parameters() = in.parameters();
  experiment.set_sampler(in.sampler());
  experiment.set_factorial_levels(in.factorial_levels());
  std::set<std::string> outcome_names;
  bool sets_strategies = false;
  double profiles = 1;
  for (int i = 0; i < in.players_size(); ++i) {
    const reesim::GamePlayer& player = in.players(i);
    const std::string path = Index("players", i);
    if (std::find(actors.begin(), actors.end(), player.actor()) == actors.end()) {
      complaint.Fail(path + ".actor", Quoted(player.actor()), "no such actor in the scenario (actors: " + actor_list + ")");
    }
    for (int j = 0; j < i; ++j) {
      if (in.players(j).actor() == player.actor()) {
        complaint.Fail(path + ".actor", Quoted(player.actor()), "already a player (players[" + std::to_string(j) + "])");
      }
    }
    GamePlayerSpec out;
    out.actor = player.actor();
    if (player.strategies_size() == 0) complaint.Fail(path + ".strategies", "", "give the player at least one strategy");
    for (int k = 0; k < player.strategies_size(); ++k) {
      const reesim::GameStrategy& strategy = player.strategies(k);
      const std::string strategy_path = path + "." + Index("strategies", k);
      if (!GoodName(strategy.name())) {
        complaint.Fail(strategy_path + ".name", Quoted(strategy.name()),
                       "every strategy needs a name of letters, digits, '_', '-' and '.'");
      }
      if (std::find(out.strategies.begin(), out.strategies.end(), strategy.name()) != out.strategies.end()) {
        complaint.Fail(strategy_path + ".name", Quoted(strategy.name()), "duplicate strategy name for " + player.actor());
      }
      if (strategy.overlay().actors_size() > 0) {
        complaint.Fail(strategy_path + ".overlay.actors", "", "an overlay may not list actors: set the actor's `strategy` instead");
      }
      if (!strategy.overlay().base_scenario().empty()) {
        complaint.Fail(strategy_path + ".overlay.base_scenario", Quoted(strategy.overlay().base_scenario()),
                       "an overlay builds on the game's scenario; it takes no base_scenario");
      }
      sets_strategies = sets_strategies || strategy.has_strategy();
      out.strategies.push_back(strategy.name());
    }
    profiles *= player.strategies_size();
    reesim::Outcome payoff = DefaultPayoff(player.actor(), spec.discount_rate);
    if (player.has_payoff()) {
      payoff = player.payoff();
      if (payoff.metric().empty()) complaint.Fail(path + ".payoff.metric", "", "name a metric, e.g. \"payoff." + player.actor() + "\"");
      if (payoff.name().empty()) payoff.set_name("payoff_" + player.actor());
    }
    if (!outcome_names.insert(payoff.name()).second) {
      complaint.Fail(path + ".payoff.name", Quoted(payoff.name()), "another player's payoff has this name");
    }
    out.outcome = experiment.outcomes_size();
    out.minimise = player.minimise();
    *experiment.add_outcomes() = payoff;
    spec.players.push_back(std::move(out));
  }
  if (profiles > static_cast<double>(kMaxGameProfiles)) {
    complaint.Fail("players", FormatNumber(profiles) + " profiles", "at most " + std::to_string(kMaxGameProfiles) + " profiles");
  }
  spec.profiles = static_cast<std::int64_t>(profiles);

  // Analyses.
  const reesim::GameAnalyses& analyses = in.analyses();
  const int player_count = static_cast<int>(spec.players.size());
  for (int k = 0; k < analyses.methods_size(); ++k) {
    const std::string& method = analyses.methods(k);
    const std::string path = "analyses." + Index("methods", k);
    if (!IsMethod(method)) complaint.Fail(path, Quoted(method), "unknown method (methods: " + MethodNames() + ")");
    if ((method == "enummixed" || method == "lcp") && player_count != 2) {
      complaint.Fail(path, Quoted(method),
                     method + " solves two-player games; this game has " + std::to_string(player_count) +
                         " players (methods for any number: pure, liap, logit, replicator, fictitious, regret)");
    }
    if (method == "enummixed") {
      const int m = static_cast<int>(spec.players[0].strategies.size()), n = static_cast<int>(spec.players[1].strategies.size());
      if (EnumMixedBases(m, n) * (m + n) > EnumMixedOptions{}.max_work) {
        complaint.Fail(path, Quoted(method), "the game is too large for enummixed (" + std::to_string(m) + "x" +
                                                 std::to_string(n) + "); lcp and liap fit");
      }
    }
    spec.analyses.methods.push_back(method);
  }
  if (spec.analyses.methods.empty()) {
    spec.analyses.methods = {"pure"};
    if (player_count == 2) spec.analyses.methods.push_back("enummixed");
    spec.analyses.liap_without_pure = player_count != 2;
    if (player_count == 2 && EnumMixedBases(static_cast<int>(spec.players[0].strategies.size()),
                                            static_cast<int>(spec.players[1].strategies.size())) *
                                     static_cast<double>(spec.players[0].strategies.size() + spec.players[1].strategies.size()) >
                                 EnumMixedOptions{}.max_work) {
      spec.analyses.methods[1] = "lcp";
    }
  }
  if (analyses.bootstrap_resamples() < 0 || analyses.bootstrap_resamples() > kMaxResamples) {
    complaint.Fail("analyses.bootstrap_resamples", std::to_string(analyses.bootstrap_resamples()),
                   "must be between 1 and " + std::to_string(kMaxResamples) + " (0: the default, 1000)");
  }
  if (analyses.bootstrap_resamples() > 0) spec.analyses.resamples = analyses.bootstrap_resamples();
  if (!(analyses.epsilon() >= 0) || !std::isfinite(analyses.epsilon())) {
    complaint.Fail("analyses.epsilon", FormatNumber(analyses.epsilon()), "must be >= 0 (0: 1 % of the payoff range)");
  }
  spec.analyses.epsilon = analyses.epsilon();
  spec.analyses.tournament = !analyses.has_tournament() || analyses.tournament();
  spec.analyses.stackelberg = !analyses.has_stackelberg() || analyses.stackelberg();
  const std::uint64_t seed = in.seed() == 0 ? 1 : in.seed();
  spec.analyses.method_seed = analyses.method_seed() == 0 ? seed : analyses.method_seed();

  // Profile search.
  if (in.profile_search() == reesim::QUIESCE) {
    spec.search.quiesce = true;
    if (in.max_profiles() < 0) {
      complaint.Fail("max_profiles", std::to_string(in.max_profiles()), "must be at least 1 (0: every profile)");
    }
    spec.search.max_profiles = in.max_profiles() == 0 ? spec.profiles : std::min<std::int64_t>(in.max_profiles(), spec.profiles);
    if (!(in.quiesce_tolerance() >= 0) || !std::isfinite(in.quiesce_tolerance())) {
      complaint.Fail("quiesce_tolerance", FormatNumber(in.quiesce_tolerance()), "must be >= 0 (payoff units)");
    }
    spec.search.tolerance = in.quiesce_tolerance();
    if (analyses.methods_size() > 0) {
      complaint.Fail("analyses.methods", Quoted(analyses.methods(0)),
                     "QUIESCE finds its candidates itself (each subgame's pure equilibria, else enummixed, lcp or liap); "
                     "methods are for ALL_PROFILES");
    }
    if (analyses.has_tournament() && analyses.tournament()) {
      complaint.Fail("analyses.tournament", "true", "a tournament needs every profile; QUIESCE simulates only some");
    }
    if (analyses.has_stackelberg() && analyses.stackelberg()) {
      complaint.Fail("analyses.stackelberg", "true", "Stackelberg commitments need every profile; QUIESCE simulates only some");
    }
    spec.analyses.tournament = false;
    spec.analyses.stackelberg = false;
  } else {
    if (in.max_profiles() != 0) complaint.Fail("max_profiles", std::to_string(in.max_profiles()), "goes with profile_search: QUIESCE");
    if (in.quiesce_tolerance() != 0) {
      complaint.Fail("quiesce_tolerance", FormatNumber(in.quiesce_tolerance()), "goes with profile_search: QUIESCE");
    }
  }

  // The alliance game's members and their payoffs.
  if (in.has_alliance_game()) {
    const reesim::AllianceGame& alliance = in.alliance_game();
    AllianceGameSpec out;
    if (alliance.members_size() < 2 || alliance.members_size() > kMaxAllianceMembers) {
      complaint.Fail("alliance_game.members", std::to_string(alliance.members_size()) + " members",
                     "an alliance game takes 2 to " + std::to_string(kMaxAllianceMembers) + " members");
    }
    if (alliance.start_round() < 0) {
      complaint.Fail("alliance_game.start_round", std::to_string(alliance.start_round()), "must be >= 0");
    }
    out.profile.assign(spec.players.size(), 0);
    if (alliance.profile_size() != 0 && alliance.profile_size() != in.players_size()) {
      complaint.Fail("alliance_game.profile", std::to_string(alliance.profile_size()) + " strategies",
                     "give one strategy per player (" + std::to_string(in.players_size()) + "), or none");
    }
    for (int i = 0; i < alliance.profile_size(); ++i) {
      const std::vector<std::string>& names = spec.players[i].strategies;
      const auto at = std::find(names.begin(), names.end(), alliance.profile(i));
      if (at == names.end()) {
        std::string valid;
        for (const std::string& name : names) valid += (valid.empty() ? "" : ", ") + name;
        complaint.Fail("alliance_game." + Index("profile", i), Quoted(alliance.profile(i)),
                       "not a strategy of " + spec.players[i].actor + " (" + valid + ")");
      }
      out.profile[i] = static_cast<int>(at - names.begin());
    }
    for (int m = 0; m < alliance.members_size(); ++m) {
      const std::string& member = alliance.members(m);
      const std::string path = "alliance_game." + Index("members", m);
      if (std::find(actors.begin(), actors.end(), member) == actors.end()) {
        complaint.Fail(path, Quoted(member), "no such actor in the scenario (actors: " + actor_list + ")");
      }
      if (std::find(out.members.begin(), out.members.end(), member) != out.members.end()) {
        complaint.Fail(path, Quoted(member), "listed twice");
      }
      out.members.push_back(member);
      const auto player = std::find_if(spec.players.begin(), spec.players.end(),
                                       [&](const GamePlayerSpec& p) { return p.actor == member; });
      if (player != spec.players.end()) {
        out.outcome.push_back(player->outcome);
        out.minimise.push_back(player->minimise);
      } else {
        const reesim::Outcome payoff = DefaultPayoff(member, spec.discount_rate);
        if (!outcome_names.insert(payoff.name()).second) {
          complaint.Fail(path, Quoted(member), "a player's payoff already has the name " + Quoted(payoff.name()));
        }
        out.outcome.push_back(experiment.outcomes_size());
        out.minimise.push_back(false);
        *experiment.add_outcomes() = payoff;
      }
    }
    spec.alliance = std::move(out);
  }

  // Every payoff names a metric of the scenario's world (checked here to name the game's field; the
  // experiment's loader checks them again, per arm).
  const run::LoadedScenario loaded = run::LoadScenarioMessage(full, "", source);
  const run::MetricCatalogue catalogue(loaded.world);
  for (int o = 0; o < experiment.outcomes_size(); ++o) {
    std::string where = "alliance_game.members";
    for (int i = 0; i < player_count; ++i) {
      if (spec.players[i].outcome == o) where = Index("players", i) + ".payoff.metric";
    }
    catalogue.Require(experiment.outcomes(o).metric(), complaint, where);
  }

  // The experiment: parameters, sampler and outcomes validated as an experiment file's.
  spec.experiment = experiments::LoadExperimentMessage(experiment, source, spec.sha256);
  spec.experiment.text = text;
  spec.experiment.name = in.name();
  std::shared_ptr<reesim::Scenario> base = std::make_shared<reesim::Scenario>(*spec.experiment.scenario);
  if (sets_strategies) base->clear_actors();
  spec.experiment.scenario = base;

  // Every strategy loads alone on the scenario.
  const std::vector<int> none(spec.players.size(), -1);
  for (int i = 0; i < in.players_size(); ++i) {
    for (int k = 0; k < in.players(i).strategies_size(); ++k) {
      std::vector<int> chosen = none;
      chosen[i] = k;
      LoadArm(*base, ArmOverlay(in, *full, chosen, sets_strategies),
              source + ": players[" + std::to_string(i) + "].strategies[" + std::to_string(k) + "] (" +
                  Quoted(in.players(i).strategies(k).name()) + ")");
    }
  }

  // The arms: every profile, then the alliance game's.
  spec.experiment.arm_names.clear();
  spec.experiment.arm_overlays.clear();
  for (std::int64_t arm = 0; arm < spec.profiles; ++arm) {
    const std::vector<int> profile = ProfileOfArm(spec, arm);
    spec.experiment.arm_names.push_back(ProfileName(spec, profile));
    spec.experiment.arm_overlays.push_back(std::make_shared<reesim::Scenario>(ArmOverlay(in, *full, profile, sets_strategies)));
  }
  if (spec.alliance) {
    AllianceGameSpec& alliance = *spec.alliance;
    const reesim::Scenario first = ArmOverlay(in, *full, alliance.profile, sets_strategies);
    alliance.first_arm = static_cast<int>(spec.experiment.arm_names.size());
    spec.experiment.arm_names.push_back("alliance=none");
    spec.experiment.arm_overlays.push_back(std::make_shared<reesim::Scenario>(first));
    const std::uint64_t masks = std::uint64_t{1} << alliance.members.size();
    alliance.coalition_arm.assign(masks, alliance.first_arm);
    for (std::uint64_t mask = 1; mask < masks; ++mask) {
      if (std::popcount(mask) < 2) continue;
      reesim::Scenario overlay = first;
      reesim::PolicyEvent& event = *overlay.add_policies();
      reesim::Alliance& instrument = *event.mutable_alliance();
      instrument = in.alliance_game().alliance();
      instrument.clear_members();
      std::string name;
      for (std::size_t m = 0; m < alliance.members.size(); ++m) {
        if (!(mask >> m & 1)) continue;
        if (event.actor().empty()) event.set_actor(alliance.members[m]);
        instrument.add_members(alliance.members[m]);
        name += (name.empty() ? "" : "+") + alliance.members[m];
      }
      event.set_start_round(in.alliance_game().start_round());
      event.set_note("alliance game: coalition " + name);
      alliance.coalition_arm[mask] = static_cast<int>(spec.experiment.arm_names.size());
      spec.experiment.arm_names.push_back("alliance=" + name);
      spec.experiment.arm_overlays.push_back(std::make_shared<reesim::Scenario>(std::move(overlay)));
    }
    LoadArm(*base, *spec.experiment.arm_overlays[alliance.coalition_arm[masks - 1]], source + ": alliance_game (every member)");
  }

  return spec;
}

GameSpec LoadGameFile(const std::string& path) { return LoadGameText(run::ReadFile(path), path); }

bool LooksLikeGame(const std::string& text) {
  reesim::Game game;
  return experiments::ParsesQuietly(text, game) && game.players_size() > 0;
}

std::int64_t ArmOfProfile(const GameSpec& spec, const std::vector<int>& profile) {
  REESIM_CHECK_EQ(profile.size(), spec.players.size());
  std::int64_t arm = 0;
  for (std::size_t i = profile.size(); i-- > 0;) {
    const int count = static_cast<int>(spec.players[i].strategies.size());
    REESIM_CHECK(profile[i] >= 0 && profile[i] < count);
    arm = arm * count + profile[i];
  }
  return arm;
}

std::vector<int> ProfileOfArm(const GameSpec& spec, std::int64_t arm) {
  REESIM_CHECK(arm >= 0 && arm < spec.profiles);
  std::vector<int> profile;
  for (const GamePlayerSpec& player : spec.players) {
    const std::int64_t count = static_cast<std::int64_t>(player.strategies.size());
    profile.push_back(static_cast<int>(arm % count));
    arm /= count;
  }
  return profile;
}

std::string ProfileName(const GameSpec& spec, const std::vector<int>& profile) {
  std::string name;
  for (std::size_t i = 0; i < profile.size(); ++i) {
    name += (i ? ";" : "") + spec.players[i].actor + "=" + spec.players[i].strategies[profile[i]];
  }
  return name;
}

namespace {

std::vector<std::string> Actors(const GameSpec& spec) {
  std::vector<std::string> actors;
  for (const GamePlayerSpec& player : spec.players) actors.push_back(player.actor);
  return actors;
}

std::vector<std::vector<std::string>> Strategies(const GameSpec& spec) {
  std::vector<std::vector<std::string>> strategies;
  for (const GamePlayerSpec& player : spec.players) strategies.push_back(player.strategies);
  return strategies;
}

}  // namespace

GameCollector::GameCollector(const GameSpec& spec)
    : spec_(spec), samples_(Actors(spec), Strategies(spec), spec.experiment.RunsPerArm()) {
  if (spec.alliance) {
    const std::size_t arms = spec.experiment.arm_names.size() - static_cast<std::size_t>(spec.alliance->first_arm);
    alliance_values_.assign(arms, std::vector<std::vector<double>>(
                                      spec.experiment.RunsPerArm(),
                                      std::vector<double>(spec.alliance->members.size(), std::nan(""))));
  }
}

void GameCollector::Add(const experiments::RunRecord& record) {
  ++records_;
  const bool ok = record.failure.empty();
  failures_ += !ok;
  auto value = [&](int outcome, bool minimise) {
    if (!ok) return std::nan("");
    return minimise ? -record.outcomes[outcome] : record.outcomes[outcome];
  };
  if (record.arm < spec_.profiles) {
    for (std::size_t i = 0; i < spec_.players.size(); ++i) {
      samples_.Set(record.arm, static_cast<int>(i), record.replicate, value(spec_.players[i].outcome, spec_.players[i].minimise));
    }
    return;
  }
  REESIM_CHECK(spec_.alliance.has_value());
  const AllianceGameSpec& alliance = *spec_.alliance;
  std::vector<double>& values = alliance_values_[record.arm - alliance.first_arm][record.replicate];
  for (std::size_t m = 0; m < alliance.members.size(); ++m) values[m] = value(alliance.outcome[m], alliance.minimise[m]);
}

std::vector<std::vector<double>> GameCollector::CoalitionSamples() const {
  REESIM_CHECK(spec_.alliance.has_value());
  const AllianceGameSpec& alliance = *spec_.alliance;
  const std::uint64_t masks = std::uint64_t{1} << alliance.members.size();
  const int replicates = spec_.experiment.RunsPerArm();
  std::vector<std::vector<double>> samples(masks, std::vector<double>(replicates, 0.0));
  for (std::uint64_t mask = 1; mask < masks; ++mask) {
    const auto& arm = alliance_values_[alliance.coalition_arm[mask] - alliance.first_arm];
    for (int r = 0; r < replicates; ++r) {
      double sum = 0;
      for (std::size_t m = 0; m < alliance.members.size(); ++m) {
        if (mask >> m & 1) sum += arm[r][m];
      }
      samples[mask][r] = sum;
    }
  }
  return samples;
}

GameReport AnalyseGame(const GameSpec& spec, const GameCollector& collected) {
  const PayoffSamples& samples = collected.samples();
  std::int64_t missing = 0;
  GameReport report(EstimatedGame(samples, spec.name.empty() ? "reesim empirical game" : spec.name, &missing));
  report.cells = EstimateCells(samples);
  report.missing_cells = missing;
  report.failures = collected.failures();
  BootstrapOptions bootstrap;
  bootstrap.resamples = spec.analyses.resamples;
  bootstrap.seed = spec.experiment.seed;
  bootstrap.epsilon = spec.analyses.epsilon;
  try {
    report.equilibria = AnalyseEquilibria(samples, report.estimated, spec.analyses.methods, spec.analyses.method_seed, bootstrap);
    if (spec.analyses.liap_without_pure && report.equilibria.equilibria.empty()) {
      report.equilibria = AnalyseEquilibria(samples, report.estimated, {"liap"}, spec.analyses.method_seed, bootstrap);
    }
    if (spec.analyses.tournament) report.tournament = Tournament(samples, bootstrap);
    if (spec.analyses.stackelberg) report.stackelberg = StackelbergAnalysis(report.estimated);
    if (spec.alliance) report.coalitions = AnalyseCoalitions(spec.alliance->members, collected.CoalitionSamples(), bootstrap);
  } catch (const GameError& error) {
    throw InputError(spec.source + ": the estimated game: " + error.what());
  }
  return report;
}

namespace {

// A copy of the game's experiment holding only these arms (the game's arm indices): its runs are those
// the whole experiment makes (a run's seed and sample point depend on its replicate only), numbered
// within it.
experiments::ExperimentSpec WithArms(const experiments::ExperimentSpec& all, const std::vector<std::int64_t>& arms) {
  experiments::ExperimentSpec some = all;
  some.arm_names.clear();
  some.arm_overlays.clear();
  for (const std::int64_t arm : arms) {
    some.arm_names.push_back(all.arm_names[arm]);
    some.arm_overlays.push_back(all.arm_overlays[arm]);
  }
  return some;
}

// The mean of a cell's successful runs (NaN if none), as EstimateOf computes it.
double CellMean(const PayoffSamples& samples, std::int64_t profile, int player) {
  double sum = 0;
  int n = 0;
  for (int r = 0; r < samples.replicates(); ++r) {
    const double value = samples.At(profile, player, r);
    if (!std::isfinite(value)) continue;
    sum += value;
    ++n;
  }
  return n > 0 ? sum / n : std::nan("");
}

// The estimated game of a subgame ([player]: its strategies), cell means read as EstimatedGame does.
NormalFormGame SubgameEstimate(const GameSpec& spec, const PayoffSamples& samples, const std::vector<std::vector<int>>& subgame,
                               const std::string& title) {
  std::vector<std::string> players;
  std::vector<std::vector<std::string>> labels(spec.players.size());
  for (std::size_t i = 0; i < spec.players.size(); ++i) {
    players.push_back(spec.players[i].actor);
    for (const int j : subgame[i]) labels[i].push_back(spec.players[i].strategies[j]);
  }
  NormalFormGame game(players, labels);
  game.set_title(title);
  std::vector<int> full(spec.players.size());
  for (std::int64_t q = 0; q < game.NumProfiles(); ++q) {
    const std::vector<int> local = game.ProfileAt(q);
    for (std::size_t i = 0; i < full.size(); ++i) full[i] = subgame[i][local[i]];
    const std::int64_t p = ArmOfProfile(spec, full);
    for (int i = 0; i < game.NumPlayers(); ++i) {
      const double mean = CellMean(samples, p, i);
      game.SetPayoff(q, i, std::isfinite(mean) ? ShortestDecimal(mean) : Rational(0));
    }
  }
  return game;
}

// Runs the game's arms `arms` (ascending) on the experiment runner, each record renumbered to the
// game's arm, added to the collector and handed to `keep` (if given).
void RunArms(const GameSpec& spec, const std::vector<std::int64_t>& arms, GameCollector& collector, int threads,
             const std::function<void(experiments::RunRecord&&)>& keep,
             const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const experiments::ExperimentSpec some = WithArms(spec.experiment, arms);
  experiments::RunRuns(
      some, threads, 0, 1,
      [&](const experiments::RunRecord& record) {
        experiments::RunRecord renumbered = record;
        renumbered.arm = static_cast<int>(arms[record.arm]);
        collector.Add(renumbered);
        if (keep) keep(std::move(renumbered));
      },
      progress);
}

}  // namespace

QuiesceResult SearchProfiles(const GameSpec& spec, GameCollector& collector, int threads,
                             const std::function<void(experiments::RunRecord&&)>& keep,
                             const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const std::int64_t replicates = spec.experiment.RunsPerArm();
  const std::int64_t most = spec.search.max_profiles * replicates;  // progress: at most this many runs
  std::int64_t done = 0;
  const auto run_batch = [&](const std::vector<std::int64_t>& profiles) {
    const std::int64_t before = done;
    RunArms(spec, profiles, collector, threads, keep,
            progress ? [&](std::int64_t runs, std::int64_t) { progress(before + runs, most); }
                     : std::function<void(std::int64_t, std::int64_t)>());
    done = before + static_cast<std::int64_t>(profiles.size()) * replicates;
  };
  QuiesceOptions options;
  options.max_profiles = spec.search.max_profiles;
  options.tolerance = spec.search.tolerance;
  options.seed = spec.analyses.method_seed;
  const PayoffOracle oracle{run_batch, [&](std::int64_t profile, int player) {
                              return CellMean(collector.samples(), profile, player);
                            }};
  return Quiesce(Actors(spec), Strategies(spec), oracle, options);
}

GameReport AnalyseQuiescedGame(const GameSpec& spec, const GameCollector& collected, const QuiesceResult& search) {
  const PayoffSamples& samples = collected.samples();
  QuiesceReport quiesce;
  quiesce.result = search;
  quiesce.simulated.assign(static_cast<std::size_t>(spec.profiles), false);
  for (const std::int64_t p : search.evaluated) quiesce.simulated[p] = true;
  quiesce.profiles = search.evaluated;
  std::sort(quiesce.profiles.begin(), quiesce.profiles.end());
  // The last complete subgame: the last step's unless the budget stopped it before completion.
  quiesce.subgame = search.steps.back().subgame;
  if (search.steps.back().needed_but_over_budget > 0) {
    quiesce.subgame = search.steps.size() > 1 ? search.steps[search.steps.size() - 2].subgame
                                              : std::vector<std::vector<int>>();
  }
  const std::string title = spec.name.empty() ? "reesim empirical game" : spec.name;
  GameReport report = quiesce.subgame.empty() ? GameReport(NormalFormGame(Actors(spec), Strategies(spec)))
                                              : GameReport(SubgameEstimate(spec, samples, quiesce.subgame, title));
  report.estimated.set_title(title);
  report.cells = EstimateCells(samples);
  for (const std::int64_t p : quiesce.profiles) {
    for (std::size_t i = 0; i < spec.players.size(); ++i) report.missing_cells += report.cells[p * spec.players.size() + i].n == 0;
  }
  report.failures = collected.failures();
  BootstrapOptions bootstrap;
  bootstrap.resamples = spec.analyses.resamples;
  bootstrap.seed = spec.experiment.seed;
  bootstrap.epsilon = spec.analyses.epsilon;
  std::vector<QuiesceCandidate> confirmed;
  for (const int c : search.LastCandidates()) {
    if (search.candidates[c].status == CandidateStatus::kConfirmed) confirmed.push_back(search.candidates[c]);
  }
  report.equilibria = AssessCandidates(samples, quiesce.simulated, confirmed, bootstrap);
  try {
    if (spec.alliance) report.coalitions = AnalyseCoalitions(spec.alliance->members, collected.CoalitionSamples(), bootstrap);
  } catch (const GameError& error) {
    throw InputError(spec.source + ": the estimated game: " + error.what());
  }
  report.quiesce = std::move(quiesce);
  return report;
}

namespace {

GameRunResult RunQuiescedGame(GameSpec& spec, const experiments::CampaignOptions& options) {
  if (options.shard.count != 1 || options.resume) {
    throw InputError(spec.source + ": profile_search: QUIESCE chooses each batch of profiles from the results of the last, so " +
                     "it runs in one process (--threads, not --shard or --resume)");
  }
  const std::filesystem::path out_dir = options.out_dir;
  run::CreateOutputDirectory(out_dir.string());
  if (!options.force) {
    for (const char* name : {"game.json", "summary.json", "checkpoint.jsonl", "shard.jsonl"}) {
      if (std::filesystem::exists(out_dir / name)) {
        throw InputError(out_dir.string() + ": holds the outputs of another run (" + name +
                         "): choose another --out, or give --force to overwrite them");
      }
    }
  }
  experiments::PrepareSnapshotDir(spec.experiment, options.out_dir);
  GameCollector collector(spec);
  const int replicates = spec.experiment.RunsPerArm();
  // Every simulated arm's records [arm][replicate], kept for the experiment's outputs.
  std::vector<std::vector<experiments::RunRecord>> records(spec.experiment.arm_names.size());
  GameRunResult result;
  const auto keep = [&](experiments::RunRecord&& record) {
    result.campaign.failures += !record.failure.empty();
    std::vector<experiments::RunRecord>& arm = records[record.arm];
    arm.resize(replicates);
    const int replicate = record.replicate;
    arm[replicate] = std::move(record);
  };
  QuiesceResult found = SearchProfiles(spec, collector, options.threads, keep, options.progress);
  std::vector<std::int64_t> simulated = found.evaluated;
  std::sort(simulated.begin(), simulated.end());
  if (spec.alliance) {
    std::vector<std::int64_t> alliance;
    for (std::int64_t arm = spec.alliance->first_arm; arm < static_cast<std::int64_t>(spec.experiment.arm_names.size()); ++arm) {
      alliance.push_back(arm);
    }
    RunArms(spec, alliance, collector, options.threads, keep, {});
    simulated.insert(simulated.end(), alliance.begin(), alliance.end());
  }
  // The experiment's outputs for the simulated arms, in arm order, as RunCampaign writes them.
  // The game's files are committed with the experiment's (one OutputSet): together or none.
  const experiments::ExperimentSpec written = WithArms(spec.experiment, simulated);
  result.report = AnalyseQuiescedGame(spec, collector, found);
  {
    experiments::ExperimentWriter writer(written, options.out_dir);
    for (std::int64_t position = 0; position < experiments::TotalRuns(written); ++position) {
      const experiments::RunSlot slot = experiments::SlotAt(written, position);
      experiments::RunRecord record = records[simulated[slot.arm]][slot.row];
      record.arm = slot.arm;
      writer.Add(record);
    }
    writer.Finish(GameOutputFiles(spec, *result.report));
  }
  result.campaign.runs = experiments::TotalRuns(written);
  return result;
}

}  // namespace

GameRunResult RunGame(GameSpec& spec, experiments::CampaignOptions options) {
  if (spec.search.quiesce) return RunQuiescedGame(spec, options);
  GameCollector collector(spec);
  const bool whole = options.shard.count == 1;
  if (whole) {
    options.observe = [&collector, also = options.observe](const experiments::RunRecord& record) {
      collector.Add(record);
      if (also) also(record);
    };
  }
  GameRunResult result;
  // The game's files are committed with the experiment's: a failure leaves none of them and the
  // checkpoint, from which --resume writes them all (a finished experiment is never re-analysed).
  if (whole) {
    options.more_outputs = [&] {
      result.report = AnalyseGame(spec, collector);
      return GameOutputFiles(spec, *result.report);
    };
  }
  result.campaign = experiments::RunCampaign(spec.experiment, options);
  return result;
}

std::optional<GameReport> RunGameUnderMpi(GameSpec& spec, int threads, const std::string& out_dir,
                                          const std::function<void(std::int64_t, std::int64_t)>& progress,
                                          experiments::MpiCampaignResult* result) {
  if (spec.search.quiesce) {
    throw InputError(spec.source + ": profile_search: QUIESCE chooses each batch of profiles from the results of the last, so " +
                     "it runs in one process (--threads), not under mpirun");
  }
  GameCollector collector(spec);
  experiments::PrepareSnapshotDir(spec.experiment, out_dir);
  // Rank 0 commits the game's files with the experiment's (one OutputSet): together or none.
  std::optional<GameReport> report;
  *result = experiments::RunCampaignUnderMpi(
      spec.experiment, threads, out_dir, progress, [&](const experiments::RunRecord& record) { collector.Add(record); },
      [&] {
        report = AnalyseGame(spec, collector);
        return GameOutputFiles(spec, *report);
      });
  if (result->rank != 0) return std::nullopt;
  return report;
}

GameMergeResult MergeGameShards(const std::vector<std::string>& dirs, const std::string& out_dir) {
  std::optional<GameSpec> spec;
  std::optional<GameCollector> collector;
  std::optional<GameReport> report;  // analysed once every record is in, committed with the merge's files
  const experiments::MergeResult merge = experiments::MergeShards(
      dirs, out_dir,
      [&](const std::string& path, const std::string& text) {
        if (!LooksLikeGame(text)) throw InputError(path + ": not a game file (merge an experiment's shards with reesim merge)");
        spec = LoadGameText(text, path);
        collector.emplace(*spec);
        return spec->experiment;
      },
      [&](const experiments::RunRecord& record) { collector->Add(record); },
      [&] {
        report = AnalyseGame(*spec, *collector);
        return GameOutputFiles(*spec, *report);
      });
  return GameMergeResult{*spec, merge, std::move(*report)};
}

}  // namespace reesim::games
