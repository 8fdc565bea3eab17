// `reesim serve` through real WebSocket and HTTP clients (Boost.Beast's) on loopback, against the real
// program started as a child process: join, submit, acknowledgement, advance with results to every
// client, reconnection, refusals, oversized frames, kill -9 and restart with nothing acknowledged lost,
// a torn journal tail, the teacher's API, and a whole game played by bots ending in a debrief.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "classroom/journal.h"
#include "run/snapshot_io.h"
#include "tests/test_support.h"

namespace reesim::classroom {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A `reesim serve` process on a free port with its state in `dir`.
class Server {
 public:
  Server(const std::string& dir, std::vector<std::string> extra = {}) : dir_(dir) {
    std::filesystem::remove(dir + "/session.json");
    std::vector<std::string> args = {REESIM_BINARY, "serve", "--port", "0", "--state", dir, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log = dir + ".log";
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 600 && !std::filesystem::exists(dir + "/session.json"); ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("reesim serve exited: " << testing::FileBytes(log));
      }
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE_MESSAGE(std::filesystem::exists(dir + "/session.json"), testing::FileBytes(log));
    session_ = json::parse(testing::FileBytes(dir + "/session.json")).as_object();
    port_ = static_cast<int>(session_.at("port").as_int64());
  }
  ~Server() { Stop(SIGTERM); }
  void Kill() { Stop(SIGKILL); }
  void Stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  std::string teacher() const { return std::string(session_.at("teacher_token").as_string()); }
  std::string code(const std::string& actor) const { return std::string(session_.at("join_codes").at(actor).as_string()); }
  std::vector<std::string> actors() const {
    std::vector<std::string> out;
    for (const auto& [actor, code] : session_.at("join_codes").as_object()) out.emplace_back(actor);
    return out;
  }
  std::string log() const { return testing::FileBytes(dir_ + ".log"); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  json::object session_;
  int port_ = 0;
};

// A WebSocket client with timeouts.
class Client {
 public:
  explicit Client(int port, const std::string& origin = "") : ws_(context_) {
    tcp::resolver resolver(context_);
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& request) {
      if (!origin.empty()) request.set(http::field::origin, origin);
    }));
    ws_.read_message_max(64u << 20);
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    ws_.text(true);
  }
  void Send(const std::string& text) { ws_.write(net::buffer(text)); }
  void Send(const json::value& value) { Send(json::serialize(value)); }
  // The next message, or nullopt when the connection closed or nothing came within `timeout`.
  std::optional<json::object> Receive(std::chrono::milliseconds timeout = 10s) {
    std::optional<beast::error_code> result;
    buffer_.consume(buffer_.size());
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) { result = ec; });
    context_.restart();
    context_.run_for(timeout);
    if (!result) {
      beast::get_lowest_layer(ws_).cancel();
      context_.restart();
      context_.run();
      return std::nullopt;
    }
    if (*result) {
      closed_ = true;
      return std::nullopt;
    }
    return json::parse(beast::buffers_to_string(buffer_.data())).as_object();
  }
  // Reads until a message with this top-level key (skipping status, teacher_view, ...).
  json::object Until(const std::string& key, std::chrono::milliseconds timeout = 10s) {
    for (;;) {
      std::optional<json::object> message = Receive(timeout);
      REQUIRE_MESSAGE(message.has_value(), "no " << key << " message");
      if (message->contains(key)) return message->at(key).as_object();
      REQUIRE_MESSAGE(!message->contains("error"), json::serialize(*message));
    }
  }
  std::string ErrorCode(const json::value& request) {
    Send(request);
    for (;;) {
      std::optional<json::object> message = Receive();
      if (!message) return "no answer";
      if (message->contains("error")) return std::string(message->at("error").at("code").as_string());
      if (message->contains("ack") || message->contains("welcome")) return "accepted";
    }
  }
  bool closed() const { return closed_; }
  websocket::close_reason reason() const { return ws_.reason(); }

 private:
  net::io_context context_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool closed_ = false;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_security_policy;
};

HttpAnswer Get(int port, const std::string& target, const std::string& token = "") {
  net::io_context context;
  beast::tcp_stream stream(context);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  http::read(stream, buffer, parser);
  HttpAnswer answer;
  answer.status = parser.get().result_int();
  answer.body = parser.get().body();
  answer.content_security_policy = std::string(parser.get()["Content-Security-Policy"]);
  return answer;
}

json::value Join(const std::string& code, const std::string& name) {
  return json::object{{"join", json::object{{"code", code}, {"name", name}}}};
}
json::value Submit(const std::string& token, int round, const std::string& action) {
  return json::object{{"submit", json::object{{"token", token}, {"round", round}, {"action", action}}}};
}
json::value Teacher(const std::string& token, const std::string& command) {
  return json::object{{"teacher", json::object{{"token", token}, {"command", command}}}};
}
std::string Str(const json::value& value) { return std::string(value.as_string()); }
// Joins `client` to `actor`'s seat; returns the team token.
std::string TakeSeat(Client& client, const Server& server, const std::string& actor, const std::string& name) {
  client.Send(Join(server.code(actor), name));
  return Str(client.Until("welcome").at("token"));
}
std::int64_t Int(const json::object& object, const char* key) {
  return object.contains(key) ? object.at(key).to_number<std::int64_t>() : 0;
}

TEST_CASE("ClassroomServer.JoinSubmitAckAndAdvanceReachEveryClient") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client usa(server.port()), jpn(server.port()), teacher(server.port());
  usa.Send(Join(server.code("USA"), "Team 3"));
  const json::object welcome = usa.Until("welcome");
  CHECK(Str(welcome.at("actor")) == "USA");
  CHECK(Int(welcome, "round") == 0);
  CHECK(welcome.at("menu").as_array().size() >= 2);
  CHECK(Str(welcome.at("menu").as_array()[0].at("explanation")).size() > 5);
  const std::string token = Str(welcome.at("token"));
  CHECK(token.size() == 32);
  jpn.Send(Join(server.code("JPN"), "Team 4"));
  const std::string jpn_token = Str(jpn.Until("welcome").at("token"));

  usa.Send(Submit(token, 0, "tariff_china"));
  const json::object ack = usa.Until("ack");
  CHECK(Int(ack, "round") == 0);
  CHECK(Str(ack.at("action")) == "tariff_china");

  teacher.Send(Teacher(server.teacher(), "advance"));
  CHECK(Int(teacher.Until("ack"), "round") == 0);
  const json::object teacher_result = teacher.Until("round_result");
  const json::object usa_result = usa.Until("round_result");
  const json::object jpn_result = jpn.Until("round_result");
  CHECK(Str(usa_result.at("period")) == "2024Q1");
  CHECK(Str(usa_result.at("decisions").at("USA")) == "tariff_china");
  CHECK(Str(jpn_result.at("decisions").at("USA")) == "tariff_china");
  // Public data for all, private data for its owner only.
  CHECK(usa_result.at("metrics").as_object().contains("price.ndpr_oxide"));
  CHECK(usa_result.at("metrics").as_object().contains("payoff.USA"));
  CHECK(!usa_result.at("metrics").as_object().contains("payoff.JPN"));
  CHECK(!usa_result.at("metrics").as_object().contains("payoff.JPN.security"));
  CHECK(jpn_result.at("metrics").as_object().contains("payoff.JPN"));
  CHECK(!jpn_result.at("metrics").as_object().contains("payoff.USA"));
  CHECK(teacher_result.at("metrics").as_object().contains("payoff.CHN"));
  (void)jpn_token;
}

TEST_CASE("ClassroomServer.ATeamReconnectsWithItsToken") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  std::string token;
  {
    Client first(server.port());
    token = TakeSeat(first, server, "EU", "Europa");
    first.Send(Submit(token, 0, "recycle"));
    first.Until("ack");
  }
  Client again(server.port());
  again.Send(json::object{{"hello", json::object{{"token", token}}}});
  const json::object welcome = again.Until("welcome");
  CHECK(Str(welcome.at("actor")) == "EU");
  CHECK(Str(welcome.at("team")) == "Europa");
  CHECK(Str(welcome.at("submitted")) == "recycle");
  CHECK(again.Until("history").at("results").as_array().empty());
}

TEST_CASE("ClassroomServer.RefusedMessagesGetAnErrorAndTheConnectionStaysOpen") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client team(server.port());
  const std::string token = TakeSeat(team, server, "KOR", "K");
  CHECK(team.ErrorCode(Submit("00000000000000000000000000000000", 0, "open")) == "bad_token");
  CHECK(team.ErrorCode(json::object{{"submit", json::object{{"token", token}, {"round", 0}, {"action", "open"}, {"actor", "USA"}}}}) ==
        "wrong_actor");
  CHECK(team.ErrorCode(Submit(token, 0, "invade")) == "not_in_menu");
  CHECK(team.ErrorCode(Submit(token, 3, "open")) == "wrong_round");
  team.Send(std::string("{\"submit\": {\"token\": "));
  CHECK(team.Until("error").at("code") == "malformed");
  CHECK(team.ErrorCode(json::object{{"submit", json::object{{"token", token}, {"round", 0}, {"action", "open"}, {"colour", "red"}}}}) ==
        "malformed");
  CHECK(team.ErrorCode(json::object{{"teacher", json::object{{"token", token}, {"command", "advance"}}}}) == "bad_token");
  CHECK(team.ErrorCode(Join("ZZZZZZ", "x")) == "bad_code");
  // Nothing changed, and the connection still serves.
  CHECK(team.ErrorCode(Submit(token, 0, "recycle")) == "accepted");
  const HttpAnswer decisions = Get(server.port(), "/api/decisions", server.teacher());
  CHECK(decisions.body.find("\"KOR\":\"recycle\"") != std::string::npos);
  CHECK(decisions.body.find("open\"}") == std::string::npos);
}

TEST_CASE("ClassroomServer.AFloodIsRateLimitedAndTheRoundTimerPlaysTheRound") {
  testing::TempDir dir;
  Server server(dir.File("state"), {"--round-seconds", "1"});
  Client team(server.port());
  const std::string token = TakeSeat(team, server, "BRA", "B");
  for (int i = 0; i < 100; ++i) team.Send(json::object{{"hello", json::object{{"token", token}}}});
  int limited = 0, welcomes = 0;
  while (welcomes + limited < 100) {
    const std::optional<json::object> message = team.Receive();
    REQUIRE(message.has_value());
    if (message->contains("welcome")) ++welcomes;
    if (message->contains("error") && message->at("error").at("code") == "rate_limited") ++limited;
  }
  CHECK(limited > 0);
  CHECK(welcomes >= 30);  // a burst of twice the rate per second passes (less the join)
  // With a one-second timer, starting the game is enough: the round plays itself.
  Client teacher(server.port());
  teacher.Send(Teacher(server.teacher(), "start"));
  const auto started = std::chrono::steady_clock::now();
  CHECK(Int(team.Until("round_result", 5s), "round") == 0);
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);
}

TEST_CASE("ClassroomServer.AnOversizedFrameIsRefusedAndClosesOnlyItsConnection") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client other(server.port());
  const std::string token = TakeSeat(other, server, "IND", "I");
  Client big(server.port());
  big.Send(std::string(65 * 1024 + 1, ' '));
  const std::optional<json::object> error = big.Receive();
  REQUIRE(error.has_value());
  CHECK(error->at("error").at("code") == "too_large");
  CHECK(!big.Receive().has_value());
  CHECK(big.closed());
  CHECK(big.reason().code == websocket::close_code::too_big);
  CHECK(other.ErrorCode(Submit(token, 0, "stockpile")) == "accepted");
}

TEST_CASE("ClassroomServer.CrossOriginUpgradesAndTheApiWithoutTokenAreRefused") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  CHECK_THROWS(Client(server.port(), "http://evil.example"));
  Client same(server.port(), "http://127.0.0.1:" + std::to_string(server.port()));
  CHECK(Get(server.port(), "/api/decisions").status == 401);
  CHECK(Get(server.port(), "/api/snapshot", "wrong").status == 401);
  CHECK(Get(server.port(), "/api/decisions", server.teacher()).status == 200);
  const HttpAnswer page = Get(server.port(), "/");
  CHECK(page.status == 200);
  CHECK(page.body.find("<html") != std::string::npos);
  CHECK(page.content_security_policy.find("default-src 'self'") != std::string::npos);
  CHECK(Get(server.port(), "/nothing-here").status == 404);
}

TEST_CASE("ClassroomServer.KillNineLosesNothingAcknowledged") {
  testing::TempDir dir;
  const std::string state = dir.File("state");
  std::map<std::string, std::string> tokens;
  std::map<std::string, std::string> acknowledged;
  std::map<std::string, std::string> second_action;
  int rounds_acknowledged = 0;
  std::string teacher;
  {
    Server server(state);
    teacher = server.teacher();
    std::vector<std::unique_ptr<Client>> clients;
    const std::vector<std::string> actors = server.actors();
    for (const std::string& actor : actors) {
      clients.push_back(std::make_unique<Client>(server.port()));
      clients.back()->Send(Join(server.code(actor), "Team " + actor));
      const json::object welcome = clients.back()->Until("welcome");
      tokens[actor] = Str(welcome.at("token"));
      second_action[actor] = Str(welcome.at("menu").as_array().at(1).at("name"));
    }
    Client teacher_client(server.port());
    teacher_client.Send(Teacher(teacher, "advance"));
    if (Int(teacher_client.Until("ack"), "round") == 0) rounds_acknowledged = 1;
    // Everyone submits at once; the server is killed as soon as the last acknowledgement arrives.
    for (std::size_t i = 0; i < actors.size(); ++i) clients[i]->Send(Submit(tokens[actors[i]], 1, second_action[actors[i]]));
    for (std::size_t i = 0; i < actors.size(); ++i) {
      const json::object ack = clients[i]->Until("ack");
      acknowledged[actors[i]] = Str(ack.at("action"));
    }
    server.Kill();
  }
  Server again(state);
  CHECK(again.teacher() == teacher);
  const std::string decisions = Get(again.port(), "/api/decisions", teacher).body;
  const json::object parsed = json::parse(decisions).as_object();
  const json::array& rounds = parsed.at("rounds").as_array();
  REQUIRE(static_cast<int>(rounds.size()) == rounds_acknowledged + 1);
  const json::object& open = rounds.back().as_object();
  CHECK(Int(open, "round") == 1);
  for (const auto& [actor, action] : acknowledged) {
    REQUIRE_MESSAGE(open.at("decisions").as_object().contains(actor), actor);
    CHECK(Str(open.at("decisions").at(actor)) == action);
  }
  // A team reconnects with its token and finds its seat and decision.
  Client usa(again.port());
  usa.Send(json::object{{"hello", json::object{{"token", tokens.at("USA")}}}});
  const json::object welcome = usa.Until("welcome");
  CHECK(Int(welcome, "round") == 1);
  CHECK(Str(welcome.at("submitted")) == acknowledged.at("USA"));
  CHECK(usa.Until("history").at("results").as_array().size() == 1);
}

TEST_CASE("ClassroomServer.ATornJournalTailIsDroppedOnRestart") {
  testing::TempDir dir;
  const std::string state = dir.File("state");
  std::string token;
  {
    Server server(state);
    Client team(server.port());
    token = TakeSeat(team, server, "AUS", "Oz");
    team.Send(Submit(token, 0, "export_tax"));
    team.Until("ack");
    server.Kill();
  }
  // A record torn by the crash: its header says more bytes than were written.
  const std::string frame = FrameRecord(std::string(200, 'z'));
  {
    std::ofstream out(state + "/journal", std::ios::binary | std::ios::app);
    out << frame.substr(0, 50);
  }
  Server again(state);
  CHECK(again.log().find("torn") != std::string::npos);
  Client team(again.port());
  team.Send(json::object{{"hello", json::object{{"token", token}}}});
  CHECK(Str(team.Until("welcome").at("submitted")) == "export_tax");
  CHECK(team.ErrorCode(Submit(token, 0, "subsidise")) == "accepted");
}

TEST_CASE("ClassroomServer.BotsPlayAWholeGameToTheDebrief") {
  testing::TempDir dir;
  Server server(dir.File("state"), {"--rounds", "4"});
  const std::vector<std::string> actors = server.actors();
  std::vector<std::unique_ptr<Client>> bots;
  std::vector<std::string> tokens;
  std::vector<std::vector<std::string>> menus;
  for (const std::string& actor : actors) {
    bots.push_back(std::make_unique<Client>(server.port()));
    bots.back()->Send(Join(server.code(actor), "Bot " + actor));
    const json::object welcome = bots.back()->Until("welcome");
    tokens.push_back(Str(welcome.at("token")));
    menus.emplace_back();
    for (const json::value& item : welcome.at("menu").as_array()) menus.back().push_back(Str(item.at("name")));
  }
  Client teacher(server.port());
  teacher.Send(Teacher(server.teacher(), "start"));
  teacher.Until("ack");
  for (int round = 0; round < 4; ++round) {
    for (std::size_t b = 0; b < bots.size(); ++b) {
      const std::string& action = menus[b][(b + round) % menus[b].size()];
      bots[b]->Send(Submit(tokens[b], round, action));
      CHECK(Str(bots[b]->Until("ack").at("action")) == action);
    }
    teacher.Send(Teacher(server.teacher(), "advance"));
    for (auto& bot : bots) CHECK(Int(bot->Until("round_result"), "round") == round);
  }
  // The debrief at once, its counterfactual scores pending (the replays run off the game thread); then
  // the same debrief with them, to everyone.
  for (auto& bot : bots) {
    const json::object pending = bot->Until("debrief");
    CHECK(pending.at("replays_pending").as_bool());
    CHECK(pending.at("leaderboard").as_array().size() == actors.size());
    CHECK(pending.at("rounds").as_array().size() == 4);
    const json::object debrief = bot->Until("debrief", 120s);
    CHECK(!debrief.at("replays_pending").as_bool());
    CHECK(debrief.at("leaderboard").as_array().size() == actors.size());
    for (const json::value& entry : debrief.at("leaderboard").as_array()) CHECK(entry.as_object().contains("best_response_payoff"));
    CHECK(debrief.at("rounds") == pending.at("rounds"));
  }
  CHECK(teacher.Until("debrief").at("replays_pending").as_bool());
  const json::object debrief = teacher.Until("debrief", 120s);
  CHECK(!debrief.at("replays_pending").as_bool());
  // A console that connects now gets the debrief with its scores.
  Client late(server.port());
  late.Send(json::object{{"hello", json::object{{"token", server.teacher()}}}});
  CHECK(late.Until("debrief").at("leaderboard") == debrief.at("leaderboard"));
  const json::array& leaderboard = debrief.at("leaderboard").as_array();
  for (std::size_t i = 1; i < leaderboard.size(); ++i) {
    CHECK(leaderboard[i - 1].at("payoff").to_number<double>() >= leaderboard[i].at("payoff").to_number<double>());
  }
  CHECK(Str(debrief.at("rounds").as_array()[1].at("decisions").at(actors[0])) == menus[0][1 % menus[0].size()]);
  // The game's snapshot stream and decisions, as the teacher downloads them.
  const HttpAnswer snapshot = Get(server.port(), "/api/snapshot", server.teacher());
  CHECK(snapshot.status == 200);
  testing::WriteBytes(dir.File("game.pbs"), snapshot.body);
  const run::SnapshotFile file = run::ReadSnapshotFile(dir.File("game.pbs"));
  CHECK(file.complete);
  CHECK(file.round_data.size() == 4);
  // Downloads asked for together are replayed one after the other off the game thread, each from its
  // own file: the same bytes, and no file left behind in the state directory.
  {
    auto first = std::async(std::launch::async, [&] { return Get(server.port(), "/api/snapshot", server.teacher()); });
    auto second = std::async(std::launch::async, [&] { return Get(server.port(), "/api/snapshot", server.teacher()); });
    const HttpAnswer decisions = Get(server.port(), "/api/decisions", server.teacher());
    CHECK(decisions.status == 200);
    const HttpAnswer a = first.get();
    const HttpAnswer b = second.get();
    CHECK(a.status == 200);
    CHECK(b.status == 200);
    CHECK(a.body == snapshot.body);
    CHECK(b.body == snapshot.body);
    for (const auto& entry : std::filesystem::directory_iterator(dir.File("state"))) {
      CHECK_MESSAGE(!entry.path().filename().string().starts_with("snapshot"), entry.path().string());
    }
  }
  const HttpAnswer csv = Get(server.port(), "/api/decisions.csv", server.teacher());
  CHECK(csv.body.starts_with("round,period,actor,action,decided_by\n"));
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 1 + 4 * static_cast<long>(actors.size()));
  CHECK(teacher.ErrorCode(Teacher(server.teacher(), "advance")) == "game_over");
  // Replayed from the journal after the server stops: the snapshot the teacher downloaded, byte for
  // byte; each seat's best response replayed by the CLI is the debrief's figure.
  server.Stop(SIGTERM);
  const std::string replay = std::string(REESIM_BINARY) + " serve --replay " + dir.File("state") + " --snapshot " +
                             dir.File("replay.pbs") + " > " + dir.File("replay.txt") + " 2>&1";
  REQUIRE_MESSAGE(std::system(replay.c_str()) == 0, testing::FileBytes(dir.File("replay.txt")));
  CHECK(testing::FileBytes(dir.File("replay.pbs")) == snapshot.body);
  const json::object& first = leaderboard[0].as_object();
  const std::string swap = std::string(REESIM_BINARY) + " serve --replay " + dir.File("state") + " --swap " +
                           Str(first.at("actor")) + "=best_response --snapshot " + dir.File("swap.pbs") + " > " +
                           dir.File("swap.txt") + " 2>&1";
  REQUIRE_MESSAGE(std::system(swap.c_str()) == 0, testing::FileBytes(dir.File("swap.txt")));
  char figure[64];
  std::snprintf(figure, sizeof figure, "%16.1f\n", first.at("best_response_payoff").to_number<double>());
  CHECK_MESSAGE(testing::FileBytes(dir.File("swap.txt")).find(figure) != std::string::npos, testing::FileBytes(dir.File("swap.txt")));
}

json::value WhatIf(const std::string& token, const std::string& metric, int runs) {
  return json::object{{"teacher", json::object{{"token", token}, {"command", "what_if"},
                                               {"what_if", json::object{{"metric", metric}, {"runs", runs}}}}}};
}
std::vector<double> Doubles(const json::object& object, const char* key) {
  std::vector<double> out;
  if (!object.contains(key)) return out;
  for (const json::value& value : object.at(key).as_array()) out.push_back(value.to_number<double>());
  return out;
}

TEST_CASE("ClassroomServer.AWhatIfForksAnEnsembleAndTheFanFollowsTheClass") {
  testing::TempDir dir;
  Server server(dir.File("state"), {"--rounds", "6", "--what-if-threads", "2"});
  Client usa(server.port()), teacher(server.port()), other_teacher(server.port());
  const std::string token = TakeSeat(usa, server, "USA", "Team 1");
  usa.Send(Submit(token, 0, "tariff_china"));
  usa.Until("ack");
  teacher.Send(Teacher(server.teacher(), "advance"));
  teacher.Until("round_result");
  other_teacher.Send(Teacher(server.teacher(), "watch"));
  other_teacher.Until("teacher_view");

  // Teams cannot ask; a metric the game has not is refused and changes nothing.
  CHECK(usa.ErrorCode(WhatIf(token, "class_payoff", 8)) == "bad_token");
  teacher.Send(WhatIf(server.teacher(), "price.unobtainium", 8));
  for (;;) {
    const std::optional<json::object> message = teacher.Receive();
    REQUIRE(message.has_value());
    if (!message->contains("error")) continue;
    CHECK(Str(message->at("error").at("code")) == "bad_request");
    CHECK(Str(message->at("error").at("message")).find("metric") != std::string::npos);
    break;
  }

  // The ensemble: progress, then the fan, to every teacher console; a second request while it runs is
  // refused.
  teacher.Send(WhatIf(server.teacher(), "price.dy_oxide", 16));
  teacher.Send(WhatIf(server.teacher(), "price.dy_oxide", 16));
  int progress = 0;
  bool busy = false;
  json::object fan;
  for (;;) {
    const std::optional<json::object> message = teacher.Receive(120s);
    REQUIRE_MESSAGE(message.has_value(), "no what_if");
    if (message->contains("what_if_progress")) {
      const json::object& p = message->at("what_if_progress").as_object();
      CHECK(Int(p, "total") == 16);
      CHECK(Int(p, "done") <= 16);
      ++progress;
    } else if (message->contains("error")) {
      CHECK(Str(message->at("error").at("code")) == "server_busy");
      busy = true;
    } else if (message->contains("what_if")) {
      fan = message->at("what_if").as_object();
      break;
    }
  }
  CHECK(progress >= 2);
  CHECK(busy);
  CHECK(Int(fan, "id") == 1);
  CHECK(Str(fan.at("metric")) == "price.dy_oxide");
  CHECK(Int(fan, "from_round") == 1);
  CHECK(Int(fan, "runs") == 16);
  CHECK(fan.at("rounds").as_array().size() == 5);
  CHECK(Str(fan.at("held").as_array()[0]) == "USA=tariff_china");
  CHECK(fan.at("parameters").as_array().size() > 10);
  const std::vector<double> p5 = Doubles(fan, "p5"), p50 = Doubles(fan, "p50"), p95 = Doubles(fan, "p95");
  REQUIRE(p5.size() == 5);
  for (std::size_t k = 0; k < 5; ++k) {
    CHECK(p5[k] <= p50[k]);
    CHECK(p50[k] <= p95[k]);
  }
  CHECK(p95[4] > p5[4]);
  CHECK(Doubles(fan, "actual").size() == 1);  // the round played so far
  CHECK(other_teacher.Until("what_if", 60s).at("p50") == fan.at("p50"));

  // The same state and request: the same bands (the next id).
  teacher.Send(WhatIf(server.teacher(), "price.dy_oxide", 16));
  const json::object again = teacher.Until("what_if", 120s);
  CHECK(Int(again, "id") == 2);
  for (const char* band : {"p5", "p25", "p50", "p75", "p95"}) CHECK(again.at(band) == fan.at(band));

  // The class plays on: the fan comes again with the class's path overlaid.
  teacher.Send(Teacher(server.teacher(), "advance"));
  const json::object overlaid = teacher.Until("what_if");
  CHECK(Int(overlaid, "id") == 2);
  CHECK(Doubles(overlaid, "actual").size() == 2);
  CHECK(overlaid.at("p50") == fan.at("p50"));
  // A teacher console that reconnects gets the last fan.
  Client late(server.port());
  late.Send(json::object{{"hello", json::object{{"token", server.teacher()}}}});
  CHECK(Doubles(late.Until("what_if"), "actual").size() == 2);

  // The same state on one thread, in a server resumed from the journal: the same fan.
  late.Send(WhatIf(server.teacher(), "class_payoff", 8));
  const json::object two_threads = late.Until("what_if", 120s);
  CHECK(Int(two_threads, "from_round") == 2);
  server.Stop(SIGTERM);
  Server resumed(dir.File("state"), {"--what-if-threads", "1"});
  Client again_teacher(resumed.port());
  again_teacher.Send(WhatIf(resumed.teacher(), "class_payoff", 8));
  const json::object one_thread = again_teacher.Until("what_if", 120s);
  CHECK(Int(one_thread, "id") == 1);
  for (const char* band : {"p5", "p25", "p50", "p75", "p95", "actual"}) CHECK(one_thread.at(band) == two_threads.at(band));
}

TEST_CASE("ClassroomServer.ServeHelpExplainsEveryOptionAndBadFlagsExitTwo") {
  testing::TempDir dir;
  const std::string help = dir.File("help");
  REQUIRE(std::system((std::string(REESIM_BINARY) + " serve --help > " + help).c_str()) == 0);
  const std::string text = testing::FileBytes(help);
  for (const char* option : {"--scenario", "--bind", "--port", "--state", "--round-seconds", "--rounds", "--seed",
                             "--max-connections", "--what-if-threads", "--stats", "--quiet", "--replay", "--swap", "--snapshot"}) {
    CHECK_MESSAGE(text.find(option) != std::string::npos, option);
  }
  const std::string command = std::string(REESIM_BINARY) + " serve --port 70000 --state " + dir.File("x") + " 2> " + dir.File("err");
  const int status = std::system(command.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(testing::FileBytes(dir.File("err")).starts_with("reesim: error: --port"));
}

}  // namespace
}  // namespace reesim::classroom
