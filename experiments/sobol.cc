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

std::vector<std::vector<double>> SobolPoints(int n, int dimensions) {
  REESIM_CHECK(dimensions >= 1 && dimensions <= kSobolMaxDimensions);
  REESIM_CHECK(n >= 0);
  // v[d][k]: direction numbers scaled to 32 bits, k = 1..kBits.
  std::vector<std::vector<std::uint32_t>> v(dimensions, std::vector<std::uint32_t>(kBits + 1, 0));
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
  std::vector<std::vector<double>> points(n, std::vector<double>(dimensions));
  std::vector<std::uint32_t> x(dimensions, 0);
  for (int i = 0; i < n; ++i) {
    // Gray code: flip the direction number of the lowest zero bit of i.
    int c = 1;
    for (std::uint32_t value = static_cast<std::uint32_t>(i); value & 1u; value >>= 1) ++c;
    for (int d = 0; d < dimensions; ++d) {
      x[d] ^= v[d][c];
      points[i][d] = static_cast<double>(x[d]) / 4294967296.0;
    }
  }
  return points;
}

std::vector<SobolIndex> SobolIndices(const std::vector<double>& f_a, const std::vector<double>& f_b,
                                     const std::vector<std::vector<double>>& f_ab) {
  const std::size_t n = f_a.size();
  REESIM_CHECK_EQ(f_b.size(), n);
  double mean = 0;
  for (std::size_t j = 0; j < n; ++j) mean += f_a[j] + f_b[j];
  mean /= 2.0 * n;
  double variance = 0;
  for (std::size_t j = 0; j < n; ++j) variance += (f_a[j] - mean) * (f_a[j] - mean) + (f_b[j] - mean) * (f_b[j] - mean);
  variance /= 2.0 * n - 1;
  std::vector<SobolIndex> indices(f_ab.size());
  if (n == 0 || variance <= 0) return indices;
  for (std::size_t i = 0; i < f_ab.size(); ++i) {
    REESIM_CHECK_EQ(f_ab[i].size(), n);
    double first = 0, total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      first += f_b[j] * (f_ab[i][j] - f_a[j]);
      total += (f_a[j] - f_ab[i][j]) * (f_a[j] - f_ab[i][j]);
    }
    indices[i].first = first / n / variance;
    indices[i].total = total / (2.0 * n) / variance;
  }
  return indices;
}

}  // namespace reesim::experiments
