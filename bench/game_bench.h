// Benchmarks of the games: an empirical game of 4 players x 4 strategies (256 profiles) x 100
// replicates x 40 rounds on the baseline, on 2 threads (the budget: at most 30 s), and the exact
// two-player enumerator on a random 10 x 10 game; the same game with profile search (QUIESCE).
#pragma once

#include <cstdint>

namespace reesim::bench {

// Returns the seconds to load, run (2 threads) and analyse the 256-profile empirical game: its runs
// collected in position order as `reesim game` does, then every analysis (1,000 bootstrap resamples),
// without writing files. `quick`: 4 replicates x 8 rounds.
double EmpiricalGameSeconds(bool quick);

struct QuiesceBench {
  double seconds = 0;
  std::int64_t profiles = 0;  // simulated, of 256
  bool confirmed = false;     // the search confirmed an equilibrium (else it stopped with none: games/quiesce.h)
};

// The same game with profile search (QUIESCE, budget 256): the seconds to load, search (2 threads)
// and analyse, and the profiles simulated until an equilibrium was confirmed or the search stopped.
QuiesceBench QuiescedGameSeconds(bool quick);

// Returns the median milliseconds of games::EnumMixed on a random 10 x 10 game (integer payoffs
// 0..99 from a fixed stream), over `repeats`.
double EnumMixedMilliseconds10x10(int repeats);

}  // namespace reesim::bench
