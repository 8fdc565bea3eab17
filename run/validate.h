// Validation of a scenario: against the stylized facts it declares (its `checks`: value, bounds and
// pass/fail), and over the whole run (docs/validation.md): a sanity band on every price series in every
// round, and for the historical scenarios the error of log prices against public series
// (run/reference_prices.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "run/reference_prices.h"
#include "run/run.h"
#include "run/scenario_io.h"

namespace reesim::run {

struct CheckResult {
  const ScenarioCheck* check = nullptr;
  bool evaluated = false;  // false: a metric was missing in a round of the window
  double value = 0;
  bool passed = false;
  std::string problem;     // why it could not be evaluated
};

// Returns the result of every check on a run's per-round metrics.
std::vector<CheckResult> EvaluateChecks(const std::vector<ScenarioCheck>& checks, const RunResult& run);

// Prints a table of results: check, value, bounds, PASS/FAIL, source. Returns whether all passed.
bool PrintCheckTable(const std::string& scenario_name, const std::vector<CheckResult>& results, std::ostream& out);

// ---- The whole-run sanity band ----

// A price at which a demand curve ends: its top step (the cap or choke price) or its bottom step (the
// floor). A market price there is set by the curve's arbitrary end, not by supply meeting demand.
struct CurveEnd {
  double usd_per_kg = 0;
  std::string what;  // "the top step of the magnets demand (8 x P0)"
};

// One region's price of one product, every round, with the demand curves' ends in that market.
struct PriceSeries {
  std::string name;                 // "dy_oxide.JPN"
  std::vector<double> usd_per_kg;   // [round]; NaN: the product did not clear there that round
  std::vector<CurveEnd> curve_ends;
};

struct SanityViolation {
  std::string series;
  int round = 0;
  double from = 0;  // the previous round's price (NaN in the first round)
  double to = 0;    // this round's
  std::string reason;
};

struct SanityRules {
  double max_move = 4.0;            // ValidationSettings::max_move
  double pinned_tolerance = 0.005;  // ValidationSettings::pinned_tolerance
};

// Rounds in which a policy event of the timeline starts or ends (the first round it is no longer in
// force): [round] for `rounds` rounds. Read from the scenario, not from what the run did.
std::vector<bool> PolicyChangeRounds(const policies::PolicyTimeline& timeline, int rounds);

// The defects of a whole run, in series order then round order: (a) a move from one round to the next
// by more than max_move (up, or down by the same factor) unless policy_change holds for that round or
// the round before; (b) a price within pinned_tolerance (relative) of a demand curve's end. A move from
// or to a round without a price is not a move.
std::vector<SanityViolation> FindSanityViolations(const std::vector<PriceSeries>& series,
                                                  const std::vector<bool>& policy_change, const SanityRules& rules);

// Every region x product price series of a run (the metric price.<product>.<REGION>), with the ends of
// the derived demand curves (WorldDescription::demand[].curve, times the entry's P0) in that market.
std::vector<PriceSeries> RunPriceSeries(const world::WorldDescription& world, const RunResult& run);

// Prints the violations compactly: a count per series and its first `shown` violations (round label,
// from -> to, reason). Returns the number of violations.
int PrintSanity(const std::vector<SanityViolation>& violations, const std::vector<std::string>& periods,
                std::ostream& out, int shown = 3);

// ---- The chain's prices against its processors (issue 15's invariant; world/round.h, ChainAudit) ----

// A plant's rounds in one of the audit's counts; of its idle rounds, those its own output target held
// it back (world::ChainVerdict::kIdleByOwnTarget).
struct PlantAuditCount {
  std::string plant;
  int rounds = 0;
  int first_round = -1, last_round = -1;
  int by_own_target_rounds = 0;
};

struct ChainAuditSummary {
  int loss_plant_rounds = 0;         // sum over rounds of chain.loss_producers
  int idle_margin_plant_rounds = 0;  // sum over rounds of chain.idle_margin_plants
  int rounds_with_loss = 0;
  int first_loss_round = -1;
  double largest_loss_share = 0;
  double largest_margin_share = 0;
  // From RunResult::chain_findings (empty without them): the counted plants, most rounds first, ties
  // by the plant's place in the scenario.
  std::vector<PlantAuditCount> losses_by_plant, idle_margins_by_plant;
};

// Sums the chain.* metrics over the run, and its findings by plant when the run kept them.
ChainAuditSummary SummarizeChainAudit(const world::WorldDescription& world, const RunResult& run);

// Prints the summary in a few lines (a report: validate does not fail on it; see its --help).
void PrintChainAudit(const ChainAuditSummary& summary, const std::vector<std::string>& periods, std::ostream& out);

// ---- The error against public price series ----

struct HistoryPoint {
  std::string period;
  double model_usd_per_kg = 0;
  double observed_usd_per_kg = 0;
  double log_error = 0;  // ln(model) - ln(observed)
};

struct SeriesError {
  std::string series;    // "dy_oxide.world"
  std::vector<HistoryPoint> points;
  double rmse = 0;       // root mean square of log_error
  double bias = 0;       // mean log_error
};

struct HistoryComparison {
  std::vector<SeriesError> series;        // in the order the rows first name them
  int points = 0;
  double rmse = 0;                        // over all points pooled
  std::vector<std::string> not_compared;  // rows that matched no price of the run, each with why
};

// Compares the run with the rows of `history`: a row's period is a round label ("2011Q4") or a year
// ("2014": the mean of the model's prices over that year's rounds, all of which must have a price);
// its region "world" reads price.<product>, any other price.<product>.<REGION>.
HistoryComparison CompareWithHistory(const std::vector<ReferencePrice>& rows, const std::string& history,
                                     const world::WorldDescription& world, const RunResult& run);

// Prints the comparison: per series the points and RMSE, then the overall RMSE.
void PrintHistory(const HistoryComparison& comparison, const std::string& history, double max_log_rmse,
                  std::ostream& out);

}  // namespace reesim::run
