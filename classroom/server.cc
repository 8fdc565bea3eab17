#include "classroom/server.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "classroom/assets.h"
#include "classroom/journal.h"
#include "classroom/replay.h"
#include "classroom/tokens.h"
#include "classroom/what_if.h"
#include "world/check.h"

namespace reesim::classroom {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Text = std::shared_ptr<const std::string>;

Text MakeText(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

const char* MimeType(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

// The page's own origin only: nothing it loads or connects to leaves the server.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

class Hub;

// Counts open connections against the cap; held by a session while it lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<int>& count) : count_(&count) { count_->fetch_add(1); }
  ~ConnectionSlot() {
    if (count_) count_->fetch_sub(1);
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::atomic<int>* count_;
};

// ---------------------------------------------------------------------------------------------------
// A WebSocket connection: reads frames, hands parsed messages to the hub, writes what the hub sends.

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket&& socket, std::shared_ptr<Hub> hub, std::unique_ptr<ConnectionSlot> slot);
  ~WebSocketSession();

  void Run(http::request<http::string_body> request);
  // Queues a text frame; any thread.
  void Send(Text text);
  // Queues a last frame, then closes; any thread.
  void SendAndClose(Text text, websocket::close_code code, const char* reason);

 private:
  void OnAccept(beast::error_code ec);
  void Read();
  void OnRead(beast::error_code ec, std::size_t bytes);
  void Queue(Text text);
  void Write();
  void OnWrite(beast::error_code ec, std::size_t bytes);
  void DropTooSlow();
  void Close(websocket::close_code code, const char* reason);
  bool TakeToken();

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Hub> hub_;
  std::unique_ptr<ConnectionSlot> slot_;
  std::deque<Text> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool close_after_queue_ = false;
  websocket::close_reason close_reason_;
  double tokens_;
  Clock::time_point refilled_ = Clock::now();
  int refused_in_a_row_ = 0;
  bool joined_hub_ = false;
};

// ---------------------------------------------------------------------------------------------------
// The shared state: the game on its own thread, the journal, the sessions.

struct SessionEntry {
  std::weak_ptr<WebSocketSession> session;
  Identity identity;
};

class Hub : public std::enable_shared_from_this<Hub> {
 public:
  Hub(const ServeOptions& options, std::unique_ptr<Game> game, std::unique_ptr<Journal> journal)
      : options_(options), game_(std::move(game)), journal_(std::move(journal)), timer_(game_context_) {}

  const ServeOptions& options() const { return options_; }
  std::atomic<int>& connections() { return connections_; }
  void set_join_url(const std::string& url) { join_url_ = url; }
  // Called on the game thread when a seat's join code changes (a release), to rewrite session.json.
  void set_codes_changed(std::function<void(const Game&)> write) { codes_changed_ = std::move(write); }

  void StartGameThread() {
    game_thread_ = std::thread([this] { game_context_.run(); });
    sync_thread_ = std::thread([this] { sync_context_.run(); });
    export_thread_ = std::thread([this] { export_context_.run(); });
    net::post(game_context_, [self = shared_from_this()] {
      self->RestartTimer(/*new_round=*/true);
      if (self->game_->phase() == Phase::kEnded) self->replays_.Start(*self->game_);  // a resumed game's debrief
    });
  }
  void Stop() {
    what_if_cancel_ = true;
    replays_.Cancel();
    net::post(game_context_, [self = shared_from_this()] {
      self->timer_.cancel();
      self->game_context_.stop();
    });
    if (game_thread_.joinable()) game_thread_.join();
    replays_.Stop();  // the game thread has stopped: no Start() can race this
    sync_work_.reset();  // a sync in flight finishes; its answers are not sent
    if (sync_thread_.joinable()) sync_thread_.join();
    if (what_if_thread_.joinable()) what_if_thread_.join();
    StopExports();
  }
  ~Hub() {
    replays_.Stop();
    what_if_cancel_ = true;
    if (what_if_thread_.joinable()) what_if_thread_.join();
    sync_work_.reset();
    if (sync_thread_.joinable()) sync_thread_.join();
    StopExports();
  }
  // A replay in progress stops between rounds and queued ones do not start (their requests get no answer:
  // the I/O threads have stopped by then).
  void StopExports() {
    export_cancel_ = true;
    export_work_.reset();
    if (export_thread_.joinable()) export_thread_.join();
  }
  bool failed() const { return failed_.load(); }
  void set_on_failure(std::function<void()> on_failure) { on_failure_ = std::move(on_failure); }

  // From the I/O threads.
  void Join(const std::shared_ptr<WebSocketSession>& session) {
    const std::lock_guard lock(mutex_);
    sessions_[session.get()] = SessionEntry{session, {}};
  }
  void Leave(WebSocketSession* session) {
    bool was_someone = false;
    {
      const std::lock_guard lock(mutex_);
      const auto it = sessions_.find(session);
      if (it == sessions_.end()) return;
      was_someone = it->second.identity.kind != Identity::Kind::kNone;
      sessions_.erase(it);
    }
    if (was_someone) PostTeacherRefresh();
  }
  void Handle(std::shared_ptr<WebSocketSession> session, wire::ClientMessage message, Clock::time_point read_at) {
    net::post(game_context_, [self = shared_from_this(), session = std::move(session), message = std::move(message), read_at] {
      if (self->stats_) self->stats_->queued_us.push_back(Micros(read_at, Clock::now()));
      self->HandleOnGameThread(session, message, read_at);
    });
  }
  // Writes the timing statistics (--stats FILE) as one JSON object.
  void WriteStats() {
    if (!stats_ || options_.stats_path.empty()) return;
    std::ofstream out(options_.stats_path);
    out << stats_->Json() << "\n";
  }
  // An HTTP API request: `done` (any thread) gets the status, content type and body.
  void Api(std::string target, std::string authorization,
           std::function<void(http::status, std::string, std::string)> done) {
    net::post(game_context_, [self = shared_from_this(), target = std::move(target),
                              authorization = std::move(authorization), done = std::move(done)] {
      self->ApiOnGameThread(target, authorization, done);
    });
  }

 private:
  struct Pending {
    std::shared_ptr<WebSocketSession> sender;
    Applied applied;
    Clock::time_point read_at;  // when the message was read (a timer's advance: when it fired)
  };

  static double Micros(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
  }

  // Where a message's time goes (--stats FILE, for the benchmark): read -> on the game thread (queued),
  // the journal's syncs (how long, how many records each), and read -> answer queued for writing.
  struct Stats {
    std::vector<double> queued_us, sync_us, batch_records, answered_us, handle_us, fanout_us, results_us;
    static std::string Quantiles(std::vector<double> values) {
      if (values.empty()) return "{}";
      std::sort(values.begin(), values.end());
      auto at = [&](double q) { return values[std::min(values.size() - 1, static_cast<std::size_t>(q * (values.size() - 1) + 0.5))]; };
      char buffer[200];
      std::snprintf(buffer, sizeof buffer, R"({"n":%zu,"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f})", values.size(), at(0.5), at(0.9),
                    at(0.99), values.back());
      return buffer;
    }
    std::string Json() const {
      return R"({"read_to_game_thread_us":)" + Quantiles(queued_us) + R"(,"handle_and_append_us":)" + Quantiles(handle_us) +
             R"(,"fdatasync_us":)" + Quantiles(sync_us) + R"(,"records_per_sync":)" + Quantiles(batch_records) +
             R"(,"after_sync_answers_us":)" + Quantiles(fanout_us) + R"(,"round_results_json_us":)" + Quantiles(results_us) + R"(,"read_to_answer_queued_us":)" + Quantiles(answered_us) + "}";
    }
  };

  void SetIdentity(WebSocketSession* session, Identity identity) {
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(session);
    if (it != sessions_.end()) it->second.identity = identity;
  }

  std::vector<std::pair<std::shared_ptr<WebSocketSession>, Identity>> Sessions() {
    std::vector<std::pair<std::shared_ptr<WebSocketSession>, Identity>> out;
    const std::lock_guard lock(mutex_);
    out.reserve(sessions_.size());
    for (const auto& [key, entry] : sessions_) {
      if (auto session = entry.session.lock()) out.emplace_back(std::move(session), entry.identity);
    }
    return out;
  }

  std::vector<int> ConnectedBySeat() {
    std::vector<int> connected(game_->world().actors.size(), 0);
    const std::lock_guard lock(mutex_);
    for (const auto& [key, entry] : sessions_) {
      if (entry.identity.kind == Identity::Kind::kTeam) ++connected[entry.identity.actor];
    }
    return connected;
  }

  double SecondsLeft() const {
    if (!deadline_) return paused_seconds_left_;
    return std::max(0.0, std::chrono::duration<double>(*deadline_ - Clock::now()).count());
  }

  void PostTeacherRefresh() {
    net::post(game_context_, [self = shared_from_this()] { self->SendTeacherViews(); });
  }

  void SendTeacherViews() {
    const Text view = MakeText(ToJson(game_->TeacherViewMessage(ConnectedBySeat(), SecondsLeft(), join_url_)));
    for (const auto& [session, identity] : Sessions()) {
      if (identity.kind == Identity::Kind::kTeacher) session->Send(view);
    }
  }

  void SendTo(const std::shared_ptr<WebSocketSession>& session, const wire::ServerMessage& message) {
    session->Send(MakeText(ToJson(message)));
  }

  void Greet(const std::shared_ptr<WebSocketSession>& session, const Identity& identity, bool send_history,
             const wire::ServerMessage* reply) {
    if (identity.kind == Identity::Kind::kTeacher) {
      if (reply != nullptr) SendTo(session, *reply);
      SendTo(session, game_->TeacherViewMessage(ConnectedBySeat(), SecondsLeft(), join_url_));
      if (send_history) session->Send(MakeText(game_->HistoryJson(-1)));
      if (send_history && fan_) session->Send(fan_text_);
      if (send_history && game_->phase() == Phase::kEnded) SendDebrief(session);
      return;
    }
    if (reply != nullptr) {
      wire::ServerMessage message = *reply;
      if (message.has_welcome()) message.mutable_welcome()->set_seconds_left(SecondsLeft());
      SendTo(session, message);
    }
    if (send_history && identity.kind == Identity::Kind::kTeam) {
      session->Send(MakeText(game_->HistoryJson(identity.actor)));
      if (game_->phase() == Phase::kEnded) SendDebrief(session);
    }
  }

  // ---- The debrief: sent at once, with the counterfactual scores pending unless the game has them; the
  // replays that give them run on DebriefReplays' worker (classroom/replay.h), off this thread, and the
  // debrief goes to everyone again when they are done (DebriefReplaysDone).

  void SendDebrief(const std::shared_ptr<WebSocketSession>& session) {
    replays_.Start(*game_);
    SendTo(session, game_->DebriefMessage());
  }

  void DebriefReplaysDone(const std::string& failure) {
    // A failure is kept as the outcome: the debrief goes out saying so, instead of "computing" for ever.
    if (!failure.empty()) std::cerr << "reesim serve: warning: the debrief's replays failed: " << failure << "\n";
    if (game_->phase() != Phase::kEnded) return;
    const Text debrief = MakeText(ToJson(game_->DebriefMessage()));
    for (const auto& [session, identity] : Sessions()) session->Send(debrief);
  }

  void HandleOnGameThread(const std::shared_ptr<WebSocketSession>& session, const wire::ClientMessage& message,
                          Clock::time_point read_at) {
    if (failed_) return;
    const Clock::time_point started = Clock::now();
    const Handled handled = game_->Handle(message, tokens_);
    if (handled.what_if) {
      SetIdentity(session.get(), handled.identity);
      StartWhatIf(session, message.teacher().what_if());
      return;
    }
    if (!handled.record) {
      if (handled.identity.kind != Identity::Kind::kNone) {
        SetIdentity(session.get(), handled.identity);
        const bool teacher_view_only = handled.identity.kind == Identity::Kind::kTeacher && !handled.reply.has_error() &&
                                       handled.reply.message_case() == wire::ServerMessage::MESSAGE_NOT_SET;
        Greet(session, handled.identity, handled.send_history, teacher_view_only ? nullptr : &handled.reply);
        if (handled.identity.kind == Identity::Kind::kTeam) SendTeacherViews();  // connected counts
      } else {
        SendTo(session, handled.reply);
      }
      return;
    }
    try {
      journal_->Append(handled.record->SerializeAsString());
    } catch (const std::exception& error) {
      if (journal_->broken()) return JournalFailed(error.what());
      std::cerr << "reesim serve: error: " << error.what() << "\n";
      wire::ServerMessage refused;
      refused.mutable_error()->set_code("internal");
      refused.mutable_error()->set_message("the server could not record this; try again");
      SendTo(session, refused);
      return;
    }
    Commit(session, *handled.record, read_at);
    if (stats_) stats_->handle_us.push_back(Micros(started, Clock::now()));
  }

  // ---- What if (classroom/what_if.h): the ensemble runs on a thread of its own through the experiment
  // runner, off the I/O threads and the game's; its progress and its fan go to every teacher console.

  void SendToTeachers(const Text& text) {
    for (const auto& [session, identity] : Sessions()) {
      if (identity.kind == Identity::Kind::kTeacher) session->Send(text);
    }
  }

  void StartWhatIf(const std::shared_ptr<WebSocketSession>& session, const wire::WhatIfRequest& request) {
    if (what_if_running_) {
      SendTo(session, ErrorReply("server_busy", "a what-if ensemble is running; wait for its fan chart"));
      return;
    }
    auto fork = std::make_shared<ForkState>(game_->Fork());
    std::shared_ptr<WhatIfPlan> plan;
    try {
      plan = std::make_shared<WhatIfPlan>(PlanWhatIf(*fork, request));
    } catch (const InputError& error) {
      SendTo(session, ErrorReply("bad_request", error.what()));
      return;
    }
    what_if_running_ = true;
    const int id = ++what_if_id_;
    if (what_if_thread_.joinable()) what_if_thread_.join();  // the last one has finished
    wire::ServerMessage started;
    started.mutable_what_if_progress()->set_id(id);
    started.mutable_what_if_progress()->set_total(plan->spec.replicates);
    SendToTeachers(MakeText(ToJson(started)));
    // `this` outlives the thread: Stop() and ~Hub() join it.
    what_if_thread_ = std::thread([this, fork, plan, id] {
      std::optional<wire::WhatIf> fan;
      std::string failure;
      const int step = std::max(1, plan->spec.replicates / 20);
      try {
        fan = RunWhatIf(*fork, *plan, options_.what_if_threads,
                        [this, id, step](int done, int total) {
                          if (done % step != 0 && done != total) return;
                          wire::ServerMessage message;
                          message.mutable_what_if_progress()->set_id(id);
                          message.mutable_what_if_progress()->set_done(done);
                          message.mutable_what_if_progress()->set_total(total);
                          const Text text = MakeText(ToJson(message));
                          net::post(game_context_, [this, text] { SendToTeachers(text); });
                        },
                        &what_if_cancel_);
      } catch (const std::exception& error) {
        failure = error.what();
      }
      net::post(game_context_, [this, fan = std::move(fan), failure, plan, id]() mutable {
        what_if_running_ = false;
        if (!fan) {
          SendToTeachers(MakeText(ToJson(ErrorReply("bad_request", "what-if " + std::to_string(id) + ": " + failure))));
          return;
        }
        fan->set_id(id);
        fan_ = std::move(fan);
        fan_plan_ = plan;
        UpdateFan();
      });
    });
  }

  // Overlays the class's path (every round played) on the last fan and sends it to the teachers.
  void UpdateFan() {
    if (!fan_) return;
    std::vector<const run::Metrics*> played;
    for (int r = 0; r < game_->round(); ++r) played.push_back(&game_->metrics(r));
    SetActualPath(*fan_, *fan_plan_, played);
    wire::ServerMessage message;
    *message.mutable_what_if() = *fan_;
    fan_text_ = MakeText(ToJson(message));
    SendToTeachers(fan_text_);
  }

  static wire::ServerMessage ErrorReply(const std::string& code, const std::string& text) {
    wire::ServerMessage out;
    out.mutable_error()->set_code(code);
    out.mutable_error()->set_message(text);
    return out;
  }

  // Applies an appended record and schedules the group sync that releases its answers.
  void Commit(const std::shared_ptr<WebSocketSession>& sender, const wire::JournalRecord& record, Clock::time_point read_at) {
    pending_.push_back(Pending{sender, game_->Apply(record), read_at});
    if (!flush_posted_) {
      flush_posted_ = true;
      net::post(game_context_, [self = shared_from_this()] { self->Flush(); });
    }
  }

  // Group commit, pipelined: the journal's fdatasync runs on a thread of its own, one at a time, for
  // every record appended before it started; the game thread goes on handling (and appending) messages
  // meanwhile, and those wait for the next sync, which starts as soon as this one ends. Only then are a
  // batch's answers released.
  void Flush() {
    flush_posted_ = false;
    if (pending_.empty() || sync_in_flight_ || failed_) return;
    auto batch = std::make_shared<std::vector<Pending>>();
    batch->swap(pending_);
    sync_in_flight_ = true;
    net::post(sync_context_, [this, batch] {
      const Clock::time_point sync_start = Clock::now();
      std::string failure;
      try {
        journal_->Sync();
      } catch (const std::exception& error) {
        failure = error.what();
      }
      const double sync_us = Micros(sync_start, Clock::now());
      net::post(game_context_, [this, batch, failure, sync_us] { Synced(*batch, failure, sync_us); });
    });
  }

  void Synced(std::vector<Pending>& done, const std::string& failure, double sync_us) {
    sync_in_flight_ = false;
    if (!failure.empty()) return JournalFailed(failure);
    const Clock::time_point synced = Clock::now();
    if (stats_) {
      stats_->sync_us.push_back(sync_us);
      stats_->batch_records.push_back(static_cast<double>(done.size()));
    }
    Flush();  // the records appended meanwhile: the disk works while this batch's answers go out
    bool round_played = false, ended = false, timer_changed = false;
    std::vector<std::string> broadcasts;
    for (const Pending& item : done) {
      const Applied& applied = item.applied;
      round_played = round_played || applied.round_played;
      ended = ended || applied.ended;
      timer_changed = timer_changed || applied.timer_changed;
      if (applied.broadcast) broadcasts.push_back(applied.broadcast_text);
    }
    if (timer_changed || round_played) RestartTimer(round_played);  // before the answers, which say the time left
    for (const Pending& item : done) {
      const Applied& applied = item.applied;
      if (applied.released >= 0) LetGoOfSeat(applied.released);
      if (item.sender) {
        SetIdentity(item.sender.get(), applied.identity);
        Greet(item.sender, applied.identity, applied.send_history, &applied.reply);
        if (stats_) stats_->answered_us.push_back(Micros(item.read_at, Clock::now()));
      }
    }
    const auto sessions = Sessions();
    if (round_played) {
      const Clock::time_point results_start = Clock::now();
      // Every round played since the last flush, each receiver's own view.
      const int last = game_->round() - 1;
      int first = last;
      for (const Pending& item : done) {
        if (item.applied.round_played) first = std::min(first, item.applied.reply.ack().round());
      }
      std::map<int, std::vector<Text>> by_actor;  // [actor] -> one per round
      for (const auto& [session, identity] : sessions) {
        const int actor = identity.kind == Identity::Kind::kTeam ? identity.actor : -1;
        if (identity.kind == Identity::Kind::kNone) continue;
        auto& texts = by_actor[actor];
        if (texts.empty()) {
          for (int r = first; r <= last; ++r) texts.push_back(MakeText(game_->RoundResultJson(r, actor)));
        }
        for (const Text& text : texts) session->Send(text);
      }
      if (stats_) stats_->results_us.push_back(Micros(results_start, Clock::now()));
    }
    if (round_played) UpdateFan();
    if (ended) {
      replays_.Start(*game_);
      const Text debrief = MakeText(ToJson(game_->DebriefMessage()));
      for (const auto& [session, identity] : sessions) session->Send(debrief);
    }
    for (const std::string& text : broadcasts) {
      wire::ServerMessage message;
      message.mutable_broadcast()->set_text(text);
      const Text frame = MakeText(ToJson(message));
      for (const auto& [session, identity] : sessions) session->Send(frame);
    }
    if (round_played || ended || timer_changed) {
      const Text status = MakeText(ToJson(game_->StatusMessage(SecondsLeft())));
      for (const auto& [session, identity] : sessions) session->Send(status);
    }
    if (!done.empty()) SendTeacherViews();
    if (stats_) stats_->fanout_us.push_back(Micros(synced, Clock::now()));
  }

  // The teacher released a seat: its team's connections speak for nobody from now on (they get no more of
  // the seat's private data) and are told why; session.json gets the seat's new code.
  void LetGoOfSeat(int actor) {
    const Text released = MakeText(ToJson(ErrorReply("released", "the teacher released your seat: join again with a code")));
    for (const auto& [session, identity] : Sessions()) {
      if (identity.kind != Identity::Kind::kTeam || identity.actor != actor) continue;
      SetIdentity(session.get(), {});
      session->Send(released);
    }
    if (!codes_changed_) return;
    try {
      codes_changed_(*game_);
    } catch (const std::exception& error) {
      std::cerr << "reesim serve: warning: session.json keeps the old code: " << error.what() << "\n";
    }
  }

  // The round timer: runs while the game runs and the timer is set; a pause keeps what is left.
  void RestartTimer(bool new_round) {
    timer_.cancel();
    const double seconds = game_->round_seconds();
    if (game_->phase() != Phase::kRunning || seconds <= 0) {
      // Paused: what the round will have on resume. A round played meanwhile gets the whole timer; a
      // shorter timer set meanwhile cuts what was left.
      if (game_->phase() != Phase::kPaused || seconds <= 0) {
        paused_seconds_left_ = 0;
      } else if (new_round) {
        paused_seconds_left_ = seconds;
      } else if (deadline_) {
        paused_seconds_left_ = std::min(seconds, SecondsLeft());
      } else {
        paused_seconds_left_ = paused_seconds_left_ > 0 ? std::min(seconds, paused_seconds_left_) : seconds;
      }
      deadline_.reset();
      return;
    }
    double left = seconds;
    if (!new_round && deadline_) left = std::min(seconds, SecondsLeft());
    if (!new_round && !deadline_ && paused_seconds_left_ > 0) left = paused_seconds_left_;
    paused_seconds_left_ = 0;
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(left));
    ArmTimer();
  }

  // Plays the open round at deadline_ (unless it was played, or the game paused, meanwhile).
  void ArmTimer() {
    const int round = game_->round();
    timer_.expires_at(*deadline_);
    timer_.async_wait([self = shared_from_this(), round](const boost::system::error_code& ec) {
      if (ec || self->failed_ || self->game_->round() != round || self->game_->phase() != Phase::kRunning) return;
      const wire::JournalRecord record = Game::TimerAdvance();
      try {
        self->journal_->Append(record.SerializeAsString());
      } catch (const std::exception& error) {
        if (self->journal_->broken()) return self->JournalFailed(error.what());
        // The write was cut off cleanly (a full disk, say): try again shortly rather than never.
        std::cerr << "reesim serve: error: " << error.what() << " (the round timer tries again in 1 s)\n";
        self->deadline_ = Clock::now() + std::chrono::seconds(1);
        return self->ArmTimer();
      }
      self->Commit(nullptr, record, Clock::now());
    });
  }

  // The journal can take nothing more: stop acknowledging, as after a failed sync.
  void JournalFailed(const std::string& failure) {
    std::cerr << "reesim: error: " << failure << " (nothing more is acknowledged; the server stops)\n";
    failed_ = true;
    pending_.clear();
    if (on_failure_) on_failure_();
  }

  void ApiOnGameThread(const std::string& target, const std::string& authorization,
                       const std::function<void(http::status, std::string, std::string)>& done) {
    const std::string expected = "Bearer " + game_->teacher_token();
    if (authorization != expected) {
      done(http::status::unauthorized, "application/json",
           R"({"error":{"code":"bad_token","message":"send Authorization: Bearer TEACHER_TOKEN"}})" "\n");
      return;
    }
    if (target == "/api/decisions") return done(http::status::ok, "application/json", game_->DecisionsJson());
    if (target == "/api/decisions.csv") return done(http::status::ok, "text/csv; charset=utf-8", game_->DecisionsCsv());
    if (target == "/api/debrief") {
      // The scores are computed once the game has ended: before, each round played would make them stale.
      if (game_->phase() == Phase::kEnded) replays_.Start(*game_);
      return done(http::status::ok, "application/json", ToJson(game_->DebriefMessage()));
    }
    if (target == "/api/snapshot") {
      // The snapshot is the game replayed from its first round: on the export thread, one request at a
      // time, so that the game keeps answering meanwhile. Each request has its own file, removed once read.
      auto fork = std::make_shared<const ForkState>(game_->Fork());
      const std::string path =
          (std::filesystem::path(options_.state_dir) / ("snapshot-" + std::to_string(++snapshot_requests_) + ".pbs")).string();
      // `this` and the game outlive the job: Stop() and ~Hub() join the export thread.
      net::post(export_context_, [this, fork, path, done] {
        std::error_code ignored;
        if (export_cancel_) return;
        try {
          ReplayRounds(*fork, game_->world(), {}, path, &export_cancel_);
          std::ifstream in(path, std::ios::binary);
          std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
          std::filesystem::remove(path, ignored);
          done(http::status::ok, "application/octet-stream", std::move(bytes));
        } catch (const std::exception& error) {
          std::filesystem::remove(path, ignored);
          done(http::status::internal_server_error, "text/plain", std::string(error.what()) + "\n");
        }
      });
      return;
    }
    done(http::status::not_found, "application/json", R"({"error":{"code":"not_found","message":"no such API"}})" "\n");
  }

  ServeOptions options_;
  std::unique_ptr<Game> game_;
  std::unique_ptr<Journal> journal_;
  OsTokenSource tokens_;
  net::io_context game_context_{1};
  net::executor_work_guard<net::io_context::executor_type> work_{game_context_.get_executor()};
  std::thread game_thread_;
  net::steady_timer timer_;
  std::optional<Clock::time_point> deadline_;
  double paused_seconds_left_ = 0;
  std::vector<Pending> pending_;  // applied, appended, not yet handed to a sync
  bool flush_posted_ = false;
  bool sync_in_flight_ = false;
  // The journal's syncs (Flush), one at a time, on their own thread.
  net::io_context sync_context_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> sync_work_{sync_context_.get_executor()};
  std::thread sync_thread_;
  // The snapshot downloads' replays (/api/snapshot), one at a time, on their own thread.
  net::io_context export_context_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> export_work_{export_context_.get_executor()};
  std::thread export_thread_;
  std::atomic<bool> export_cancel_{false};
  int snapshot_requests_ = 0;  // the game thread only
  std::atomic<bool> failed_{false};
  std::function<void()> on_failure_;
  std::string join_url_;
  std::function<void(const Game&)> codes_changed_;
  // What if: the ensemble's thread, and the last fan (game thread only, but for the cancel flag).
  std::thread what_if_thread_;
  std::atomic<bool> what_if_cancel_{false};
  bool what_if_running_ = false;
  int what_if_id_ = 0;
  std::optional<wire::WhatIf> fan_;
  std::shared_ptr<WhatIfPlan> fan_plan_;
  Text fan_text_;
  std::unique_ptr<Stats> stats_ = options_.stats_path.empty() ? nullptr : std::make_unique<Stats>();
  // The debrief's replays: their worker posts the scores back to the game thread. Declared after the
  // game's io_context, so destroyed first; its handlers never run once the game thread has stopped.
  DebriefReplays replays_{[this](std::function<void()> run) { net::post(game_context_, std::move(run)); },
                          [this](const std::string& failure) { DebriefReplaysDone(failure); }};

  std::mutex mutex_;
  std::unordered_map<WebSocketSession*, SessionEntry> sessions_;
  std::atomic<int> connections_{0};
};

// ---------------------------------------------------------------------------------------------------

WebSocketSession::WebSocketSession(tcp::socket&& socket, std::shared_ptr<Hub> hub, std::unique_ptr<ConnectionSlot> slot)
    : ws_(std::move(socket)), hub_(std::move(hub)), slot_(std::move(slot)),
      tokens_(2 * hub_->options().messages_per_second) {}

WebSocketSession::~WebSocketSession() {
  if (joined_hub_) hub_->Leave(this);
}

void WebSocketSession::Run(http::request<http::string_body> request) {
  websocket::stream_base::timeout timeout;
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = std::chrono::milliseconds(static_cast<long>(1000 * hub_->options().idle_seconds));
  timeout.keep_alive_pings = true;
  ws_.set_option(timeout);
  // A message is read piece by piece (Read) and refused as soon as it passes the protocol's limit, so one
  // of any size is answered `too_large` with no more than the limit buffered: Beast's own cap is lifted
  // (with it, a message past the cap would be closed with 1009 and no answer).
  ws_.read_message_max(std::numeric_limits<std::uint64_t>::max());
  ws_.text(true);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "reesim-classroom"); }));
  ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) return;
  joined_hub_ = true;
  hub_->Join(shared_from_this());
  Read();
}

void WebSocketSession::Read() {
  // At most one byte past the limit: enough to know a message is too large.
  const std::size_t room = hub_->options().max_frame_bytes + 1 - std::min(buffer_.size(), hub_->options().max_frame_bytes);
  ws_.async_read_some(buffer_, room, beast::bind_front_handler(&WebSocketSession::OnRead, shared_from_this()));
}

bool WebSocketSession::TakeToken() {
  const double rate = hub_->options().messages_per_second;
  const auto now = Clock::now();
  tokens_ = std::min(2 * rate, tokens_ + rate * std::chrono::duration<double>(now - refilled_).count());
  refilled_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

wire::ServerMessage ErrorMessage(const std::string& code, const std::string& message) {
  wire::ServerMessage out;
  out.mutable_error()->set_code(code);
  out.mutable_error()->set_message(message);
  return out;
}

void WebSocketSession::OnRead(beast::error_code ec, std::size_t) {
  if (ec) return;  // closed or timed out
  const Clock::time_point read_at = Clock::now();
  if (closing_) return;
  if (buffer_.size() > hub_->options().max_frame_bytes) {
    buffer_.consume(buffer_.size());
    SendAndClose(MakeText(ToJson(ErrorMessage("too_large", "a message may be at most " +
                                                               std::to_string(hub_->options().max_frame_bytes) +
                                                               " bytes; closing the connection"))),
                 websocket::close_code::too_big, "too_large");
    return;
  }
  if (!ws_.is_message_done()) return Read();  // the rest of the message
  const std::string frame = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!ws_.got_text()) {
    Send(MakeText(ToJson(ErrorMessage("malformed", "send text frames holding JSON"))));
  } else if (!TakeToken()) {
    if (++refused_in_a_row_ > 200) return Close(websocket::close_code::policy_error, "rate_limited");
    Send(MakeText(ToJson(ErrorMessage("rate_limited", "too many messages; slow down"))));
  } else {
    refused_in_a_row_ = 0;
    wire::ClientMessage message;
    const std::string error = ParseClientMessage(frame, message);
    if (!error.empty()) {
      Send(MakeText(ToJson(ErrorMessage("malformed", error))));
    } else {
      hub_->Handle(shared_from_this(), std::move(message), read_at);
    }
  }
  Read();
}

void WebSocketSession::Send(Text text) {
  net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable { self->Queue(std::move(text)); });
}

void WebSocketSession::SendAndClose(Text text, websocket::close_code code, const char* reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text), code, reason]() mutable {
    if (self->closing_ || self->close_after_queue_) return;
    self->Queue(std::move(text));
    self->close_after_queue_ = true;
    self->close_reason_ = websocket::close_reason(code, reason);
    if (!self->writing_) self->Close(code, reason);
  });
}

void WebSocketSession::Queue(Text text) {
  if (closing_ || close_after_queue_) return;
  queued_bytes_ += text->size();
  queue_.push_back(std::move(text));
  // A client this far behind is dropped; it reconnects with its token and gets the state again. One
  // message alone is never "behind", whatever its size (a long game's history).
  if (queue_.size() > 1 &&
      (queue_.size() > hub_->options().max_queue_messages || queued_bytes_ > hub_->options().max_queue_bytes)) {
    return DropTooSlow();
  }
  if (!writing_) Write();
}

void WebSocketSession::DropTooSlow() {
  closing_ = true;
  // The frame being written stays queued until its handler runs (Beast writes from it); the rest go.
  queue_.erase(queue_.begin() + (writing_ ? 1 : 0), queue_.end());
  queued_bytes_ = queue_.empty() ? 0 : queue_.front()->size();
  // The socket is closed under the write at once: a client that does not read would never let a close
  // frame through, and would hold its connection slot until the idle timeout.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
}

void WebSocketSession::Write() {
  writing_ = true;
  ws_.async_write(net::buffer(*queue_.front()), beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    closing_ = true;
    queue_.clear();
    return;
  }
  if (!queue_.empty()) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  if (!queue_.empty()) return Write();
  if (close_after_queue_) Close(static_cast<websocket::close_code>(close_reason_.code), close_reason_.reason.c_str());
}

void WebSocketSession::Close(websocket::close_code code, const char* reason) {
  if (closing_) return;
  closing_ = true;
  ws_.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](beast::error_code) {});
}

// ---------------------------------------------------------------------------------------------------
// An HTTP connection: the page's files, the teacher's API, and the upgrade to a WebSocket.

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<Hub> hub, std::unique_ptr<ConnectionSlot> slot)
      : stream_(std::move(socket)), hub_(std::move(hub)), slot_(std::move(slot)) {}

  void Run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    if (ec) return;
    http::request<http::string_body> request = parser_->release();
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find_first_of("?#"));
    if (websocket::is_upgrade(request)) {
      if (path != "/ws") return Respond(request, http::status::not_found, "text/plain", "WebSockets are at /ws\n");
      if (!SameOrigin(request)) return Respond(request, http::status::forbidden, "text/plain", "cross-origin WebSocket refused\n");
      stream_.expires_never();
      std::make_shared<WebSocketSession>(stream_.release_socket(), hub_, std::move(slot_))->Run(std::move(request));
      return;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      return Respond(request, http::status::method_not_allowed, "text/plain", "only GET\n");
    }
    if (path.starts_with("/api/")) {
      const std::string authorization(request[http::field::authorization]);
      auto self = shared_from_this();
      auto shared_request = std::make_shared<http::request<http::string_body>>(std::move(request));
      hub_->Api(path, authorization, [self, shared_request](http::status status, std::string type, std::string body) {
        net::post(self->stream_.get_executor(), [self, shared_request, status, type = std::move(type), body = std::move(body)]() mutable {
          self->Respond(*shared_request, status, type, std::move(body));
        });
      });
      return;
    }
    const Asset* asset = FindPageAsset(path);
    if (asset == nullptr || path.find("..") != std::string::npos) {
      return Respond(request, http::status::not_found, "text/plain", "not found\n");
    }
    Respond(request, http::status::ok, MimeType(asset->path), std::string(asset->text()));
  }

  // The Origin of a browser's upgrade must be this server (the Host it asked for); clients that are not
  // browsers send none.
  static bool SameOrigin(const http::request<http::string_body>& request) {
    const auto origin = request.find(http::field::origin);
    if (origin == request.end()) return true;
    const std::string host(request[http::field::host]);
    const std::string value(origin->value());
    return !host.empty() && (value == "http://" + host || value == "https://" + host);
  }

  void Respond(const http::request<http::string_body>& request, http::status status, const std::string& type, std::string body) {
    auto response = std::make_shared<http::response<http::string_body>>(status, request.version());
    response->set(http::field::server, "reesim-classroom");
    response->set(http::field::content_type, type);
    response->set(http::field::cache_control, "no-store");
    response->set("X-Content-Type-Options", "nosniff");
    response->set("Referrer-Policy", "no-referrer");
    response->set("Content-Security-Policy", kContentSecurityPolicy);
    if (status == http::status::unauthorized) response->set(http::field::www_authenticate, "Bearer");
    response->keep_alive(request.keep_alive());
    const bool head = request.method() == http::verb::head;
    response->body() = std::move(body);
    response->prepare_payload();
    if (head) response->body().clear();
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (response->need_eof()) {
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        return;
      }
      self->Read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Hub> hub_;
  std::unique_ptr<ConnectionSlot> slot_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// ---------------------------------------------------------------------------------------------------

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& context, tcp::acceptor&& acceptor, std::shared_ptr<Hub> hub)
      : context_(context), acceptor_(std::move(acceptor)), hub_(std::move(hub)) {}

  void Run() { Accept(); }
  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(context_), beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (hub_->connections().load() >= hub_->options().max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the cap: refused at once
      } else {
        // Answers are small messages sent as soon as they are ready: without TCP_NODELAY, Nagle's algorithm
        // holds one back while the client delays its ACK of the last (up to 40 ms on Linux).
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto slot = std::make_unique<ConnectionSlot>(hub_->connections());
        std::make_shared<HttpSession>(std::move(socket), hub_, std::move(slot))->Run();
      }
    }
    Accept();
  }

  net::io_context& context_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Hub> hub_;
};

std::string JsonString(const std::string& text) { return boost::json::serialize(boost::json::value(text)); }

// The address to print for a server bound to every interface: the first non-loopback IPv4 address.
std::string PrintableHost(const std::string& bind) {
  if (bind != "0.0.0.0" && bind != "::") return bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  ifaddrs* addresses = nullptr;
  std::string found = "127.0.0.1";
  if (::getifaddrs(&addresses) == 0) {
    for (ifaddrs* a = addresses; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      const net::ip::address_v4 address(ntohl(in->sin_addr.s_addr));
      if (!address.is_loopback()) {
        found = address.to_string();
        break;
      }
    }
    ::freeifaddrs(addresses);
  }
  return found;
}

// The port DIR/session.json names, or 0.
int SessionPort(const std::filesystem::path& dir) {
  std::ifstream in(dir / "session.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code error;
  const boost::json::value session = boost::json::parse(text, error);
  if (error || !session.is_object()) return 0;
  const boost::json::value* port = session.as_object().if_contains("port");
  if (port == nullptr || !port->is_int64() || port->as_int64() <= 0 || port->as_int64() > 65535) return 0;
  return static_cast<int>(port->as_int64());
}

void WriteSessionFile(const std::filesystem::path& dir, const std::string& url, int port, const Game& game) {
  std::string json = "{\"url\":" + JsonString(url) + ",\"port\":" + std::to_string(port) +
                     ",\"teacher_token\":" + JsonString(game.teacher_token()) +
                     ",\"teacher_url\":" + JsonString(url + "#teacher=" + game.teacher_token()) + ",\"join_codes\":{";
  bool first = true;
  for (const int actor : game.seats()) {
    json += (first ? "" : ",") + JsonString(game.world().actors[actor].id) + ":" + JsonString(game.join_code(actor));
    first = false;
  }
  json += "}";
  if (!game.class_code().empty()) {
    json += ",\"class_code\":" + JsonString(game.class_code()) + ",\"picking_url\":" + JsonString(url + "#code=" + game.class_code());
  }
  json += "}\n";
  const std::filesystem::path temp = dir / "session.json.tmp";
  const std::filesystem::path path = dir / "session.json";
  std::FILE* file = std::fopen(temp.c_str(), "w");
  if (file == nullptr) throw InputError(temp.string() + ": cannot write");
  ::fchmod(::fileno(file), 0600);
  std::fwrite(json.data(), 1, json.size(), file);
  std::fflush(file);
  ::fsync(::fileno(file));
  std::fclose(file);
  std::filesystem::rename(temp, path);
}

}  // namespace

int Serve(const ServeOptions& options) {
  const std::filesystem::path dir = options.state_dir;
  std::error_code error;
  const bool existed = std::filesystem::exists(dir);
  std::filesystem::create_directories(dir, error);
  if (error) throw InputError(dir.string() + ": cannot create the state directory: " + error.message());
  if (!existed) ::chmod(dir.c_str(), 0700);

  // The game: resumed from the journal, or new.
  std::vector<std::string> records;
  std::string warning;
  std::unique_ptr<Journal> journal;
  try {
    journal = std::make_unique<Journal>((dir / "journal").string(), records, warning);
  } catch (const std::runtime_error& failure) {
    throw InputError(failure.what());
  }
  if (!warning.empty()) std::cerr << "reesim serve: warning: " << warning << "\n";
  std::unique_ptr<Game> game;
  if (records.empty()) {
    OsTokenSource tokens;
    const wire::JournalRecord created = NewGame(options.game, tokens);
    game = std::make_unique<Game>(created.created());
    try {
      journal->Append(created.SerializeAsString());
      journal->Sync();
    } catch (const std::runtime_error& failure) {
      throw InputError(failure.what());
    }
  } else {
    wire::JournalRecord created;
    if (!created.ParseFromString(records[0]) || !created.has_created()) {
      throw InputError((dir / "journal").string() + ": does not start with a classroom game");
    }
    if (options.scenario_given) {
      OsTokenSource unused;
      std::string source = options.game.scenario;
      for (const run::BuiltinScenario& builtin : run::BuiltinScenarios()) {
        if (source == builtin.name) source = std::string("<built-in ") + builtin.name + ">";
      }
      if (source != created.created().scenario_source()) {
        throw InputError(dir.string() + " holds a game of " + created.created().scenario_source() + ", not " + source +
                         ": resume it without --scenario, or start a new game with another --state DIR");
      }
    }
    if (options.rounds_given && options.game.rounds != created.created().rounds()) {
      throw InputError(dir.string() + " holds a game of " + std::to_string(created.created().rounds()) + " rounds, not " +
                       std::to_string(options.game.rounds) + ": resume it without --rounds, or start a new game with "
                       "another --state DIR");
    }
    game = std::make_unique<Game>(created.created());
    for (std::size_t i = 1; i < records.size(); ++i) {
      wire::JournalRecord record;
      if (!record.ParseFromString(records[i])) {
        throw InputError((dir / "journal").string() + ": record " + std::to_string(i) + " does not parse");
      }
      game->Apply(record);
    }
    if (!options.quiet) {
      std::cout << "reesim serve: resumed the game in " << dir.string() << " with " << game->round() << " of "
                << game->rounds() << " rounds played (" << PhaseName(game->phase()) << ", " << records.size()
                << " journal records)" << (game->phase() == Phase::kEnded ? "; it has ended: start a new game with another --state DIR" : "")
                << "\n";
    }
  }

  // Listening.
  net::io_context context(options.io_threads);
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(options.bind, ec);
  if (ec) throw InputError("--bind " + options.bind + ": not an IP address");
  if (options.port < 0 || options.port > 65535) throw InputError("--port must be between 0 and 65535");
  tcp::acceptor acceptor(context);
  auto listen = [&](int port) {
    ec.clear();
    if (acceptor.is_open()) acceptor.close();
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  };
  // --port 0 on a resumed game takes the port it had, so that the class's pages (which reconnect to the
  // address they were loaded from) find it again; another free port only if that one is taken.
  const int previous_port = options.port == 0 && !records.empty() ? SessionPort(dir) : 0;
  listen(previous_port > 0 ? previous_port : options.port);
  if (ec && previous_port > 0) {
    std::cerr << "reesim serve: warning: port " << previous_port << ", the game's before the restart, is taken ("
              << ec.message() << "): the class's pages must load the new address\n";
    listen(0);
  }
  if (ec) throw InputError("cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " + ec.message());
  const int port = acceptor.local_endpoint().port();
  const std::string url = "http://" + PrintableHost(options.bind) + ":" + std::to_string(port) + "/";

  // The port is listening (connections wait in its backlog): tell the teacher where and how.
  WriteSessionFile(dir, url, port, *game);
  if (!options.quiet) {
    std::cout << "reesim serve: " << (game->world().name.empty() ? "" : game->world().name + ", ") << game->rounds()
              << " rounds, " << game->seats().size() << " seats\n"
              << "  teams join at   " << url << " with their seat's code:";
    for (const int actor : game->seats()) std::cout << " " << game->world().actors[actor].id << "=" << game->join_code(actor);
    if (game->picking()) std::cout << "\n  or pick a seat  " << url << "#code=" << game->class_code() << "  (class code " << game->class_code() << ")";
    std::cout << "\n  teacher console " << url << "#teacher=" << game->teacher_token() << "  (keep it private)\n"
              << "  tokens and codes are in " << (dir / "session.json").string() << "; stop with Ctrl-C, start again "
              << "with the same --state to resume\n"
              << std::flush;
  }

  auto hub = std::make_shared<Hub>(options, std::move(game), std::move(journal));
  hub->set_join_url(url);
  hub->set_codes_changed([dir, url, port](const Game& changed) { WriteSessionFile(dir, url, port, changed); });
  auto listener = std::make_shared<Listener>(context, std::move(acceptor), hub);
  net::signal_set signals(context, SIGINT, SIGTERM);
  std::atomic<int> exit_code{0};
  signals.async_wait([&](const boost::system::error_code& signal_error, int) {
    if (signal_error) return;
    listener->Stop();
    context.stop();
  });
  hub->set_on_failure([&] {
    exit_code = 1;
    net::post(context, [&] { context.stop(); });
  });
  hub->StartGameThread();
  listener->Run();
  std::vector<std::thread> threads;
  for (int t = 1; t < options.io_threads; ++t) threads.emplace_back([&] { context.run(); });
  context.run();
  for (std::thread& thread : threads) thread.join();
  hub->Stop();
  hub->WriteStats();
  if (!options.quiet) std::cout << "reesim serve: stopped; the game is kept in " << dir.string() << "\n";
  return exit_code;
}

}  // namespace reesim::classroom
