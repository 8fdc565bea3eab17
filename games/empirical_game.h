// An empirical game from simulation runs (message reesim.Game, `reesim game --spec FILE`): players are
// actors of a scenario, each with named strategies (a reesim.Strategy, a scenario overlay, or both);
// every pure strategy profile (or, with profile_search: QUIESCE, those EGTA's profile search chooses:
// games/quiesce.h) is simulated over the replicates and the payoff table estimated from them, then
// analysed (games/empirical_analysis.h).
//
// An empirical game is an experiment whose arms are the strategy profiles: GameSpec::experiment is an
// experiments::ExperimentSpec with one arm per profile, in Gambit's profile order (player 1 fastest:
// arm = s1 + n1 (s2 + n2 (...))), then, for an alliance game, one arm per coalition of two or more
// members and one arm without the alliance. It runs on the experiment runner and campaign (TBB
// threads, --shard K/N and merge, --resume, mpirun): replicate r has the same seed and sample point in
// every arm (common random numbers). Its outcomes are the players' payoffs, and the alliance members'.
//
// Arm overlays. A strategy's `strategy` replaces its actor's reesim.Strategy, which an overlay cannot do
// (repeated fields append, and actors are repeated), so the experiment's base scenario has no actors
// and every arm's overlay lists them all, in the scenario's order, with the players' strategies in
// place; then each player's strategy overlay is merged in player order (a policy event without an actor
// acting for that player).
//
// Source: Wellman, Tuyls & Greenwald, "Empirical game-theoretic analysis: a survey", JAIR 2025.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/campaign.h"
#include "experiments/experiment_spec.h"
#include "experiments/run_record.h"
#include "games/empirical_analysis.h"
#include "games/quiesce.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct GamePlayerSpec {
  std::string actor;
  std::vector<std::string> strategies;
  int outcome = 0;        // index of the payoff in experiment.outcomes
  bool minimise = false;  // the payoff is the outcome negated
};

struct AllianceGameSpec {
  std::vector<std::string> members;  // actor ids
  std::vector<int> outcome;          // [member]: index of the member's payoff in experiment.outcomes
  std::vector<bool> minimise;        // [member]
  std::vector<int> profile;          // [player]: the strategies in force in every coalition's run
  int first_arm = 0;                 // the arm without the alliance; coalitions follow (coalition_arm)
  std::vector<int> coalition_arm;    // [mask]: the arm of coalition `mask` (masks of 0 or 1 members: first_arm)
};

struct GameAnalysesSpec {
  std::vector<std::string> methods;  // equilibrium methods (games/methods.h)
  bool liap_without_pure = false;    // the default for n > 2 players: liap only if no pure equilibrium
  int resamples = 1000;
  double epsilon = 0;                // 0: 1 % of the payoff range
  bool tournament = true;
  bool stackelberg = true;
  std::uint64_t method_seed = 1;
};

// Which profiles are simulated: every one, or EGTA's profile search (games/quiesce.h).
struct ProfileSearchSpec {
  bool quiesce = false;
  std::int64_t max_profiles = 0;  // quiesce's budget (the spec's, at most every profile)
  double tolerance = 0;           // a deviation gaining more than this refutes a candidate
};

struct GameSpec {
  std::string source;  // the game file
  std::string sha256;  // of its text
  std::string name;
  std::string scenario;  // as the file names it
  double discount_rate = 0.05;
  std::vector<GamePlayerSpec> players;
  std::int64_t profiles = 0;
  experiments::ExperimentSpec experiment;  // arms: the profiles, then the alliance game's
  GameAnalysesSpec analyses;
  std::optional<AllianceGameSpec> alliance;
  ProfileSearchSpec search;

  // Returns the strategy counts of the players, in order.
  std::vector<int> Counts() const;
};

// Reads and validates a game file: the scenario, every actor, strategy (each loaded alone with the
// scenario), payoff metric (checked on one simulated round), method and option. Throws InputError as
// `FILE:LINE:COL: message` (syntax) or `FILE: field.path = value: why`.
GameSpec LoadGameFile(const std::string& path);
GameSpec LoadGameText(const std::string& text, const std::string& source);

// Returns whether text parses as a reesim.Game with players (rather than an experiment or scenario).
bool LooksLikeGame(const std::string& text);

// The profile <-> arm mapping: a profile (one strategy index per player) is arm
// s1 + n1 (s2 + n2 (...)). ProfileOfArm is defined for arms below spec.profiles.
std::int64_t ArmOfProfile(const GameSpec& spec, const std::vector<int>& profile);
std::vector<int> ProfileOfArm(const GameSpec& spec, std::int64_t arm);
// Returns the arm's name for a profile: "ACTOR=strategy;ACTOR=strategy...".
std::string ProfileName(const GameSpec& spec, const std::vector<int>& profile);

// Collects the payoffs of an empirical game's run records (any order) into samples.
class GameCollector {
 public:
  explicit GameCollector(const GameSpec& spec);
  void Add(const experiments::RunRecord& record);
  const PayoffSamples& samples() const { return samples_; }
  // Returns the alliance game's value samples [coalition mask][replicate]: the sum of the members'
  // payoffs in the coalition's arm (one member: its payoff without the alliance; NaN if a run failed).
  std::vector<std::vector<double>> CoalitionSamples() const;
  std::int64_t failures() const { return failures_; }
  std::int64_t records() const { return records_; }

 private:
  const GameSpec& spec_;
  PayoffSamples samples_;
  std::vector<std::vector<std::vector<double>>> alliance_values_;  // [arm - first_arm][replicate][member]
  std::int64_t failures_ = 0;
  std::int64_t records_ = 0;
};

// What profile search did (profile_search: QUIESCE).
struct QuiesceReport {
  QuiesceResult result;
  std::vector<bool> simulated;         // [profile]
  std::vector<std::int64_t> profiles;  // the simulated profiles, ascending
  std::vector<std::vector<int>> subgame;  // the last complete subgame ([player]: strategies); game.nfg holds it
};

struct GameReport {
  explicit GameReport(NormalFormGame game) : estimated(std::move(game)) {}
  // Every profile's estimated game; under QUIESCE the last complete subgame's.
  NormalFormGame estimated;
  std::vector<Estimate> cells;  // [profile * players + player]
  std::int64_t missing_cells = 0;
  std::int64_t failures = 0;
  EquilibriumAnalysis equilibria;
  std::vector<PlayerTournament> tournament;    // empty when switched off
  std::vector<StackelbergResult> stackelberg;  // empty when switched off
  std::optional<CoalitionAnalysis> coalitions;
  std::optional<QuiesceReport> quiesce;  // QUIESCE only; equilibria then holds its confirmed candidates
};

// Analyses a complete collection. Throws InputError if a solver refuses the estimated game.
GameReport AnalyseGame(const GameSpec& spec, const GameCollector& collected);

// Runs the profile search (QUIESCE) of `spec` in this process: each batch of profiles by
// experiments::RunRuns on `threads` threads, every record (numbered by the game's arm) added to
// `collector` and handed to `keep` (optional); the alliance game's arms are not run.
QuiesceResult SearchProfiles(const GameSpec& spec, GameCollector& collector, int threads,
                             const std::function<void(experiments::RunRecord&&)>& keep = {},
                             const std::function<void(std::int64_t, std::int64_t)>& progress = {});

// Analyses the collection of a profile search (QUIESCE): the last complete subgame as the estimated
// game, the confirmed candidates assessed on the simulated profiles (AssessCandidates), the alliance
// game as AnalyseGame does; no tournament or Stackelberg (they need every profile).
GameReport AnalyseQuiescedGame(const GameSpec& spec, const GameCollector& collected, const QuiesceResult& search);

// The outputs: game.json, profiles.csv (first line: '#' provenance), game.nfg (Gambit's outcome
// version with strategy labels), and the table printed on stdout.
std::string GameJson(const GameSpec& spec, const GameReport& report);
std::string ProfilesCsv(const GameSpec& spec, const GameReport& report);
std::string GameNfg(const GameSpec& spec, const GameReport& report);
std::string GameTable(const GameSpec& spec, const GameReport& report);

// game.json, game.nfg and profiles.csv as (name, contents), which every path (RunGame, QUIESCE, MPI,
// merge) commits with the experiment's outputs in one run::OutputSet: each written to a temporary
// name and fsynced, then all renamed together, so they appear together or not at all.
std::vector<experiments::OutputFile> GameOutputFiles(const GameSpec& spec, const GameReport& report);

struct GameRunResult {
  experiments::CampaignResult campaign;
  std::optional<GameReport> report;  // for a whole run (not a shard)
};

// Runs the game's experiment into options.out_dir (the experiment's own outputs too: runs.csv,
// summary.csv, ...), whole or a shard, resuming if asked; a whole run is analysed and its game outputs
// written. Throws InputError as experiments::RunCampaign does.
//
// Under profile_search: QUIESCE the profiles are chosen batch by batch (games/quiesce.h), each batch
// run by experiments::RunRuns on a copy of the experiment holding only its profiles' arms (so every run
// is the one the whole experiment would make: the same seed and sample point, common random numbers);
// the alliance game's arms follow. The experiment's outputs then hold the simulated arms, in arm order.
// Each batch depends on the last, so there is no --shard, --resume or mpirun (InputError).
GameRunResult RunGame(GameSpec& spec, experiments::CampaignOptions options);

// Runs the game under mpirun (experiments::RunCampaignUnderMpi); rank 0 analyses and writes. Returns
// the report on rank 0 only.
std::optional<GameReport> RunGameUnderMpi(GameSpec& spec, int threads, const std::string& out_dir,
                                          const std::function<void(std::int64_t, std::int64_t)>& progress,
                                          experiments::MpiCampaignResult* result);

struct GameMergeResult {
  GameSpec spec;
  experiments::MergeResult merge;
  GameReport report;
};

// Merges the shard outputs of `reesim game --spec FILE --shard K/N` runs into out_dir, exactly as one
// process writes them (experiment and game outputs). Throws InputError naming the shard at fault.
GameMergeResult MergeGameShards(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace reesim::games
