// Sobol sensitivity analysis: the Sobol low-discrepancy sequence (Bratley & Fox's gray-code
// construction with Joe & Kuo's direction numbers, "new-joe-kuo-6.21201", up to 16 dimensions) and
// the Saltelli design, whose indices streaming_statistics.h estimates: first-order by Saltelli et al.
// (2010) and total by Jansen (1999):  S_i = mean(f_B (f_ABi - f_A)) / V,  ST_i = mean((f_A - f_ABi)^2) / (2 V).
#pragma once

#include <cstdint>
#include <vector>

namespace reesim::experiments {

inline constexpr int kSobolMaxDimensions = 16;

// The Sobol sequence in up to kSobolMaxDimensions dimensions; any point computed directly, so a design
// of any size needs no table of points.
class SobolSequence {
 public:
  explicit SobolSequence(int dimensions);
  // Returns point i + 1 of the sequence (point 0, all zeros, is skipped).
  std::vector<double> Point(std::int64_t i) const;

 private:
  int dimensions_;
  std::vector<std::vector<std::uint32_t>> direction_;
};

struct SobolIndex {
  double first = 0;
  double total = 0;
};

}  // namespace reesim::experiments
