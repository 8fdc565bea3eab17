// `reesim game`: the empirical game of a reesim.Game spec (--spec, --merge; games/empirical_game.h), and
// equilibria of a Gambit .nfg game as JSON (--solve; games/).
#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "experiments/campaign.h"
#include "games/empirical_game.h"
#include "games/json_text.h"
#include "games/methods.h"
#include "games/nfg_io.h"
#include "world/check.h"

namespace po = boost::program_options;

namespace reesim::cli {

namespace {

using games::JsonList;
using games::JsonNumber;
using games::JsonString;

std::string Profile(const games::MixedProfile& profile) {
  return JsonList(profile, [](const std::vector<double>& mix) { return JsonList(mix, JsonNumber); });
}

// One equilibrium object; `extra` is appended inside it (",\"key\":value...").
std::string EquilibriumJson(const games::Equilibrium& e, const std::string& extra = "") {
  std::string out = "{\"strategies\":" + Profile(e.strategies) + ",\"payoffs\":" + JsonList(e.payoffs, JsonNumber) +
                    ",\"regret\":" + JsonNumber(e.regret);
  if (e.exact) {
    const auto fraction = [](const games::Rational& v) { return JsonString(games::ToString(v)); };
    out += ",\"exact\":{\"strategies\":" +
           JsonList(*e.exact, [&](const std::vector<games::Rational>& mix) { return JsonList(mix, fraction); }) +
           ",\"payoffs\":" + JsonList(*e.exact_payoffs, fraction) + "}";
  }
  return out + extra + "}";
}

// Returns the JSON document for `method` on `game` (throws games::GameError when it does not apply).
std::string Solve(const games::NormalFormGame& game, const std::string& method, std::uint64_t seed, int iterations) {
  games::MethodOptions options;
  options.seed = seed;
  options.iterations = iterations;
  const games::MethodResult result = games::SolveWithMethod(game, method, options);
  std::vector<std::string> equilibria;
  for (std::size_t k = 0; k < result.equilibria.size(); ++k) {
    std::string extra;
    if (result.converged[k]) extra = std::string(",\"converged\":") + (*result.converged[k] ? "true" : "false");
    if (result.regret) {
      const std::string joint = JsonList(result.regret->joint, [&](const std::pair<std::int64_t, double>& cell) {
        const std::vector<int> pure = game.ProfileAt(cell.first);
        std::string labels = "[";
        for (std::size_t i = 0; i < pure.size(); ++i) labels += (i ? "," : "") + JsonString(game.strategies()[i][pure[i]]);
        return "{\"profile\":" + labels + "],\"probability\":" + JsonNumber(cell.second) + "}";
      });
      extra += ",\"cce_gap\":" + JsonNumber(result.regret->cce_gap) + ",\"joint\":" + joint;
    }
    equilibria.push_back(EquilibriumJson(result.equilibria[k], extra));
  }
  std::string extra_top;
  if (result.logit) {
    extra_top = ",\"path\":" + JsonList(result.logit->path, [](const games::LogitPoint& point) {
                  return "{\"lambda\":" + JsonNumber(point.lambda) + ",\"strategies\":" + Profile(point.profile) + "}";
                });
  }
  std::string out = "{\"players\":" + JsonList(game.players(), JsonString) + ",\"equilibria\":[";
  for (std::size_t k = 0; k < equilibria.size(); ++k) out += (k ? "," : "") + equilibria[k];
  out += "],\"method\":" + JsonString(method) + extra_top + "}\n";
  return out;
}

}  // namespace

namespace {

int SolveNfg(const po::variables_map& vars) {
  for (const char* flag : {"out", "threads", "shard", "resume", "force", "merge"}) {
    if (vars.count(flag) && !vars[flag].defaulted()) {
      throw UsageError(std::string("--") + flag + " goes with --spec or --merge; --solve prints to stdout");
    }
  }
  const int iterations = vars["iterations"].as<int>();
  if (iterations < 0 || iterations > 100'000'000) throw UsageError("--iterations must be between 0 and 100000000");
  const std::string path = vars["solve"].as<std::string>();
  std::string method = vars.count("method") ? vars["method"].as<std::string>() : "";
  if (!method.empty() && (method == "pure+liap" || !games::IsMethod(method))) {
    throw UsageError("unknown --method '" + method + "' (methods: " + games::MethodNames() + ")");
  }
  games::NormalFormGame game = [&] {
    try {
      return games::ReadNfgFile(path);
    } catch (const games::NfgError& error) {
      if (error.line() == 0) throw InputError(path + ": " + error.message());
      throw InputError(path + ":" + error.what());
    }
  }();
  if (method.empty()) method = game.NumPlayers() == 2 ? "enummixed" : "pure+liap";
  std::string json;
  try {
    json = Solve(game, method, vars["seed"].as<SeedOption>().value, iterations);
  } catch (const games::GameError& error) {
    throw InputError(path + ": " + error.what());
  }
  std::cout << json;
  return 0;
}

int RunSpec(const po::variables_map& vars) {
  for (const char* flag : {"method", "iterations", "seed"}) {
    if (vars.count(flag) && !vars[flag].defaulted()) {
      throw UsageError(std::string("--") + flag + " goes with --solve; a game spec sets its seed and methods itself");
    }
  }
  const experiments::CampaignOptions campaign = CampaignOptionsFrom(vars);
  const std::string& out_dir = campaign.out_dir;
  const bool quiet = vars.count("quiet") > 0;
  RequireFileKind(vars["spec"].as<std::string>(), FileKind::kGame);
  games::GameSpec spec = games::LoadGameFile(vars["spec"].as<std::string>());
  if (experiments::LaunchedByMpirun()) {
    if (vars.count("shard") || vars.count("resume")) throw UsageError("--shard and --resume do not combine with mpirun");
    experiments::MpiCampaignResult result;
    const std::optional<games::GameReport> report =
        games::RunGameUnderMpi(spec, campaign.threads, out_dir, campaign.progress, &result);
    if (result.rank != 0) return result.failures > 0 ? 1 : 0;
    if (!quiet) std::cout << games::GameTable(spec, *report) << "\noutputs in " << out_dir << "/ (" << result.ranks << " MPI ranks)\n";
    return ReportFailedRuns(result.failures);
  }
  const games::GameRunResult result = games::RunGame(spec, campaign);
  if (result.campaign.already_finished) {
    std::cout << "game " << spec.name << ": already finished in " << out_dir << "/; nothing to do\n";
    return 0;
  }
  if (!quiet) {
    if (result.report) {
      std::cout << games::GameTable(spec, *result.report) << "\noutputs in " << out_dir << "/\n";
    } else {
      std::cout << "game " << spec.name << ": shard " << campaign.shard.index << "/" << campaign.shard.count << ", "
                << result.campaign.runs - result.campaign.resumed << " runs done"
                << (result.campaign.resumed > 0 ? " (" + std::to_string(result.campaign.resumed) + " resumed)" : std::string())
                << ", " << result.campaign.failures << " failed; combine the shards with reesim game --merge\n";
    }
  }
  return ReportFailedRuns(result.campaign.failures);
}

int MergeGame(const po::variables_map& vars) {
  const std::string out_dir = vars["out"].as<std::string>();
  const games::GameMergeResult merged = games::MergeGameShards(vars["merge"].as<std::vector<std::string>>(), out_dir);
  if (!vars.count("quiet")) {
    std::cout << games::GameTable(merged.spec, merged.report) << "\nmerged " << merged.merge.shards << " shard(s) of "
              << merged.merge.experiment << "; outputs in " << out_dir << "/\n";
  }
  return ReportFailedRuns(merged.merge.failures);
}

}  // namespace

int GameCommand(const std::vector<std::string>& args) {
  std::string description =
      "usage: reesim game --spec FILE [--threads T] [--out DIR] [--shard K/N] [--resume | --force] [--quiet]\n"
      "       reesim game --merge DIR... [--out DIR] [--quiet]\n"
      "       reesim game --solve FILE.nfg [--method M] [--seed S] [--iterations N]\n\n"
      "--spec: an empirical game (protobuf text format, message reesim.Game, proto/game.proto): every\n"
      "profile of the players' strategies is simulated over the replicates, with common random numbers\n"
      "(replicate r has the same seed and sample point in every profile), as an experiment whose arms are\n"
      "the profiles (TBB threads, --shard, --resume and mpirun work as for reesim experiment). Writes\n"
      "  DIR/game.json     players, strategies, every profile's payoffs (mean, SE, 95 % interval, n),\n"
      "                    equilibria with regret, robustness (share of bootstrap resamples of the\n"
      "                    replicates in which each stays an epsilon-equilibrium) and payoff intervals,\n"
      "                    the tournament, Stackelberg commitments, coalition values and Shapley values\n"
      "                    for an alliance game, and provenance (reesim version, spec SHA-256, seed)\n"
      "  DIR/game.nfg      the estimated game in Gambit's outcome format, with strategy labels\n"
      "  DIR/profiles.csv  one row per profile and player (first line: '#' provenance; pandas skiprows=1)\n"
      "and the underlying experiment's outputs (runs.csv, summary.csv, ...), and prints the payoff table,\n"
      "equilibria, tournament, Stackelberg and alliance results. Outputs are written to temporary names\n"
      "and renamed together when all are complete (a write error exits 1 with the system's reason, and\n"
      "leaves none of them); equal inputs give equal bytes for any thread count, shard split or rank\n"
      "count. A spec with an unknown actor, strategy, metric or method exits 2 naming the file and the\n"
      "field (FILE:LINE:COL for syntax), and nothing is run or written.\n\n"
      "Large games: with `profile_search: QUIESCE` and `max_profiles: N` in the spec, profiles are chosen\n"
      "by deviation from candidate equilibria (EGTA's quiesce) instead of all being simulated: from the\n"
      "all-first profile, the subgame of fully simulated profiles is solved (pure equilibria; else\n"
      "enummixed, lcp or liap), every unilateral deviation from each candidate is simulated, and a\n"
      "deviation gaining more than `quiesce_tolerance` (default 0) adds its strategy to the subgame. It\n"
      "stops when a candidate is confirmed (every deviation simulated, none gaining) or N profiles are\n"
      "spent. game.json's profile_search lists the profiles simulated, each step's subgame, the candidates\n"
      "(confirmed, refuted or unconfirmed) and the deviations not simulated when the budget ran out;\n"
      "equilibria holds the confirmed ones, game.nfg the last complete subgame; no tournament or\n"
      "Stackelberg (they need every profile). Runs in one process: no --shard, --resume or mpirun.\n\n"
      "--merge: combines the outputs of `reesim game --spec FILE --shard K/N` runs (each DIR holds a\n"
      "shard.jsonl) into exactly what one process writes (every shard 1..N once; the shards carry FILE's\n"
      "text, so FILE need not be there, but a scenario it names by path must be). `reesim merge` is for\n"
      "experiments' shards.\n\n"
      "--solve: solves a normal-form game read from a Gambit .nfg file (payoff or outcome version; numbers\n"
      "exact, fractions such as 1/3 allowed; at most 64 MiB and 4,000,000 payoffs) and prints JSON:\n"
      "  {\"players\":[...],\"equilibria\":[{\"strategies\":[[p,...],...],\"payoffs\":[...],\"regret\":r,\n"
      "   \"exact\":{\"strategies\":[[\"1/3\",...],...],\"payoffs\":[...]}},...],\"method\":\"...\"}\n"
      "regret is the largest gain any player has from a unilateral deviation (0 at a Nash equilibrium);\n"
      "\"exact\" is present when the method computes in exact rationals. With --method logit the output\n"
      "also has \"path\":[{\"lambda\":l,\"strategies\":[[...]]},...].\n\n"
      "methods (--method, and analyses.methods in a spec):\n";
  for (const games::MethodInfo& method : games::Methods()) {
    description += "  " + std::string(method.name) + std::string(12 - std::string(method.name).size(), ' ') + method.help + "\n";
  }
  description +=
      "default: enummixed for two players; otherwise pure followed by liap's equilibrium (when it is not\n"
      "one of the pure ones), or simpdiv's where liap stops short of its tolerance.\n\n"
      "A malformed file gives exit code 2 and `reesim: error: FILE:LINE:COL: what was expected`; a method\n"
      "that does not fit the game (enummixed on three players or on a game too large) gives exit code 2\n"
      "naming the methods that fit. Nothing is written to stdout on error.\n\noptions";
  po::options_description options(description);
  options.add_options()
      ("help", "show this help")
      ("spec", po::value<std::string>(), "the empirical game to simulate and analyse (reesim.Game)")
      ("threads", po::value<int>()->default_value(0), "--spec: worker threads (0 = all cores); results do not depend on it")
      ("out", po::value<std::string>()->default_value("reesim-out"), "--spec, --merge: output directory")
      ("shard", po::value<std::string>(), "--spec: K/N, run a deterministic share (every N-th run from the K-th); combine with --merge")
      ("resume", "--spec: continue an interrupted run from DIR/checkpoint.jsonl; the outputs equal an uninterrupted run's "
                 "(on a finished run: nothing to do)")
      ("force", "--spec: start over in a DIR that holds a checkpoint or finished outputs (discarding them)")
      ("quiet", "--spec, --merge: no progress bar and no table on stdout")
      ("merge", po::value<std::vector<std::string>>()->multitoken(), "shard output directories of one game to combine")
      ("solve", po::value<std::string>(), "the .nfg file to solve")
      ("method", po::value<std::string>(), ("--solve: the solution method: " + games::MethodNames()).c_str())
      ("seed", po::value<SeedOption>()->default_value(SeedOption{}, "1"), "--solve: seed (0 to 2^64-1) of liap's random starts and regret's sampled play")
      ("iterations", po::value<int>()->default_value(0),
       "--solve: rounds of replicator, fictitious and regret (0: their defaults, 10000, 10000 and 100000)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  const int modes = static_cast<int>(vars.count("spec") + vars.count("merge") + vars.count("solve"));
  if (modes == 0) throw UsageError("game needs --spec FILE, --merge DIR... or --solve FILE.nfg");
  if (modes > 1) throw UsageError("give one of --spec, --merge and --solve");
  if (vars.count("solve")) return SolveNfg(vars);
  if (vars.count("merge")) {
    for (const char* flag : {"shard", "resume", "force", "method", "iterations", "seed"}) {
      if (vars.count(flag) && !vars[flag].defaulted()) throw UsageError(std::string("--") + flag + " does not go with --merge");
    }
    return MergeGame(vars);
  }
  return RunSpec(vars);
}

}  // namespace reesim::cli
