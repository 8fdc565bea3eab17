// The logit quantal response equilibrium (QRE) correspondence and its principal branch (McKelvey &
// Palfrey, "Quantal response equilibria for normal form games", Games and Economic Behavior 10, 1995),
// followed from lambda = 0 (every player uniform) towards lambda = infinity, where it ends at a Nash
// equilibrium: the logit "tracing procedure" (Turocy, "A dynamic homotopy interpretation of the logistic
// quantal response equilibrium correspondence", Games and Economic Behavior 51, 2005).
//
// A logit QRE at precision lambda is a profile with s_ij = exp(lambda u_ij(s)) / sum_k exp(lambda u_ik(s)).
// In log-probabilities b_ij = log s_ij it is the zero set of
//     sum_j exp(b_ij) - 1 = 0,    b_ij - b_i1 - lambda (u_ij(s) - u_i1(s)) = 0   (j > 1),
// a curve in (b, lambda) followed by arclength continuation: an Euler predictor along the tangent (the
// null vector of the Jacobian, oriented to continue the previous one), then Newton's method on the
// equations plus a hyperplane orthogonal to the tangent, with step-size adaptation. Arclength
// parameterisation follows the curve through turning points, where lambda decreases for a while.
// Internally payoffs are divided by their range; LogitOptions::max_lambda is in those units
// (lambda x payoff range), and the reported lambdas are in the game's own units.
//
// The path's last point is an approximate equilibrium; it is then refined by Newton's method on its
// support (polish.h) when that lowers the regret.
#pragma once

#include <vector>

#include "games/equilibrium.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct LogitOptions {
  double max_lambda = 1e6;   // stop once lambda x payoff range reaches this
  int max_steps = 20000;     // accepted steps at most
  double first_step = 0.03;  // initial arclength step
  int record_every = 1;      // keep every k-th accepted point in the path (the first and last always)
};

struct LogitPoint {
  double lambda = 0;  // in the game's payoff units
  MixedProfile profile;
};

struct LogitResult {
  std::vector<LogitPoint> path;  // from lambda = 0
  Equilibrium limit;             // the last point, polished when that lowers its regret
  bool reached_max_lambda = false;
};

// Follows the principal branch; never throws for a valid game (a failure to continue ends the path early,
// with reached_max_lambda false).
LogitResult LogitPath(const NormalFormGame& game, const LogitOptions& options = {});

}  // namespace reesim::games
