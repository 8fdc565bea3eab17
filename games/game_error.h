// The error the games library raises for a game or option a method cannot handle.
#pragma once

#include <stdexcept>

namespace reesim::games {

// Raised when a method cannot handle a game (wrong number of players, too large, a bad option); the
// message says which methods fit. The CLI prints it as `reesim: error: ...` and exits 2.
class GameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace reesim::games
