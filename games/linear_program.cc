#include "games/linear_program.h"

#include <glpk.h>

#include <cmath>

#include "games/check.h"

namespace reesim::games {

namespace {

int BoundType(double lower, double upper) {
  const bool has_lower = std::isfinite(lower);
  const bool has_upper = std::isfinite(upper);
  if (has_lower && has_upper) return lower == upper ? GLP_FX : GLP_DB;
  if (has_lower) return GLP_LO;
  if (has_upper) return GLP_UP;
  return GLP_FR;
}

double Finite(double v) { return std::isfinite(v) ? v : 0.0; }

}  // namespace

LpSolution SolveLinearProgram(const LinearProgram& program) {
  const int columns = static_cast<int>(program.objective.size());
  GAMES_CHECK_EQ(program.lower.size(), program.objective.size());
  GAMES_CHECK_EQ(program.upper.size(), program.objective.size());
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, program.maximize ? GLP_MAX : GLP_MIN);
  if (!program.rows.empty()) glp_add_rows(lp, static_cast<int>(program.rows.size()));
  if (columns > 0) glp_add_cols(lp, columns);
  for (int c = 0; c < columns; ++c) {
    glp_set_col_bnds(lp, c + 1, BoundType(program.lower[c], program.upper[c]), Finite(program.lower[c]),
                     Finite(program.upper[c]));
    glp_set_obj_coef(lp, c + 1, program.objective[c]);
  }
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0.0};
  for (std::size_t r = 0; r < program.rows.size(); ++r) {
    const LinearProgram::Row& row = program.rows[r];
    glp_set_row_bnds(lp, static_cast<int>(r) + 1, BoundType(row.lower, row.upper), Finite(row.lower), Finite(row.upper));
    for (const auto& [column, value] : row.coefficients) {
      GAMES_CHECK(column >= 0 && column < columns);
      if (value == 0) continue;
      ia.push_back(static_cast<int>(r) + 1);
      ja.push_back(column + 1);
      ar.push_back(value);
    }
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp simplex;
  glp_init_smcp(&simplex);
  simplex.msg_lev = GLP_MSG_OFF;
  LpSolution solution;
  if (glp_simplex(lp, &simplex) == 0) {
    // Re-solve from that basis in exact rational arithmetic; keep the floating result if it fails.
    glp_exact(lp, &simplex);
    const int status = glp_get_status(lp);
    if (status == GLP_OPT) {
      solution.status = LpSolution::Status::kOptimal;
      solution.objective = glp_get_obj_val(lp);
      for (int c = 0; c < columns; ++c) solution.x.push_back(glp_get_col_prim(lp, c + 1));
    } else if (status == GLP_NOFEAS) {
      solution.status = LpSolution::Status::kInfeasible;
    } else if (status == GLP_UNBND) {
      solution.status = LpSolution::Status::kUnbounded;
    }
  }
  glp_delete_prob(lp);
  return solution;
}

}  // namespace reesim::games
