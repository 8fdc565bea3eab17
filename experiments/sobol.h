// Sobol sensitivity analysis: the Sobol low-discrepancy sequence (Bratley & Fox's gray-code
// construction with Joe & Kuo's direction numbers, "new-joe-kuo-6.21201", up to 16 dimensions) and
// the Saltelli design with first-order indices by Saltelli et al. (2010) and total indices by Jansen
// (1999):  S_i = mean(f_B (f_ABi - f_A)) / V,  ST_i = mean((f_A - f_ABi)^2) / (2 V).
#pragma once

#include <vector>

namespace reesim::experiments {

inline constexpr int kSobolMaxDimensions = 16;

// Returns points 1..n of the Sobol sequence in `dimensions` dimensions (point 0, all zeros, is skipped).
std::vector<std::vector<double>> SobolPoints(int n, int dimensions);

struct SobolIndex {
  double first = 0;
  double total = 0;
};

// Returns the first-order and total index of each input from model values at the A, B and AB_i
// matrices of a Saltelli design: f_a[j], f_b[j], f_ab[i][j].
std::vector<SobolIndex> SobolIndices(const std::vector<double>& f_a, const std::vector<double>& f_b,
                                     const std::vector<std::vector<double>>& f_ab);

}  // namespace reesim::experiments
