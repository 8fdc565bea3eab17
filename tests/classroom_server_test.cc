// `reesim serve` through real WebSocket and HTTP clients (Boost.Beast's) on loopback, against the real
// program started as a child process: join, submit, acknowledgement, advance with results to every
// client, reconnection, refusals, oversized frames, kill -9 and restart with nothing acknowledged lost,
// a torn journal tail, the teacher's API, and a whole game played by bots ending in a debrief; pause and
// resume, the timer command, broadcasts, the connection cap, the idle timeout, a client that stops
// reading (on a bare socket) dropped without slowing the others, and a pending decision and private
// metrics kept from the other teams on the wire.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
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
#include <sstream>
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
    // A restarted server reads the last session.json (the port to take again): wait for a new file
    // (the server writes a temporary and renames it, so a new inode) rather than removing the old.
    const std::string session = dir + "/session.json";
    auto inode = [&session] {
      struct stat info {};
      return ::stat(session.c_str(), &info) == 0 ? info.st_ino : ino_t{0};
    };
    const ino_t before = inode();
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
    for (int i = 0; i < 600 && (inode() == 0 || inode() == before); ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("reesim serve exited: " << testing::FileBytes(log));
      }
      std::this_thread::sleep_for(20ms);
    }
    const bool written = inode() != 0 && inode() != before;
    REQUIRE_MESSAGE(written, testing::FileBytes(log));
    session_ = json::parse(testing::FileBytes(session)).as_object();
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
  // One message as `parts` frames (a continuation per part after the first).
  void SendInFragments(const std::string& text, std::size_t parts) {
    const std::size_t size = (text.size() + parts - 1) / parts;
    for (std::size_t at = 0; at < text.size(); at += size) {
      ws_.write_some(at + size >= text.size(), net::buffer(text.data() + at, std::min(size, text.size() - at)));
    }
  }
  void Send(const json::value& value) { Send(json::serialize(value)); }
  // The next message, or nullopt when the connection closed or nothing came within `timeout`. A read
  // that times out stays pending (the connection stays usable: the next call goes on waiting for it).
  std::optional<json::object> Receive(std::chrono::milliseconds timeout = 10s) {
    if (closed_) return std::nullopt;
    if (!reading_) {
      buffer_.consume(buffer_.size());
      result_.reset();
      reading_ = true;
      ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) { result_ = ec; });
    }
    context_.restart();
    context_.run_for(timeout);
    if (!result_) return std::nullopt;
    reading_ = false;
    if (*result_) {
      closed_ = true;
      return std::nullopt;
    }
    last_text_ = beast::buffers_to_string(buffer_.data());
    return json::parse(last_text_).as_object();
  }
  // Every message that comes within `period` (fewer if the connection closes); reading answers the
  // server's pings.
  std::vector<json::object> ReadFor(std::chrono::milliseconds period) {
    std::vector<json::object> out;
    const auto deadline = std::chrono::steady_clock::now() + period;
    for (auto now = std::chrono::steady_clock::now(); now < deadline && !closed_; now = std::chrono::steady_clock::now()) {
      if (auto message = Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms)) {
        out.push_back(std::move(*message));
      }
    }
    return out;
  }
  // Reads until a message with this top-level key whose object satisfies `match`.
  template <class Match>
  json::object UntilMatch(const std::string& key, Match match, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const json::object found = Until(key, std::max(left, std::chrono::milliseconds(1)));
      if (match(found)) return found;
    }
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
  // The last message received, as sent.
  const std::string& last_text() const { return last_text_; }
  ~Client() {
    if (!reading_) return;
    beast::get_lowest_layer(ws_).cancel();
    context_.restart();
    context_.run();
  }

 private:
  net::io_context context_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool reading_ = false;
  std::optional<beast::error_code> result_;
  bool closed_ = false;
  std::string last_text_;
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

json::value Command(const std::string& token, const std::string& command, json::object fields) {
  fields["token"] = token;
  fields["command"] = command;
  return json::object{{"teacher", std::move(fields)}};
}
// The seat `actor` in a teacher_view.
json::object Seat(const json::object& view, const std::string& actor) {
  for (const json::value& seat : view.at("seats").as_array()) {
    if (seat.at("actor") == actor.c_str()) return seat.as_object();
  }
  FAIL("no seat " << actor << " in the teacher view");
  return {};
}
std::chrono::milliseconds Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// A WebSocket client written on a bare socket, so that it can do what Beast's would not: stop reading (and
// so never answer a ping), with a receive buffer as small as asked for before connecting.
class RawWebSocket {
 public:
  struct Message {
    int opcode = 0;  // 1 text, 8 close, 9 ping, 10 pong
    std::string payload;
  };

  // `receive_buffer` (SO_RCVBUF) and `max_segment` (TCP_MAXSEG: the segment size the client announces,
  // from which the server's kernel sizes its send buffer), if not 0, are set before connecting.
  explicit RawWebSocket(int port, int receive_buffer = 0, int max_segment = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (receive_buffer > 0) REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) == 0);
    if (max_segment > 0) REQUIRE(::setsockopt(fd_, IPPROTO_TCP, TCP_MAXSEG, &max_segment, sizeof max_segment) == 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    WriteAll("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n");
    // The answer's head, a byte at a time: not one byte of what follows it is read.
    std::string head;
    while (!head.ends_with("\r\n\r\n")) {
      char c = 0;
      REQUIRE_MESSAGE(ReadSome(&c, 1, 5000) == 1, "the upgrade was not answered: " << head);
      head += c;
    }
    REQUIRE_MESSAGE(head.starts_with("HTTP/1.1 101"), head);
  }
  ~RawWebSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawWebSocket(const RawWebSocket&) = delete;
  RawWebSocket& operator=(const RawWebSocket&) = delete;

  // One masked text frame, as a client must send it.
  void SendText(const std::string& text) {
    std::string frame(1, static_cast<char>(0x81));
    const std::size_t n = text.size();
    if (n < 126) {
      frame += static_cast<char>(0x80 | n);
    } else {
      REQUIRE(n < 65536);
      frame += static_cast<char>(0x80 | 126);
      frame += static_cast<char>(n >> 8);
      frame += static_cast<char>(n & 0xff);
    }
    const char mask[4] = {0x1b, 0x2c, 0x3d, 0x4e};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) frame += static_cast<char>(text[i] ^ mask[i % 4]);
    WriteAll(frame);
  }
  void Send(const json::value& value) { SendText(json::serialize(value)); }
  // Answers the server's close frame (masked, code 1000) and ends the stream, as a browser does.
  void Close() {
    WriteAll(std::string("\x88\x82\x00\x00\x00\x00\x03\xe8", 8));
    ::shutdown(fd_, SHUT_WR);
  }

  int local_port() const {
    sockaddr_in address{};
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    return ntohs(address.sin_port);
  }
  // Whether the server closed the connection (FIN or reset) within `timeout`, found without reading.
  bool PeerClosed(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLRDHUP, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

  // Reads messages (fragments joined) until a close frame, the end of the stream or `timeout` without a
  // byte; `eof` tells whether the stream ended.
  std::vector<Message> ReadMessages(std::chrono::milliseconds timeout, bool& eof) {
    std::vector<Message> out;
    Message partial;
    eof = false;
    for (;;) {
      unsigned char header[2];
      if (!ReadExactly(header, 2, timeout, eof)) return out;
      const int opcode = header[0] & 0x0f;
      const bool fin = (header[0] & 0x80) != 0;
      std::uint64_t length = header[1] & 0x7f;
      if (length >= 126) {
        unsigned char extended[8];
        const std::size_t bytes = length == 126 ? 2 : 8;
        if (!ReadExactly(extended, bytes, timeout, eof)) return out;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | extended[i];
      }
      std::string payload(length, '\0');
      if (length > 0 && !ReadExactly(payload.data(), length, timeout, eof)) return out;
      if (opcode == 0) {
        partial.payload += payload;
      } else {
        partial = Message{opcode, std::move(payload)};
      }
      if (!fin) continue;
      out.push_back(std::move(partial));
      partial = Message{};
      if (out.back().opcode == 8) return out;
    }
  }

 private:
  void WriteAll(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  // Up to `size` bytes; 0 at the end of the stream or after `timeout_ms` without any.
  std::size_t ReadSome(void* data, std::size_t size, int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return 0;
    const ssize_t n = ::recv(fd_, data, size, 0);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  bool ReadExactly(void* data, std::size_t size, std::chrono::milliseconds timeout, bool& eof) {
    auto* bytes = static_cast<char*>(data);
    std::size_t done = 0;
    while (done < size) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
      const ssize_t n = ::recv(fd_, bytes + done, size - done, 0);
      if (n <= 0) {
        eof = true;
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  int fd_ = -1;
};

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
  std::size_t size = 0;
  SUBCASE("64 KiB and a byte") { size = 64 * 1024 + 1; }
  SUBCASE("4 MiB") { size = 4u << 20; }
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client other(server.port());
  const std::string token = TakeSeat(other, server, "IND", "I");
  // Just over the limit, and far over it (read piece by piece, refused once past the limit: the same answer).
  Client big(server.port());
  big.Send(std::string(size, ' '));
  const std::optional<json::object> error = big.Receive();
  REQUIRE(error.has_value());
  CHECK(error->at("error").at("code") == "too_large");
  CHECK(!big.Receive().has_value());
  CHECK(big.closed());
  CHECK(big.reason().code == websocket::close_code::too_big);
  CHECK(other.ErrorCode(Submit(token, 0, "stockpile")) == "accepted");
}

// A message may come in several frames (browsers and proxies fragment): read whole, then handled.
TEST_CASE("ClassroomServer.AMessageInFragmentsIsReadWhole") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client team(server.port());
  team.SendInFragments(json::serialize(Join(server.code("USA"), "Fragments")), 5);
  CHECK(Str(team.Until("welcome").at("team")) == "Fragments");
}

// The teacher releases a seat: every device of its team is told and from then on speaks for nobody
// (no round results, its token refused); session.json has the seat's new code, which a new team uses.
TEST_CASE("ClassroomServer.AReleasedSeatsDevicesAreToldAndHearNothingMoreOfIt") {
  testing::TempDir dir;
  const std::string state = dir.File("state");
  Server server(state);
  const std::string t = server.teacher();
  Client laptop(server.port()), phone(server.port()), other(server.port()), teacher(server.port());
  const std::string token = TakeSeat(laptop, server, "USA", "Wrong team");
  phone.Send(Join(server.code("USA"), "Wrong team"));
  CHECK(Str(phone.Until("welcome").at("token")) == token);
  TakeSeat(other, server, "JPN", "J");
  teacher.Send(Command(t, "release", {{"actor", "USA"}}));
  CHECK(Str(teacher.Until("ack").at("command")) == "release");
  for (Client* device : {&laptop, &phone}) {
    std::string code = "nothing";
    for (auto message = device->Receive(5s); message; message = device->Receive(5s)) {
      if (!message->contains("error")) continue;
      code = Str(message->at("error").at("code"));
      break;
    }
    CHECK(code == "released");
  }
  const json::object session = json::parse(testing::FileBytes(state + "/session.json")).as_object();
  const std::string new_code = Str(session.at("join_codes").at("USA"));
  CHECK(new_code != server.code("USA"));

  teacher.Send(Teacher(t, "advance"));
  CHECK(Int(other.Until("round_result"), "round") == 0);
  for (Client* device : {&laptop, &phone}) {
    for (const json::object& message : device->ReadFor(500ms)) CHECK_MESSAGE(!message.contains("round_result"), json::serialize(message));
  }
  CHECK(laptop.ErrorCode(json::object{{"hello", json::object{{"token", token}}}}) == "bad_token");
  CHECK(phone.ErrorCode(Submit(token, 1, "open")) == "bad_token");
  Client right(server.port());
  right.Send(Join(new_code, "Right team"));
  const json::object welcome = right.Until("welcome");
  CHECK(Str(welcome.at("actor")) == "USA");
  CHECK(Str(welcome.at("token")) != token);
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
  int port = 0;
  {
    Server server(state);
    teacher = server.teacher();
    port = server.port();
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
  std::optional<Server> again_holder;
  SUBCASE("on its port") {
    again_holder.emplace(state);
    CHECK(again_holder->port() == port);  // --port 0 takes the game's port again: the class's pages reconnect to it
  }
  SUBCASE("its port taken meanwhile") {
    net::io_context context;
    tcp::acceptor squatter(context, tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    again_holder.emplace(state);
    CHECK(again_holder->port() != port);
    CHECK(again_holder->log().find("port " + std::to_string(port) + ", the game's before the restart, is taken") != std::string::npos);
  }
  Server& again = *again_holder;
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
                             "--max-connections", "--idle-seconds", "--max-queue-messages", "--max-queue-bytes", "--what-if-threads",
                             "--stats", "--quiet", "--replay", "--swap", "--snapshot"}) {
    CHECK_MESSAGE(text.find(option) != std::string::npos, option);
  }
  const std::string command = std::string(REESIM_BINARY) + " serve --port 70000 --state " + dir.File("x") + " 2> " + dir.File("err");
  const int status = std::system(command.c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(testing::FileBytes(dir.File("err")).starts_with("reesim: error: --port"));
  for (const std::string& bad : std::vector<std::string>{"--idle-seconds 0", "--idle-seconds -1", "--idle-seconds nan", "--max-queue-messages 0",
                                "--max-queue-messages -5", "--max-queue-bytes 0", "--max-connections 0"}) {
    const std::string flag = bad.substr(0, bad.find(' '));
    const int code = std::system((std::string(REESIM_BINARY) + " serve " + bad + " --state " + dir.File("x") + " 2> " + dir.File("err")).c_str());
    CHECK_MESSAGE(WEXITSTATUS(code) == 2, bad);
    CHECK_MESSAGE(testing::FileBytes(dir.File("err")).starts_with("reesim: error: " + flag + " must be"), bad);
  }
  CHECK(!std::filesystem::exists(dir.File("x")));  // refused before anything was created
}

TEST_CASE("ClassroomServer.PauseHoldsTheGameAndResumeGoesOn") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client usa(server.port()), teacher(server.port());
  const std::string token = TakeSeat(usa, server, "USA", "Team 1");
  const std::string t = server.teacher();
  auto phase_is = [](const char* phase) { return [phase](const json::object& o) { return o.at("phase") == phase; }; };
  // Nothing to pause or resume in the lobby.
  CHECK(teacher.ErrorCode(Teacher(t, "pause")) == "wrong_phase");
  CHECK(teacher.ErrorCode(Teacher(t, "resume")) == "wrong_phase");
  teacher.Send(Teacher(t, "start"));
  CHECK(Str(teacher.Until("ack").at("command")) == "start");
  CHECK(Str(usa.Until("status").at("phase")) == "running");
  CHECK(teacher.ErrorCode(Teacher(t, "resume")) == "wrong_phase");

  // Paused: every client is told, the console too.
  teacher.Send(Teacher(t, "pause"));
  const json::object ack = teacher.Until("ack");
  CHECK(Str(ack.at("command")) == "pause");
  CHECK(Int(ack, "round") == 0);
  CHECK(Str(teacher.Until("teacher_view").at("phase")) == "paused");
  const json::object paused = usa.Until("status");
  CHECK(Str(paused.at("phase")) == "paused");
  CHECK(Int(paused, "round") == 0);
  CHECK(teacher.ErrorCode(Teacher(t, "pause")) == "wrong_phase");
  // A team may still decide while paused (Game::Handle refuses a submit only once the game has ended),
  // and a reconnecting team is told the phase.
  usa.Send(Submit(token, 0, "stockpile"));
  CHECK(Str(usa.Until("ack").at("action")) == "stockpile");
  {
    Client again(server.port());
    again.Send(json::object{{"hello", json::object{{"token", token}}}});
    const json::object welcome = again.Until("welcome");
    CHECK(Str(welcome.at("phase")) == "paused");
    CHECK(Str(welcome.at("submitted")) == "stockpile");
  }
  // The teacher may still advance by hand: the round is played with the decision, and the game stays
  // paused for the next one.
  teacher.Send(Teacher(t, "advance"));
  CHECK(Int(teacher.Until("ack"), "round") == 0);
  const json::object result = usa.Until("round_result");
  CHECK(Int(result, "round") == 0);
  CHECK(Str(result.at("decisions").at("USA")) == "stockpile");
  const json::object after = usa.Until("status");
  CHECK(Str(after.at("phase")) == "paused");
  CHECK(Int(after, "round") == 1);
  CHECK(Int(teacher.UntilMatch("teacher_view", phase_is("paused")), "round") == 1);

  // Resume: running again, at the open round.
  teacher.Send(Teacher(t, "resume"));
  CHECK(Str(teacher.Until("ack").at("command")) == "resume");
  const json::object resumed = usa.Until("status");
  CHECK(Str(resumed.at("phase")) == "running");
  CHECK(Int(resumed, "round") == 1);
  CHECK(Int(teacher.UntilMatch("teacher_view", phase_is("running")), "round") == 1);
  CHECK(teacher.ErrorCode(Teacher(t, "resume")) == "wrong_phase");
}

TEST_CASE("ClassroomServer.TheTimerCommandPlaysRoundsByItselfUntilSetToZero") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client usa(server.port()), teacher(server.port());
  TakeSeat(usa, server, "USA", "Team 1");
  const std::string t = server.teacher();
  for (const json::value& seconds : {json::value(-1), json::value(86401), json::value("NaN"), json::value("Infinity")}) {
    CHECK_MESSAGE(teacher.ErrorCode(Command(t, "timer", {{"seconds", seconds}})) == "malformed", json::serialize(seconds));
  }
  teacher.Send(Teacher(t, "start"));
  teacher.Until("ack");
  CHECK(usa.Until("status").at("seconds_left").to_number<double>() == 0);  // no timer yet

  // One second: the open round plays itself, then the next, with no advance.
  teacher.Send(Command(t, "timer", {{"seconds", 1}}));
  const auto set = std::chrono::steady_clock::now();
  CHECK(Str(teacher.Until("ack").at("command")) == "timer");
  const double left = usa.Until("status").at("seconds_left").to_number<double>();
  CHECK(left > 0.5);
  CHECK(left <= 1.0);
  // (The view sent with the ack still says 0 left: Hub::Synced greets the sender before it restarts the
  // timer; the one sent after all answers has the new deadline.)
  teacher.UntilMatch("teacher_view", [](const json::object& v) {
    return v.at("round_seconds").to_number<double>() == 1 && v.at("seconds_left").to_number<double>() > 0;
  });
  CHECK(Int(usa.Until("round_result", 5s), "round") == 0);
  CHECK(Since(set) >= 900ms);
  CHECK(Int(usa.Until("round_result", 5s), "round") == 1);
  CHECK(Since(set) >= 1800ms);
  CHECK(Since(set) < 5s);

  // Zero: no timer; the status says so and no round is played by itself.
  teacher.Send(Command(t, "timer", {{"seconds", 0}}));
  CHECK(Str(teacher.Until("ack").at("command")) == "timer");
  const json::object stopped = usa.UntilMatch("status", [](const json::object& s) { return s.at("seconds_left").to_number<double>() == 0; });
  const std::int64_t open = Int(stopped, "round");
  CHECK(open >= 2);
  for (const json::object& message : usa.ReadFor(1200ms)) CHECK_MESSAGE(!message.contains("round_result"), json::serialize(message));
  // The decisions API agrees: the rounds played are the ones before the open round.
  const json::object decisions = json::parse(Get(server.port(), "/api/decisions", t).body).as_object();
  CHECK(static_cast<std::int64_t>(decisions.at("rounds").as_array().size()) == open);
}

TEST_CASE("ClassroomServer.ABroadcastReachesEveryConnectionAndOnlyTheTeacherSendsOne") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client usa(server.port()), jpn(server.port()), teacher(server.port()), console(server.port()), anonymous(server.port());
  const std::string usa_token = TakeSeat(usa, server, "USA", "Team 1");
  TakeSeat(jpn, server, "JPN", "Team 2");
  const std::string t = server.teacher();
  console.Send(Teacher(t, "watch"));
  console.Until("teacher_view");
  CHECK(anonymous.ErrorCode(json::object{}) == "malformed");  // so that the server has it registered

  CHECK(teacher.ErrorCode(Command(t, "broadcast", {{"text", ""}})) == "malformed");
  CHECK(teacher.ErrorCode(Command(t, "broadcast", {{"text", " \n\t "}})) == "malformed");
  CHECK(teacher.ErrorCode(Command(t, "broadcast", {})) == "malformed");
  CHECK(usa.ErrorCode(Command(usa_token, "broadcast", {{"text", "we won"}})) == "bad_token");

  const std::string text = "Markets close in 2 minutes \xE2\x80\x94 decide now";
  teacher.Send(Command(t, "broadcast", {{"text", text}}));
  CHECK(Str(teacher.Until("ack").at("command")) == "broadcast");
  // The refused ones sent nothing: each client's first broadcast is this one.
  for (Client* client : {&usa, &jpn, &teacher, &console, &anonymous}) CHECK(Str(client->Until("broadcast").at("text")) == text);
  // A long text is cut to 500 bytes, control characters dropped.
  teacher.Send(Command(t, "broadcast", {{"text", "a\x01" + std::string(600, 'b')}}));
  const std::string cut = Str(jpn.Until("broadcast").at("text"));
  CHECK(cut.size() == 500);
  CHECK(cut.starts_with("ab"));
}

TEST_CASE("ClassroomServer.ConnectionsOverTheCapAreClosedAndTheOthersServe") {
  testing::TempDir dir;
  Server server(dir.File("state"), {"--max-connections", "3"});
  auto usa = std::make_unique<Client>(server.port());
  auto jpn = std::make_unique<Client>(server.port());
  auto teacher = std::make_unique<Client>(server.port());
  const std::string usa_token = TakeSeat(*usa, server, "USA", "Team 1");
  TakeSeat(*jpn, server, "JPN", "Team 2");
  teacher->Send(Teacher(server.teacher(), "watch"));
  teacher->Until("teacher_view");
  // A fourth is accepted by the kernel, then closed at once: its upgrade gets no answer, nor does a GET.
  CHECK_THROWS(Client(server.port()));
  CHECK_THROWS(Get(server.port(), "/"));
  CHECK_THROWS(Client(server.port()));
  // The three keep working.
  usa->Send(Submit(usa_token, 0, "recycle"));
  CHECK(Str(usa->Until("ack").at("action")) == "recycle");
  teacher->Send(Teacher(server.teacher(), "advance"));
  CHECK(Str(jpn->Until("round_result").at("decisions").at("USA")) == "recycle");
  CHECK(Int(usa->Until("round_result"), "round") == 0);
  // One leaves: its slot is free again (once the server has seen it go), for one connection only.
  jpn.reset();
  std::unique_ptr<Client> again;
  const auto left = std::chrono::steady_clock::now();
  while (!again && Since(left) < 5s) {
    try {
      again = std::make_unique<Client>(server.port());
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);
    }
  }
  REQUIRE_MESSAGE(again, "no connection accepted after one closed");
  MESSAGE("a slot was free again " << Since(left).count() << " ms after a client left");
  again->Send(Join(server.code("JPN"), "Team 2"));
  CHECK(Str(again->Until("welcome").at("actor")) == "JPN");
  CHECK(again->Until("history").at("results").as_array().size() == 1);
  CHECK_THROWS(Client(server.port()));
  CHECK(usa->ErrorCode(Submit(usa_token, 1, "open")) == "accepted");
}

TEST_CASE("ClassroomServer.ASilentWebSocketIsClosedAfterIdleSecondsAndOneThatAnswersPingsIsNot") {
  testing::TempDir dir;
  // 2 s, not less: a live client on a loaded machine must get to answer the ping (sent after 1 s) in time.
  Server server(dir.File("state"), {"--idle-seconds", "2"});
  Client teacher(server.port());
  teacher.Send(Teacher(server.teacher(), "watch"));
  teacher.Until("teacher_view");
  auto usa = std::make_unique<Client>(server.port());
  TakeSeat(*usa, server, "USA", "Live");
  RawWebSocket silent(server.port());
  silent.Send(Join(server.code("JPN"), "Silent"));
  const auto joined = std::chrono::steady_clock::now();
  // The console sees both seats connected.
  teacher.UntilMatch("teacher_view", [](const json::object& v) {
    return Int(Seat(v, "USA"), "connected") == 1 && Int(Seat(v, "JPN"), "connected") == 1;
  });
  // The live client reads (so Beast answers the pings) for two and a half idle periods, on a thread of its own;
  // the silent one reads nothing after the upgrade.
  auto live = std::async(std::launch::async, [&] { return usa->ReadFor(5000ms); });
  auto silent_closed = std::async(std::launch::async, [&] { return silent.PeerClosed(8000ms) ? Since(joined) : -1ms; });
  // The console (reading, so answering pings too) sees the silent seat go and the live one stay.
  const json::object view = teacher.UntilMatch("teacher_view", [](const json::object& v) { return Int(Seat(v, "JPN"), "connected") == 0; }, 8s);
  CHECK(Int(Seat(view, "USA"), "connected") == 1);
  const std::chrono::milliseconds closed_after = silent_closed.get();
  MESSAGE("the silent connection was closed " << closed_after.count() << " ms after its last message");
  CHECK(closed_after >= 1900ms);
  CHECK(closed_after < 6000ms);
  // The console goes on reading (and answering pings) while the live client does.
  while (live.wait_for(0ms) != std::future_status::ready) teacher.ReadFor(100ms);
  live.get();
  CHECK(!usa->closed());
  CHECK(!teacher.closed());
  // Still served after two and a half idle periods: the live client's seat is connected and it is answered.
  teacher.Send(Teacher(server.teacher(), "watch"));
  CHECK(Int(Seat(teacher.Until("teacher_view"), "USA"), "connected") == 1);
  CHECK(usa->ErrorCode(Join(server.code("USA"), "Live")) == "accepted");
}

TEST_CASE("ClassroomServer.APendingDecisionAndPrivateMetricsNeverReachAnotherTeam") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  const std::string t = server.teacher();
  Client chn(server.port()), usa(server.port()), teacher(server.port());
  const std::string chn_token = TakeSeat(chn, server, "CHN", "Beijing");
  teacher.Send(Teacher(t, "watch"));
  teacher.Until("teacher_view");
  // Every message USA gets from its join to the advance, as sent.
  std::vector<std::string> to_usa;
  auto usa_until = [&](Client& client, const std::string& key) {
    for (;;) {
      const std::optional<json::object> message = client.Receive();
      REQUIRE_MESSAGE(message.has_value(), "no " << key);
      to_usa.push_back(client.last_text());
      if (message->contains(key)) return message->at(key).as_object();
    }
  };
  usa.Send(Join(server.code("USA"), "Washington"));
  const std::string usa_token = Str(usa_until(usa, "welcome").at("token"));
  usa_until(usa, "history");

  // China decides for the open round with an action on no other seat's menu.
  chn.Send(Submit(chn_token, 0, "license_heavy"));
  CHECK(Str(chn.Until("ack").at("action")) == "license_heavy");
  // The console sees that China has decided (not what), the United States not yet.
  const json::object view = teacher.UntilMatch("teacher_view", [](const json::object& v) { return Seat(v, "CHN").at("submitted").as_bool(); });
  CHECK(!Seat(view, "USA").at("submitted").as_bool());
  CHECK(Str(Seat(view, "USA").at("team")) == "Washington");

  // What the United States gets meanwhile: its own ack, a status (the count of decisions, not whose), a
  // broadcast, a welcome and history on a second device, refusals of the teacher's commands.
  usa.Send(Submit(usa_token, 0, "open"));
  usa_until(usa, "ack");
  teacher.Send(Command(t, "timer", {{"seconds", 0}}));
  CHECK(Int(usa_until(usa, "status"), "submitted") == 2);
  teacher.Send(Command(t, "broadcast", {{"text", "two decisions in"}}));
  usa_until(usa, "broadcast");
  usa.Send(Teacher(usa_token, "watch"));
  CHECK(Str(usa_until(usa, "error").at("code")) == "bad_token");
  {
    Client second(server.port());
    second.Send(json::object{{"hello", json::object{{"token", usa_token}}}});
    CHECK(Str(usa_until(second, "welcome").at("submitted")) == "open");
    usa_until(second, "history");
  }
  for (const std::string& text : to_usa) {
    CHECK_MESSAGE(text.find("license_heavy") == std::string::npos, text);
    CHECK_MESSAGE(text.find("payoff.CHN") == std::string::npos, text);
    CHECK_MESSAGE(text.find("stockpile.CHN") == std::string::npos, text);
    CHECK_MESSAGE(text.find("teacher_view") == std::string::npos, text);
    CHECK_MESSAGE(text.find(chn_token) == std::string::npos, text);
    CHECK_MESSAGE(text.find(t) == std::string::npos, text);
  }
  to_usa.clear();

  // Played: China's policy is public once in force; its payoff and stockpile are still its own.
  teacher.Send(Teacher(t, "advance"));
  const json::object all = teacher.Until("round_result");
  const json::object result = usa_until(usa, "round_result");
  CHECK(Str(result.at("decisions").at("CHN")) == "license_heavy");
  CHECK(Str(result.at("decisions").at("USA")) == "open");
  const json::object& metrics = result.at("metrics").as_object();
  CHECK(metrics.contains("payoff.USA"));
  int hidden = 0;
  for (const auto& [name, value] : all.at("metrics").as_object()) {
    const std::string key(name);
    if (key.starts_with("payoff.CHN") || key.starts_with("stockpile.CHN")) ++hidden;
    const bool is_private = key.starts_with("payoff.") || key.starts_with("stockpile.");
    const bool own = key.starts_with("payoff.USA") || key.starts_with("stockpile.USA");
    CHECK_MESSAGE(metrics.contains(key) == (!is_private || own), key);
  }
  CHECK(hidden >= 1);
  MESSAGE(hidden << " of China's metrics hidden from the United States; "
                 << all.at("metrics").as_object().size() - metrics.size() << " metrics hidden in all");
  // Nothing after the advance either: a status, no console view; China's private metrics in no history.
  Client third(server.port());
  third.Send(json::object{{"hello", json::object{{"token", usa_token}}}});
  const json::object history = usa_until(third, "history");
  CHECK(history.at("results").as_array().size() == 1);
  usa_until(usa, "status");
  for (const std::string& text : to_usa) {
    CHECK_MESSAGE(text.find("payoff.CHN") == std::string::npos, text.substr(0, 200));
    CHECK_MESSAGE(text.find("stockpile.CHN") == std::string::npos, text.substr(0, 200));
    CHECK_MESSAGE(text.find("teacher_view") == std::string::npos, text.substr(0, 200));
  }
}

// The kernel's send queue of the server's end of a loopback connection from `client_port` (/proc/net/tcp).
long ServerSendQueue(int server_port, int client_port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  char local[16], remote[16];
  std::snprintf(local, sizeof local, ":%04X", server_port);
  std::snprintf(remote, sizeof remote, ":%04X", client_port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sl, l, r, st, queues;
    fields >> sl >> l >> r >> st >> queues;
    if (l.ends_with(local) && r.ends_with(remote)) return std::stol(queues.substr(0, queues.find(':')), nullptr, 16);
  }
  return -1;
}

// A team's client stops reading (a small receive window and small segments, from which the server's
// kernel sizes its send buffer: the kernels hold about 100 KB for it, five rounds' results) while 30
// rounds of about 19 KB of results each go to every team; the server, with the queue limit in `limit`,
// drops it, and the other team decides and gets every result, promptly; the slow client comes back with
// its token (and gets the rounds played so far, when that history fits the limit: a message bigger than
// --max-queue-bytes drops any client it is queued for, unless it is the only one waiting).
void DropASlowClient(const std::vector<std::string>& limit, bool history_fits = true) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--rounds", "100"};
  args.insert(args.end(), limit.begin(), limit.end());
  Server server(dir.File("state"), args);
  const std::string t = server.teacher();
  Client teacher(server.port());
  teacher.Send(Teacher(t, "watch"));
  teacher.Until("teacher_view");
  RawWebSocket slow(server.port(), 4096, 536);
  slow.Send(Join(server.code("USA"), "Slow"));
  Client jpn(server.port());
  const std::string jpn_token = TakeSeat(jpn, server, "JPN", "Fast");
  teacher.UntilMatch("teacher_view", [](const json::object& v) {
    return Int(Seat(v, "USA"), "connected") == 1 && Int(Seat(v, "JPN"), "connected") == 1;
  });
  teacher.Send(Teacher(t, "start"));
  teacher.Until("ack");

  constexpr int kRounds = 30;
  std::chrono::milliseconds slowest_ack{0}, slowest_result{0};
  const auto started = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; ++r) {
    const std::string action = r % 2 == 0 ? "open" : "stockpile";
    auto sent = std::chrono::steady_clock::now();
    jpn.Send(Submit(jpn_token, r, action));
    CHECK(Int(jpn.Until("ack"), "round") == r);
    slowest_ack = std::max(slowest_ack, Since(sent));
    sent = std::chrono::steady_clock::now();
    teacher.Send(Teacher(t, "advance"));
    const json::object result = jpn.Until("round_result");
    slowest_result = std::max(slowest_result, Since(sent));
    CHECK(Int(result, "round") == r);
    CHECK(Str(result.at("decisions").at("JPN")) == action);
    CHECK(Int(teacher.Until("round_result"), "round") == r);
  }
  MESSAGE(kRounds << " rounds in " << Since(started).count() << " ms; the fast team's slowest ack " << slowest_ack.count()
                  << " ms, slowest result " << slowest_result.count() << " ms; the server's kernel held "
                  << ServerSendQueue(server.port(), slow.local_port()) << " bytes for the slow client");
  CHECK(slowest_ack < 1s);
  CHECK(slowest_result < 2s);

  // The server lets go of the slow client at once, before it reads anything: the console sees its seat go.
  teacher.UntilMatch("teacher_view", [](const json::object& v) { return Int(Seat(v, "USA"), "connected") == 0; });
  // It reads at last: the whole messages the kernels held, each JSON, the results in order, then the end
  // of the stream (no close frame: it could not get through behind the data). The frame the server was
  // writing is cut off with the connection, never filled with other bytes.
  bool eof = false;
  const std::vector<RawWebSocket::Message> got = slow.ReadMessages(5s, eof);
  CHECK(eof);
  REQUIRE(!got.empty());
  int results = 0, last_round = -1;
  std::string usa_token;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].opcode != 1) continue;  // the server's pings
    boost::system::error_code error;
    const json::value message = json::parse(got[i].payload, error);
    REQUIRE_MESSAGE(!error, "message " << i << " of the dropped client is not JSON: " << got[i].payload.substr(0, 200));
    if (message.as_object().contains("welcome")) usa_token = Str(message.at("welcome").at("token"));
    if (message.as_object().contains("round_result")) {
      ++results;
      const int round = static_cast<int>(message.at("round_result").at("round").as_int64());
      CHECK(round == last_round + 1);
      last_round = round;
    }
  }
  MESSAGE("the slow client got " << results << " results of " << kRounds << ", then the end of the stream");
  CHECK(results >= 1);
  CHECK(results < kRounds - 5);
  // It comes back with its token and gets the game.
  slow.Close();
  REQUIRE(usa_token.size() == 32);
  Client back(server.port());
  back.Send(json::object{{"hello", json::object{{"token", usa_token}}}});
  CHECK(Int(back.Until("welcome"), "round") == kRounds);
  if (history_fits) {
    CHECK(back.Until("history").at("results").as_array().size() == kRounds);
    const json::object view =
        teacher.UntilMatch("teacher_view", [](const json::object& v) { return Int(Seat(v, "USA"), "connected") == 1; });
    CHECK(Int(Seat(view, "JPN"), "connected") == 1);
  }
}

TEST_CASE("ClassroomServer.AClientThatStopsReadingIsDroppedWithoutSlowingTheOthers") {
  SUBCASE("over --max-queue-messages") { DropASlowClient({"--max-queue-messages", "16"}); }
  SUBCASE("over --max-queue-bytes") { DropASlowClient({"--max-queue-bytes", "131072"}, /*history_fits=*/false); }
}

// A round played while the game is paused gets the whole timer on resume, not what was left of the last.
TEST_CASE("ClassroomServer.ARoundAdvancedWhilePausedGetsTheWholeTimer") {
  testing::TempDir dir;
  Server server(dir.File("state"));
  Client usa(server.port()), teacher(server.port());
  TakeSeat(usa, server, "USA", "Team 1");
  const std::string t = server.teacher();
  teacher.Send(Teacher(t, "start"));
  teacher.Send(Command(t, "timer", {{"seconds", 2}}));
  usa.UntilMatch("status", [](const json::object& s) { return s.at("seconds_left").to_number<double>() > 0; });
  std::this_thread::sleep_for(1200ms);
  teacher.Send(Teacher(t, "pause"));
  const double left = usa.UntilMatch("status", [](const json::object& s) { return s.at("phase") == "paused"; }).at("seconds_left").to_number<double>();
  CHECK(left < 1.0);  // what was left of round 0
  teacher.Send(Teacher(t, "advance"));
  CHECK(Int(usa.Until("round_result"), "round") == 0);
  const json::object paused = usa.Until("status");
  CHECK(Int(paused, "round") == 1);
  CHECK(paused.at("seconds_left").to_number<double>() == 2);  // the new round's whole timer, held while paused
  teacher.Send(Teacher(t, "resume"));
  CHECK(usa.Until("status").at("seconds_left").to_number<double>() > 1.5);
}

}  // namespace
}  // namespace reesim::classroom
