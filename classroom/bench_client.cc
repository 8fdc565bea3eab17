// classroom_bench: the classroom's benchmark (a benchmark, not a test; INTERFACE.md "Budgets"). Starts
// `reesim serve` on a free port, connects N WebSocket clients on loopback (Beast, asynchronous, one
// thread, so the clients' own cost is a few microseconds a message), has every client submit every
// round for R rounds, and prints as JSON: the time from a submit's write to its acknowledgement (sent
// only once the journal is fdatasync'ed) at p50/p99/max, the time from the teacher's advance to the
// last client's round_result, the server's resident memory (VmRSS, VmHWM), and the server's own account
// of where a message's time went (`reesim serve --stats`: read to game thread, handling, fdatasync,
// records per sync, answers after a sync, read to answer queued). After the last round (the game's end,
// when the server starts the debrief's replays) the teacher sends a broadcast at once: the time to its
// acknowledgement, and from the last advance to the debrief with its counterfactual scores.
//
//   classroom_bench REESIM_BINARY [--clients 200] [--rounds 20]
//
// Clients share the scenario's seats (a seat's code joins several devices); every submit is a journal
// record of its own.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Returns VmRSS and VmHWM of a process, MB.
std::pair<double, double> Memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) rss = std::stod(line.substr(6)) / 1024;
    if (line.starts_with("VmHWM:")) hwm = std::stod(line.substr(6)) / 1024;
  }
  return {rss, hwm};
}

struct Client {
  explicit Client(net::io_context& context) : ws(context) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string token;
  std::vector<std::string> menu;
  std::string out;
  Clock::time_point sent;
  std::function<void(const std::string&)> on_message;

  void Read() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        std::cerr << "classroom_bench: a client's read failed: " << ec.message() << "\n";
        std::exit(1);
      }
      const std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      on_message(text);
      Read();
    });
  }
  void Write(std::string text) {
    out = std::move(text);
    sent = Clock::now();
    ws.async_write(net::buffer(out), [](beast::error_code ec, std::size_t) {
      if (ec) {
        std::cerr << "classroom_bench: a client's write failed: " << ec.message() << "\n";
        std::exit(1);
      }
    });
  }
};

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(q * (values.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: classroom_bench REESIM_BINARY [--clients N] [--rounds R]\n";
    return 2;
  }
  std::string binary = argv[1];
  int clients_count = 200, rounds = 20;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--clients") clients_count = std::stoi(argv[i + 1]);
    else if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    else {
      std::cerr << "classroom_bench: unknown flag " << flag << "\n";
      return 2;
    }
  }
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("reesim-classroom-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(state);
  const std::filesystem::path stats_path = state.string() + ".stats.json";
  const pid_t server = ::fork();
  if (server == 0) {
    const std::string dir = state.string(), rounds_text = std::to_string(rounds), stats = stats_path.string();
    ::execl(binary.c_str(), binary.c_str(), "serve", "--port", "0", "--state", dir.c_str(), "--quiet", "--rounds",
            rounds_text.c_str(), "--max-connections", "100000", "--stats", stats.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 500 && !std::filesystem::exists(state / "session.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const json::object session = json::parse(ReadAll((state / "session.json").string())).as_object();
  const auto port = static_cast<unsigned short>(session.at("port").as_int64());
  const std::string teacher_token(session.at("teacher_token").as_string());
  std::vector<std::string> codes;
  for (const auto& [actor, code] : session.at("join_codes").as_object()) codes.emplace_back(code.as_string());

  net::io_context context(1);
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i <= clients_count; ++i) {  // the last one is the teacher
    auto client = std::make_unique<Client>(context);
    beast::get_lowest_layer(client->ws).connect(endpoint);
    // As browsers do for WebSockets: small messages go out at once (no Nagle delay).
    beast::get_lowest_layer(client->ws).socket().set_option(tcp::no_delay(true));
    client->ws.read_message_max(64u << 20);
    client->ws.handshake("127.0.0.1", "/ws");
    client->ws.text(true);
    if (i < clients_count) {
      const std::string join = json::serialize(json::object{
          {"join", json::object{{"code", codes[i % codes.size()]}, {"name", "Team " + std::to_string(i % codes.size())}}}});
      client->ws.write(net::buffer(join));
      for (;;) {
        client->ws.read(client->buffer);
        const std::string text = beast::buffers_to_string(client->buffer.data());
        client->buffer.consume(client->buffer.size());
        if (!text.starts_with("{\"welcome\"")) continue;
        const json::object welcome = json::parse(text).as_object().at("welcome").as_object();
        client->token = std::string(welcome.at("token").as_string());
        for (const json::value& item : welcome.at("menu").as_array()) client->menu.emplace_back(item.at("name").as_string());
        break;
      }
    }
    clients.push_back(std::move(client));
  }
  const auto [rss_joined, hwm_joined] = Memory(server);

  std::vector<double> ack_ms, advance_ms, round_max_ms;
  double end_message_ack_ms = -1, end_to_scores_ms = -1;
  Clock::time_point end_message_sent;
  int round = 0, acks = 0, results = 0;
  Clock::time_point advance_sent;
  Client& teacher = *clients.back();
  std::function<void()> start_round = [&] {
    acks = 0;
    results = 0;
    for (int i = 0; i < clients_count; ++i) {
      Client& client = *clients[i];
      const std::string& action = client.menu[(round + i) % client.menu.size()];
      client.Write(json::serialize(json::object{
          {"submit", json::object{{"token", client.token}, {"round", round}, {"action", action}}}}));
    }
  };
  for (int i = 0; i < clients_count; ++i) {
    Client& client = *clients[i];
    client.on_message = [&](const std::string& text) {
      if (text.starts_with("{\"ack\"")) {
        ack_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - client.sent).count());
        if (++acks == clients_count) {
          advance_sent = Clock::now();
          teacher.Write(json::serialize(json::object{{"teacher", json::object{{"token", teacher_token}, {"command", "advance"}}}}));
        }
      } else if (text.starts_with("{\"round_result\"")) {
        if (++results == clients_count) {
          round_max_ms.push_back(*std::max_element(ack_ms.end() - clients_count, ack_ms.end()));
          advance_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - advance_sent).count());
          if (++round < rounds) {
            start_round();
          } else {  // the game has ended: a message while the debrief's replays run
            end_message_sent = Clock::now();
            teacher.Write(json::serialize(json::object{
                {"teacher", json::object{{"token", teacher_token}, {"command", "broadcast"}, {"text", "the game has ended"}}}}));
          }
        }
      } else if (text.starts_with("{\"error\"")) {
        std::cerr << "classroom_bench: " << text << "\n";
        std::exit(1);
      }
    };
    client.Read();
  }
  teacher.on_message = [&](const std::string& text) {
    // The debrief may come before the last client has its round's result; the ack only after.
    if (text.starts_with("{\"ack\"") && text.find("\"broadcast\"") != std::string::npos) {
      end_message_ack_ms = std::chrono::duration<double, std::milli>(Clock::now() - end_message_sent).count();
    } else if (text.starts_with("{\"debrief\"") && text.find("\"replays_pending\":true") == std::string::npos) {
      end_to_scores_ms = std::chrono::duration<double, std::milli>(Clock::now() - advance_sent).count();
    }
    if (round == rounds && end_message_ack_ms >= 0 && end_to_scores_ms >= 0) context.stop();
  };
  teacher.Read();
  start_round();
  context.run();
  const auto [rss, hwm] = Memory(server);
  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);
  std::filesystem::remove_all(state);
  boost::system::error_code stats_error;
  const json::value stats = json::parse(ReadAll(stats_path.string()), stats_error);
  std::filesystem::remove(stats_path);

  json::object out{
      {"classroom.clients", clients_count},
      {"classroom.rounds", rounds},
      {"classroom.submits", ack_ms.size()},
      {"classroom.ack_ms_p50", Quantile(ack_ms, 0.5)},
      {"classroom.ack_ms_p99", Quantile(ack_ms, 0.99)},
      {"classroom.ack_ms_max", Quantile(ack_ms, 1.0)},
      // The first round apart: every connection's first decision (first use of its buffers).
      {"classroom.ack_ms_p50_first_round", Quantile(std::vector<double>(ack_ms.begin(), ack_ms.begin() + clients_count), 0.5)},
      {"classroom.ack_ms_p99_after_first_round",
       Quantile(std::vector<double>(ack_ms.begin() + clients_count, ack_ms.end()), 0.99)},
      {"classroom.advance_to_last_result_ms_p50", Quantile(advance_ms, 0.5)},
      {"classroom.advance_to_last_result_ms_max", Quantile(advance_ms, 1.0)},
      // The game's end: a teacher's message sent as the last round's results arrive, to its
      // acknowledgement (while the debrief's replays run); the last advance to the debrief's scores.
      {"classroom.end_message_ack_ms", end_message_ack_ms},
      {"classroom.end_to_debrief_scores_ms", end_to_scores_ms},
      {"classroom.server_rss_mb_after_joins", rss_joined},
      {"classroom.server_rss_mb", rss},
      {"classroom.server_rss_mb_peak", hwm},
  };
  json::array by_round;
  for (const double ms : round_max_ms) by_round.push_back(std::round(ms * 10) / 10);
  out["classroom.ack_ms_max_by_round"] = std::move(by_round);
  if (!stats_error) out["classroom.server_timing"] = stats;  // reesim serve --stats: where the time went
  (void)hwm_joined;
  std::cout << json::serialize(out) << "\n";
  return 0;
}
