// The round: determinism across thread counts (the gate of STYLE.md #6), and the chain's mechanics in
// a small world.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "run/run.h"
#include "run/simulation.h"
#include "test_support.h"
#include "world/description.h"

namespace reesim {
namespace {

using testing::Baseline;
using testing::FileBytes;
using testing::TempDir;

TEST_CASE("Round.SnapshotsAreByteIdenticalForAnyThreadCount") {
  // The baseline with demand shocks on, so random streams are exercised too.
  std::string text(run::BuiltinBaselineText());
  const std::string anchor = "market {";
  REQUIRE(text.find(anchor) != std::string::npos);
  text.replace(text.find(anchor), anchor.size(), "market {\n  demand_shock_sd: 0.05");
  const run::LoadedScenario scenario = run::LoadScenarioText(text, "baseline-with-shocks");
  TempDir dir;
  std::string reference_bytes, reference_fingerprint;
  for (int threads : {1, 2, 4, 8}) {
    CAPTURE(threads);
    run::RunOptions options;
    options.seed = 42;
    options.rounds = 8;
    options.threads = threads;
    options.snapshot_path = dir.File("run-" + std::to_string(threads) + ".pbs");
    const run::RunResult result = run::RunScenario(scenario, options);
    const std::string bytes = FileBytes(options.snapshot_path);
    REQUIRE(!bytes.empty());
    if (threads == 1) {
      reference_bytes = bytes;
      reference_fingerprint = result.final_fingerprint;
    } else {
      CHECK(bytes == reference_bytes);
      CHECK(result.final_fingerprint == reference_fingerprint);
    }
  }
  // A different seed must change the run (the shocks are live).
  run::RunOptions other;
  other.seed = 43;
  other.rounds = 8;
  CHECK(run::RunScenario(scenario, other).final_fingerprint != reference_fingerprint);
}

TEST_CASE("Round.SpeculativeStocksAreIdenticalForAnyThreadCount") {
  // The quota crisis runs speculative stocks, licence searches and substitution ceilings: the same
  // fingerprint after its 28 rounds on 1, 2 and 4 threads.
  const auto& library = run::BuiltinScenarios();
  const auto it = std::find_if(library.begin(), library.end(),
                               [](const run::BuiltinScenario& s) { return std::string(s.name) == "quota_crisis_2010"; });
  REQUIRE(it != library.end());
  const run::LoadedScenario scenario = run::LoadScenarioText(it->text, "quota_crisis_2010");
  REQUIRE(!scenario.world.market.speculated_products.empty());
  std::string reference;
  for (int threads : {1, 2, 4}) {
    CAPTURE(threads);
    run::RunOptions options;
    options.threads = threads;
    const std::string fingerprint = run::RunScenario(scenario, options).final_fingerprint;
    if (threads == 1) reference = fingerprint;
    CHECK(fingerprint == reference);
  }
}

TEST_CASE("Round.GoldenFingerprintOfTheBaseline") {
  // Changes only when the model or the baseline changes; update it with a sentence in the commit
  // message saying why.
  run::RunOptions options;
  options.rounds = 8;
  options.threads = 2;
  const run::RunResult result = run::RunScenario(Baseline(), options);
  CHECK(result.final_fingerprint == "1db061adf0b8fbce");
}

TEST_CASE("Round.ChainDeliversMagnetsAndBalancesStock") {
  const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(), "small");
  run::Simulation simulation(scenario, /*seed=*/1);
  const world::WorldDescription& world = simulation.world();
  for (int round = 0; round < 4; ++round) {
    simulation.Step();
    const world::RoundOutcome& outcome = simulation.outcome();
    // Mine -> separation: 1,000 t/round of ore; half of it is oxide, enough for 500 t of alloy/magnets.
    CHECK(outcome.plants[0].output_tonnes == doctest::Approx(1000));
    CHECK(outcome.plants[1].output_tonnes == doctest::Approx(1000));
    CHECK(outcome.plants[3].output_tonnes == doctest::Approx(500).epsilon(0.01));
    double served = 0;
    for (std::size_t e = 0; e < 3; ++e) served += outcome.demand[e].served_tonnes;
    CHECK(served == doctest::Approx(500).epsilon(0.01));
    // The importer pays the exporter's price plus the $1 transport wedge.
    const double price_a = outcome.price_usd_per_kg[world::WorldState::At(0, 4, world.ProductCount())];
    const double price_b = outcome.price_usd_per_kg[world::WorldState::At(1, 4, world.ProductCount())];
    CHECK(price_b - price_a == doctest::Approx(1.0));
  }
}

}  // namespace
}  // namespace reesim
