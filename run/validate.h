// Validation of a scenario against the stylized facts it declares (its `checks`): run it, evaluate
// each check on the run's metrics, and report value, bounds and pass/fail.
#pragma once

#include <ostream>
#include <string>
#include <vector>

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

}  // namespace reesim::run
