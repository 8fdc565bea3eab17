// Harness: Gambit's .nfg reader (reesim game --solve FILE.nfg): games::ParseNfg, as ReadNfgFile calls
// it after reading the file. NfgError (exit 2, LINE:COL) is a normal outcome. What parses must survive
// a round trip exactly through both writers (payoff and outcome versions), and small games go through
// the cheapest solver (every pure equilibrium) as `--solve` would, and every label is UTF-8.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "world/field_error.h"
#include "games/game_error.h"
#include "games/methods.h"
#include "games/nfg_io.h"

namespace {
constexpr std::int64_t kMaxProfilesSolved = 4096;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<reesim::games::NormalFormGame> game;
  try {
    game.emplace(reesim::games::ParseNfg(text));
  } catch (const reesim::games::NfgError&) {
    return 0;
  }
  // Labels reach `--solve`'s JSON, which must be UTF-8 (a byte 0x8E in a player's name once passed).
  std::vector<std::string> labels = game->players();
  labels.push_back(game->title());
  labels.push_back(game->comment());
  for (const auto& strategies : game->strategies()) labels.insert(labels.end(), strategies.begin(), strategies.end());
  for (const std::string& label : labels) {
    if (!reesim::IsValidUtf8(label)) reesim::fuzz::Finding("a label that is not UTF-8 was accepted");
  }
  for (const bool payoff_version : {true, false}) {
    const std::string written =
        payoff_version ? reesim::games::WritePayoffNfg(*game) : reesim::games::WriteOutcomeNfg(*game);
    try {
      if (!(reesim::games::ParseNfg(written) == *game)) {
        reesim::fuzz::Finding(std::string("the game read back from the ") + (payoff_version ? "payoff" : "outcome") +
                              " version differs:\n" + written);
      }
    } catch (const reesim::games::NfgError& error) {
      reesim::fuzz::Finding(std::string("the writer's ") + (payoff_version ? "payoff" : "outcome") +
                            " version does not read back: " + error.what() + "\n" + written);
    }
  }
  if (game->NumProfiles() <= kMaxProfilesSolved) {
    try {
      (void)reesim::games::SolveWithMethod(*game, "pure");
    } catch (const reesim::games::GameError&) {
      return 0;  // exit 2 in the CLI: a method that does not fit the game
    }
  }
  return 0;
}
