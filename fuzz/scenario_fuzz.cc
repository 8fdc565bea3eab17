// Harness: the scenario text format (reesim check / reesim run FILE). Parses and validates the input
// as run::LoadScenarioFile does after reading the file (run::LoadScenarioText: syntax, enums, UTF-8,
// sizes, references, ranges, base_scenario), then plays a few rounds of what loads, as `reesim run`
// would (world, policies, agents, market clearing, metrics). InputError (exit 2) is a normal outcome, and
// so is MarketRangeError (exit 1 naming the quantity beyond the market's range).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "run/metrics.h"
#include "run/scenario_io.h"
#include "run/simulation.h"
#include "world/check.h"
#include "world/market.h"

namespace {
// A few rounds reach every policy and agent decision that starts in the first rounds, and keep one
// input's time well under libFuzzer's -timeout (a round of the largest library scenario takes
// milliseconds in this build).
constexpr int kRounds = 3;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reesim::run::LoadedScenario scenario;
  try {
    scenario = reesim::run::LoadScenarioText(reesim::fuzz::Text(data, size), "fuzz.textproto");
  } catch (const reesim::InputError&) {
    return 0;
  }
  try {
    reesim::run::Simulation simulation(scenario, /*seed=*/1);
    for (int round = 0; round < kRounds; ++round) {
      simulation.Step();
      (void)simulation.metrics();
    }
  } catch (const reesim::InputError&) {
    return 0;  // refused while building the agents (a strategy the scenario cannot support)
  } catch (const reesim::world::MarketRangeError&) {
    // A quantity or price beyond the market's integer units (world/market.h: 1e12 t, 1e9 USD/kg): the
    // run stops with that message (exit 1), as documented, instead of computing with wrapped integers.
    return 0;
  }
  return 0;
}
