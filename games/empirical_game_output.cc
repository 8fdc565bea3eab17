// The empirical game's outputs: game.json, profiles.csv, game.nfg and the table on stdout.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "games/empirical_game.h"
#include "games/json_text.h"
#include "games/nfg_io.h"
#include "proto/scenario.pb.h"
#include "world/field_error.h"

namespace reesim::games {

namespace {

constexpr const char* kAggregationNames[] = {"MEAN", "MIN", "MAX", "SUM", "FINAL", "DISCOUNTED_SUM", "FIRST_CROSSING"};
constexpr const char* kSamplerNames[] = {"monte_carlo", "latin_hypercube", "sobol", "full_factorial"};

std::string Pair(double low, double high) { return "[" + JsonNumber(low) + "," + JsonNumber(high) + "]"; }

std::string EstimateJson(const Estimate& e) {
  return "{\"mean\":" + JsonNumber(e.mean) + ",\"se\":" + JsonNumber(e.se) + ",\"ci95\":" + Pair(e.ci95_low, e.ci95_high) +
         ",\"n\":" + std::to_string(e.n) + "}";
}

std::string Numbers(const std::vector<double>& values) { return JsonList(values, JsonNumber); }

// The rounds a run plays: the spec's, else the scenario's (default 8).
int Rounds(const GameSpec& spec) {
  if (spec.experiment.rounds > 0) return spec.experiment.rounds;
  return spec.experiment.scenario->rounds() > 0 ? spec.experiment.scenario->rounds() : 8;
}

std::string Provenance(const GameSpec& spec) {
  return std::string("reesim ") + REESIM_VERSION + "; snapshot format " + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) +
         "; game " + spec.name + "; game_sha256 " + spec.sha256 + "; seed " + std::to_string(spec.experiment.seed);
}

// A cell of a CSV file: the shortest round-trip decimal, empty for NaN.
std::string Cell(double value) { return std::isfinite(value) ? JsonNumber(value) : std::string(); }

// A number for the table: six significant digits.
std::string Short(double value) {
  if (!std::isfinite(value)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string Pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// The support of an equilibrium, labelled: "quota" or "0.4 open + 0.6 quota".
std::string Support(const GameSpec& spec, const MixedProfile& profile, int player) {
  std::string out;
  for (std::size_t j = 0; j < profile[player].size(); ++j) {
    const double p = profile[player][j];
    if (p <= 1e-9) continue;
    if (!out.empty()) out += " + ";
    if (p < 1 - 1e-9) out += Short(p) + " ";
    out += spec.players[player].strategies[j];
  }
  return out;
}

// The profiles simulated: every one, or profile search's (ascending).
std::vector<std::int64_t> SimulatedProfiles(const GameSpec& spec, const GameReport& report) {
  if (report.quiesce) return report.quiesce->profiles;
  std::vector<std::int64_t> all(static_cast<std::size_t>(spec.profiles));
  for (std::int64_t p = 0; p < spec.profiles; ++p) all[p] = p;
  return all;
}

// The runs made: every arm's, or the simulated profiles' and the alliance game's.
std::int64_t Runs(const GameSpec& spec, const GameReport& report) {
  std::int64_t arms = static_cast<std::int64_t>(spec.experiment.arm_names.size());
  if (report.quiesce) arms = static_cast<std::int64_t>(report.quiesce->profiles.size()) + (arms - spec.profiles);
  return arms * spec.experiment.RunsPerArm();
}

// A subgame as each player's strategy labels.
std::string SubgameJson(const GameSpec& spec, const std::vector<std::vector<int>>& subgame) {
  std::string out = "[";
  for (std::size_t i = 0; i < subgame.size(); ++i) {
    std::vector<std::string> labels;
    for (const int j : subgame[i]) labels.push_back(spec.players[i].strategies[j]);
    out += (i ? "," : "") + JsonList(labels, JsonString);
  }
  return out + "]";
}

std::string Indices(const std::vector<std::int64_t>& values) {
  return JsonList(values, [](std::int64_t v) { return std::to_string(v); });
}

std::string QuiesceJson(const GameSpec& spec, const QuiesceReport& q) {
  const QuiesceResult& r = q.result;
  const int players = static_cast<int>(spec.players.size());
  std::string out = "{\"method\":\"QUIESCE\",\"max_profiles\":" + std::to_string(spec.search.max_profiles) +
                    ",\"tolerance\":" + JsonNumber(spec.search.tolerance) + ",\"profiles_total\":" + std::to_string(spec.profiles) +
                    ",\"profiles_simulated\":" + std::to_string(q.profiles.size()) + ",\"stopped\":" + JsonString(StopName(r.stop)) +
                    ",\"simulated_in_order\":" + Indices(r.evaluated) + ",\"last_complete_subgame\":" + SubgameJson(spec, q.subgame) +
                    ",\n\"steps\":[";
  for (std::size_t s = 0; s < r.steps.size(); ++s) {
    const QuiesceStep& step = r.steps[s];
    out += std::string(s ? ",\n" : "\n") + "{\"subgame\":" + SubgameJson(spec, step.subgame) +
           ",\"completed\":" + Indices(step.completed) + ",\"deviations\":" + Indices(step.deviations) +
           (step.needed_but_over_budget > 0 ? ",\"needed_over_budget\":" + std::to_string(step.needed_but_over_budget) : std::string()) +
           ",\"candidates\":" + JsonList(step.candidates, [](int c) { return std::to_string(c); }) + "}";
  }
  out += "],\n\"candidates\":[";
  for (std::size_t c = 0; c < r.candidates.size(); ++c) {
    const QuiesceCandidate& candidate = r.candidates[c];
    std::vector<std::string> support;
    for (int i = 0; i < players; ++i) support.push_back(Support(spec, candidate.strategies, i));
    std::string not_evaluated, best;
    double best_gain = -HUGE_VAL;
    for (const QuiesceDeviation& d : candidate.deviations) {
      if (!d.missing.empty()) {
        not_evaluated += std::string(not_evaluated.empty() ? "" : ",") + "{\"actor\":" + JsonString(spec.players[d.player].actor) +
                         ",\"strategy\":" + JsonString(spec.players[d.player].strategies[d.strategy]) +
                         ",\"profiles\":" + Indices(d.missing) + "}";
      } else if (d.gain > best_gain) {
        best_gain = d.gain;
        best = "{\"actor\":" + JsonString(spec.players[d.player].actor) +
               ",\"strategy\":" + JsonString(spec.players[d.player].strategies[d.strategy]) + ",\"gain\":" + JsonNumber(d.gain) + "}";
      }
    }
    out += std::string(c ? ",\n" : "\n") + "{\"index\":" + std::to_string(c) + ",\"step\":" + std::to_string(candidate.step) +
           ",\"method\":" + JsonString(candidate.method) + ",\"status\":" + JsonString(StatusName(candidate.status)) +
           ",\"support\":" + JsonList(support, JsonString) + ",\"strategies\":" + JsonList(candidate.strategies, Numbers) +
           ",\"payoffs\":" + Numbers(candidate.payoffs) + ",\"regret\":" + JsonNumber(candidate.regret) +
           ",\"best_deviation\":" + (best.empty() ? std::string("null") : best) + ",\"deviations_not_evaluated\":[" +
           not_evaluated + "]}";
  }
  return out + "]}";
}

std::string QuiesceTable(const GameSpec& spec, const QuiesceReport& q) {
  const QuiesceResult& r = q.result;
  const int players = static_cast<int>(spec.players.size());
  std::string out = "\nprofile search (QUIESCE): " + std::to_string(q.profiles.size()) + " of " + std::to_string(spec.profiles) +
                    " profiles simulated (budget " + std::to_string(spec.search.max_profiles) + ") in " +
                    std::to_string(r.steps.size()) + " steps; stopped: " +
                    (r.stop == QuiesceStop::kConfirmed ? std::string("a candidate is confirmed")
                     : r.stop == QuiesceStop::kBudget  ? std::string("the budget is spent")
                                                       : std::string("the subgame stopped growing")) +
                    "\n";
  for (const int c : r.LastCandidates()) {
    const QuiesceCandidate& candidate = r.candidates[c];
    out += "  candidate " + std::to_string(c) + " (" + StatusName(candidate.status) + "):";
    for (int i = 0; i < players; ++i) out += " " + spec.players[i].actor + ": " + Support(spec, candidate.strategies, i) + ";";
    int missing = 0;
    for (const QuiesceDeviation& d : candidate.deviations) missing += !d.missing.empty();
    out += " largest evaluated gain " + Short(candidate.regret);
    if (missing > 0) out += ", " + std::to_string(missing) + " deviations not simulated";
    out += "\n";
  }
  return out;
}

}  // namespace

std::string GameJson(const GameSpec& spec, const GameReport& report) {
  const int players = static_cast<int>(spec.players.size());
  const experiments::ExperimentSpec& experiment = spec.experiment;
  std::string out = "{\"reesim_version\":" + JsonString(REESIM_VERSION) +
                    ",\n\"snapshot_format_version\":" + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) +
                    ",\n\"game\":" + JsonString(spec.name) + ",\n\"game_sha256\":" + JsonString(spec.sha256) +
                    ",\n\"seed\":" + std::to_string(experiment.seed) + ",\n\"scenario\":" + JsonString(spec.scenario) +
                    ",\n\"rounds\":" + std::to_string(Rounds(spec)) +
                    ",\n\"replicates\":" + std::to_string(experiment.RunsPerArm()) +
                    ",\n\"sampler\":" + JsonString(kSamplerNames[static_cast<int>(experiment.sampler)]) +
                    ",\n\"parameters\":" + JsonList(experiment.parameters, [](const experiments::ParameterSpec& p) {
                      return JsonString(p.path);
                    }) +
                    ",\n\"runs\":" + std::to_string(Runs(spec, report)) +
                    ",\n\"failures\":" + std::to_string(report.failures) +
                    ",\n\"missing_cells\":" + std::to_string(report.missing_cells);
  out += ",\n\"players\":[";
  for (int i = 0; i < players; ++i) {
    const GamePlayerSpec& player = spec.players[i];
    const experiments::OutcomeSpec& payoff = experiment.outcomes[player.outcome];
    out += std::string(i ? ",\n" : "\n") + "{\"actor\":" + JsonString(player.actor) +
           ",\"strategies\":" + JsonList(player.strategies, JsonString) + ",\"payoff\":{\"outcome\":" + JsonString(payoff.name) +
           ",\"metric\":" + JsonString(payoff.metric) + ",\"unit\":" + JsonString(experiments::OutcomeUnit(payoff)) +
           ",\"aggregation\":" + JsonString(kAggregationNames[static_cast<int>(payoff.aggregation)]) +
           ",\"discount_rate\":" + JsonNumber(payoff.discount_rate) + ",\"minimise\":" + (player.minimise ? "true" : "false") + "}}";
  }
  out += "]";

  out += ",\n\"profiles\":[";
  const std::vector<std::int64_t> simulated = SimulatedProfiles(spec, report);
  for (const std::int64_t p : simulated) {
    const std::vector<int> profile = ProfileOfArm(spec, p);
    std::vector<std::string> labels;
    for (int i = 0; i < players; ++i) labels.push_back(spec.players[i].strategies[profile[i]]);
    std::vector<Estimate> cells(report.cells.begin() + p * players, report.cells.begin() + (p + 1) * players);
    out += std::string(p != simulated.front() ? ",\n" : "\n") + "{\"index\":" + std::to_string(p) + ",\"strategies\":" + JsonList(labels, JsonString) +
           ",\"payoffs\":" + JsonList(cells, EstimateJson) + "}";
  }
  out += "]";

  const EquilibriumAnalysis& eq = report.equilibria;
  std::vector<std::string> methods = spec.analyses.methods;
  if (spec.analyses.liap_without_pure) methods.push_back("liap (when there is no pure equilibrium)");
  if (report.quiesce) methods = {"quiesce (the confirmed candidates of profile_search)"};
  out += ",\n\"equilibria\":{\"methods\":" + JsonList(methods, JsonString) +
         ",\"epsilon\":" + Numbers(eq.epsilon) + ",\"resamples\":" + std::to_string(eq.resamples) + ",\"found\":[";
  for (std::size_t k = 0; k < eq.equilibria.size(); ++k) {
    const AssessedEquilibrium& e = eq.equilibria[k];
    std::vector<std::string> support;
    for (int i = 0; i < players; ++i) support.push_back(Support(spec, e.equilibrium.strategies, i));
    out += std::string(k ? ",\n" : "\n") + "{\"methods\":" + JsonList(e.methods, JsonString) +
           (e.converged ? std::string(",\"converged\":") + (*e.converged ? "true" : "false") : std::string()) +
           ",\"support\":" + JsonList(support, JsonString) +
           ",\"strategies\":" + JsonList(e.equilibrium.strategies, Numbers) + ",\"payoffs\":" + Numbers(e.equilibrium.payoffs) +
           ",\"regret\":" + JsonNumber(e.equilibrium.regret) + ",\"robustness\":" + JsonNumber(e.robustness) +
           ",\"regret_bootstrap\":{\"median\":" + JsonNumber(e.regret_median) + ",\"q95\":" + JsonNumber(e.regret_q95) +
           "},\"payoff_ci95\":" +
           JsonList(e.payoff_ci95, [](const std::pair<double, double>& ci) { return Pair(ci.first, ci.second); }) + "}";
  }
  out += "]}";

  out += ",\n\"tournament\":[";
  for (std::size_t t = 0; t < report.tournament.size(); ++t) {
    const PlayerTournament& tournament = report.tournament[t];
    const GamePlayerSpec& player = spec.players[tournament.player];
    out += std::string(t ? ",\n" : "\n") + "{\"actor\":" + JsonString(player.actor) + ",\"ranking\":" +
           JsonList(tournament.ranking, [&](const TournamentEntry& entry) {
             return "{\"strategy\":" + JsonString(player.strategies[entry.strategy]) + ",\"mean\":" + JsonNumber(entry.score.mean) +
                    ",\"se\":" + JsonNumber(entry.score.se) + ",\"ci95\":" + Pair(entry.score.ci95_low, entry.score.ci95_high) +
                    ",\"bootstrap_ci95\":" + Pair(entry.boot_low, entry.boot_high) + ",\"n\":" + std::to_string(entry.score.n) + "}";
           }) +
           ",\"win_rates\":" + JsonList(tournament.win_rate, Numbers);
    if (tournament.top_two) {
      const PairedTest& test = *tournament.top_two;
      out += ",\"top_two\":{\"first\":" + JsonString(player.strategies[test.first]) +
             ",\"second\":" + JsonString(player.strategies[test.second]) + ",\"mean_difference\":" + JsonNumber(test.mean_difference) +
             ",\"se\":" + JsonNumber(test.se) + ",\"t\":" + JsonNumber(test.t) + ",\"p_value\":" + JsonNumber(test.p_value) +
             ",\"n\":" + std::to_string(test.n) + "}";
    }
    out += "}";
  }
  out += "]";

  out += ",\n\"stackelberg\":[";
  for (std::size_t s = 0; s < report.stackelberg.size(); ++s) {
    const StackelbergResult& result = report.stackelberg[s];
    std::vector<std::string> labels;
    for (int i = 0; i < players; ++i) labels.push_back(spec.players[i].strategies[result.pure_profile[i]]);
    out += std::string(s ? ",\n" : "\n") + "{\"leader\":" + JsonString(spec.players[result.leader].actor) +
           ",\"pure\":{\"strategies\":" + JsonList(labels, JsonString) + ",\"payoffs\":" + Numbers(result.pure_payoffs) + "}";
    if (result.mixed) {
      const int follower = 1 - result.leader;
      out += ",\"mixed\":{\"leader_mix\":" + Numbers(result.mixed->leader_mix) +
             ",\"follower_strategy\":" + JsonString(spec.players[follower].strategies[result.mixed->follower_strategy]) +
             ",\"leader_value\":" + JsonNumber(result.mixed->leader_value) +
             ",\"follower_value\":" + JsonNumber(result.mixed->follower_value) + "}";
    }
    out += "}";
  }
  out += "]";

  if (report.quiesce) out += ",\n\"profile_search\":" + QuiesceJson(spec, *report.quiesce);

  if (report.coalitions) {
    const CoalitionAnalysis& c = *report.coalitions;
    std::vector<std::string> profile;
    for (std::size_t i = 0; i < spec.players.size(); ++i) profile.push_back(spec.players[i].strategies[spec.alliance->profile[i]]);
    out += ",\n\"coalitions\":{\"members\":" + JsonList(c.members, JsonString) + ",\"profile\":" + JsonList(profile, JsonString) +
           ",\"values\":[";
    for (std::size_t mask = 1; mask < c.values.size(); ++mask) {
      std::vector<std::string> coalition;
      for (std::size_t m = 0; m < c.members.size(); ++m) {
        if (mask >> m & 1) coalition.push_back(c.members[m]);
      }
      const Estimate& v = c.values[mask];
      out += std::string(mask > 1 ? ",\n" : "\n") + "{\"coalition\":" + JsonList(coalition, JsonString) +
             ",\"value\":" + EstimateJson(v) + "}";
    }
    out += "],\n\"shapley\":" + Numbers(c.shapley) + ",\"shapley_ci95\":" +
           JsonList(c.shapley_ci95, [](const std::pair<double, double>& ci) { return Pair(ci.first, ci.second); }) +
           ",\"least_core\":{\"epsilon\":" + JsonNumber(c.least_core.epsilon) +
           ",\"allocation\":" + Numbers(c.least_core.allocation) +
           ",\"core_nonempty\":" + (c.least_core.core_nonempty ? "true" : "false") +
           "},\"core_nonempty_share\":" + JsonNumber(c.core_nonempty_share) + "}";
  }
  out += "\n}\n";
  return out;
}

std::string ProfilesCsv(const GameSpec& spec, const GameReport& report) {
  const int players = static_cast<int>(spec.players.size());
  std::string out = "# " + Provenance(spec) + "\nprofile";
  for (const GamePlayerSpec& player : spec.players) out += "," + player.actor;
  out += ",player,mean,se,ci95_low,ci95_high,n\n";
  for (const std::int64_t p : SimulatedProfiles(spec, report)) {
    const std::vector<int> profile = ProfileOfArm(spec, p);
    std::string prefix = std::to_string(p);
    for (int i = 0; i < players; ++i) prefix += "," + spec.players[i].strategies[profile[i]];
    for (int i = 0; i < players; ++i) {
      const Estimate& e = report.cells[static_cast<std::size_t>(p) * players + i];
      out += prefix + "," + spec.players[i].actor + "," + Cell(e.mean) + "," + Cell(e.se) + "," + Cell(e.ci95_low) + "," +
             Cell(e.ci95_high) + "," + std::to_string(e.n) + "\n";
    }
  }
  return out;
}

std::string GameNfg(const GameSpec& spec, const GameReport& report) {
  NormalFormGame game = report.estimated;
  std::string comment = Provenance(spec) + "; payoffs: means over " + std::to_string(spec.experiment.RunsPerArm()) + " replicates";
  if (report.quiesce) {
    comment += "; profile_search QUIESCE: the last complete subgame, " + std::to_string(report.quiesce->profiles.size()) + " of " +
               std::to_string(spec.profiles) + " profiles simulated";
  }
  game.set_comment(comment);
  return WriteOutcomeNfg(game);
}

std::string GameTable(const GameSpec& spec, const GameReport& report) {
  const int players = static_cast<int>(spec.players.size());
  std::string out = "game " + (spec.name.empty() ? std::string("(unnamed)") : spec.name) + ": " + std::to_string(players) +
                    " players, " + std::to_string(spec.profiles) + " profiles x " +
                    std::to_string(spec.experiment.RunsPerArm()) + " replicates x " + std::to_string(Rounds(spec)) +
                    " rounds on " + spec.scenario + "; " + std::to_string(report.failures) + " failed runs\n";
  if (report.missing_cells > 0) {
    out += "warning: " + std::to_string(report.missing_cells) +
           " cells have no successful run and read as 0 in the estimated game\n";
  }
  out += "\n";
  out += "payoffs (mean +- 95 % half-width):\n";
  std::size_t width = 0;
  for (const GamePlayerSpec& player : spec.players) {
    for (const std::string& s : player.strategies) width = std::max(width, s.size());
  }
  width = std::max<std::size_t>(width, 3) + 2;
  for (const GamePlayerSpec& player : spec.players) out += Pad(player.actor, width);
  for (const GamePlayerSpec& player : spec.players) out += Pad("u(" + player.actor + ")", 24);
  out += "\n";
  constexpr std::size_t kTableRows = 256;
  const std::vector<std::int64_t> simulated = SimulatedProfiles(spec, report);
  for (std::size_t row = 0; row < std::min(simulated.size(), kTableRows); ++row) {
    const std::int64_t p = simulated[row];
    const std::vector<int> profile = ProfileOfArm(spec, p);
    for (int i = 0; i < players; ++i) out += Pad(spec.players[i].strategies[profile[i]], width);
    for (int i = 0; i < players; ++i) {
      const Estimate& e = report.cells[static_cast<std::size_t>(p) * players + i];
      out += Pad(Short(e.mean) + " +- " + Short(e.ci95_high - e.mean), 24);
    }
    out += "\n";
  }
  if (simulated.size() > kTableRows) out += "... (" + std::to_string(simulated.size() - kTableRows) + " more profiles in profiles.csv)\n";
  if (report.quiesce) out += QuiesceTable(spec, *report.quiesce);

  const EquilibriumAnalysis& eq = report.equilibria;
  out += "\nequilibria (robustness: share of " + std::to_string(eq.resamples) +
         " bootstrap resamples in which no player gains more than epsilon by deviating; epsilon";
  for (int i = 0; i < players; ++i) out += " " + spec.players[i].actor + " " + Short(eq.epsilon[i]);
  out += "):\n";
  if (eq.equilibria.empty()) out += report.quiesce ? "  none confirmed\n" : "  none found\n";
  for (const AssessedEquilibrium& e : eq.equilibria) {
    out += " ";
    for (int i = 0; i < players; ++i) out += " " + spec.players[i].actor + ": " + Support(spec, e.equilibrium.strategies, i) + ";";
    out += " regret " + Short(e.equilibrium.regret) + ", robustness " + Short(e.robustness) + " [";
    for (std::size_t m = 0; m < e.methods.size(); ++m) out += (m ? ", " : "") + e.methods[m];
    out += "]";
    if (e.converged && !*e.converged) out += " (the method did not reach its tolerance: an approximation)";
    out += "\n    payoffs:";
    for (int i = 0; i < players; ++i) {
      out += " " + spec.players[i].actor + " " + Short(e.equilibrium.payoffs[i]) + " (" + Short(e.payoff_ci95[i].first) + " to " +
             Short(e.payoff_ci95[i].second) + ")";
    }
    out += "\n";
  }

  if (!report.tournament.empty()) {
    out += "\ntournament (mean payoff against every profile of the others, 95 % interval):\n";
    for (const PlayerTournament& t : report.tournament) {
      const GamePlayerSpec& player = spec.players[t.player];
      out += "  " + player.actor + ":";
      for (std::size_t k = 0; k < t.ranking.size(); ++k) {
        const TournamentEntry& entry = t.ranking[k];
        out += std::string(k ? "," : "") + " " + std::to_string(k + 1) + ". " + player.strategies[entry.strategy] + " " +
               Short(entry.score.mean) + " (" + Short(entry.boot_low) + " to " + Short(entry.boot_high) + ")";
      }
      if (t.top_two) {
        const PairedTest& test = *t.top_two;
        out += "; " + player.strategies[test.first] + " beats " + player.strategies[test.second] + " in " +
               Short(100 * t.win_rate[test.first][test.second]) + " % of pairings, paired t-test p = " + Short(test.p_value);
      }
      out += "\n";
    }
  }

  if (!report.stackelberg.empty()) {
    out += "\nStackelberg (leader commits first, the others follow in table order):\n";
    for (const StackelbergResult& s : report.stackelberg) {
      out += "  " + spec.players[s.leader].actor + " leads:";
      for (int i = 0; i < players; ++i) out += " " + spec.players[i].actor + "=" + spec.players[i].strategies[s.pure_profile[i]];
      out += "; leader's payoff " + Short(s.pure_payoffs[s.leader]);
      if (s.mixed) out += " (mixed commitment: " + Short(s.mixed->leader_value) + ")";
      out += "\n";
    }
  }

  if (report.coalitions) {
    const CoalitionAnalysis& c = *report.coalitions;
    out += "\nalliance game (" + std::to_string(c.members.size()) + " members):\n  Shapley values:";
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      out += " " + c.members[m] + " " + Short(c.shapley[m]) + " (" + Short(c.shapley_ci95[m].first) + " to " +
             Short(c.shapley_ci95[m].second) + ")";
    }
    const double grand = c.values.back().mean;
    out += "\n  core: " + std::string(c.least_core.core_nonempty ? "not empty" : "empty") + " (least-core epsilon " +
           Short(c.least_core.epsilon) + ", " + Short(c.least_core.epsilon / std::abs(grand)) +
           " of the grand coalition's value; not empty in " + Short(100 * c.core_nonempty_share) + " % of resamples)\n";
    out += "  coalition values (synergy: v(S) minus its members' values alone):\n";
    for (std::size_t mask = 1; mask < c.values.size(); ++mask) {
      std::string name;
      double alone = 0;
      for (std::size_t m = 0; m < c.members.size(); ++m) {
        if (!(mask >> m & 1)) continue;
        name += (name.empty() ? "" : "+") + c.members[m];
        alone += c.values[std::size_t{1} << m].mean;
      }
      // A coalition whose members gain nothing together sums to its parts up to the doubles' rounding
      // (it printed as 1.81899e-12): below a billionth of its value it is printed as 0.
      double synergy = c.values[mask].mean - alone;
      if (std::abs(synergy) <= 1e-9 * std::max(1.0, std::abs(c.values[mask].mean))) synergy = 0;
      out += "    " + Pad(name, 28) + Pad(Short(c.values[mask].mean) + " +- " + Short(c.values[mask].ci95_high - c.values[mask].mean), 24) +
             "synergy " + Short(synergy) + "\n";
    }
  }
  return out;
}

std::vector<experiments::OutputFile> GameOutputFiles(const GameSpec& spec, const GameReport& report) {
  return {{"game.json", GameJson(spec, report)}, {"game.nfg", GameNfg(spec, report)}, {"profiles.csv", ProfilesCsv(spec, report)}};
}

}  // namespace reesim::games
