// `reesim serve`: the classroom server (classroom/).
#include <boost/program_options.hpp>

#include <cmath>
#include <iostream>
#include <string>

#include "classroom/replay.h"
#include "classroom/server.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace po = boost::program_options;

namespace reesim::cli {

int ServeCommand(const std::vector<std::string>& args) {
  const classroom::ServeOptions defaults;  // the connection limits' defaults are the server's own
  po::options_description options(
      "usage: reesim serve [--scenario FILE|NAME] [--bind ADDR] [--port P] [--state DIR] [--round-seconds S]\n"
      "                    [--rounds N] [--seed S] [--max-connections N] [--idle-seconds S]\n"
      "                    [--max-queue-messages N] [--max-queue-bytes B] [--what-if-threads N]\n"
      "                    [--stats FILE] [--quiet]\n"
      "       reesim serve --replay DIR [--swap ACTOR=KIND]... [--snapshot FILE]\n\n"
      "Runs a classroom game: teams govern countries from their browsers, the model plays every country\n"
      "no team holds and answers each round with prices, shortages and payoffs. One port serves the page\n"
      "(teams at URL, the teacher console at URL#teacher=TOKEN), the WebSocket (/ws) and the teacher's API\n"
      "(/api/decisions, /api/decisions.csv, /api/snapshot with `Authorization: Bearer TOKEN`).\n\n"
      "Once listening it writes DIR/session.json (mode 0600): the URL, the port, the teacher token, one\n"
      "join code per seat and the class code (teams pick a seat at URL#code=CODE). Every decision and\n"
      "command is journaled in DIR/journal before it is acknowledged: started again with the same --state\n"
      "DIR (after a crash too), it resumes the game with the same tokens, codes, round and port. Stop it\n"
      "with Ctrl-C.\n\n"
      "With --replay DIR it serves nothing: it plays the game journaled in DIR again from the start (the\n"
      "journal is only read), writes the rounds as a snapshot stream and prints each seat's payoff as played\n"
      "and in the replay. Without --swap the snapshot is the game as played, byte for byte (the file the\n"
      "teacher downloads from /api/snapshot); --swap USA=best_response hands a seat to a model strategy from\n"
      "the first round while every other team seat plays what it played.\n\n"
      "The teacher console's \"What if\" forks a Monte Carlo ensemble from the open round (teams' last\n"
      "choices held, the world's uncertain numbers drawn afresh; README \"What if\") and draws its fan chart.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("scenario", po::value<std::string>(),
       "the scenario: a library name (e.g. export_controls_2025; see `reesim validate`) or a scenario file; "
       "default: the built-in 2024 baseline. Actors without a menu get the classroom's menus. "
       "Ignored when DIR holds a game, unless it names another scenario (an error)")
      ("bind", po::value<std::string>()->default_value("127.0.0.1"),
       "the address to listen on: 127.0.0.1 for this machine only; 0.0.0.0 for a classroom network")
      ("port", po::value<int>()->default_value(8080), "the port; 0 = any free port (see DIR/session.json; a resumed game takes its port again if it is free, so the class's pages find it)")
      ("state", po::value<std::string>()->default_value("reesim-classroom"),
       "the game's directory: journal, session.json; a directory holding a game resumes it (even one that has ended: a new lesson wants a new DIR)")
      ("round-seconds", po::value<double>()->default_value(0),
       "the round timer in seconds: when it runs out the round is played (0 = none: the teacher advances; "
       "the teacher console can change it)")
      ("rounds", po::value<int>(), "the game's length in rounds (default: the scenario's `rounds`); when DIR holds a game, must be its length")
      ("seed", po::value<SeedOption>()->default_value(SeedOption{}, "1"), "random seed of the simulation (0 to 2^64-1)")
      ("max-connections", po::value<int>()->default_value(defaults.max_connections),
       "connections open at once, at most (HTTP and WebSocket); one more is closed as soon as it is accepted")
      ("idle-seconds", po::value<double>()->default_value(defaults.idle_seconds),
       "a WebSocket from which nothing has come for this long is closed: the server pings it halfway, and a "
       "live browser's answer counts (0.001 to 86400)")
      ("max-queue-messages", po::value<long long>()->default_value(static_cast<long long>(defaults.max_queue_messages)),
       "a connection whose client has this many messages waiting to be sent to it (it does not read them) "
       "is dropped; the page reconnects with its token")
      ("max-queue-bytes", po::value<long long>()->default_value(static_cast<long long>(defaults.max_queue_bytes)),
       "the same limit in bytes waiting to be sent to one connection")
      ("what-if-threads", po::value<int>()->default_value(0),
       "threads of a what-if ensemble (0 = every core); the fan does not depend on it")
      ("stats", po::value<std::string>(),
       "on exit, write to this file where the messages' time went (JSON: read to the game thread, handling, "
       "fdatasync, records per sync, answers after a sync; for classroom_bench)")
      ("quiet", "print nothing but errors")
      ("replay", po::value<std::string>(), "replay the game journaled in this state directory instead of serving")
      ("swap", po::value<std::vector<std::string>>(),
       "with --replay: ACTOR=KIND plays the seat with the model's strategy KIND (best_response, "
       "regret_matching, fictitious_play, rule_based, scripted) instead of what was played; repeatable")
      ("snapshot", po::value<std::string>(), "with --replay: the snapshot file to write (default DIR/replay.pbs)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  if (vars.count("replay")) {
    classroom::ReplayOptions replay;
    replay.state_dir = vars["replay"].as<std::string>();
    if (vars.count("swap")) replay.swaps = vars["swap"].as<std::vector<std::string>>();
    if (vars.count("snapshot")) replay.snapshot_path = vars["snapshot"].as<std::string>();
    return classroom::ReplayGame(replay, std::cout);
  }
  if (vars.count("swap") || vars.count("snapshot")) throw UsageError("--swap and --snapshot go with --replay DIR");
  classroom::ServeOptions serve;
  serve.state_dir = vars["state"].as<std::string>();
  serve.bind = vars["bind"].as<std::string>();
  serve.port = vars["port"].as<int>();
  if (serve.port < 0 || serve.port > 65535) throw UsageError("--port must be between 0 and 65535, got " + std::to_string(serve.port));
  serve.game.round_seconds = vars["round-seconds"].as<double>();
  if (!std::isfinite(serve.game.round_seconds) || serve.game.round_seconds < 0 || serve.game.round_seconds > 86400) {
    throw UsageError("--round-seconds must be between 0 and 86400");
  }
  if (vars.count("rounds")) {
    serve.game.rounds = vars["rounds"].as<int>();
    serve.rounds_given = true;
    if (serve.game.rounds < 1 || serve.game.rounds > 1000) {
      throw UsageError("--rounds must be between 1 and 1000, got " + std::to_string(serve.game.rounds));
    }
  }
  serve.game.seed = vars["seed"].as<SeedOption>().value;
  if (vars.count("scenario")) {
    serve.game.scenario = vars["scenario"].as<std::string>();
    serve.scenario_given = true;
  }
  serve.max_connections = vars["max-connections"].as<int>();
  if (serve.max_connections < 1) throw UsageError("--max-connections must be at least 1");
  serve.idle_seconds = vars["idle-seconds"].as<double>();
  if (!std::isfinite(serve.idle_seconds) || serve.idle_seconds < 0.001 || serve.idle_seconds > 86400) {
    throw UsageError("--idle-seconds must be between 0.001 and 86400");
  }
  const long long queue_messages = vars["max-queue-messages"].as<long long>();
  if (queue_messages < 1 || queue_messages > 100'000'000) {
    throw UsageError("--max-queue-messages must be between 1 and 100000000, got " + std::to_string(queue_messages));
  }
  serve.max_queue_messages = static_cast<std::size_t>(queue_messages);
  const long long queue_bytes = vars["max-queue-bytes"].as<long long>();
  if (queue_bytes < 1 || queue_bytes > (1LL << 40)) {
    throw UsageError("--max-queue-bytes must be between 1 and 2^40, got " + std::to_string(queue_bytes));
  }
  serve.max_queue_bytes = static_cast<std::size_t>(queue_bytes);
  serve.what_if_threads = vars["what-if-threads"].as<int>();
  if (serve.what_if_threads < 0 || serve.what_if_threads > 1024) throw UsageError("--what-if-threads must be between 0 and 1024");
  if (vars.count("stats")) serve.stats_path = vars["stats"].as<std::string>();
  serve.quiet = vars.count("quiet") > 0;
  return classroom::Serve(serve);
}

}  // namespace reesim::cli
