// `reesim serve --replay DIR`: a finished (or interrupted) classroom game played again from its journal,
// read without changing it. With no swap the replay is the game as played, byte for byte (the same
// snapshot stream the teacher downloads); a swap hands a seat to one of the model's strategies from the
// first round while every other team seat keeps the actions it played, which answers "what would the
// model's strategy have scored in this seat from the same start".
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "classroom/game.h"

namespace reesim::classroom {

// Reads DIR/journal (read-only) and applies its records to the game they created. Throws InputError
// for a directory without a journal, or records that do not fit.
std::unique_ptr<Game> LoadJournaledGame(const std::string& state_dir, std::string& warning);

// Parses "ACTOR=KIND" (KIND: best_response, regret_matching, fictitious_play, rule_based, scripted;
// ACTOR: a seat of the game). Throws InputError naming what is wrong.
SeatSwap ParseSeatSwap(const Game& game, const std::string& text);

struct ReplayOptions {
  std::string state_dir;
  std::vector<std::string> swaps;  // "ACTOR=KIND"
  std::string snapshot_path;       // empty: DIR/replay.pbs
};

// Replays the game, writes its snapshot stream and prints, seat by seat, the payoff summed over the
// rounds as played and in the replay. Returns the exit code (0). Throws InputError for bad options.
int ReplayGame(const ReplayOptions& options, std::ostream& out);

}  // namespace reesim::classroom
