#include "experiments/sobol.h"

#include <cstdint>

#include "world/check.h"

namespace reesim::experiments {

namespace {

struct DirectionNumbers {
  int s;
  int a;
  int m[8];
};

// Dimensions 2..16 of Joe & Kuo's new-joe-kuo-6.21201 (dimension 1 is the van der Corput sequence).
constexpr DirectionNumbers kJoeKuo[kSobolMaxDimensions - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
};

constexpr int kBits = 32;

}  // namespace

SobolSequence::SobolSequence(int dimensions) : dimensions_(dimensions) {
  REESIM_CHECK(dimensions >= 1 && dimensions <= kSobolMaxDimensions);
  // direction_[d][k]: direction numbers scaled to 32 bits, k = 1..kBits.
  direction_.assign(dimensions, std::vector<std::uint32_t>(kBits + 1, 0));
  auto& v = direction_;
  for (int k = 1; k <= kBits; ++k) v[0][k] = 1u << (kBits - k);
  for (int d = 1; d < dimensions; ++d) {
    const DirectionNumbers& dn = kJoeKuo[d - 1];
    for (int k = 1; k <= kBits; ++k) {
      if (k <= dn.s) {
        v[d][k] = static_cast<std::uint32_t>(dn.m[k - 1]) << (kBits - k);
      } else {
        std::uint32_t value = v[d][k - dn.s] ^ (v[d][k - dn.s] >> dn.s);
        for (int l = 1; l < dn.s; ++l) {
          if ((dn.a >> (dn.s - 1 - l)) & 1) value ^= v[d][k - l];
        }
        v[d][k] = value;
      }
    }
  }
}

std::vector<double> SobolSequence::Point(std::int64_t i) const {
  REESIM_CHECK(i >= 0 && i < (std::int64_t{1} << kBits) - 1);
  // Bratley & Fox's gray-code order: point i is the XOR of the direction numbers of the set bits of
  // the gray code of i + 1 (point 0, all zeros, is skipped).
  const std::uint64_t gray = static_cast<std::uint64_t>(i + 1) ^ (static_cast<std::uint64_t>(i + 1) >> 1);
  std::vector<double> point(dimensions_);
  for (int d = 0; d < dimensions_; ++d) {
    std::uint32_t x = 0;
    for (int k = 1; k <= kBits; ++k) {
      if ((gray >> (k - 1)) & 1u) x ^= direction_[d][k];
    }
    point[d] = static_cast<double>(x) / 4294967296.0;
  }
  return point;
}

}  // namespace reesim::experiments
