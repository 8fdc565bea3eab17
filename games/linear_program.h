// Small linear programs through GLPK (the GNU Linear Programming Kit, libglpk): the simplex method,
// then GLPK's exact rational simplex (glp_exact) from the basis found, so the optimal basis is
// exact and the reported solution is accurate to double rounding. Used by stackelberg and coalitions.
#pragma once

#include <limits>
#include <utility>
#include <vector>

namespace reesim::games {

inline constexpr double kLpInfinity = std::numeric_limits<double>::infinity();

struct LinearProgram {
  struct Row {
    std::vector<std::pair<int, double>> coefficients;  // (variable, coefficient)
    double lower = -kLpInfinity;
    double upper = kLpInfinity;
  };
  bool maximize = false;
  std::vector<double> objective;  // one coefficient per variable
  std::vector<double> lower;      // per variable; -kLpInfinity for none
  std::vector<double> upper;      // per variable; kLpInfinity for none
  std::vector<Row> rows;
};

struct LpSolution {
  enum class Status { kOptimal, kInfeasible, kUnbounded, kFailed };
  Status status = Status::kFailed;
  double objective = 0;
  std::vector<double> x;
};

// Solves the program; deterministic (GLPK with fixed options, no presolve, messages off).
LpSolution SolveLinearProgram(const LinearProgram& program);

}  // namespace reesim::games
