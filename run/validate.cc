#include "run/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace reesim::run {

namespace {

// Returns the window's aggregate, or NaN with `problem` set.
double Evaluate(const MetricWindow& window, const RunResult& run, std::string& problem) {
  const int last = static_cast<int>(run.metrics.size()) - 1;
  const int to = window.to_round == -1 ? last : window.to_round;
  if (window.from_round > last || to > last) {
    problem = "the run has " + std::to_string(run.metrics.size()) + " rounds; the window ends at round " +
              std::to_string(to);
    return std::nan("");
  }
  double sum = 0, low = std::numeric_limits<double>::infinity(), high = -low;
  for (int r = window.from_round; r <= to; ++r) {
    const auto it = run.metrics[r].find(window.metric);
    double value = 0;
    if (it != run.metrics[r].end()) {
      value = it->second;
    } else if (!window.absent_is_zero) {
      problem = "no metric " + window.metric + " in round " + std::to_string(r);
      return std::nan("");
    }
    sum += value;
    low = std::min(low, value);
    high = std::max(high, value);
  }
  switch (window.aggregate) {
    case MetricWindow::Aggregate::kMean: return sum / (to - window.from_round + 1);
    case MetricWindow::Aggregate::kMin: return low;
    case MetricWindow::Aggregate::kMax: return high;
    case MetricWindow::Aggregate::kSum: return sum;
  }
  return std::nan("");
}

std::string Bound(double value) {
  if (std::isinf(value)) return value > 0 ? "+inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

}  // namespace

std::vector<CheckResult> EvaluateChecks(const std::vector<ScenarioCheck>& checks, const RunResult& run) {
  std::vector<CheckResult> results;
  for (const ScenarioCheck& check : checks) {
    CheckResult result;
    result.check = &check;
    double value = Evaluate(check.value, run, result.problem);
    if (!std::isnan(value) && check.relative) {
      const double reference = Evaluate(check.relative_to, run, result.problem);
      if (std::isnan(reference)) {
        value = reference;
      } else if (check.difference) {
        value -= reference;
      } else if (reference == 0) {
        // x / 0 is +infinity for a positive x (a flow that restarts from nothing); 0 / 0 is undefined.
        if (value > 0) {
          value = std::numeric_limits<double>::infinity();
        } else {
          result.problem = "the reference " + check.relative_to.metric + " is 0";
          value = std::nan("");
        }
      } else {
        value /= reference;
      }
    }
    result.evaluated = !std::isnan(value);
    result.value = value;
    result.passed = result.evaluated && value >= check.min && value <= check.max;
    results.push_back(std::move(result));
  }
  return results;
}

bool PrintCheckTable(const std::string& scenario_name, const std::vector<CheckResult>& results, std::ostream& out) {
  int failed = 0;
  out << scenario_name << "\n";
  for (const CheckResult& result : results) {
    const ScenarioCheck& check = *result.check;
    char line[512];
    const std::string value = result.evaluated ? Bound(result.value) : "n/a";
    std::snprintf(line, sizeof line, "  %-4s %-52s %12s  in [%s, %s]%s\n", result.passed ? "PASS" : "FAIL",
                  check.name.c_str(), value.c_str(), Bound(check.min).c_str(), Bound(check.max).c_str(),
                  check.relative ? (check.difference ? "  (difference)" : "  (ratio)") : "");
    out << line;
    if (!result.evaluated) out << "       " << result.problem << "\n";
    out << "       source: " << check.source << "\n";
    failed += !result.passed;
  }
  out << "  " << results.size() - failed << " passed, " << failed << " failed\n";
  return failed == 0;
}

}  // namespace reesim::run
