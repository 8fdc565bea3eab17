// The experiment's design: which arm and row run at each position of the fixed run order (sample
// point by sample point, every arm in turn, so paired runs and a Sobol design point's rows arrive
// together), and the sample point of each row. The sampling stream is separate from the simulation's.
#pragma once

#include <cstdint>
#include <vector>

#include "experiments/experiment_spec.h"
#include "world/random.h"

namespace reesim::experiments {

// The arm and row (replicate, or design row) run at each position, and how many positions there are.
struct RunSlot {
  int arm = 0;
  int row = 0;
};
RunSlot SlotAt(const ExperimentSpec& spec, std::int64_t position);
std::int64_t TotalRuns(const ExperimentSpec& spec);

// The sampling stream of a row's parameter (row -1: the parameter's Latin-hypercube permutation key),
// keyed apart from every simulation stream by its purpose.
world::RandomStream SamplingStream(std::uint64_t seed, int row, int parameter);

// Returns the sample point (one value per parameter) of a row: Monte Carlo, Latin hypercube, the
// Saltelli design on a Sobol sequence, or a full factorial level combination, from the sampling
// stream, which is separate from the simulation's. Computed per row: no table of points is kept.
std::vector<double> SamplePoint(const ExperimentSpec& spec, int row);

}  // namespace reesim::experiments
