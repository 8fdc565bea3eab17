// `reesim serve --replay DIR`: a finished (or interrupted) classroom game played again from its journal,
// read without changing it. With no swap the replay is the game as played, byte for byte (the same
// snapshot stream the teacher downloads); a swap hands a seat to one of the model's strategies from the
// first round while every other team seat keeps the actions it played, which answers "what would the
// model's strategy have scored in this seat from the same start".
//
// The debrief's counterfactual scores are such replays too (one with the model in every seat, one per
// team seat with that seat alone swapped for best response): DebriefReplays runs them on a worker
// thread of its own and hands the scores back to the server's game thread, which goes on answering
// messages meanwhile.
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <string>
#include <thread>
#include <vector>

#include "classroom/game.h"

namespace reesim::world {
struct WorldDescription;
}

namespace reesim::classroom {

// Plays a game's rounds again from the start with its seed (`state`: Game::Fork(); `world`: the game's
// world as played): every team seat plays the actions it played and the model's seats play the model,
// except the seats in `swaps`, which play the model's strategy of the given kind from the first round.
// Returns each round's metrics; writes the rounds as a snapshot stream to `snapshot_path` unless it is
// empty. A set `cancel` stops it between rounds with InputError("cancelled"). Throws InputError.
std::vector<run::Metrics> ReplayRounds(const ForkState& state, const world::WorldDescription& world,
                                       const std::vector<SeatSwap>& swaps, const std::string& snapshot_path = "",
                                       const std::atomic<bool>* cancel = nullptr);

// The debrief's counterfactual scores (Game::SetCounterfactuals takes them): the model in every seat,
// then each of the job's seats alone swapped for best response, in that order. `progress(done, total)`
// is called before the first replay (0) and after each (total: the job's seats plus the model's). A set
// `cancel` stops it between rounds with InputError("cancelled"). The same job gives the same scores, bit
// for bit, on any thread.
Counterfactuals ReplayCounterfactuals(const CounterfactualJob& job, const std::function<void(int done, int total)>& progress = {},
                                      const std::atomic<bool>* cancel = nullptr);

// Runs ReplayCounterfactuals for a game on a worker thread, one job at a time, and hands the scores back
// on the game's thread. Start() and running() are called on the game's thread (the thread that owns the
// Game); `post` runs a function there (the server posts it to its game thread's io_context).
class DebriefReplays {
 public:
  using Post = std::function<void(std::function<void()>)>;
  // `done(failure)` runs on the game's thread when a job ends, after the game was given its scores or,
  // if the replays failed, the reason (Counterfactuals::failure; `failure` is it, empty if none): a
  // failed job is not run again. Not after Stop(), nor for stale scores (below).
  // `progress` is passed to ReplayCounterfactuals (on the worker thread; may be empty).
  DebriefReplays(Post post, std::function<void(const std::string& failure)> done,
                 std::function<void(int done, int total)> progress = {});
  ~DebriefReplays();  // Stop()
  DebriefReplays(const DebriefReplays&) = delete;
  DebriefReplays& operator=(const DebriefReplays&) = delete;

  // Starts the replays of the rounds `game` has played, unless it has their scores, a job is running
  // or Stop() was called. Scores that are stale when the job ends (rounds were played meanwhile: a
  // debrief asked for before the game's end) are dropped, and if the game has ended by then the next
  // job starts for all its rounds. The game must outlive the job.
  void Start(Game& game);
  bool running() const { return running_; }
  // Any thread: makes the running job stop soon (between rounds) without scores, and starts no more.
  void Cancel() { cancel_ = true; }
  // Cancel(), then waits for the worker. Not while Start() may run (the server calls it once its game
  // thread has stopped).
  void Stop();

 private:
  Post post_;
  std::function<void(const std::string&)> done_;
  std::function<void(int, int)> progress_;
  std::atomic<bool> cancel_{false};
  bool running_ = false;  // the game's thread only
  std::thread worker_;
};

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
