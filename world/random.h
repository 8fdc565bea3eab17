// A counter-based random stream: draw i of the stream keyed by (seed, run, round, agent, purpose) is a
// pure function of those six numbers, so results never depend on thread scheduling or call order
// elsewhere. The mixing function is SplitMix64 (Steele, Lea & Flood 2014); distributions are computed
// here rather than with std:: distributions, whose output differs between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>

namespace reesim::world {

// What a stream is used for; the last part of the key, so that streams of different purposes never
// share draws whatever the other parts (tests/random_test.cc checks it on the real call sites).
enum class RandomPurpose : std::uint64_t {
  // The simulation.
  kDemandShock = 1,
  kAgentDecision = 2,
  kPolicyOutcome = 3,
  // Experiments (experiments/): an experiment's sample points, and its bootstrap weights.
  kSampling = 4,
  kBootstrap = 5,
};

// Whose draws a stream is for: the run itself, or a strategy's look-ahead, which simulates the future
// on a copy of the world and must not foresee the run's own draws.
enum class RandomDomain : std::uint64_t { kRun = 0, kLookahead = 1 };

// Returns `purpose` within `domain`: the run's purposes unchanged, look-ahead's apart from every other.
constexpr RandomPurpose InDomain(RandomPurpose purpose, RandomDomain domain) {
  return static_cast<RandomPurpose>(static_cast<std::uint64_t>(purpose) | (static_cast<std::uint64_t>(domain) << 8));
}

inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t run, std::uint64_t round, std::uint64_t agent,
               RandomPurpose purpose) {
    std::uint64_t k = SplitMix64(seed);
    k = SplitMix64(k ^ run);
    k = SplitMix64(k ^ round);
    k = SplitMix64(k ^ agent);
    key_ = SplitMix64(k ^ static_cast<std::uint64_t>(purpose));
  }

  // The stream's key: two streams with different keys never share draws.
  std::uint64_t key() const { return key_; }

  // Returns the next 64 random bits.
  std::uint64_t NextBits() { return SplitMix64(key_ ^ SplitMix64(counter_++)); }

  // Returns a uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextBits() >> 11) * 0x1.0p-53; }

  // Returns a standard normal draw (Box-Muller on two uniforms; the second value is discarded so each
  // draw uses a fixed number of counters).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // in (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t key_ = 0;
  std::uint64_t counter_ = 0;
};

}  // namespace reesim::world
