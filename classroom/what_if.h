// The teacher's "what if": a Monte Carlo ensemble forked from a classroom game's state, and its fan
// chart. Each run of the ensemble
//   1. plays the game's rounds again from the start with the same seed, every team seat playing what it
//      played (the simulation is deterministic: the run reaches exactly the class's state), then
//   2. at the fork (the open round) draws the world's uncertain numbers afresh (one sample point of the
//      experiment language's parameters per run, experiments/design.h) and puts the drawn world in
//      place of the played one, keeping the state (stocks, plants, expectations, prices), and
//   3. plays the remaining rounds with every team seat holding its last choice and the model playing
//      every other seat (the model's strategies see the drawn world).
// The runs go through the experiment runner (experiments/runner.h, RunInOrder), in parallel, delivered
// in run order; the fan's 5-25-50-75-95 % points of a metric per round come from the runs in that
// order, so the same state and request give the same fan whatever the thread count.
//
// ASSUMPTION (the fork): the uncertainty is about the world from the fork on; the rounds played are
// what they were. A drawn demand growth rate or capacity growth rate takes effect from the fork without
// a jump: the drawn entry's base level is rescaled so that its level at the fork is the played world's
// (a growth path through the fork's level), unless its base level is drawn too. Other drawn numbers (elasticities, the expectation weight,
// costs) act from the fork as they are. Parameters that would change the world's shape (the number of
// demand-curve steps, say) are refused. Per-round demand shocks (market.demand_shock_sd), when a
// scenario has them, keep the game's own draws in every run: the spread is the parameters'.
//
// ASSUMPTION (the default set, when the request names no parameters; README "What if"): independently
// per entry, as experiments/examples/robustness_export_controls.textproto varies them:
//   - market.expectation_weight ~ uniform(w - 0.2, w + 0.2) around the scenario's w (default 0.5; the
//     library's 0.5 is itself an ASSUMPTION), kept within 0.05 .. 1;
//   - every demand entry's price elasticity ~ uniform(x0.5, x2) of its value (the library's values are
//     ASSUMPTIONs within the -0.1 .. -0.3 short-run range of shared/CALIBRATION.md);
//   - every demand entry's growth_per_year ~ uniform(g - 0.03, g + 0.03): ASSUMPTION, +-3 points a year
//     around the scenario's rate (the IEA's magnet rare-earth demand path, about 93 kt in 2023 to 131 kt
//     in 2030, is about 5 % a year; the band spans a slower and a faster uptake of electric vehicles
//     and wind turbines, not an estimate).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "classroom.pb.h"
#include "experiments/experiment_spec.h"
#include "run/metrics.h"

namespace reesim {
class Scenario;
}

namespace reesim::classroom {

inline constexpr int kMaxWhatIfRuns = 1000;
inline constexpr int kDefaultWhatIfRuns = 64;
inline constexpr const char* kClassPayoff = "class_payoff";

// The game's state as a what-if forks it: copied on the game's strand, then used on another thread.
struct ForkState {
  std::shared_ptr<const reesim::Scenario> scenario;  // as played, before team seats are made external
  std::string scenario_text;
  std::string scenario_source;
  std::uint64_t seed = 1;
  int rounds = 0;                        // the game's length
  std::vector<int> seats;                // actors with a seat
  std::vector<bool> external;            // [actor]: a team holds the seat
  std::vector<std::vector<int>> played;  // [round][actor]: the action played (-1: none)
  std::vector<int> held;                 // [actor]: a team seat's action from the fork on (-1: not held)
  std::vector<std::string> held_names;   // [actor]: its name
};

// A validated request: the ensemble's design on the experiment language.
struct WhatIfPlan {
  std::string metric;
  std::string unit;
  std::vector<std::string> summands;             // class_payoff: the payoff metrics summed; else {metric}
  bool absent_is_zero = false;                   // a missing value reads as 0 (a flow metric)
  experiments::ExperimentSpec spec;              // scenario (team seats external), parameters, sampler, seed, runs
  std::vector<std::string> descriptions;         // "path ~ distribution"
  std::string sampler;                           // latin_hypercube, monte_carlo
};

// Returns the default set of uncertain numbers for `scenario` as reesim.Experiment text (see above).
std::string DefaultWhatIfParameters(const reesim::Scenario& scenario);

// Validates `request` against the fork (the metric, the runs, the parameters and their paths; that
// rounds are left). Throws InputError saying what is wrong.
WhatIfPlan PlanWhatIf(const ForkState& fork, const wire::WhatIfRequest& request);

// Returns the plan's metric from one round's metrics. Throws InputError for a missing metric that is
// not a flow.
double WhatIfValue(const WhatIfPlan& plan, const run::Metrics& metrics);

// Runs the ensemble on `threads` threads (0 = all cores) through the experiment runner. `progress`
// (done, total) is called in run order from one thread at a time. A set `cancel` skips the runs not yet
// started and throws InputError("cancelled"). The answer's id and actual path are left for the caller
// (SetActualPath). Throws InputError when every run fails.
wire::WhatIf RunWhatIf(const ForkState& fork, const WhatIfPlan& plan, int threads,
                       const std::function<void(int done, int total)>& progress, const std::atomic<bool>* cancel);

// Sets the fan's actual path: the plan's metric in every round played (`played[r]`: round r's metrics).
void SetActualPath(wire::WhatIf& fan, const WhatIfPlan& plan, const std::vector<const run::Metrics*>& played);

}  // namespace reesim::classroom
