#include "classroom/game.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <set>

#include "classroom/replay.h"
#include "classroom/what_if.h"
#include "run/simulation.h"
#include "scenario.pb.h"
#include "world/check.h"
#include "world/state.h"

namespace reesim::classroom {

namespace {

constexpr std::size_t kMaxTeamNameChars = 40;
constexpr std::size_t kMaxBroadcastChars = 500;
constexpr std::size_t kMaxEventBytes = 4096;
constexpr double kMaxRoundSeconds = 24 * 3600;

std::string Trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence, and drops control characters.
std::string Clean(const std::string& text, std::size_t limit) {
  std::string out;
  for (const char c : Trim(text)) {
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  if (out.size() <= limit) return out;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut);
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Resolves --scenario: a library name, a file, or (empty) the built-in baseline.
void ResolveScenario(const std::string& name, std::string& text, std::string& source) {
  if (name.empty()) {
    text = std::string(run::BuiltinBaselineText());
    source = run::kBuiltinBaselineSource;
    return;
  }
  run::ScenarioSource resolved = run::ReadScenarioSource(name);
  text = std::move(resolved.text);
  source = std::move(resolved.name);
}

// A message in protobuf text format on one line (as journaled and broadcast).
std::string SingleLine(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string text;
  printer.PrintToString(message, &text);
  return text;
}

// What the class is told of an injected event: its explanation, or the policy as typed, without the
// fields that say when it starts (the broadcast says it) and that it is a surprise.
std::string EventText(const reesim::PolicyEvent& event) {
  if (!event.note().empty()) return event.note();
  reesim::PolicyEvent shown = event;
  shown.clear_surprise();
  shown.clear_start_round();
  return Trim(SingleLine(shown));
}

}  // namespace

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kLobby: return "lobby";
    case Phase::kRunning: return "running";
    case Phase::kPaused: return "paused";
    case Phase::kEnded: return "ended";
  }
  return "?";
}

wire::JournalRecord NewGame(const NewGameOptions& options, TokenSource& tokens) {
  if (options.rounds < 0 || options.rounds > 1000) {
    throw InputError("--rounds must be between 1 and 1000, got " + std::to_string(options.rounds));
  }
  if (!(options.round_seconds >= 0 && options.round_seconds <= kMaxRoundSeconds)) {
    throw InputError("--round-seconds must be between 0 and 86400, got " + std::to_string(options.round_seconds));
  }
  std::string text, source;
  ResolveScenario(options.scenario, text, source);
  std::shared_ptr<reesim::Scenario> scenario = run::ParseScenarioText(text, source);
  reesim::Scenario menus;
  run::ParseTextFormat(std::string(ClassroomMenusText()), "<built-in classroom/menus.textproto>", "scenario", menus);
  for (reesim::Actor& actor : *scenario->mutable_actors()) {
    if (actor.strategy().menu_size() > 0) continue;
    for (const reesim::Actor& with_menu : menus.actors()) {
      if (with_menu.id() == actor.id()) *actor.mutable_strategy() = with_menu.strategy();
    }
  }
  const run::LoadedScenario loaded = run::LoadScenarioMessage(scenario, text, source);  // validates

  wire::JournalRecord record;
  wire::Created& created = *record.mutable_created();
  created.set_scenario_source(source);
  created.set_scenario_text(text);
  created.set_scenario(scenario->SerializeAsString());
  created.set_seed(options.seed);
  created.set_rounds(options.rounds > 0 ? options.rounds : loaded.world.default_rounds);
  created.set_round_seconds(options.round_seconds);
  created.set_teacher_token(tokens.Token());
  std::set<std::string> codes;
  for (std::size_t a = 0; a < loaded.world.actors.size(); ++a) {
    if (loaded.strategies[a].menu.empty()) continue;
    std::string code;
    do code = tokens.JoinCode();
    while (!codes.insert(code).second);
    wire::Seat& seat = *created.add_seats();
    seat.set_actor(loaded.world.actors[a].id);
    seat.set_code(code);
  }
  if (created.seats().empty()) {
    throw InputError(source + ": no actor has a menu of actions, so there is no seat for a team (give actors a "
                     "strategy with a menu; the classroom's own menus cover the baseline's actors)");
  }
  std::string class_code;
  do class_code = tokens.JoinCode();
  while (codes.count(class_code) > 0);
  created.set_class_code(class_code);
  return record;
}

Game::Game(const wire::Created& created) {
  auto message = std::make_shared<reesim::Scenario>();
  if (!message->ParseFromString(created.scenario())) throw InputError("the journal's scenario does not parse");
  message_ = message;
  scenario_source_ = created.scenario_source();
  scenario_text_ = created.scenario_text();
  seed_ = created.seed();
  rounds_ = created.rounds();
  round_seconds_ = created.round_seconds();
  teacher_token_ = created.teacher_token();
  scenario_ = std::make_unique<run::LoadedScenario>(run::LoadScenarioMessage(message_, scenario_text_, scenario_source_));
  const std::size_t actors = scenario_->world.actors.size();
  codes_.assign(actors, "");
  tokens_.assign(actors, "");
  names_.assign(actors, "");
  assigned_.assign(actors, "");
  released_.assign(actors, false);
  class_code_ = NormaliseCode(created.class_code());
  picking_ = !class_code_.empty();
  menu_names_.assign(actors, {});
  menu_explanations_.assign(actors, {});
  external_.assign(actors, false);
  pending_.assign(actors, -1);
  in_force_.assign(actors, 0);
  for (std::size_t a = 0; a < actors; ++a) {
    for (const agents::MenuChoice& choice : scenario_->strategies[a].menu) menu_names_[a].push_back(choice.name);
  }
  for (const reesim::Actor& actor : message_->actors()) {
    const int a = scenario_->world.FindActor(actor.id());
    if (a < 0) continue;
    for (const reesim::MenuAction& action : actor.strategy().menu()) menu_explanations_[a].push_back(action.explanation());
  }
  for (const wire::Seat& seat : created.seats()) {
    const int a = scenario_->world.FindActor(seat.actor());
    if (a < 0 || menu_names_[a].empty()) throw InputError("the journal names a seat " + seat.actor() + " the scenario has not");
    seats_.push_back(a);
    codes_[a] = NormaliseCode(seat.code());
  }
  if (rounds_ <= 0) throw InputError("the journal's game has no rounds");
  reesim::Scenario menus;
  run::ParseTextFormat(std::string(ClassroomMenusText()), "<built-in classroom/menus.textproto>", "scenario", menus);
  for (const reesim::PolicyEvent& policy : menus.policies()) {
    if (scenario_->world.FindActor(policy.actor()) < 0) continue;
    const std::size_t colon = policy.note().find(": ");
    ClassroomEvent event{policy.note().substr(0, colon), colon == std::string::npos ? "" : policy.note().substr(colon + 2), policy};
    event.policy.set_note(event.explanation);
    try {
      run::LoadScenarioMessage(WithEvent(event.policy), scenario_text_, scenario_source_);
    } catch (const InputError&) {
      continue;  // names a product or region this scenario has not
    }
    events_.push_back(std::move(event));
  }
}

Game::~Game() {
  simulation_.reset();  // before the scenario it refers to
  simulation_scenario_.reset();
}


int Game::ActorOfToken(const std::string& token) const {
  if (token.empty()) return -1;
  for (const int a : seats_) {
    if (tokens_[a] == token) return a;
  }
  return -1;
}

std::string Game::ActionName(int actor, int action) const {
  if (action < 0 || action >= static_cast<int>(menu_names_.at(actor).size())) return "";
  return menu_names_[actor][action];
}

std::string Game::SubmittedAction(int actor) const { return ActionName(actor, pending_.at(actor)); }

wire::ServerMessage Game::MakeError(const std::string& code, const std::string& message) const {
  wire::ServerMessage out;
  out.mutable_error()->set_code(code);
  out.mutable_error()->set_message(message);
  return out;
}

wire::Welcome Game::MakeWelcome(int actor, double seconds_left) const {
  wire::Welcome welcome;
  welcome.set_actor(world().actors[actor].id);
  welcome.set_actor_name(world().actors[actor].name);
  welcome.set_token(tokens_[actor]);
  welcome.set_code(codes_[actor]);
  welcome.set_team(names_[actor]);
  welcome.set_round(round());
  welcome.set_period(Period(round()));
  welcome.set_phase(PhaseName(phase_));
  welcome.set_rounds(rounds_);
  welcome.set_submitted(SubmittedAction(actor));
  welcome.set_in_force(ActionName(actor, history_.empty() ? in_force_[actor] : history_.back().actions[actor]));
  welcome.set_seconds_left(seconds_left);
  for (std::size_t m = 0; m < menu_names_[actor].size(); ++m) {
    wire::MenuItem& item = *welcome.add_menu();
    item.set_name(menu_names_[actor][m]);
    item.set_explanation(m < menu_explanations_[actor].size() ? menu_explanations_[actor][m] : "");
  }
  for (const world::Region& region : world().regions) {
    if (region.actor == actor) welcome.add_regions(region.id);
  }
  return welcome;
}

wire::ServerMessage Game::WelcomeFor(int actor, double seconds_left) const {
  wire::ServerMessage out;
  *out.mutable_welcome() = MakeWelcome(actor, seconds_left);
  return out;
}

Handled Game::Handle(const wire::ClientMessage& message, TokenSource& tokens) const {
  Handled handled;
  switch (message.message_case()) {
    case wire::ClientMessage::kJoin:
      return HandleJoin(message.join(), tokens);
    case wire::ClientMessage::kHello: {
      const std::string& token = message.hello().token();
      if (!token.empty() && token == teacher_token_) {
        handled.identity = {Identity::Kind::kTeacher, -1};
        handled.send_history = true;
        return handled;  // the server answers with the teacher view
      }
      const int actor = ActorOfToken(token);
      if (actor < 0) {
        handled.reply = MakeError("bad_token", "unknown token: join with your seat's code");
        return handled;
      }
      return TeamGreeted(actor);
    }
    case wire::ClientMessage::kSubmit: {
      const wire::Submit& submit = message.submit();
      const int actor = ActorOfToken(submit.token());
      if (actor < 0) {
        handled.reply = MakeError("bad_token", "unknown token: join with your seat's code");
        return handled;
      }
      const std::string& id = world().actors[actor].id;
      if (!submit.actor().empty() && submit.actor() != id) {
        handled.reply = MakeError("wrong_actor", "this token governs " + id + ", not " + Clean(submit.actor(), 20));
        return handled;
      }
      if (phase_ == Phase::kEnded) {
        handled.reply = MakeError("game_over", "the game has ended");
        return handled;
      }
      if (submit.round() != round()) {
        handled.reply = MakeError("wrong_round", "round " + std::to_string(submit.round()) + " is not open; the open round is " +
                                                     std::to_string(round()));
        return handled;
      }
      const auto& names = menu_names_[actor];
      const auto it = std::find(names.begin(), names.end(), submit.action());
      if (it == names.end()) {
        std::string valid;
        for (const std::string& name : names) valid += (valid.empty() ? "" : ", ") + name;
        handled.reply = MakeError("not_in_menu", "\"" + Clean(submit.action(), 40) + "\" is not on " + id + "'s menu (" + valid + ")");
        return handled;
      }
      handled.identity = {Identity::Kind::kTeam, actor};
      wire::Submitted& submitted = *handled.record.emplace().mutable_submitted();
      submitted.set_actor(id);
      submitted.set_round(submit.round());
      submitted.set_action(submit.action());
      return handled;
    }
    case wire::ClientMessage::kTeacher: {
      const wire::TeacherCommand& command = message.teacher();
      if (command.token().empty() || command.token() != teacher_token_) {
        handled.reply = MakeError("bad_token", "teacher commands need the teacher token");
        return handled;
      }
      handled.identity = {Identity::Kind::kTeacher, -1};
      const std::string& name = command.command();
      auto record = [&] {
        wire::Command& out = *handled.record.emplace().mutable_command();
        out.set_command(name);
        return &out;
      };
      auto wrong_phase = [&] {
        handled.reply = MakeError("wrong_phase", "cannot " + name + " while the game is " + PhaseName(phase_));
      };
      if (name == "watch") {
        handled.send_history = true;
        return handled;  // the server answers with the teacher view
      }
      static const std::vector<std::string> kCommands = {"start",  "pause",  "resume", "advance", "end",   "broadcast", "timer",
                                                         "inject", "assign", "release", "picking", "watch", "what_if"};
      if (std::find(kCommands.begin(), kCommands.end(), name) == kCommands.end()) {
        std::string names;
        for (const std::string& known : kCommands) names += (names.empty() ? "" : ", ") + known;
        handled.reply = MakeError("unknown_command", "unknown command \"" + Clean(name, 20) + "\" (commands: " + names + ")");
        return handled;
      }
      if (phase_ == Phase::kEnded && name != "broadcast") {
        handled.reply = MakeError("game_over", "the game has ended");
        return handled;
      }
      if (name == "what_if") {  // changes nothing: no record; the server runs it off the game's thread
        if (round() >= rounds_) {
          handled.reply = MakeError("game_over", "no rounds are left to simulate");
          return handled;
        }
        handled.what_if = true;
        return handled;
      }
      if (name == "start") {
        if (phase_ != Phase::kLobby) return wrong_phase(), handled;
        record();
      } else if (name == "pause") {
        if (phase_ != Phase::kRunning) return wrong_phase(), handled;
        record();
      } else if (name == "resume") {
        if (phase_ != Phase::kPaused) return wrong_phase(), handled;
        record();
      } else if (name == "advance" || name == "end") {
        record();
      } else if (name == "broadcast") {
        const std::string text = Clean(command.text(), kMaxBroadcastChars);
        if (text.empty()) {
          handled.reply = MakeError("malformed", "broadcast needs a text");
          return handled;
        }
        record()->set_text(text);
      } else if (name == "timer") {
        if (!(command.seconds() >= 0 && command.seconds() <= kMaxRoundSeconds)) {
          handled.reply = MakeError("malformed", "timer needs seconds between 0 (none) and 86400");
          return handled;
        }
        record()->set_seconds(command.seconds());
      } else if (name == "assign" || name == "release") {
        HandleSeatCommand(command, tokens, handled);
      } else if (name == "picking") {
        if (command.text() != "on" && command.text() != "off") {
          handled.reply = MakeError("malformed", "picking needs the text \"on\" or \"off\"");
          return handled;
        }
        if (class_code_.empty()) {
          handled.reply = MakeError("bad_request", "this game was created without a class code, so teams cannot pick seats");
          return handled;
        }
        record()->set_text(command.text());
      } else if (name == "inject") {
        reesim::PolicyEvent event;
        try {
          event = ResolveEvent(command);
        } catch (const InputError& error) {
          handled.reply = MakeError("bad_request", Clean(error.what(), 1000));
          return handled;
        }
        record()->set_text(SingleLine(event));
      }
      return handled;
    }
    case wire::ClientMessage::MESSAGE_NOT_SET:
      break;
  }
  handled.reply = MakeError("malformed", "a message needs one of join, hello, submit, teacher");
  return handled;
}

Handled Game::TeamGreeted(int actor) const {
  Handled handled;
  handled.reply = WelcomeFor(actor, 0);
  handled.identity = {Identity::Kind::kTeam, actor};
  handled.send_history = true;
  return handled;
}

Handled Game::HandleJoin(const wire::Join& join, TokenSource& tokens) const {
  Handled handled;
  const std::string code = NormaliseCode(join.code());
  int actor = -1;
  for (const int a : seats_) {
    if (!code.empty() && codes_[a] == code) actor = a;
  }
  const bool picks = actor < 0 && !code.empty() && code == class_code_;
  if (actor < 0 && !picks) {
    handled.reply = MakeError("bad_code", "no seat has the join code \"" + Clean(join.code(), 20) + "\"");
    return handled;
  }
  if (picks) {
    if (!picking_) {
      handled.reply = MakeError("bad_code", "the teacher has turned seat picking off: ask for your seat's code");
      return handled;
    }
    if (join.actor().empty()) {
      wire::OpenSeats& open = *handled.reply.mutable_open_seats();
      for (const int a : seats_) {
        if (!OpenToPick(a)) continue;
        wire::SeatChoice& choice = *open.add_seats();
        choice.set_actor(world().actors[a].id);
        choice.set_actor_name(world().actors[a].name);
        for (const world::Region& region : world().regions) {
          if (region.actor == a) choice.add_regions(region.id);
        }
      }
      if (open.seats().empty()) handled.reply = MakeError("seat_taken", "every seat is taken or assigned: ask the teacher");
      return handled;
    }
    actor = world().FindActor(join.actor());
    if (actor < 0 || codes_[actor].empty()) {
      handled.reply = MakeError("wrong_actor", "there is no seat \"" + Clean(join.actor(), 20) + "\" to pick");
      return handled;
    }
    if (!OpenToPick(actor)) {
      handled.reply = MakeError("seat_taken", world().actors[actor].id + " is taken, assigned or held back by the teacher: pick another seat");
      return handled;
    }
  } else if (!join.actor().empty() && join.actor() != world().actors[actor].id) {
    handled.reply = MakeError("wrong_actor", "this code is " + world().actors[actor].id + "'s seat, not " + Clean(join.actor(), 20));
    return handled;
  }
  if (!tokens_[actor].empty()) return TeamGreeted(actor);  // a second device of the same team
  std::string name = !assigned_[actor].empty() ? assigned_[actor] : Clean(join.name(), kMaxTeamNameChars);
  if (name.empty()) name = "Team " + world().actors[actor].id;
  wire::Joined& joined = *handled.record.emplace().mutable_joined();
  joined.set_actor(world().actors[actor].id);
  joined.set_token(tokens.Token());
  joined.set_name(name);
  return handled;
}

void Game::HandleSeatCommand(const wire::TeacherCommand& command, TokenSource& tokens, Handled& handled) const {
  const int actor = world().FindActor(command.actor());
  if (actor < 0 || codes_[actor].empty()) {
    std::string ids;
    for (const int a : seats_) ids += (ids.empty() ? "" : ", ") + world().actors[a].id;
    handled.reply = MakeError("bad_request", command.command() + " needs the actor of a seat (" + ids + "), got \"" +
                                                 Clean(command.actor(), 20) + "\"");
    return;
  }
  const std::string& id = world().actors[actor].id;
  const bool assign = command.command() == "assign";
  if (assign && !tokens_[actor].empty()) {
    handled.reply = MakeError("seat_taken", id + " is held by " + names_[actor] + ": release it first");
    return;
  }
  if (!assign && tokens_[actor].empty() && assigned_[actor].empty()) {
    handled.reply = MakeError("bad_request", "no team holds " + id + " or is assigned to it");
    return;
  }
  wire::Command& out = *handled.record.emplace().mutable_command();
  out.set_command(command.command());
  out.set_actor(id);
  out.set_text(Clean(command.text(), kMaxTeamNameChars));  // release: the team to assign the seat to, if any
  if (assign) return;
  std::string code;
  do code = tokens.JoinCode();
  while (code == class_code_ || std::any_of(seats_.begin(), seats_.end(), [&](int a) { return codes_[a] == code; }));
  out.set_code(code);
}

wire::JournalRecord Game::TimerAdvance() {
  wire::JournalRecord record;
  record.mutable_command()->set_command("advance");
  record.mutable_command()->set_by_timer(true);
  return record;
}

Applied Game::Apply(const wire::JournalRecord& record) {
  Applied applied;
  switch (record.record_case()) {
    case wire::JournalRecord::kJoined: {
      const wire::Joined& joined = record.joined();
      const int actor = world().FindActor(joined.actor());
      if (actor < 0 || codes_[actor].empty() || !tokens_[actor].empty() || joined.token().empty()) {
        throw InputError("journal: a join of seat " + joined.actor() + " that does not fit the game");
      }
      tokens_[actor] = joined.token();
      names_[actor] = joined.name();
      assigned_[actor].clear();
      external_[actor] = true;
      if (!history_.empty()) in_force_[actor] = history_.back().actions[actor];  // keeps the model's last choice
      *applied.reply.mutable_welcome() = MakeWelcome(actor, 0);
      applied.identity = {Identity::Kind::kTeam, actor};
      applied.send_history = true;
      return applied;
    }
    case wire::JournalRecord::kSubmitted: {
      const wire::Submitted& submitted = record.submitted();
      const int actor = world().FindActor(submitted.actor());
      if (actor < 0 || !external_[actor] || submitted.round() != round() || phase_ == Phase::kEnded) {
        throw InputError("journal: a decision of " + submitted.actor() + " that does not fit the game");
      }
      const auto& names = menu_names_[actor];
      const auto it = std::find(names.begin(), names.end(), submitted.action());
      if (it == names.end()) throw InputError("journal: " + submitted.action() + " is not on " + submitted.actor() + "'s menu");
      pending_[actor] = static_cast<int>(it - names.begin());
      applied.reply.mutable_ack()->set_round(submitted.round());
      applied.reply.mutable_ack()->set_action(submitted.action());
      applied.identity = {Identity::Kind::kTeam, actor};
      return applied;
    }
    case wire::JournalRecord::kCommand: {
      const wire::Command& command = record.command();
      const std::string& name = command.command();
      applied.identity = {Identity::Kind::kTeacher, -1};
      applied.reply.mutable_ack()->set_command(name);
      applied.reply.mutable_ack()->set_round(round());
      if (phase_ == Phase::kEnded && name != "broadcast") throw InputError("journal: a command after the game ended");
      if (name == "start") {
        phase_ = Phase::kRunning;
        applied.timer_changed = true;
      } else if (name == "pause") {
        phase_ = Phase::kPaused;
        applied.timer_changed = true;
      } else if (name == "resume") {
        phase_ = Phase::kRunning;
        applied.timer_changed = true;
      } else if (name == "advance") {
        if (phase_ == Phase::kLobby) phase_ = Phase::kRunning;
        const int played = round();
        PlayRound();
        applied.reply.mutable_ack()->set_round(played);
        applied.round_played = true;
        applied.timer_changed = true;
        if (round() >= rounds_) {
          phase_ = Phase::kEnded;
          applied.ended = true;
        }
      } else if (name == "end") {
        phase_ = Phase::kEnded;
        applied.ended = true;
        applied.timer_changed = true;
      } else if (name == "broadcast") {
        last_broadcast_ = command.text();
        applied.broadcast = true;
        applied.broadcast_text = command.text();
      } else if (name == "timer") {
        round_seconds_ = command.seconds();
        applied.timer_changed = true;
      } else if (name == "assign" || name == "release") {
        const int actor = world().FindActor(command.actor());
        if (actor < 0 || codes_[actor].empty() || (name == "assign" && !tokens_[actor].empty()) ||
            (name == "release" && command.code().empty())) {
          throw InputError("journal: " + name + " of seat " + command.actor() + " that does not fit the game");
        }
        if (name == "assign") {
          assigned_[actor] = command.text();
        } else {
          tokens_[actor].clear();
          names_[actor].clear();
          assigned_[actor] = command.text();  // the team the seat goes to, if the teacher named one
          released_[actor] = true;            // not offered to pickers: the released team would take it back
          codes_[actor] = NormaliseCode(command.code());
          pending_[actor] = -1;
          // Before any round is played the model takes the seat back; after, the rounds the team played
          // cannot be replayed with the model's strategy, so the seat keeps its last action until a team
          // takes it (as a team that submits nothing).
          if (history_.empty()) external_[actor] = false;
          applied.released = actor;
        }
      } else if (name == "picking") {
        picking_ = command.text() == "on";
      } else if (name == "inject") {
        reesim::PolicyEvent event;
        if (!google::protobuf::TextFormat::ParseFromString(command.text(), &event)) {
          throw InputError("journal: an injected event that does not parse");
        }
        message_ = WithEvent(event);  // a new message: forks already taken keep theirs
        simulation_stale_ = true;
        last_broadcast_ = "Event from " + Period(event.start_round()) + ": " + EventText(event);
        applied.broadcast = true;
        applied.broadcast_text = last_broadcast_;
      } else {
        throw InputError("journal: unknown command " + name);
      }
      return applied;
    }
    case wire::JournalRecord::kCreated:
    case wire::JournalRecord::RECORD_NOT_SET:
      break;
  }
  throw InputError("journal: a record out of place");
}

std::unique_ptr<run::LoadedScenario> Game::LoadWithExternal(const std::vector<bool>& external) const {
  auto message = std::make_shared<reesim::Scenario>(*message_);
  for (reesim::Actor& actor : *message->mutable_actors()) {
    const int a = world().FindActor(actor.id());
    if (a >= 0 && external[a]) actor.mutable_strategy()->set_kind(reesim::EXTERNAL);
  }
  return std::make_unique<run::LoadedScenario>(run::LoadScenarioMessage(message, scenario_text_, scenario_source_));
}

void Game::EnsureSimulation() {
  if (simulation_ && simulation_external_ == external_ && !simulation_stale_) return;
  std::unique_ptr<run::LoadedScenario> scenario = LoadWithExternal(external_);
  auto simulation = std::make_unique<run::Simulation>(*scenario, seed_);
  for (const PlayedRound& played : history_) {
    for (const int a : seats_) {
      if (external_[a]) simulation->SetExternalAction(a, played.actions[a]);
    }
    simulation->Step();
  }
  if (!history_.empty() && simulation->metrics() != history_.back().metrics) {
    std::cerr << "reesim serve: warning: replaying the game with new seats held gave a different last round\n";
  }
  simulation_.reset();
  simulation_scenario_ = std::move(scenario);
  simulation_ = std::move(simulation);
  simulation_external_ = external_;
  simulation_stale_ = false;
}

void Game::PlayRound() {
  EnsureSimulation();
  PlayedRound played;
  played.decider.assign(world().actors.size(), "model");
  for (const int a : seats_) {
    if (!external_[a]) continue;
    const bool submitted = pending_[a] >= 0;
    simulation_->SetExternalAction(a, submitted ? pending_[a] : in_force_[a]);
    played.decider[a] = submitted ? names_[a] : "kept";
  }
  simulation_->Step();
  played.metrics = simulation_->metrics();
  played.actions = simulation_->state().chosen_action;
  played.actions.resize(world().actors.size(), -1);
  for (const int a : seats_) {
    if (external_[a]) in_force_[a] = played.actions[a];
  }
  std::fill(pending_.begin(), pending_.end(), -1);
  history_.push_back(std::move(played));
}

reesim::PolicyEvent Game::ResolveEvent(const wire::TeacherCommand& command) const {
  reesim::PolicyEvent event;
  if (!command.event().empty()) {
    const auto it = std::find_if(events_.begin(), events_.end(), [&](const ClassroomEvent& e) { return e.name == command.event(); });
    if (it == events_.end()) {
      std::string names;
      for (const ClassroomEvent& e : events_) names += (names.empty() ? "" : ", ") + e.name;
      throw InputError("no event \"" + Clean(command.event(), 40) + "\" (events: " + (names.empty() ? "none" : names) + ")");
    }
    event = it->policy;
  } else {
    if (command.text().size() > kMaxEventBytes) throw InputError("an event is at most 4096 bytes of text");
    if (Trim(command.text()).empty()) throw InputError("inject needs an event's name, or a policy event as text");
    run::ParseTextFormat(command.text(), "event", "policy event", event);
    if (event.start_round() != 0 && event.start_round() < round()) {
      throw InputError("event: start_round = " + std::to_string(event.start_round()) + ": round " + std::to_string(round()) +
                       " is the open round; an event starts then or later (0 = the open round)");
    }
  }
  if (event.start_round() < round()) event.set_start_round(round());
  event.set_surprise(true);
  run::LoadScenarioMessage(WithEvent(event), scenario_text_, scenario_source_);  // throws InputError naming the field
  return event;
}

std::shared_ptr<reesim::Scenario> Game::WithEvent(const reesim::PolicyEvent& event) const {
  auto scenario = std::make_shared<reesim::Scenario>(*message_);
  *scenario->add_policies() = event;
  return scenario;
}

ForkState Game::Fork() const {
  ForkState fork;
  fork.scenario = message_;
  fork.scenario_text = scenario_text_;
  fork.scenario_source = scenario_source_;
  fork.seed = seed_;
  fork.rounds = rounds_;
  fork.seats = seats_;
  fork.external = external_;
  for (const PlayedRound& played : history_) fork.played.push_back(played.actions);
  fork.held.assign(world().actors.size(), -1);
  fork.held_names.assign(world().actors.size(), "");
  for (const int a : seats_) {
    if (!external_[a]) continue;
    fork.held[a] = pending_[a] >= 0 ? pending_[a] : in_force_[a];
    fork.held_names[a] = world().actors[a].id + "=" + ActionName(a, fork.held[a]);
  }
  return fork;
}

bool Game::HiddenFrom(const std::string& metric, int actor) const {
  if (actor < 0) return false;
  std::string_view rest;
  if (metric.starts_with("payoff.")) {
    rest = std::string_view(metric).substr(7);
  } else if (metric.starts_with("stockpile.")) {
    rest = std::string_view(metric).substr(10);
  } else {
    return false;
  }
  const std::string_view owner = rest.substr(0, rest.find('.'));
  return owner != world().actors[actor].id;
}

wire::ServerMessage Game::RoundResultFor(int round, int actor) const {
  const PlayedRound& played = history_.at(round);
  wire::ServerMessage out;
  wire::RoundResult& result = *out.mutable_round_result();
  result.set_round(round);
  result.set_period(Period(round));
  auto& metrics = *result.mutable_metrics();
  for (const auto& [name, value] : played.metrics) {
    if (!HiddenFrom(name, actor)) metrics[name] = value;
  }
  for (const int a : seats_) (*result.mutable_decisions())[world().actors[a].id] = ActionName(a, played.actions[a]);
  return out;
}

namespace {

// A JSON string literal (RFC 8259 escapes), as protobuf's printer writes one.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
      out += buffer;
    } else {
      out += c;
    }
  }
  out += '"';
}

// A double as protobuf's JSON mapping has it: the shortest text that reads back the same, and NaN and
// the infinities as the strings "NaN", "Infinity", "-Infinity".
void AppendJsonNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  }
}

}  // namespace

const Game::ResultJson& Game::ResultJsonOf(int round) const {
  if (result_json_.size() < history_.size()) result_json_.resize(history_.size());
  std::unique_ptr<ResultJson>& cached = result_json_.at(round);
  if (cached) return *cached;
  const PlayedRound& played = history_.at(round);
  auto parts = std::make_unique<ResultJson>();
  parts->head = "{\"round\":" + std::to_string(round) + ",\"period\":";
  AppendJsonString(parts->head, Period(round));
  parts->head += ",\"metrics\":{";
  bool first = true;
  for (const auto& [name, value] : played.metrics) {
    std::string_view rest;
    if (name.starts_with("payoff.")) {
      rest = std::string_view(name).substr(7);
    } else if (name.starts_with("stockpile.")) {
      rest = std::string_view(name).substr(10);
    }
    std::string* out = &parts->head;
    if (!rest.empty()) {  // private to its owner (HiddenFrom)
      out = &parts->by_owner[std::string(rest.substr(0, rest.find('.')))];
      *out += ',';
    } else if (!first) {
      *out += ',';
    }
    if (rest.empty()) first = false;
    AppendJsonString(*out, name);
    *out += ':';
    AppendJsonNumber(*out, value);
  }
  parts->tail = "},\"decisions\":{";
  bool first_decision = true;
  for (const int a : seats_) {
    if (!first_decision) parts->tail += ',';
    first_decision = false;
    AppendJsonString(parts->tail, world().actors[a].id);
    parts->tail += ':';
    AppendJsonString(parts->tail, ActionName(a, played.actions[a]));
  }
  parts->tail += "}}";
  cached = std::move(parts);
  return *cached;
}

std::string Game::RoundResultJson(int round, int actor) const {
  const ResultJson& parts = ResultJsonOf(round);
  std::string out = "{\"round_result\":";
  out.reserve(parts.head.size() + parts.tail.size() + 64);
  out += parts.head;
  // The head's public metrics may be none: the private ones then start without a comma.
  const bool empty_head = parts.head.back() == '{';
  bool first = empty_head;
  auto add = [&](const std::string& fragment) {
    out.append(fragment, first ? 1 : 0, std::string::npos);  // each fragment starts with a comma
    first = false;
  };
  if (actor < 0) {
    for (const auto& [owner, fragment] : parts.by_owner) add(fragment);
  } else {
    const auto it = parts.by_owner.find(world().actors[actor].id);
    if (it != parts.by_owner.end()) add(it->second);
  }
  out += parts.tail;
  out += '}';
  return out;
}

std::string Game::HistoryJson(int actor) const {
  std::string out = "{\"history\":{\"results\":[";
  for (int r = 0; r < round(); ++r) {
    std::string one = RoundResultJson(r, actor);
    // {"round_result":{...}} -> {...}
    out.append(one, 16, one.size() - 17);
    if (r + 1 < round()) out += ',';
  }
  return out + "]}}";
}

wire::ServerMessage Game::HistoryFor(int actor) const {
  wire::ServerMessage out;
  wire::History& history = *out.mutable_history();
  for (int r = 0; r < round(); ++r) *history.add_results() = RoundResultFor(r, actor).round_result();
  return out;
}

wire::ServerMessage Game::StatusMessage(double seconds_left) const {
  wire::ServerMessage out;
  wire::Status& status = *out.mutable_status();
  status.set_phase(PhaseName(phase_));
  status.set_round(round());
  status.set_period(Period(round()));
  status.set_seconds_left(seconds_left);
  status.set_rounds(rounds_);
  int submitted = 0, held = 0;
  for (const int a : seats_) {
    held += external_[a] ? 1 : 0;
    submitted += pending_[a] >= 0 ? 1 : 0;
  }
  status.set_submitted(submitted);
  status.set_seats_held(held);
  return out;
}

wire::ServerMessage Game::TeacherViewMessage(const std::vector<int>& connected, double seconds_left,
                                             const std::string& join_url) const {
  wire::ServerMessage out;
  wire::TeacherView& view = *out.mutable_teacher_view();
  for (const int a : seats_) {
    wire::SeatView& seat = *view.add_seats();
    seat.set_actor(world().actors[a].id);
    seat.set_actor_name(world().actors[a].name);
    seat.set_code(codes_[a]);
    seat.set_team(names_[a]);
    seat.set_submitted(pending_[a] >= 0);
    seat.set_connected(a < static_cast<int>(connected.size()) ? connected[a] : 0);
    seat.set_in_force(ActionName(a, history_.empty() ? (external_[a] ? in_force_[a] : -1) : history_.back().actions[a]));
    seat.set_assigned(assigned_[a]);
    seat.set_kept(tokens_[a].empty() && external_[a]);
  }
  view.set_class_code(class_code_);
  view.set_picking(picking_);
  view.set_phase(PhaseName(phase_));
  view.set_round(round());
  view.set_period(Period(round()));
  view.set_rounds(rounds_);
  view.set_round_seconds(round_seconds_);
  view.set_seconds_left(seconds_left);
  view.set_join_url(picking_ ? join_url + "#code=" + class_code_ : join_url);
  view.set_scenario(world().name.empty() ? scenario_source_ : world().name);
  for (const ClassroomEvent& event : events_) {
    wire::EventChoice& choice = *view.add_events();
    choice.set_name(event.name);
    choice.set_explanation(event.explanation);
  }
  return out;
}

CounterfactualJob Game::MakeCounterfactualJob() const {
  CounterfactualJob job;
  job.state = std::make_shared<const ForkState>(Fork());
  job.best_response.assign(world().actors.size(), 0.0);
  for (const int a : seats_) {
    // A seat the model played by best response already: its best response is the game as played.
    if (external_[a] || scenario_->strategies[a].kind != "best_response") {
      job.replay_seats.push_back(a);
      continue;
    }
    const std::string metric = "payoff." + world().actors[a].id;
    for (const PlayedRound& played : history_) {
      const auto it = played.metrics.find(metric);
      if (it != played.metrics.end()) job.best_response[a] += it->second;
    }
  }
  return job;
}

void Game::SetCounterfactuals(Counterfactuals counterfactuals) {
  if (counterfactuals.rounds != round()) return;
  if (!counterfactuals.failure.empty()) {
    counterfactuals.model.assign(world().actors.size(), 0.0);
    counterfactuals.best_response.assign(world().actors.size(), 0.0);
  }
  REESIM_CHECK_EQ(counterfactuals.model.size(), world().actors.size());
  REESIM_CHECK_EQ(counterfactuals.best_response.size(), world().actors.size());
  counterfactuals_ = std::move(counterfactuals);
}

std::string Game::TeamsOf(int actor) const {
  // A seat released and taken again had several teams: each that decided a round, then the holder.
  std::vector<std::string> teams;
  auto add = [&teams](const std::string& team) {
    if (!team.empty() && team != "model" && team != "kept" && std::find(teams.begin(), teams.end(), team) == teams.end()) {
      teams.push_back(team);
    }
  };
  for (const PlayedRound& played : history_) add(played.decider[actor]);
  add(names_[actor]);
  std::string out;
  for (const std::string& team : teams) out += (out.empty() ? "" : ", then ") + team;
  return out;
}

wire::ServerMessage Game::DebriefMessage() const {
  const int played = round();
  const bool known = HasCounterfactuals();
  const bool failed = known && !counterfactuals_->failure.empty();
  std::vector<std::pair<double, int>> order;
  for (const int a : seats_) {
    double sum = 0;
    for (const PlayedRound& round : history_) {
      const auto it = round.metrics.find("payoff." + world().actors[a].id);
      if (it != round.metrics.end()) sum += it->second;
    }
    order.emplace_back(sum, a);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  wire::ServerMessage out;
  wire::Debrief& debrief = *out.mutable_debrief();
  int rank = 0;
  for (const auto& [payoff, a] : order) {
    wire::LeaderboardEntry& entry = *debrief.add_leaderboard();
    entry.set_rank(++rank);
    entry.set_actor(world().actors[a].id);
    entry.set_actor_name(world().actors[a].name);
    entry.set_team(TeamsOf(a));
    entry.set_payoff(payoff);
    if (known && !failed) {
      entry.set_model_payoff(counterfactuals_->model[a]);
      entry.set_best_response_payoff(counterfactuals_->best_response[a]);
    }
  }
  debrief.set_replays_pending(!known);
  if (failed) debrief.set_replays_failed(counterfactuals_->failure);
  for (int r = 0; r < played; ++r) {
    wire::RoundDecisions& decisions = *debrief.add_rounds();
    decisions.set_round(r);
    decisions.set_period(Period(r));
    for (const int a : seats_) {
      (*decisions.mutable_decisions())[world().actors[a].id] = ActionName(a, history_[r].actions[a]);
      (*decisions.mutable_deciders())[world().actors[a].id] = history_[r].decider[a];
    }
  }
  return out;
}

std::string Game::DecisionsJson() const {
  boost::json::array rounds;
  for (int r = 0; r < round(); ++r) {
    boost::json::object decisions;
    for (const int a : seats_) decisions[world().actors[a].id] = ActionName(a, history_[r].actions[a]);
    rounds.push_back(boost::json::object{{"round", r}, {"period", Period(r)}, {"decisions", std::move(decisions)}});
  }
  boost::json::object open;
  for (const int a : seats_) {
    if (pending_[a] >= 0) open[world().actors[a].id] = ActionName(a, pending_[a]);
  }
  if (!open.empty()) {
    rounds.push_back(boost::json::object{{"round", round()}, {"period", Period(round())}, {"decisions", std::move(open)}, {"open", true}});
  }
  return boost::json::serialize(boost::json::object{{"rounds", std::move(rounds)}}) + "\n";
}

std::string Game::DecisionsCsv() const {
  std::string csv = "round,period,actor,action,decided_by\n";
  for (int r = 0; r < round(); ++r) {
    for (const int a : seats_) {
      csv += std::to_string(r) + "," + Period(r) + "," + world().actors[a].id + "," +
             CsvField(ActionName(a, history_[r].actions[a])) + "," + CsvField(history_[r].decider[a]) + "\n";
    }
  }
  for (const int a : seats_) {
    if (pending_[a] < 0) continue;
    csv += std::to_string(round()) + "," + Period(round()) + "," + world().actors[a].id + "," +
           CsvField(ActionName(a, pending_[a])) + "," + CsvField(names_[a] + " (open round)") + "\n";
  }
  return csv;
}

std::vector<run::Metrics> Game::Replay(const std::vector<SeatSwap>& swaps, const std::string& snapshot_path) const {
  return ReplayRounds(Fork(), world(), swaps, snapshot_path);
}

namespace {

std::string JsonString(const std::string& text) { return boost::json::serialize(boost::json::value(text)); }

// The hot path of a classroom (every team, every round): a submit read with Boost.JSON. Returns false
// for anything else, or anything unusual, which protobuf's JSON parser then reads (or refuses).
bool ParseSubmitQuickly(const std::string& json, wire::ClientMessage& message) {
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(json, error);
  if (error || !value.is_object() || value.as_object().size() != 1) return false;
  const auto it = value.as_object().find("submit");
  if (it == value.as_object().end() || !it->value().is_object()) return false;
  wire::Submit& submit = *message.mutable_submit();
  for (const auto& [key, field] : it->value().as_object()) {
    if (key == "token" && field.is_string()) {
      submit.set_token(std::string(field.as_string()));
    } else if (key == "action" && field.is_string()) {
      submit.set_action(std::string(field.as_string()));
    } else if (key == "actor" && field.is_string()) {
      submit.set_actor(std::string(field.as_string()));
    } else if (key == "round" && field.is_int64() && field.as_int64() >= INT32_MIN && field.as_int64() <= INT32_MAX) {
      submit.set_round(static_cast<std::int32_t>(field.as_int64()));
    } else {
      message.Clear();
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ToJson(const wire::ServerMessage& message) {
  if (message.has_ack()) {  // the hot path, written as protobuf's JSON printer would
    const wire::Ack& ack = message.ack();
    return "{\"ack\":{\"round\":" + std::to_string(ack.round()) + ",\"action\":" + JsonString(ack.action()) +
           ",\"command\":" + JsonString(ack.command()) + "}}";
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  REESIM_CHECK(status.ok());
  return json;
}

std::string ParseClientMessage(const std::string& json, wire::ClientMessage& message) {
  message.Clear();
  if (ParseSubmitQuickly(json, message)) return "";
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!status.ok()) return std::string(status.message());
  if (message.message_case() == wire::ClientMessage::MESSAGE_NOT_SET) {
    return "a message needs exactly one of join, hello, submit, teacher";
  }
  return "";
}

}  // namespace reesim::classroom
