// `reesim serve`: the classroom's server. One port serves the page (HTTP GET of the built-in files),
// the WebSocket at /ws (one JSON message per text frame, proto/classroom.proto) and the teacher's HTTP
// API (GET /api/decisions, /api/decisions.csv, /api/snapshot, with `Authorization: Bearer TOKEN`).
//
// The Beast way (Boost.Beast's chat-multi example): a self-owning session per connection whose
// handlers run on its own strand, one write in flight plus a bounded queue (a client that falls
// further behind is dropped and reconnects), broadcasts sent outside the lock. The game runs on its
// own thread, off the I/O threads: a message's record is appended to the journal and applied there,
// and every record appended while the last sync ran is made durable by one fdatasync (group commit)
// before any of their acknowledgements, results or broadcasts go out. The syncs run on a thread of
// their own, one at a time, so the game thread goes on handling messages while the disk works (the
// next batch's sync starts as soon as the last one ends). A teacher's what-if ensemble runs on a
// fourth thread (classroom/what_if.h), and the debrief's replays (its counterfactual scores, seconds of
// simulation) on a fifth (classroom/replay.h, DebriefReplays): the debrief goes out at once with those
// scores pending, and again to everyone when they arrive.
//
// Limits: frames over 64 KiB are answered with `too_large` and the connection is closed; each
// connection may send `messages_per_second` messages a second (bursts of twice that) and is answered
// `rate_limited` beyond; a WebSocket silent for `idle_seconds` (it is pinged) or an HTTP request not
// read within 30 s is closed; at most `max_connections` connections at once; a WebSocket upgrade whose
// Origin is not the server's own is refused (403).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "classroom/game.h"

namespace reesim::classroom {

struct ServeOptions {
  std::string state_dir = "reesim-classroom";
  std::string bind = "127.0.0.1";
  int port = 8080;                 // 0 = any free port (a resumed game: the port it had, if free)
  NewGameOptions game;             // for a new game; a state directory holding a game resumes it
  bool scenario_given = false;     // refuse to resume a game of another scenario
  bool rounds_given = false;       // refuse to resume a game of another length
  int io_threads = 2;
  int max_connections = 2000;
  double messages_per_second = 20;
  double idle_seconds = 120;
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_queue_bytes = 32u << 20;   // per connection, queued for sending
  std::size_t max_queue_messages = 1024;
  int what_if_threads = 0;                   // the what-if ensemble's threads; 0 = every core
  std::string stats_path;                    // on exit, where a message's time went (JSON); empty = none
  bool quiet = false;
};

// Runs the server until SIGINT or SIGTERM. Returns the exit code (0 after a signal, 1 when the journal
// cannot be written). Throws InputError for a bad state directory, scenario or address.
int Serve(const ServeOptions& options);

}  // namespace reesim::classroom
