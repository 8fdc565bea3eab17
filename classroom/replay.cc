#include "classroom/replay.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "classroom/journal.h"
#include "classroom/what_if.h"
#include "run/simulation.h"
#include "run/snapshot_io.h"
#include "scenario.pb.h"
#include "world/check.h"
#include "world/state.h"

namespace reesim::classroom {

std::vector<run::Metrics> ReplayRounds(const ForkState& state, const world::WorldDescription& world,
                                       const std::vector<SeatSwap>& swaps, const std::string& snapshot_path,
                                       const std::atomic<bool>* cancel) {
  auto message = std::make_shared<reesim::Scenario>(*state.scenario);
  std::vector<bool> external = state.external;
  for (const SeatSwap& swap : swaps) {
    if (std::find(state.seats.begin(), state.seats.end(), swap.actor) == state.seats.end()) {
      throw InputError("a replay can only swap a seat with a menu, not actor " + std::to_string(swap.actor));
    }
    if (swap.kind == reesim::EXTERNAL) throw InputError("a replay swaps a seat for a model strategy, not external");
    external[swap.actor] = false;
  }
  for (reesim::Actor& actor : *message->mutable_actors()) {
    const int a = world.FindActor(actor.id());
    if (a < 0) continue;
    for (const SeatSwap& swap : swaps) {
      if (swap.actor == a) actor.mutable_strategy()->set_kind(swap.kind);
    }
    if (external[a]) actor.mutable_strategy()->set_kind(reesim::EXTERNAL);
  }
  const int rounds = static_cast<int>(state.played.size());
  const run::LoadedScenario scenario = run::LoadScenarioMessage(message, state.scenario_text, state.scenario_source);
  run::Simulation simulation(scenario, state.seed);
  std::optional<run::SnapshotWriter> writer;
  if (!snapshot_path.empty()) writer.emplace(snapshot_path, scenario, state.seed, /*run=*/0, rounds);
  std::vector<run::Metrics> metrics;
  metrics.reserve(state.played.size());
  for (const std::vector<int>& played : state.played) {
    if (cancel != nullptr && cancel->load()) throw InputError("cancelled");
    for (const int a : state.seats) {
      if (external[a]) simulation.SetExternalAction(a, played[a]);
    }
    simulation.Step();
    metrics.push_back(simulation.metrics());
    if (writer) writer->WriteRound(simulation.world(), simulation.outcome(), simulation.metrics());
  }
  if (writer) writer->Finish(rounds, world::Fingerprint(simulation.state()));
  return metrics;
}

Counterfactuals ReplayCounterfactuals(const CounterfactualJob& job, const std::function<void(int, int)>& progress,
                                      const std::atomic<bool>* cancel) {
  const ForkState& state = *job.state;
  const run::LoadedScenario scenario = run::LoadScenarioMessage(state.scenario, state.scenario_text, state.scenario_source);
  const std::size_t actors = scenario.world.actors.size();
  const int total = static_cast<int>(job.replay_seats.size()) + 1;
  if (progress) progress(0, total);
  Counterfactuals out;
  out.rounds = static_cast<int>(state.played.size());
  // The model in every seat: the scenario as given, no seat external.
  out.model.assign(actors, 0.0);
  run::Simulation model(scenario, state.seed);
  for (int r = 0; r < out.rounds; ++r) {
    if (cancel != nullptr && cancel->load()) throw InputError("cancelled");
    model.Step();
    const run::Metrics& metrics = model.metrics();
    for (const int a : state.seats) {
      const auto it = metrics.find("payoff." + scenario.world.actors[a].id);
      if (it != metrics.end()) out.model[a] += it->second;
    }
  }
  if (progress) progress(1, total);
  out.best_response = job.best_response;
  out.best_response.resize(actors, 0.0);
  int done = 1;
  for (const int a : job.replay_seats) {
    const std::string metric = "payoff." + scenario.world.actors[a].id;
    const std::vector<run::Metrics> replayed =
        ReplayRounds(state, scenario.world, {SeatSwap{a, reesim::BEST_RESPONSE}}, "", cancel);
    double sum = 0.0;
    for (const run::Metrics& metrics : replayed) {
      const auto it = metrics.find(metric);
      if (it != metrics.end()) sum += it->second;
    }
    out.best_response[a] = sum;
    if (progress) progress(++done, total);
  }
  return out;
}

DebriefReplays::DebriefReplays(Post post, std::function<void(const std::string&)> done, std::function<void(int, int)> progress)
    : post_(std::move(post)), done_(std::move(done)), progress_(std::move(progress)) {}

DebriefReplays::~DebriefReplays() { Stop(); }

void DebriefReplays::Stop() {
  cancel_ = true;
  if (worker_.joinable()) worker_.join();
}

void DebriefReplays::Start(Game& game) {
  if (running_ || cancel_ || game.HasCounterfactuals()) return;
  running_ = true;
  auto job = std::make_shared<const CounterfactualJob>(game.MakeCounterfactualJob());
  if (worker_.joinable()) worker_.join();  // the last job has posted its end: its thread is ending
  // `this` outlives the thread (Stop() joins it); `game` outlives the job (the caller's promise).
  worker_ = std::thread([this, job, &game] {
    Counterfactuals scores;
    try {
      scores = ReplayCounterfactuals(*job, progress_, &cancel_);
    } catch (const std::exception& error) {
      // Kept as the outcome (the debrief says so), so that every later debrief does not run them again.
      scores.rounds = static_cast<int>(job->state->played.size());
      scores.failure = error.what();
    }
    if (cancel_) return;  // stopping: nothing more runs on the game's thread
    post_([this, &game, scores = std::move(scores)]() mutable {
      running_ = false;
      if (cancel_) return;
      if (scores.rounds != game.round()) {  // rounds were played meanwhile: stale
        if (game.phase() == Phase::kEnded) Start(game);  // the debrief is due: its replays again
        return;
      }
      const std::string failure = scores.failure;
      game.SetCounterfactuals(std::move(scores));
      done_(failure);
    });
  });
}

std::unique_ptr<Game> LoadJournaledGame(const std::string& state_dir, std::string& warning) {
  const std::string path = (std::filesystem::path(state_dir) / "journal").string();
  std::vector<std::string> records;
  try {
    records = ReadJournal(path, warning);
  } catch (const std::runtime_error& failure) {
    throw InputError(failure.what());
  }
  wire::JournalRecord created;
  if (records.empty() || !created.ParseFromString(records[0]) || !created.has_created()) {
    throw InputError(path + ": does not start with a classroom game");
  }
  auto game = std::make_unique<Game>(created.created());
  for (std::size_t i = 1; i < records.size(); ++i) {
    wire::JournalRecord record;
    if (!record.ParseFromString(records[i])) throw InputError(path + ": record " + std::to_string(i) + " does not parse");
    game->Apply(record);
  }
  return game;
}

SeatSwap ParseSeatSwap(const Game& game, const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) throw InputError("--swap " + text + ": expected ACTOR=KIND, e.g. USA=best_response");
  const std::string id = text.substr(0, equals);
  std::string kind = text.substr(equals + 1);
  SeatSwap swap;
  swap.actor = game.world().FindActor(id);
  const auto& seats = game.seats();
  if (swap.actor < 0 || std::find(seats.begin(), seats.end(), swap.actor) == seats.end()) {
    std::string valid;
    for (const int a : seats) valid += (valid.empty() ? "" : ", ") + game.world().actors[a].id;
    throw InputError("--swap " + text + ": " + id + " is not a seat of this game (seats: " + valid + ")");
  }
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::toupper(c); });
  if (!reesim::StrategyKind_Parse(kind, &swap.kind) || swap.kind == reesim::EXTERNAL ||
      swap.kind == reesim::STRATEGY_KIND_UNSPECIFIED) {
    throw InputError("--swap " + text + ": unknown model strategy " + text.substr(equals + 1) +
                     " (best_response, regret_matching, fictitious_play, rule_based, scripted)");
  }
  return swap;
}

int ReplayGame(const ReplayOptions& options, std::ostream& out) {
  std::string warning;
  const std::unique_ptr<Game> game = LoadJournaledGame(options.state_dir, warning);
  if (!warning.empty()) out << "reesim serve --replay: warning: " << warning << "\n";
  std::vector<SeatSwap> swaps;
  for (const std::string& text : options.swaps) {
    const SeatSwap swap = ParseSeatSwap(*game, text);
    for (const SeatSwap& earlier : swaps) {
      if (earlier.actor == swap.actor) throw InputError("--swap " + text + ": the seat is swapped twice");
    }
    swaps.push_back(swap);
  }
  const std::string path =
      options.snapshot_path.empty() ? (std::filesystem::path(options.state_dir) / "replay.pbs").string() : options.snapshot_path;
  const std::vector<run::Metrics> replayed = game->Replay(swaps, path);
  if (swaps.empty()) {  // the simulation is deterministic: the game as journaled, round for round
    int first_different_round = -1;
    for (int r = game->round() - 1; r >= 0; --r) {
      if (replayed[r] != game->metrics(r)) first_different_round = r;
    }
    REESIM_CHECK_EQ(first_different_round, -1);
  }

  out << "Replayed " << game->round() << " of " << game->rounds() << " rounds (" << PhaseName(game->phase()) << ") from "
      << options.state_dir << " into " << path << "\n";
  if (swaps.empty()) {
    out << "No seat swapped: every round is the game as played.\n";
  } else {
    out << "Swapped:";
    for (const SeatSwap& swap : swaps) {
      std::string kind = reesim::StrategyKind_Name(swap.kind);
      std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
      out << " " << game->world().actors[swap.actor].id << "=" << kind;
    }
    out << "; every other team seat plays what it played, the model's seats play the model.\n";
  }
  out << "\nPayoff summed over the rounds, USD million\n";
  char line[160];
  std::snprintf(line, sizeof line, "%-6s %-24s %16s %16s\n", "seat", "played by", "as played", "in the replay");
  out << line;
  for (const int a : game->seats()) {
    const std::string metric = "payoff." + game->world().actors[a].id;
    double played = 0, again = 0;
    for (int r = 0; r < game->round(); ++r) {
      const auto it = game->metrics(r).find(metric);
      if (it != game->metrics(r).end()) played += it->second;
      const auto it2 = replayed[r].find(metric);
      if (it2 != replayed[r].end()) again += it2->second;
    }
    const std::string team = game->team_name(a).empty() ? "(model)" : game->team_name(a);
    std::snprintf(line, sizeof line, "%-6s %-24.24s %16.1f %16.1f\n", game->world().actors[a].id.c_str(), team.c_str(), played, again);
    out << line;
  }
  return 0;
}

}  // namespace reesim::classroom
