#include "experiments/design.h"

#include <algorithm>

#include "experiments/sobol.h"
#include "world/random.h"

namespace reesim::experiments {

namespace {


// A keyed permutation of [0, n): a 4-round Feistel network on the smallest power of two (with an even
// number of bits) at or above n, walking the cycle back into range. A Latin hypercube of any size
// then needs no table of strata.
std::int64_t PermuteIndex(std::int64_t index, std::int64_t n, std::uint64_t key) {
  int bits = 2;
  while ((std::int64_t{1} << bits) < n) bits += 2;
  const int half = bits / 2;
  const std::uint64_t mask = (std::uint64_t{1} << half) - 1;
  std::uint64_t x = static_cast<std::uint64_t>(index);
  do {
    std::uint64_t left = x >> half, right = x & mask;
    for (std::uint64_t round = 0; round < 4; ++round) {
      const std::uint64_t next = left ^ (world::SplitMix64(key ^ (round << 56) ^ right) & mask);
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<std::uint64_t>(n));
  return static_cast<std::int64_t>(x);
}

}  // namespace

std::int64_t TotalRuns(const ExperimentSpec& spec) {
  return static_cast<std::int64_t>(spec.arm_names.size()) * spec.RunsPerArm();
}

RunSlot SlotAt(const ExperimentSpec& spec, std::int64_t position) {
  const std::int64_t arms = static_cast<std::int64_t>(spec.arm_names.size());
  const std::int64_t point = position / arms;
  RunSlot slot;
  slot.arm = static_cast<int>(position % arms);
  slot.row = static_cast<int>(point);
  if (spec.sampler == ExperimentSpec::Sampler::kSobol) {
    // Design point j's rows A, B, AB_1.. are consecutive positions; row = block x replicates + j.
    const std::int64_t blocks = static_cast<std::int64_t>(spec.parameters.size()) + 2;
    slot.row = static_cast<int>((point % blocks) * spec.replicates + point / blocks);
  }
  return slot;
}

world::RandomStream SamplingStream(std::uint64_t seed, int row, int parameter) {
  return world::RandomStream(seed, /*run=*/0, /*round=*/static_cast<std::uint64_t>(row + 1),
                             static_cast<std::uint64_t>(parameter), world::RandomPurpose::kSampling);
}

std::vector<double> SamplePoint(const ExperimentSpec& spec, int row) {
  const int dims = static_cast<int>(spec.parameters.size());
  std::vector<double> point(dims);
  if (spec.sampler == ExperimentSpec::Sampler::kSobol) {
    const int block = row / spec.replicates, j = row % spec.replicates;
    const std::vector<double> u = SobolSequence(2 * dims).Point(j);
    for (int p = 0; p < dims; ++p) {
      double value = u[p];                               // A
      if (block == 1 || block == p + 2) value = u[dims + p];  // B, or this input's column of AB_i from B
      point[p] = spec.parameters[p].distribution.Quantile(std::clamp(value, 1e-12, 1 - 1e-12));
    }
    return point;
  }
  if (spec.sampler == ExperimentSpec::Sampler::kFullFactorial) {
    // Mixed-radix counting over the levels, the last parameter fastest; each combination repeated.
    int rest = row / spec.replicates;
    for (int p = dims - 1; p >= 0; --p) {
      const int size = static_cast<int>(spec.factorial_levels[p].size());
      point[p] = spec.factorial_levels[p][rest % size];
      rest /= size;
    }
    return point;
  }
  const int n = spec.replicates;
  for (int p = 0; p < dims; ++p) {
    world::RandomStream random = SamplingStream(spec.seed, row, p);
    double u = random.Uniform();
    if (spec.sampler == ExperimentSpec::Sampler::kLatinHypercube) {
      // One point in each of n equal strata; the strata permuted per parameter.
      const std::uint64_t key =
          SamplingStream(spec.seed, /*row=*/-1, p).NextBits();
      u = (static_cast<double>(PermuteIndex(row, n, key)) + u) / n;
    }
    point[p] = spec.parameters[p].distribution.Quantile(std::clamp(u, 1e-12, 1.0 - 1e-12));
  }
  return point;
}

}  // namespace reesim::experiments
