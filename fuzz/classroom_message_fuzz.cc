// Harness: the classroom's WebSocket messages (reesim serve), without a network: one text frame through
// classroom::ParseClientMessage (JSON -> wire::ClientMessage, unknown fields refused) and, when it
// parses, Game::Handle's validation against a running game, as the server's session does; then the
// reply the server would send is serialised (classroom::ToJson), the error reply included. A parse error
// or a refusal is a normal outcome (the server answers with an error message); a crash or a reply
// that cannot be serialised is a finding.
//
// The game: the built-in baseline with the classroom menus, deterministic secrets (below) so that the
// seed corpus can name them, the first seat joined by a team and the game started.
//   teacher token  00000000000000000000000000000001
//   join codes     CODEAB, CODEAC, ... (seat k: CODE + alphabet[k / 31 % 31] + alphabet[k % 31], k from 1)
//   first team     00000000000000000000000000000002 (the token of the seat of CODEAB)
//   class code     CODEAS (drawn after the 14 seats' codes; lets a team pick an open seat)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "classroom/game.h"
#include "classroom/tokens.h"
#include "fuzz/fuzz_support.h"
#include "world/check.h"

namespace {

class CountingTokens : public reesim::classroom::TokenSource {
 public:
  std::string Token() override {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%032x", ++count_);
    return buffer;
  }
  std::string JoinCode() override {
    const int n = ++codes_;
    std::string code = "CODE";
    code += reesim::classroom::kJoinCodeAlphabet[n / 31 % 31];
    code += reesim::classroom::kJoinCodeAlphabet[n % 31];
    return code;
  }

 private:
  int count_ = 0;
  int codes_ = 0;
};

struct Setup {
  CountingTokens tokens;
  std::unique_ptr<reesim::classroom::Game> game;
};

reesim::classroom::wire::ClientMessage MustParse(const std::string& json) {
  reesim::classroom::wire::ClientMessage message;
  const std::string error = reesim::classroom::ParseClientMessage(json, message);
  if (!error.empty()) reesim::fuzz::Finding("the harness's own message " + json + ": " + error);
  return message;
}

void MustApply(Setup& setup, const std::string& json) {
  const reesim::classroom::Handled handled = setup.game->Handle(MustParse(json), setup.tokens);
  if (!handled.record) reesim::fuzz::Finding("the harness's own message was refused: " + json);
  setup.game->Apply(*handled.record);
}

Setup& TheGame() {
  static Setup setup = [] {
    Setup made;
    const reesim::classroom::wire::JournalRecord created = reesim::classroom::NewGame({}, made.tokens);
    made.game = std::make_unique<reesim::classroom::Game>(created.created());
    MustApply(made, R"({"join":{"code":"CODEAB","name":"fuzzers"}})");
    MustApply(made, R"({"teacher":{"token":"00000000000000000000000000000001","command":"start"}})");
    return made;
  }();
  return setup;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Setup& setup = TheGame();
  reesim::classroom::wire::ClientMessage message;
  const std::string error = reesim::classroom::ParseClientMessage(reesim::fuzz::Text(data, size), message);
  if (!error.empty()) {
    // The server's answer (server.cc, ErrorMessage("malformed", error)).
    reesim::classroom::wire::ServerMessage reply;
    reply.mutable_error()->set_code("malformed");
    reply.mutable_error()->set_message(error);
    (void)reesim::classroom::ToJson(reply);
    return 0;
  }
  try {
    const reesim::classroom::Handled handled = setup.game->Handle(message, setup.tokens);
    if (!handled.record) (void)reesim::classroom::ToJson(handled.reply);
  } catch (const reesim::InputError&) {
    return 0;
  }
  return 0;
}
