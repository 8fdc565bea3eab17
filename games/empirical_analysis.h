// Analysis of an empirical game: a normal-form game whose payoffs are estimated from noisy samples
// (simulation replicates), as in empirical game-theoretic analysis (EGTA; Wellman, Tuyls & Greenwald,
// "Empirical game-theoretic analysis: a survey", JAIR 2025). Pure numbers in, numbers out: nothing here
// knows of the simulation (games/empirical_game.h runs it).
//
// - Cells: each profile's mean payoff per player, its standard error sd/sqrt(n), a 95 % Student-t
//   interval mean +- t(0.975, n-1) SE, and n (failed runs, NaN, are left out).
// - The estimated game: the cell means, each read exactly as the shortest decimal that round-trips
//   the double, so exact solvers and the .nfg file see the same numbers.
// - Bootstrap (Efron 1979): resample b draws `replicates` replicate indices with replacement, the
//   same draws for every cell (common random numbers stay paired), from the counter-based stream
//   keyed by (seed, b, draw) (games/random.h). Default 1,000 resamples.
// - Equilibria of the estimated game from any methods of games/methods.h, deduplicated; for each: its
//   regret in the estimated game; its robustness, the share of resamples in which it stays an
//   epsilon-equilibrium (no player gains more than epsilon_i by a unilateral deviation; epsilon_i
//   defaults to 1 % of player i's range of mean payoffs over the profiles, since players' payoffs may
//   be on different scales); the median and 95th percentile of its regret over the resamples; and a
//   95 % percentile interval of each player's payoff in it.
// - Tournament: each player's strategies scored against every profile of the others' strategies (all
//   weighted equally), per replicate; ranking by mean score with SE and a bootstrap interval; pairwise
//   win rates (share of opponent profiles x replicates in which strategy j beats k, ties half); a
//   paired t-test of the per-replicate score difference between the top two.
// - Stackelberg: every player in turn as leader (the others follow in table order), pure commitment;
//   with two players also the mixed commitment (games/stackelberg.h).
// - Coalitions: a table of coalition value samples [coalition mask][replicate]: mean values, exact
//   Shapley values with bootstrap intervals, the least core and the share of resamples whose core is
//   non-empty (games/coalitions.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "games/coalitions.h"
#include "games/equilibrium.h"
#include "games/normal_form_game.h"
#include "games/stackelberg.h"

namespace reesim::games {

// Payoff samples of every player at every pure profile (Gambit order), one per replicate; NaN marks a
// failed run.
class PayoffSamples {
 public:
  // Creates samples for these players and strategies, every value NaN. Throws GameError as
  // NormalFormGame does, or if replicates < 1.
  PayoffSamples(std::vector<std::string> players, std::vector<std::vector<std::string>> strategies, int replicates);

  int NumPlayers() const { return static_cast<int>(players_.size()); }
  int replicates() const { return replicates_; }
  std::int64_t NumProfiles() const { return num_profiles_; }
  const std::vector<std::string>& players() const { return players_; }
  const std::vector<std::vector<std::string>>& strategies() const { return strategies_; }
  double At(std::int64_t profile, int player, int replicate) const { return values_[Slot(profile, player, replicate)]; }
  void Set(std::int64_t profile, int player, int replicate, double value) { values_[Slot(profile, player, replicate)] = value; }
  // A game with the same players, labels and profile order (all payoffs 0): profile indices and strides.
  const NormalFormGame& shape() const { return shape_; }

 private:
  std::size_t Slot(std::int64_t profile, int player, int replicate) const {
    return (static_cast<std::size_t>(profile) * players_.size() + static_cast<std::size_t>(player)) *
               static_cast<std::size_t>(replicates_) +
           static_cast<std::size_t>(replicate);
  }
  std::vector<std::string> players_;
  std::vector<std::vector<std::string>> strategies_;
  int replicates_;
  NormalFormGame shape_;
  std::int64_t num_profiles_;
  std::vector<double> values_;
};

struct Estimate {
  double mean = 0;        // NaN when n = 0
  double se = 0;          // NaN when n < 2
  double ci95_low = 0;    // Student-t interval of the mean; NaN when n < 2
  double ci95_high = 0;
  std::int64_t n = 0;
};

// Returns the mean, SE, 95 % interval and count of the finite values (unit-weighted).
Estimate EstimateOf(const std::vector<double>& values);

// Returns every cell's estimate, [profile * players + player].
std::vector<Estimate> EstimateCells(const PayoffSamples& samples);

// Returns the estimated game: each cell mean as the exact rational of its shortest round-trip decimal.
// A cell none of whose runs succeeded gets payoff 0 and is counted in *missing (if given).
NormalFormGame EstimatedGame(const PayoffSamples& samples, const std::string& title, std::int64_t* missing = nullptr);

// Returns the exact rational of the shortest decimal that reads back as `value`.
Rational ShortestDecimal(double value);

// The bootstrap's resamples: multiplicity of each replicate in resample b (summing to `replicates`).
std::vector<int> ResampleCounts(int replicates, std::uint64_t seed, int resample);

struct BootstrapOptions {
  int resamples = 1000;
  std::uint64_t seed = 1;
  double epsilon = 0;  // robustness threshold for every player, payoff units; 0: 1 % of each player's payoff range
};

// Returns the game whose payoffs are the resampled cell means (counts from ResampleCounts); a cell
// whose resampled replicates all failed keeps its full-sample mean.
NormalFormGame ResampledGame(const PayoffSamples& samples, const NormalFormGame& estimated, const std::vector<int>& counts);

struct AssessedEquilibrium {
  Equilibrium equilibrium;                         // in the estimated game
  std::vector<std::string> methods;                // every method that found it
  std::optional<bool> converged;                   // for one liap or simpdiv found: whether it met its tolerance
  double robustness = 0;                           // share of resamples where no player gains > epsilon_i
  double regret_median = 0, regret_q95 = 0;        // over the resamples
  std::vector<std::pair<double, double>> payoff_ci95;  // [player]: percentile interval over the resamples
};

// What the bootstrap resamples said of each equilibrium, [equilibrium] in each vector.
struct ResampleTally {
  ResampleTally(std::size_t equilibria, int players)
      : regrets(equilibria), robust(equilibria, 0), payoffs(equilibria, std::vector<std::vector<double>>(players)) {}
  // Records resample's verdict on equilibrium e: each player's payoff and unilateral gain.
  void Add(std::size_t e, const std::vector<double>& player_payoffs, const std::vector<double>& gains,
           const std::vector<double>& epsilon);
  // Writes robustness, regret quantiles and payoff intervals over `resamples` resamples into `equilibria`.
  void Finish(int resamples, std::vector<AssessedEquilibrium>& equilibria) const;

  std::vector<std::vector<double>> regrets;               // over the resamples
  std::vector<int> robust;                                // resamples where no player gains > epsilon_i
  std::vector<std::vector<std::vector<double>>> payoffs;  // [player][resample]
};

struct EquilibriumAnalysis {
  std::vector<double> epsilon;  // [player]: the thresholds used
  int resamples = 0;
  std::vector<AssessedEquilibrium> equilibria;
};

// Finds the equilibria of `estimated` with each method in turn (games/methods.h; seed for liap and
// regret), merges duplicates (profiles within 1e-9), and assesses each on the bootstrap resamples.
// Throws GameError for an unknown method or one that does not fit the game.
EquilibriumAnalysis AnalyseEquilibria(const PayoffSamples& samples, const NormalFormGame& estimated,
                                      const std::vector<std::string>& methods, std::uint64_t method_seed,
                                      const BootstrapOptions& options);

struct TournamentEntry {
  int strategy = 0;
  Estimate score;                   // per-replicate mean over the others' profiles: mean, SE, t-interval, n
  double boot_low = 0, boot_high = 0;  // bootstrap percentile interval of the mean score
};

struct PairedTest {
  int first = 0, second = 0;  // strategies (the top two of the ranking)
  double mean_difference = 0, se = 0, t = 0, p_value = 0;
  std::int64_t n = 0;
};

struct PlayerTournament {
  int player = 0;
  std::vector<TournamentEntry> ranking;     // best mean score first; ties by strategy index
  std::vector<std::vector<double>> win_rate;  // [j][k]: share of (others' profile, replicate) where j beats k
  std::optional<PairedTest> top_two;        // when the player has at least two strategies
};

// Returns every player's tournament (see the header comment).
std::vector<PlayerTournament> Tournament(const PayoffSamples& samples, const BootstrapOptions& options);

struct StackelbergResult {
  int leader = 0;
  std::vector<int> pure_profile;        // every player's strategy, in table order
  std::vector<double> pure_payoffs;     // in table order
  std::optional<MixedCommitment> mixed;  // two players: the leader's mix, the follower's response (0 = the other player)
};

// Returns the Stackelberg commitment of every player as leader, followers best-responding in table
// order.
std::vector<StackelbergResult> StackelbergAnalysis(const NormalFormGame& estimated);

struct CoalitionAnalysis {
  std::vector<std::string> members;
  std::vector<Estimate> values;                        // [mask]: v(S) (mask 0: 0)
  std::vector<double> shapley;                          // [member]
  std::vector<std::pair<double, double>> shapley_ci95;  // [member], bootstrap percentile
  LeastCore least_core;
  double core_nonempty_share = 0;                      // over the resamples
};

// Analyses the coalitional game whose value samples are value_samples[mask][replicate] (mask 0 empty).
// Throws GameError for more than kMaxLeastCorePlayers members or a table of the wrong size.
CoalitionAnalysis AnalyseCoalitions(const std::vector<std::string>& members,
                                    const std::vector<std::vector<double>>& value_samples, const BootstrapOptions& options);

// Returns the q-quantile (0..1) of `values` by linear interpolation between order statistics (type 7).
double Quantile(std::vector<double> values, double q);

}  // namespace reesim::games
