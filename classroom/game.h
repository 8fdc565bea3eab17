// A classroom game's state and rules, apart from the network: teams hold seats (actors with a menu),
// submit one menu action per round; the teacher starts, pauses, advances and ends rounds; the model
// (the scenario's strategy) plays every seat no team holds. Every change is a journal record
// (proto/classroom.proto, JournalRecord): Handle() validates a client's message against the state and
// returns either an answer that changes nothing (an error, a welcome on reconnect) or the record to
// make durable, and Apply() makes the change. Replaying the same records from the Created one gives
// the same game, round for round (the simulation is deterministic), which is how a restarted server
// resumes.
//
// Seats held by teams play the `external` strategy in the simulation. A seat a team takes after rounds
// were played is switched by rebuilding the simulation from the start with that seat external, replaying
// the actions the model chose for it: the rounds already played come out the same.
//
// Not thread-safe: the server calls it from one strand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "classroom.pb.h"
#include "classroom/tokens.h"
#include "run/metrics.h"
#include "run/scenario_io.h"
#include "scenario.pb.h"

namespace reesim::run {
class Simulation;
}

namespace reesim::classroom {

struct ForkState;  // classroom/what_if.h

enum class Phase { kLobby, kRunning, kPaused, kEnded };
const char* PhaseName(Phase phase);

struct NewGameOptions {
  std::string scenario;       // a library scenario's name or a file; empty = the built-in baseline
  std::uint64_t seed = 1;
  int rounds = 0;             // 0 = the scenario's `rounds`
  double round_seconds = 0;   // 0 = no timer: the teacher advances
};

// Returns the menus the classroom gives actors that have none (classroom/menus.textproto, built in).
std::string_view ClassroomMenusText();

// Builds the first record of a new game: loads the scenario (library name or file), gives the
// classroom menus to actors without one, and draws the teacher token and one join code per seat.
// Throws InputError for a bad scenario or options.
wire::JournalRecord NewGame(const NewGameOptions& options, TokenSource& tokens);

// A seat the model plays with one of its strategies in a replay, instead of what was played there.
struct SeatSwap {
  int actor = -1;
  reesim::StrategyKind kind = reesim::BEST_RESPONSE;
};

// The debrief's counterfactual scores for the rounds played: each seat's payoff summed over them when
// the model plays every seat, and when the model's best response plays that seat alone from the same
// start (every other team seat playing what it played). They come from replays of the whole game, which
// take seconds, so the server computes them off its game thread (classroom/replay.h, DebriefReplays)
// and hands them to the game when they are done.
struct Counterfactuals {
  int rounds = -1;                    // the rounds played the sums are over
  std::vector<double> model;          // [actor]
  std::vector<double> best_response;  // [actor]
  // Why the replays failed; then the sums stay 0, the debrief says so, and they are not run again.
  std::string failure;
};

// What those replays need, copied from the game on its thread, then used on another.
struct CounterfactualJob {
  std::shared_ptr<const ForkState> state;  // the scenario, seed, seats and every action played
  std::vector<int> replay_seats;           // the seats whose best response is replayed
  // [actor]: the best response of the other seats, summed on the game's thread: a seat the model played
  // by best response already scored what it scored in the game.
  std::vector<double> best_response;
};

// A shock the teacher can inject by name: classroom/menus.textproto's top-level `policies`, each with
// `note: "NAME: explanation"`, kept for a game when its actor and products are in its scenario.
struct ClassroomEvent {
  std::string name, explanation;
  reesim::PolicyEvent policy;  // its note is the explanation
};

// Who a connection speaks for.
struct Identity {
  enum class Kind { kNone, kTeam, kTeacher };
  Kind kind = Kind::kNone;
  int actor = -1;  // a team's actor
};

// The answer to one client message.
struct Handled {
  std::optional<wire::JournalRecord> record;  // to make durable, then Apply(): the reply comes from Apply
  wire::ServerMessage reply;                  // else: the answer, sent at once (an error, or a welcome)
  Identity identity;                           // who the sender is, when the answer says so
  bool send_history = false;                   // also send the rounds played so far
  bool what_if = false;                        // a teacher's what_if: the server forks the ensemble
};

// What applying a record did; the server tells the clients.
struct Applied {
  wire::ServerMessage reply;  // to the sender once durable (ack, welcome)
  Identity identity;
  bool send_history = false;
  bool round_played = false;   // everyone gets the round's result
  bool ended = false;          // everyone gets the debrief
  bool broadcast = false;      // everyone gets `broadcast_text`
  std::string broadcast_text;
  bool timer_changed = false;  // the round timer must be (re)started or stopped
  int released = -1;           // a seat the teacher released: its team's connections are told and let go
};

class Game {
 public:
  // Starts from a Created record. Throws InputError if its scenario does not load.
  explicit Game(const wire::Created& created);
  ~Game();
  Game(const Game&) = delete;
  Game& operator=(const Game&) = delete;

  // Validates `message`; changes nothing. `tokens` draws a new team token when a seat is first taken.
  Handled Handle(const wire::ClientMessage& message, TokenSource& tokens) const;
  // Applies a record made by Handle() (or read back from the journal). Throws InputError for a record
  // that does not fit the state (a journal from elsewhere).
  Applied Apply(const wire::JournalRecord& record);

  // An advance record for when the round timer runs out.
  static wire::JournalRecord TimerAdvance();

  // The round's result as `actor` may see it (public metrics and its own private ones); actor -1: the
  // teacher, every metric.
  wire::ServerMessage RoundResultFor(int round, int actor) const;
  wire::ServerMessage HistoryFor(int actor) const;
  // The same as ToJson(RoundResultFor(round, actor)) and ToJson(HistoryFor(actor)) (the same message
  // when parsed), written directly: the hot path of every round, to every client. The public metrics'
  // JSON is written once per round and kept; each receiver's private metrics are added to it.
  std::string RoundResultJson(int round, int actor) const;
  std::string HistoryJson(int actor) const;
  wire::ServerMessage StatusMessage(double seconds_left) const;
  wire::ServerMessage TeacherViewMessage(const std::vector<int>& connected, double seconds_left,
                                          const std::string& join_url) const;
  wire::ServerMessage WelcomeFor(int actor, double seconds_left) const;
  // The leaderboard by payoff summed over the rounds played, each seat's decisions by round, and the
  // counterfactual scores when the game has them for the rounds played (SetCounterfactuals); else they
  // are left at 0 and the debrief says `replays_pending`.
  wire::ServerMessage DebriefMessage() const;
  // What the counterfactual replays need (classroom/replay.h, ReplayCounterfactuals).
  CounterfactualJob MakeCounterfactualJob() const;
  // Keeps the scores of a job made by MakeCounterfactualJob(); ignored unless they are for the rounds
  // played now (rounds played meanwhile make them stale).
  void SetCounterfactuals(Counterfactuals counterfactuals);
  bool HasCounterfactuals() const { return counterfactuals_ && counterfactuals_->rounds == round(); }
  // GET /api/decisions: {"rounds":[{"round":R,"decisions":{"USA":"NAME",...}},...]}.
  std::string DecisionsJson() const;
  // round,period,actor,action,decided_by (a team's name, "model", or "kept" for a team that did not
  // submit and kept its last action).
  std::string DecisionsCsv() const;
  // Writes the game's rounds as a snapshot stream (replayed from the start). Throws InputError.
  void WriteSnapshot(const std::string& path) const { Replay({}, path); }
  // Plays the game's rounds again from the start with the same seed: every team seat plays the actions
  // it played (the model's seats play the model, as in the game), except the seats in `swaps`, which
  // play the model's strategy of the given kind from the first round. Without swaps it is the game as
  // played, round for round (the simulation is deterministic). Returns each round's metrics; writes the
  // rounds as a snapshot stream to `snapshot_path` unless it is empty. Throws InputError.
  std::vector<run::Metrics> Replay(const std::vector<SeatSwap>& swaps, const std::string& snapshot_path = "") const;

  // The state a what-if forks from (classroom/what_if.h): the scenario, the actions played, each team
  // seat's held choice (its decision for the open round, else its last action).
  ForkState Fork() const;

  // Returns whether `metric` is private to an actor other than `actor` (-1: none is hidden).
  bool HiddenFrom(const std::string& metric, int actor) const;

  Phase phase() const { return phase_; }
  int round() const { return static_cast<int>(history_.size()); }
  int rounds() const { return rounds_; }
  double round_seconds() const { return round_seconds_; }
  const std::string& teacher_token() const { return teacher_token_; }
  const std::vector<int>& seats() const { return seats_; }  // actors with a seat
  const std::string& join_code(int actor) const { return codes_.at(actor); }
  const std::string& team_token(int actor) const { return tokens_.at(actor); }  // empty until taken
  const std::string& team_name(int actor) const { return names_.at(actor); }
  // The teams that held the seat, in order ("Red, then Blue"); empty: the model played it throughout.
  std::string TeamsOf(int actor) const;
  const std::string& class_code() const { return class_code_; }  // empty: no seat picking in this game
  bool picking() const { return picking_; }
  const world::WorldDescription& world() const { return scenario_->world; }
  const std::vector<std::string>& menu_names(int actor) const { return menu_names_.at(actor); }
  // The decision submitted for the open round, or "".
  std::string SubmittedAction(int actor) const;
  // The metrics of a played round (every metric).
  const run::Metrics& metrics(int round) const { return history_.at(round).metrics; }
  // The action each actor played in a round (-1 = none).
  const std::vector<int>& played(int round) const { return history_.at(round).actions; }
  // Returns the actor of a team token, or -1.
  int ActorOfToken(const std::string& token) const;
  std::string Period(int round) const { return world().PeriodLabel(round); }
  std::string ActionName(int actor, int action) const;

 private:
  struct PlayedRound {
    run::Metrics metrics;
    std::vector<int> actions;         // [actor]
    std::vector<std::string> decider;  // [actor]: team name, "model" or "kept"
  };

  std::unique_ptr<run::LoadedScenario> LoadWithExternal(const std::vector<bool>& external) const;
  void EnsureSimulation();
  void PlayRound();
  wire::Welcome MakeWelcome(int actor, double seconds_left) const;
  wire::ServerMessage MakeError(const std::string& code, const std::string& message) const;
  // The answer to a team's device taking its seat (a reconnection, a second device): the welcome, then
  // the rounds played.
  Handled TeamGreeted(int actor) const;
  // A team's join: with a seat's code, that seat; with the class code, the list of open seats or the
  // seat picked.
  Handled HandleJoin(const wire::Join& join, TokenSource& tokens) const;
  // The teacher's assign and release: the record to journal, or an error in `handled.reply`.
  void HandleSeatCommand(const wire::TeacherCommand& command, TokenSource& tokens, Handled& handled) const;
  bool OpenToPick(int actor) const { return tokens_[actor].empty() && assigned_[actor].empty() && !released_[actor]; }

  std::shared_ptr<const reesim::Scenario> message_;
  std::string scenario_source_;
  std::string scenario_text_;
  std::uint64_t seed_ = 1;
  int rounds_ = 0;
  double round_seconds_ = 0;
  std::string teacher_token_;
  std::unique_ptr<run::LoadedScenario> scenario_;  // as given: the model plays every seat
  std::vector<int> seats_;
  std::vector<std::string> codes_;                  // [actor]
  std::vector<std::string> tokens_;                 // [actor]
  std::vector<std::string> names_;                  // [actor]
  std::vector<std::string> assigned_;               // [actor]: the team the teacher kept the seat for
  std::vector<bool> released_;                      // [actor]: the teacher released it (closed to pickers)
  std::string class_code_;
  bool picking_ = false;
  std::vector<std::vector<std::string>> menu_names_;        // [actor]
  std::vector<std::vector<std::string>> menu_explanations_;  // [actor]
  std::vector<bool> external_;                      // [actor]: a team holds the seat
  std::vector<int> pending_;                        // [actor]: submitted for the open round, -1 = none
  std::vector<int> in_force_;                       // [actor]: the team's action last played
  Phase phase_ = Phase::kLobby;
  std::vector<PlayedRound> history_;
  // RoundResultJson's parts of each played round: the object up to the public metrics, the private
  // metrics by owner, and the decisions (a cache: written on first use, never changed).
  struct ResultJson {
    std::string head;                                // {"round":R,"period":"P","metrics":{public...
    std::map<std::string, std::string> by_owner;     // owner id -> ,"payoff.USA":1,...
    std::string tail;                                // },"decisions":{...}}
  };
  const ResultJson& ResultJsonOf(int round) const;
  mutable std::vector<std::unique_ptr<ResultJson>> result_json_;
  std::string last_broadcast_;
  std::vector<ClassroomEvent> events_;
  // Validates an inject command and returns the event to journal: a surprise from the open round on.
  // Throws InputError saying what is wrong.
  reesim::PolicyEvent ResolveEvent(const wire::TeacherCommand& command) const;
  // The game's scenario with `event` appended to its timeline.
  std::shared_ptr<reesim::Scenario> WithEvent(const reesim::PolicyEvent& event) const;

  // The live simulation, with the seats of `simulation_external_` external.
  std::unique_ptr<run::LoadedScenario> simulation_scenario_;
  std::unique_ptr<run::Simulation> simulation_;
  std::vector<bool> simulation_external_;
  bool simulation_stale_ = false;  // an event was injected: rebuild with it and replay the rounds
  std::optional<Counterfactuals> counterfactuals_;  // the debrief's, when known
};

// Serialises a ServerMessage as one JSON text frame (protobuf's JSON mapping, proto field names).
std::string ToJson(const wire::ServerMessage& message);
// Parses a client's frame. Returns an error message (empty on success): malformed JSON, unknown
// fields, or not exactly one top-level key.
std::string ParseClientMessage(const std::string& json, wire::ClientMessage& message);

}  // namespace reesim::classroom
