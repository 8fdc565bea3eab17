#include "classroom/replay.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <stdexcept>

#include "classroom/journal.h"
#include "world/check.h"

namespace reesim::classroom {

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
