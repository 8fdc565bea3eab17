// Synthetic worlds for benchmarks: the baseline's chain (products, recipes, stages) over many regions
// and plants, deterministic from a seed. Plants are spread over regions and stages in the baseline's
// proportions; each region demands magnets and other oxides.
#pragma once

#include <cstdint>
#include <memory>

namespace reesim {
class Scenario;
}

namespace reesim::bench {

// Returns a scenario with `regions` regions and about `plants` plants, built from the baseline's
// products. The same arguments give the same scenario.
std::shared_ptr<reesim::Scenario> SyntheticScenario(int regions, int plants, std::uint64_t seed);

}  // namespace reesim::bench
