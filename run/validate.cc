#include "run/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

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

// ---- The whole-run sanity band ----

std::vector<bool> PolicyChangeRounds(const policies::PolicyTimeline& timeline, int rounds) {
  std::vector<bool> change(std::max(rounds, 0), false);
  auto mark = [&](int round) {
    if (round >= 0 && round < rounds) change[round] = true;
  };
  for (const policies::TimedInstrument& event : timeline.events) {
    mark(event.start_round);
    if (event.end_round >= 0) mark(event.end_round + 1);  // the first round it is no longer in force
  }
  return change;
}

std::vector<SanityViolation> FindSanityViolations(const std::vector<PriceSeries>& series,
                                                  const std::vector<bool>& policy_change, const SanityRules& rules) {
  std::vector<SanityViolation> violations;
  auto event_near = [&](int round) {
    auto at = [&](int r) { return r >= 0 && r < static_cast<int>(policy_change.size()) && policy_change[r]; };
    return at(round) || at(round - 1);
  };
  char text[256];
  for (const PriceSeries& s : series) {
    const int rounds = static_cast<int>(s.usd_per_kg.size());
    for (int r = 0; r < rounds; ++r) {
      const double to = s.usd_per_kg[r];
      if (std::isnan(to)) continue;
      const double from = r > 0 ? s.usd_per_kg[r - 1] : std::nan("");
      // (a) a jump without a policy cause: prices are positive where they clear, so the ratio is defined.
      if (!std::isnan(from) && from > 0 && to > 0) {
        const double ratio = to / from;
        if ((ratio > rules.max_move || ratio < 1.0 / rules.max_move) && !event_near(r)) {
          std::snprintf(text, sizeof text, "%s x%.3g in one round, no policy event this round or the last",
                        ratio > 1 ? "up" : "down", ratio > 1 ? ratio : 1.0 / ratio);
          violations.push_back({s.name, r, from, to, text});
        }
      }
      // (b) pinned at a demand curve's end; the first end within tolerance is named.
      for (const CurveEnd& end : s.curve_ends) {
        if (end.usd_per_kg > 0 && std::fabs(to / end.usd_per_kg - 1.0) <= rules.pinned_tolerance) {
          violations.push_back({s.name, r, from, to, "pinned at " + end.what});
          break;
        }
      }
    }
  }
  return violations;
}

std::vector<PriceSeries> RunPriceSeries(const world::WorldDescription& world, const RunResult& run) {
  std::vector<PriceSeries> series;
  char text[160];
  for (int p = 0; p < world.ProductCount(); ++p) {
    for (int r = 0; r < world.RegionCount(); ++r) {
      PriceSeries s;
      s.name = world.products[p].id + "." + world.regions[r].id;
      const std::string metric = "price." + s.name;
      bool any = false;
      for (const Metrics& metrics : run.metrics) {
        const auto it = metrics.find(metric);
        s.usd_per_kg.push_back(it == metrics.end() ? std::nan("") : it->second);
        any |= it != metrics.end();
      }
      if (!any) continue;
      for (const world::DemandEntry& demand : world.demand) {
        if (demand.region != r || demand.product != p || demand.curve.empty()) continue;
        const double p0 = demand.reference_price_usd_per_kg;
        const char* sector = world::kSectorNames[static_cast<int>(demand.sector)];
        // The curve's first point is its choke, where nothing is demanded; its top step is the highest
        // price at which anything is bid.
        const auto top = std::find_if(demand.curve.begin(), demand.curve.end(), [](const auto& step) { return step.second > 0; });
        if (top == demand.curve.end()) continue;
        std::snprintf(text, sizeof text, "the top step of the %s demand (%.3g x P0 = %.4g $/kg)", sector,
                      top->first, top->first * p0);
        s.curve_ends.push_back({top->first * p0, text});
        std::snprintf(text, sizeof text, "the bottom step of the %s demand (%.3g x P0 = %.4g $/kg)", sector,
                      demand.curve.back().first, demand.curve.back().first * p0);
        s.curve_ends.push_back({demand.curve.back().first * p0, text});
      }
      series.push_back(std::move(s));
    }
  }
  return series;
}

int PrintSanity(const std::vector<SanityViolation>& violations, const std::vector<std::string>& periods,
                std::ostream& out, int shown) {
  std::vector<std::string> order;  // series in the order met
  std::map<std::string, std::vector<const SanityViolation*>> by_series;
  for (const SanityViolation& v : violations) {
    auto& list = by_series[v.series];
    if (list.empty()) order.push_back(v.series);
    list.push_back(&v);
  }
  out << "  whole-run sanity: " << violations.size() << " violation(s) in " << order.size() << " series\n";
  char line[512];
  for (const std::string& name : order) {
    const auto& list = by_series[name];
    out << "    " << name << ": " << list.size() << "\n";
    for (int i = 0; i < std::min<int>(shown, static_cast<int>(list.size())); ++i) {
      const SanityViolation& v = *list[i];
      const std::string label = v.round < static_cast<int>(periods.size()) ? periods[v.round] : std::to_string(v.round);
      const std::string from = std::isnan(v.from) ? "-" : Bound(v.from);
      std::snprintf(line, sizeof line, "      %-7s %10s -> %-10s %s\n", label.c_str(), from.c_str(),
                    Bound(v.to).c_str(), v.reason.c_str());
      out << line;
    }
    if (static_cast<int>(list.size()) > shown) out << "      ... and " << list.size() - shown << " more\n";
  }
  return static_cast<int>(violations.size());
}

namespace {

std::vector<PlantAuditCount> CountByPlant(const world::WorldDescription& world, const RunResult& run, bool losses) {
  std::vector<PlantAuditCount> counts(world.plants.size());
  for (int round = 0; round < static_cast<int>(run.chain_findings.size()); ++round) {
    for (const ChainFinding& finding : run.chain_findings[round]) {
      if ((finding.verdict == world::ChainVerdict::kLoss) != losses) continue;
      PlantAuditCount& count = counts[finding.plant];
      if (count.rounds++ == 0) count.first_round = round;
      count.last_round = round;
      count.by_own_target_rounds += finding.verdict == world::ChainVerdict::kIdleByOwnTarget;
    }
  }
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i].plant = world.plants[i].id;
  std::stable_sort(counts.begin(), counts.end(),
                   [](const PlantAuditCount& a, const PlantAuditCount& b) { return a.rounds > b.rounds; });
  counts.erase(std::find_if(counts.begin(), counts.end(), [](const PlantAuditCount& c) { return c.rounds == 0; }),
               counts.end());
  return counts;
}

}  // namespace

ChainAuditSummary SummarizeChainAudit(const world::WorldDescription& world, const RunResult& run) {
  ChainAuditSummary summary;
  summary.losses_by_plant = CountByPlant(world, run, /*losses=*/true);
  summary.idle_margins_by_plant = CountByPlant(world, run, /*losses=*/false);
  auto value = [](const Metrics& metrics, const char* name) {
    const auto it = metrics.find(name);
    return it == metrics.end() ? 0.0 : it->second;
  };
  for (int round = 0; round < static_cast<int>(run.metrics.size()); ++round) {
    const Metrics& metrics = run.metrics[round];
    const int losses = static_cast<int>(value(metrics, "chain.loss_producers"));
    summary.loss_plant_rounds += losses;
    summary.idle_margin_plant_rounds += static_cast<int>(value(metrics, "chain.idle_margin_plants"));
    if (losses > 0) {
      ++summary.rounds_with_loss;
      if (summary.first_loss_round < 0) summary.first_loss_round = round;
    }
    summary.largest_loss_share = std::max(summary.largest_loss_share, value(metrics, "chain.largest_loss_share"));
    summary.largest_margin_share = std::max(summary.largest_margin_share, value(metrics, "chain.largest_margin_share"));
  }
  return summary;
}

void PrintChainAudit(const ChainAuditSummary& summary, const std::vector<std::string>& periods, std::ostream& out) {
  auto period = [&](int round) { return round < static_cast<int>(periods.size()) ? periods[round] : std::to_string(round); };
  char line[512];
  std::snprintf(line, sizeof line,
                "  chain (reported, not failed): %d plant-round(s) producing at a loss beyond 5 %% (largest %.0f %%), "
                "%d idle with a margin beyond 5 %% (largest %.0f %%)\n",
                summary.loss_plant_rounds, 100 * summary.largest_loss_share, summary.idle_margin_plant_rounds,
                100 * summary.largest_margin_share);
  out << line;
  if (summary.first_loss_round >= 0) {
    out << "    losses in " << summary.rounds_with_loss << " round(s), the first " << period(summary.first_loss_round) << "\n";
  }
  // The plants with the most rounds; the rest summed, so that a line stays readable.
  constexpr std::size_t kPlantsShown = 5;
  auto print_by_plant = [&](const char* what, const std::vector<PlantAuditCount>& counts, bool idle) {
    if (counts.empty()) return;
    out << "    " << what << ", by plant (rounds):";
    int rest_plants = 0, rest_rounds = 0, by_own_target = 0, total = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      const PlantAuditCount& count = counts[k];
      total += count.rounds;
      by_own_target += count.by_own_target_rounds;
      if (k >= kPlantsShown) {
        ++rest_plants;
        rest_rounds += count.rounds;
        continue;
      }
      out << (k == 0 ? " " : ", ") << count.plant << " " << count.rounds << " (";
      if (count.last_round > count.first_round) {
        out << "first " << period(count.first_round) << ", last " << period(count.last_round) << ")";
      } else {
        out << period(count.first_round) << ")";
      }
    }
    if (rest_plants > 0) out << ", " << rest_plants << " other plant(s) " << rest_rounds;
    if (idle) {
      out << "; " << by_own_target << " of " << total << " held back by the plant's own output target";
    }
    out << "\n";
  };
  print_by_plant("losses", summary.losses_by_plant, /*idle=*/false);
  print_by_plant("idle with a margin", summary.idle_margins_by_plant, /*idle=*/true);
}

// ---- The error against public price series ----

HistoryComparison CompareWithHistory(const std::vector<ReferencePrice>& rows, const std::string& history,
                                     const world::WorldDescription& world, const RunResult& run) {
  HistoryComparison comparison;
  std::map<std::string, std::size_t> index;  // series name -> position in comparison.series
  double pooled = 0;
  for (const ReferencePrice& row : rows) {
    if (row.history != history) continue;
    const std::string name = row.product + "." + row.region;
    const std::string where = row.period + " " + name + " (line " + std::to_string(row.line) + "): ";
    if (world.FindProduct(row.product) < 0) {
      comparison.not_compared.push_back(where + "no product " + row.product + " in this world");
      continue;
    }
    if (row.region != "world" && world.FindRegion(row.region) < 0) {
      comparison.not_compared.push_back(where + "no region " + row.region + " in this world");
      continue;
    }
    const std::string metric = row.region == "world" ? "price." + row.product : "price." + name;
    // The rounds the period covers: the one with its label, or every round of its year.
    std::vector<int> rounds;
    for (int r = 0; r < static_cast<int>(run.periods.size()); ++r) {
      const std::string& label = run.periods[r];
      if (label == row.period || (row.period.size() == 4 && label.compare(0, 4, row.period) == 0)) rounds.push_back(r);
    }
    const bool year = row.period.size() == 4 && world.rounds_per_year != 1;
    if (rounds.empty() || (year && static_cast<int>(rounds.size()) != world.rounds_per_year)) {
      comparison.not_compared.push_back(where + "the run does not cover the period");
      continue;
    }
    double sum = 0;
    bool priced = true;
    for (int r : rounds) {
      const auto it = run.metrics[r].find(metric);
      if (it == run.metrics[r].end() || !(it->second > 0)) {
        priced = false;
        break;
      }
      sum += it->second;
    }
    if (!priced) {
      comparison.not_compared.push_back(where + "no price " + metric + " in a round of the period");
      continue;
    }
    HistoryPoint point;
    point.period = row.period;
    point.model_usd_per_kg = sum / static_cast<double>(rounds.size());
    point.observed_usd_per_kg = row.usd_per_kg;
    point.log_error = std::log(point.model_usd_per_kg) - std::log(point.observed_usd_per_kg);
    auto [it, added] = index.emplace(name, comparison.series.size());
    if (added) comparison.series.push_back({name, {}, 0, 0});
    comparison.series[it->second].points.push_back(point);
    pooled += point.log_error * point.log_error;
    ++comparison.points;
  }
  for (SeriesError& s : comparison.series) {
    double squares = 0, sum = 0;
    for (const HistoryPoint& point : s.points) {
      squares += point.log_error * point.log_error;
      sum += point.log_error;
    }
    s.rmse = std::sqrt(squares / static_cast<double>(s.points.size()));
    s.bias = sum / static_cast<double>(s.points.size());
  }
  comparison.rmse = comparison.points > 0 ? std::sqrt(pooled / comparison.points) : std::nan("");
  return comparison;
}

void PrintHistory(const HistoryComparison& comparison, const std::string& history, double max_log_rmse,
                  std::ostream& out) {
  out << "  against public prices (" << history << ", run/data/reference_prices.csv): RMSE of ln(model) - "
      << "ln(observed)\n";
  char line[256];
  for (const SeriesError& s : comparison.series) {
    std::snprintf(line, sizeof line, "    %-22s %2zu point(s)  RMSE %.3f  mean error %+.3f\n", s.series.c_str(),
                  s.points.size(), s.rmse, s.bias);
    out << line;
    for (const HistoryPoint& point : s.points) {
      std::snprintf(line, sizeof line, "      %-7s model %10s  observed %10s  ln ratio %+.3f\n", point.period.c_str(),
                    Bound(point.model_usd_per_kg).c_str(), Bound(point.observed_usd_per_kg).c_str(), point.log_error);
      out << line;
    }
  }
  std::snprintf(line, sizeof line, "    overall: %d point(s), RMSE %.3f (a factor of %.2f)", comparison.points,
                comparison.rmse, std::exp(comparison.rmse));
  out << line;
  if (std::isinf(max_log_rmse)) {
    out << "; a report, no bound declared\n";
  } else {
    out << "; bound " << Bound(max_log_rmse) << ": " << (comparison.rmse <= max_log_rmse ? "PASS" : "FAIL") << "\n";
  }
  for (const std::string& why : comparison.not_compared) out << "    not compared: " << why << "\n";
}

}  // namespace reesim::run
