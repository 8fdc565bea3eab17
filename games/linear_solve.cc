#include "games/linear_solve.h"

#include <cmath>
#include <utility>

#include "games/check.h"

namespace reesim::games {

std::optional<std::vector<double>> SolveLinear(std::vector<std::vector<double>> a, std::vector<double> b,
                                               double singular_tolerance) {
  const std::size_t n = a.size();
  GAMES_CHECK_EQ(b.size(), n);
  double largest = 0;
  for (const auto& row : a) {
    GAMES_CHECK_EQ(row.size(), n);
    for (const double v : row) largest = std::max(largest, std::abs(v));
  }
  if (largest == 0 || !std::isfinite(largest)) return std::nullopt;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t row = col + 1; row < n; ++row) {
      if (std::abs(a[row][col]) > std::abs(a[pivot][col])) pivot = row;
    }
    if (std::abs(a[pivot][col]) <= singular_tolerance * largest) return std::nullopt;
    std::swap(a[pivot], a[col]);
    std::swap(b[pivot], b[col]);
    for (std::size_t row = col + 1; row < n; ++row) {
      const double factor = a[row][col] / a[col][col];
      if (factor == 0) continue;
      for (std::size_t c = col; c < n; ++c) a[row][c] -= factor * a[col][c];
      b[row] -= factor * b[col];
    }
  }
  std::vector<double> x(n);
  for (std::size_t i = n; i-- > 0;) {
    double sum = b[i];
    for (std::size_t c = i + 1; c < n; ++c) sum -= a[i][c] * x[c];
    x[i] = sum / a[i][i];
  }
  return x;
}

}  // namespace reesim::games
