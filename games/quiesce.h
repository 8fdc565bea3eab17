// EGTA's profile search ("quiesce") for games too large to simulate every profile: profiles are chosen
// by deviation from candidate equilibria, under a budget of profiles. Pure numbers: the payoffs come
// from an oracle (the simulation, through games/empirical_game.h, or a table in the tests); nothing
// here knows of the simulation.
//
// The search, after Wellman ("Methods for empirical game-theoretic analysis", AAAI 2006) and Jordan,
// Schvartzman & Wellman ("Strategy exploration in empirical games", AAMAS 2010):
//  1. The subgame starts as each player's first strategy (the all-first profile).
//  2. Every profile of the subgame (the product of its strategy sets) is evaluated; if the budget cannot
//     take all of them, none is, and the search stops.
//  3. The complete subgame is solved: its pure equilibria; if it has none, for two players every
//     extreme equilibrium (enummixed; lcp if the enumeration is too large), for more players liap's.
//     These are the candidates, each extended to the full game (probability 0 outside the subgame).
//  4. Every unilateral deviation from each candidate (player i to any strategy j it does not play
//     with probability 1) needs the profiles (j, s_-i) for s_-i in the support of the others' mix. They
//     are evaluated in a fixed order (candidate, player, strategy, profile index) as far as the budget
//     allows. A deviation's gain is u_i(j, sigma_-i) - u_i(sigma) from the estimated means.
//  5. A candidate is *refuted* when an evaluated deviation gains more than the tolerance, *confirmed*
//     when every deviation is evaluated and none does, and *unconfirmed* otherwise (deviations left
//     when the budget ran out). The search stops when a candidate of the step is confirmed, or the
//     budget is spent; else each refuted candidate's best deviation (largest gain; ties: lowest player,
//     then strategy) joins the subgame and the search returns to 2. If the subgame does not grow (an
//     approximate solver's candidate refuted inside it), it stops.
// A confirmed candidate is an equilibrium of the estimated full game to within the tolerance: every
// unilateral deviation was simulated. Unevaluated profiles are never guessed at.
//
// Everything is sequential and ordered by index, so equal oracles give equal results.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "games/empirical_analysis.h"
#include "games/normal_form_game.h"

namespace reesim::games {

struct QuiesceOptions {
  std::int64_t max_profiles = 0;  // the budget: at most this many profiles evaluated (>= 1)
  double tolerance = 0;           // a deviation refutes a candidate when it gains more than this (payoff units)
  std::uint64_t seed = 1;         // liap's random starts (a subgame of three or more players without a pure equilibrium)
};

// The payoffs. evaluate(profiles) is called with profiles (full-game indices, ascending, none given
// before) to evaluate, e.g. simulate; payoff(profile, player) then returns the estimated mean payoff of
// an evaluated profile.
struct PayoffOracle {
  std::function<void(const std::vector<std::int64_t>& profiles)> evaluate;
  std::function<double(std::int64_t profile, int player)> payoff;
};

enum class CandidateStatus { kConfirmed, kRefuted, kUnconfirmed };
enum class QuiesceStop { kConfirmed, kBudget, kNoProgress };

const char* StatusName(CandidateStatus status);  // "confirmed", "refuted", "unconfirmed"
const char* StopName(QuiesceStop stop);          // "confirmed", "budget", "no_progress"

struct QuiesceDeviation {
  int player = 0;
  int strategy = 0;
  double gain = 0;                    // NaN while any of its profiles is not evaluated
  std::vector<std::int64_t> missing;  // its profiles not evaluated (ascending); empty: evaluated
};

struct QuiesceCandidate {
  int step = 0;                  // the step whose subgame it solves
  std::string method;            // the subgame's solver: pure, enummixed, lcp or liap
  MixedProfile strategies;       // in the full game
  std::vector<double> payoffs;   // expected, from the estimated means
  CandidateStatus status = CandidateStatus::kUnconfirmed;
  double regret = 0;             // the largest gain (>= 0) over its evaluated deviations
  std::vector<QuiesceDeviation> deviations;  // player by player, strategy by strategy
};

struct QuiesceStep {
  std::vector<std::vector<int>> subgame;  // [player]: its strategies in the subgame, ascending
  std::vector<std::int64_t> completed;    // profiles evaluated to complete the subgame
  std::vector<std::int64_t> deviations;   // profiles evaluated for the candidates' deviations
  std::int64_t needed_but_over_budget = 0;  // the subgame's missing profiles, when the budget could not take them
  std::vector<int> candidates;            // indices into QuiesceResult::candidates
};

struct QuiesceResult {
  std::vector<std::int64_t> evaluated;  // every evaluated profile, in the order evaluated
  std::vector<QuiesceStep> steps;
  std::vector<QuiesceCandidate> candidates;  // every step's, in order
  QuiesceStop stop = QuiesceStop::kBudget;
  // Returns the candidates of the last step that solved a subgame (the current ones).
  std::vector<int> LastCandidates() const;
};

// Runs the search on a game with these players and strategy labels (Gambit profile order). Throws
// GameError if max_profiles < 1 or the tolerance is negative or not finite.
QuiesceResult Quiesce(const std::vector<std::string>& players, const std::vector<std::vector<std::string>>& strategies,
                      const PayoffOracle& oracle, const QuiesceOptions& options);

// Assesses the given candidates as AnalyseEquilibria does (games/empirical_analysis.h) from the
// evaluated profiles only: regret over the evaluated deviations, robustness (share of bootstrap
// resamples in which no evaluated deviation gains more than epsilon_i), the resamples' regret median
// and 95th percentile, and each player's payoff interval. epsilon_i: options.epsilon, else 1 % of
// player i's range of mean payoffs over the evaluated profiles. `evaluated` [profile].
EquilibriumAnalysis AssessCandidates(const PayoffSamples& samples, const std::vector<bool>& evaluated,
                                     const std::vector<QuiesceCandidate>& candidates, const BootstrapOptions& options);

}  // namespace reesim::games
