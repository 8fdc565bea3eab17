#include "classroom/what_if.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "experiments/design.h"
#include "experiments/parameter_path.h"
#include "experiments/runner.h"
#include "experiment.pb.h"
#include "run/metric_catalogue.h"
#include "run/scenario_io.h"
#include "run/simulation.h"
#include "scenario.pb.h"
#include "world/field_error.h"

namespace reesim::classroom {

namespace {

constexpr const char* kSource = "what_if";
constexpr int kMaxWhatIfParameters = 1000;

std::string Number(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

std::string Describe(const experiments::ParameterSpec& parameter) {
  using Kind = experiments::Distribution::Kind;
  const experiments::Distribution& d = parameter.distribution;
  std::string text = parameter.path + " ~ ";
  switch (d.kind) {
    case Kind::kUniform: return text + "uniform(" + Number(d.a) + ", " + Number(d.b) + ")";
    case Kind::kNormal: return text + "normal(" + Number(d.a) + ", " + Number(d.b) + ")";
    case Kind::kTruncatedNormal:
      return text + "truncated_normal(" + Number(d.a) + ", " + Number(d.b) + ", " + Number(d.c) + ", " + Number(d.d) + ")";
    case Kind::kTriangular: return text + "triangular(" + Number(d.a) + ", " + Number(d.b) + ", " + Number(d.c) + ")";
    case Kind::kLogNormal: return text + "lognormal(" + Number(d.a) + ", " + Number(d.b) + ")";
    case Kind::kDiscrete: {
      text += "discrete(";
      for (std::size_t k = 0; k < d.values.size(); ++k) text += (k ? ", " : "") + Number(d.values[k]);
      return text + ")";
    }
  }
  return text;
}

// The p-quantile of sorted values, linear between order statistics (type 7).
double SortedQuantile(const std::vector<double>& sorted, double p) {
  const double position = p * static_cast<double>(sorted.size() - 1);
  const std::size_t below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double weight = position - static_cast<double>(below);
  return sorted[below] + weight * (sorted[above] - sorted[below]);
}

// The drawn world must have the played world's shape: the simulation's state and buffers are sized to
// it. Throws InputError naming what differs.
void RequireSameShape(const world::WorldDescription& played, const world::WorldDescription& drawn) {
  auto require = [](bool same, const std::string& what) {
    if (!same) throw InputError("a drawn number changes the world's " + what + ", which a fork cannot do: vary another number");
  };
  require(played.actors.size() == drawn.actors.size(), "actors");
  require(played.regions.size() == drawn.regions.size(), "regions");
  require(played.products.size() == drawn.products.size(), "products");
  require(played.plants.size() == drawn.plants.size(), "plants");
  require(played.demand.size() == drawn.demand.size(), "demand entries");
  for (std::size_t i = 0; i < played.demand.size(); ++i) {
    require(played.demand[i].curve.size() == drawn.demand[i].curve.size(), "demand-curve steps");
    require(played.demand[i].sourcing.size() == drawn.demand[i].sourcing.size(), "supplier ties");
  }
  require(played.rounds_per_year == drawn.rounds_per_year, "rounds per year");
}

// ASSUMPTION (the fork, what_if.h): a drawn growth rate takes effect from the fork without a jump. Demand
// at round t is base (1 + g)^(t / rounds_per_year) (world/round.cc, ReferenceDemand) and capacity
// likewise (world/description.cc); the drawn base is rescaled so that the level at the fork is the
// played world's.
void KeepLevelsAtFork(const world::WorldDescription& played, world::WorldDescription& drawn, int fork_round) {
  const double years = static_cast<double>(fork_round) / played.rounds_per_year;
  for (std::size_t i = 0; i < drawn.demand.size(); ++i) {
    const double g = played.demand[i].growth_per_year, drawn_g = drawn.demand[i].growth_per_year;
    if (g == drawn_g || drawn.demand[i].base_tonnes_per_round != played.demand[i].base_tonnes_per_round) continue;
    drawn.demand[i].base_tonnes_per_round *= std::pow((1.0 + g) / (1.0 + drawn_g), years);
  }
  for (std::size_t i = 0; i < drawn.plants.size(); ++i) {
    const double g = played.plants[i].capacity_growth_per_year, drawn_g = drawn.plants[i].capacity_growth_per_year;
    if (g == drawn_g || drawn.plants[i].capacity_tonnes_per_round != played.plants[i].capacity_tonnes_per_round) continue;
    drawn.plants[i].capacity_tonnes_per_round *= std::pow((1.0 + g) / (1.0 + drawn_g), years);
  }
}

// One run of the ensemble (what_if.h, steps 1-3): the metric in each round from the fork on.
experiments::RunRecord Fork(const ForkState& fork, const WhatIfPlan& plan, const run::LoadedScenario& prototype, int row) {
  experiments::RunRecord record;
  record.replicate = row;
  record.parameters = experiments::SamplePoint(plan.spec, row);
  try {
    run::LoadedScenario live = prototype;  // the simulation reads the world from here every round
    run::Simulation simulation(live, fork.seed);
    simulation.LimitMetrics(plan.summands);
    const int from = static_cast<int>(fork.played.size());
    for (int r = 0; r < from; ++r) {
      for (const int a : fork.seats) {
        if (fork.external[a]) simulation.SetExternalAction(a, fork.played[r][a]);
      }
      simulation.Step();
    }
    auto drawn_message = std::make_shared<reesim::Scenario>(*plan.spec.scenario);
    for (std::size_t p = 0; p < plan.spec.parameters.size(); ++p) {
      experiments::SetScenarioNumber(*drawn_message, plan.spec.parameters[p].path, record.parameters[p]);
    }
    run::LoadedScenario drawn = run::LoadScenarioMessage(drawn_message, "", fork.scenario_source + " (what if, run " +
                                                                               std::to_string(row) + ")");
    RequireSameShape(live.world, drawn.world);
    KeepLevelsAtFork(live.world, drawn.world, from);
    // Copy-assigned in place (same shape, so no element moves): the simulation holds `live` by reference
    // and its agents point into it.
    live.world = drawn.world;
    std::vector<double> series;
    for (int r = from; r < fork.rounds; ++r) {
      for (const int a : fork.seats) {
        if (fork.external[a]) simulation.SetExternalAction(a, fork.held[a]);
      }
      simulation.Step();
      const double value = WhatIfValue(plan, simulation.metrics());
      if (!std::isfinite(value)) throw InputError("round " + std::to_string(r) + ": " + plan.metric + " is not a finite number");
      series.push_back(value);
    }
    record.series.push_back(std::move(series));
  } catch (const std::exception& error) {
    record.series.clear();
    record.failure = error.what();
  }
  return record;
}

}  // namespace

std::string DefaultWhatIfParameters(const reesim::Scenario& scenario) {
  std::string text = "sampler: LATIN_HYPERCUBE\n";
  const double w = scenario.market().has_expectation_weight() ? scenario.market().expectation_weight() : 0.5;
  text += "parameters { path: \"market.expectation_weight\" uniform { min: " + Number(std::max(0.05, w - 0.2)) +
          " max: " + Number(std::min(1.0, w + 0.2)) + " } }\n";
  for (int i = 0; i < scenario.demand_size(); ++i) {
    const reesim::Demand& demand = scenario.demand(i);
    const std::string at = "demand[" + std::to_string(i) + "]";
    if (demand.elasticity() < 0) {
      text += "parameters { path: \"" + at + ".elasticity\" uniform { min: " + Number(2 * demand.elasticity()) +
              " max: " + Number(0.5 * demand.elasticity()) + " } }\n";
    }
    const double g = demand.growth_per_year();
    text += "parameters { path: \"" + at + ".growth_per_year\" uniform { min: " + Number(std::max(-0.5, g - 0.03)) +
            " max: " + Number(g + 0.03) + " } }\n";
  }
  return text;
}

WhatIfPlan PlanWhatIf(const ForkState& fork, const wire::WhatIfRequest& request) {
  const FieldComplaint complaint(kSource);
  const int from = static_cast<int>(fork.played.size());
  if (from >= fork.rounds) throw InputError("what_if: the game has no rounds left to simulate");
  WhatIfPlan plan;
  const int runs = request.runs() == 0 ? kDefaultWhatIfRuns : request.runs();
  if (runs < 1 || runs > kMaxWhatIfRuns) {
    complaint.Fail("runs", std::to_string(runs), "must be between 1 and " + std::to_string(kMaxWhatIfRuns));
  }

  // The scenario every run loads: the game's, with the team seats external.
  auto scenario = std::make_shared<reesim::Scenario>(*fork.scenario);
  const run::LoadedScenario played = run::LoadScenarioMessage(fork.scenario, fork.scenario_text, fork.scenario_source);
  for (reesim::Actor& actor : *scenario->mutable_actors()) {
    const int a = played.world.FindActor(actor.id());
    if (a >= 0 && fork.external[a]) actor.mutable_strategy()->set_kind(reesim::EXTERNAL);
  }

  // The metric.
  plan.metric = request.metric().empty() ? kClassPayoff : request.metric();
  if (plan.metric == kClassPayoff) {
    bool any_team = false;
    for (const int a : fork.seats) any_team |= fork.external[a];
    for (const int a : fork.seats) {
      if (fork.external[a] || !any_team) plan.summands.push_back("payoff." + played.world.actors[a].id);
    }
    plan.unit = "USD million";
    plan.absent_is_zero = true;
  } else {
    const run::MetricCatalogue catalogue(played.world);
    catalogue.Require(plan.metric, complaint, "metric");
    plan.summands = {plan.metric};
    plan.unit = std::string(catalogue.Unit(plan.metric));
    plan.absent_is_zero = catalogue.AbsentIsZero(plan.metric);
  }

  // The uncertain numbers, in the experiment language.
  const std::string text = request.parameters().empty() ? DefaultWhatIfParameters(*fork.scenario) : request.parameters();
  reesim::Experiment experiment;
  run::ParseTextFormat(text, "what_if.parameters", "experiment", experiment);
  reesim::Experiment rest = experiment;
  rest.clear_parameters();
  rest.clear_sampler();
  if (rest.ByteSizeLong() != 0) {
    complaint.Fail("parameters", "", "give only `parameters { ... }` entries and optionally `sampler` (the scenario, "
                                     "rounds and seed are the game's)");
  }
  if (experiment.parameters_size() == 0) complaint.Fail("parameters", "", "give at least one parameter");
  if (experiment.parameters_size() > kMaxWhatIfParameters) {
    complaint.Fail("parameters", std::to_string(experiment.parameters_size()), "at most " + std::to_string(kMaxWhatIfParameters));
  }
  const bool lhs = request.parameters().empty() || experiment.sampler() == reesim::LATIN_HYPERCUBE;
  if (!request.parameters().empty() && experiment.sampler() != reesim::LATIN_HYPERCUBE &&
      experiment.sampler() != reesim::MONTE_CARLO) {
    complaint.Fail("parameters.sampler", reesim::Sampler_Name(experiment.sampler()),
                   "a what-if samples by LATIN_HYPERCUBE or MONTE_CARLO");
  }
  experiments::ExperimentSpec& spec = plan.spec;
  spec.source = kSource;
  spec.name = "what_if";
  spec.scenario = scenario;
  spec.rounds = fork.rounds;
  spec.replicates = runs;
  spec.seed = request.seed() != 0 ? request.seed() : fork.seed;
  spec.sampler = lhs ? experiments::ExperimentSpec::Sampler::kLatinHypercube : experiments::ExperimentSpec::Sampler::kMonteCarlo;
  plan.sampler = lhs ? "latin_hypercube" : "monte_carlo";
  for (int i = 0; i < experiment.parameters_size(); ++i) {
    spec.parameters.push_back(experiments::LoadParameter(experiment.parameters(i), *scenario, "what_if.parameters",
                                                         "parameters[" + std::to_string(i) + "]"));
    plan.descriptions.push_back(Describe(spec.parameters.back()));
  }
  return plan;
}

double WhatIfValue(const WhatIfPlan& plan, const run::Metrics& metrics) {
  double sum = 0;
  for (const std::string& name : plan.summands) {
    const auto it = metrics.find(name);
    if (it != metrics.end()) {
      sum += it->second;
    } else if (!plan.absent_is_zero) {
      throw InputError("no metric " + name + " in the round");
    }
  }
  return sum;
}

wire::WhatIf RunWhatIf(const ForkState& fork, const WhatIfPlan& plan, int threads,
                       const std::function<void(int done, int total)>& progress, const std::atomic<bool>* cancel) {
  const run::LoadedScenario prototype = run::LoadScenarioMessage(plan.spec.scenario, fork.scenario_text, fork.scenario_source);
  const int from = static_cast<int>(fork.played.size());
  const int remaining = fork.rounds - from;
  const int runs = plan.spec.replicates;
  std::vector<std::vector<double>> by_round(remaining);  // [k]: the runs' values at round from + k, in run order
  int failures = 0;
  std::string first_failure;
  experiments::RunInOrder(
      runs, threads,
      [&](std::int64_t row) {
        if (cancel != nullptr && cancel->load()) {
          experiments::RunRecord skipped;
          skipped.failure = "cancelled";
          return skipped;
        }
        return Fork(fork, plan, prototype, static_cast<int>(row));
      },
      [&](const experiments::RunRecord& record) {
        if (!record.failure.empty() || record.series.empty()) {
          if (first_failure.empty()) first_failure = record.failure;
          ++failures;
          return;
        }
        for (int k = 0; k < remaining; ++k) by_round[k].push_back(record.series[0][k]);
      },
      [&](std::int64_t done, std::int64_t total) {
        if (progress) progress(static_cast<int>(done), static_cast<int>(total));
      });
  if (cancel != nullptr && cancel->load()) throw InputError("cancelled");
  if (failures == runs) throw InputError("what_if: every run failed: " + first_failure);

  wire::WhatIf fan;
  fan.set_metric(plan.metric);
  fan.set_unit(plan.unit);
  fan.set_from_round(from);
  fan.set_runs(runs - failures);
  fan.set_failures(failures);
  fan.set_sampler(plan.sampler);
  fan.set_seed(plan.spec.seed);
  for (const std::string& description : plan.descriptions) fan.add_parameters(description);
  for (const int a : fork.seats) {
    if (fork.external[a]) fan.add_held(fork.held_names[a]);
  }
  const run::LoadedScenario& world = prototype;
  for (int k = 0; k < remaining; ++k) {
    std::vector<double>& values = by_round[k];
    std::sort(values.begin(), values.end());
    fan.add_rounds(from + k);
    fan.add_periods(world.world.PeriodLabel(from + k));
    fan.add_p5(SortedQuantile(values, 0.05));
    fan.add_p25(SortedQuantile(values, 0.25));
    fan.add_p50(SortedQuantile(values, 0.50));
    fan.add_p75(SortedQuantile(values, 0.75));
    fan.add_p95(SortedQuantile(values, 0.95));
  }
  return fan;
}

void SetActualPath(wire::WhatIf& fan, const WhatIfPlan& plan, const std::vector<const run::Metrics*>& played) {
  fan.clear_actual_rounds();
  fan.clear_actual();
  for (std::size_t r = 0; r < played.size(); ++r) {
    double value = 0;
    try {
      value = WhatIfValue(plan, *played[r]);
    } catch (const InputError&) {
      continue;  // not in that round: no point
    }
    fan.add_actual_rounds(static_cast<int>(r));
    fan.add_actual(value);
  }
}

}  // namespace reesim::classroom
