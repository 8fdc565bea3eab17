// A counter-based random stream for the randomised methods (restarts, sampled play, Monte Carlo
// Shapley): every draw is a pure function of (seed, keys), so results never depend on call order,
// threads or the clock. SplitMix64 (Steele, Lea & Flood 2014) as the mixing function; no std::
// distributions (their output differs between standard libraries).
#pragma once

#include <cstdint>

namespace reesim::games {

// Returns SplitMix64's output for state `x` (a bijective 64-bit mix).
constexpr std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Returns a 64-bit draw keyed by the seed and up to three counters (e.g. sample index, player, purpose).
constexpr std::uint64_t Draw64(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  return SplitMix64(SplitMix64(SplitMix64(SplitMix64(seed) ^ a) ^ b) ^ c);
}

// Returns a double uniform in [0, 1) with 53 random bits.
constexpr double DrawUnit(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  return static_cast<double>(Draw64(seed, a, b, c) >> 11) * 0x1.0p-53;
}

// Returns an integer uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-40 for the
// n used here).
inline std::uint64_t DrawBelow(std::uint64_t n, std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                               std::uint64_t c = 0) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(Draw64(seed, a, b, c)) * n) >> 64);
}

}  // namespace reesim::games
