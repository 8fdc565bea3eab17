// Random streams of different uses never share draws: the keys of the simulation's streams, its
// strategies' look-ahead streams, an experiment's sampling stream and its bootstrap weights never
// coincide over a grid of seeds, runs, rounds and agents that covers the collision an earlier design had (sampling row r, parameter p was
// keyed exactly as agent p's decisions in round r + 1 of run 0x5a3b).
#include <doctest/doctest.h>

#include <cstdint>
#include <unordered_map>

#include "experiments/design.h"
#include "experiments/streaming_statistics.h"
#include "world/random.h"

namespace reesim {
namespace {

enum class Use { kSimulation, kLookahead, kSampling, kBootstrap };

struct KeyCensus {
  std::unordered_map<std::uint64_t, Use> owner;
  int collisions = 0;
  void Add(std::uint64_t key, Use use) {
    const auto [it, inserted] = owner.emplace(key, use);
    if (!inserted && it->second != use) ++collisions;
  }
};

TEST_CASE("Random.KeysOfSamplingSimulationAndBootstrapNeverCoincide") {
  KeyCensus census;
  constexpr std::uint64_t kOldSamplingRun = 0x5a3b;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    // The simulation: demand shocks by demand entry, decisions by agent, policy outcomes by event,
    // for runs 0..63 and the run the old sampling key used.
    for (std::uint64_t run = 0; run <= 64; ++run) {
      const std::uint64_t run_key = run == 64 ? kOldSamplingRun : run;
      for (std::uint64_t round = 0; round < 41; ++round) {
        for (std::uint64_t agent = 0; agent < 12; ++agent) {
          for (const world::RandomPurpose purpose : {world::RandomPurpose::kDemandShock, world::RandomPurpose::kAgentDecision,
                                                     world::RandomPurpose::kPolicyOutcome}) {
            census.Add(world::RandomStream(seed, run_key, round, agent, purpose).key(), Use::kSimulation);
            // A strategy's look-ahead from the same run, round and agent (world::RoundInputs::domain).
            census.Add(world::RandomStream(seed, run_key, round, agent,
                                           world::InDomain(purpose, world::RandomDomain::kLookahead)).key(),
                       Use::kLookahead);
          }
        }
      }
    }
    // An experiment's sample points: rows -1 (Latin-hypercube permutation keys) to 39, 12 parameters.
    for (int row = -1; row < 40; ++row) {
      for (int parameter = 0; parameter < 12; ++parameter) {
        census.Add(experiments::SamplingStream(seed, row, parameter).key(), Use::kSampling);
      }
    }
    // Bootstrap weights of the summary's statistics (keys as the summary builds them), 200 observations.
    for (const std::uint64_t key : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 40, std::uint64_t{3} << 40, (std::uint64_t{1} << 20) + 1}) {
      const experiments::PoissonWeights weights(seed, key);
      for (std::int64_t index = 0; index < 200; ++index) census.Add(weights.Stream(index).key(), Use::kBootstrap);
    }
  }
  CHECK(census.owner.size() > 260000);
  CHECK(census.collisions == 0);
  // The old collision itself: sampling row 4, parameter 2 against agent 2's decisions in round 5 of run 0x5a3b.
  CHECK(experiments::SamplingStream(1, 4, 2).key() !=
        world::RandomStream(1, kOldSamplingRun, 5, 2, world::RandomPurpose::kAgentDecision).key());
}

}  // namespace
}  // namespace reesim
