// Dense linear systems in doubles, for the Newton steps of the smooth methods (polish, liap, logit).
#pragma once

#include <optional>
#include <vector>

namespace reesim::games {

// Solves a x = b by Gaussian elimination with partial pivoting; returns nothing when a pivot is below
// `singular_tolerance` times the largest entry of `a` (a square).
std::optional<std::vector<double>> SolveLinear(std::vector<std::vector<double>> a, std::vector<double> b,
                                               double singular_tolerance = 1e-13);

}  // namespace reesim::games
