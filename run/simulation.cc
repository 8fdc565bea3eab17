#include "run/simulation.h"

#include "world/check.h"

namespace reesim::run {

Simulation::Simulation(const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run)
    : scenario_(scenario), inputs_{seed, run}, firms_(agents::FirmsOf(scenario.world)),
      state_(world::InitialState(scenario.world)) {
  context_.world = &scenario.world;
  context_.timeline = &scenario.timeline;
  context_.strategies = &scenario.strategies;
  for (const auto& firm : firms_) context_.firms.push_back(&firm);
  context_.last_metrics = &metrics_;
  context_.seed = seed;
  context_.run = run;
  agents::StrategyRegistry registry;
  agents::RegisterBuiltinStrategies(registry);
  for (int a = 0; a < static_cast<int>(scenario.world.actors.size()); ++a) {
    const std::string& kind = scenario.strategies[a].kind;
    countries_.push_back(registry.Create(kind, a, context_));
    rules_need_metrics_ |= kind == "rule_based";
  }
  // Countries first, then firms: the order fixes agent ids in the random-stream key.
  for (const auto& country : countries_) agents_.push_back(country.get());
  for (const auto& firm : firms_) agents_.push_back(&firm);
}

void Simulation::Step() {
  world::AdvanceRound(scenario_.world, agents_, inputs_, state_, scratch_, outcome_);
  metrics_current_ = false;
  if (rules_need_metrics_) metrics();
}

const Metrics& Simulation::metrics() {
  if (!metrics_current_) {
    ComputeMetricsInto(scenario_.world, outcome_, metrics_, &metrics_order_, metric_families_);
    metrics_current_ = true;
  }
  return metrics_;
}

void Simulation::LimitMetrics(const std::vector<std::string>& names) {
  if (!rules_need_metrics_) metric_families_ = MetricFamiliesOf(names);
}

void Simulation::SetExternalAction(int actor, int action) {
  auto* external = dynamic_cast<agents::ExternalCountry*>(countries_.at(actor).get());
  const std::string& id = scenario_.world.actors[actor].id;
  if (external == nullptr) throw InputError("actor " + id + " does not play an external strategy");
  if (action < -1 || action >= static_cast<int>(scenario_.strategies[actor].menu.size())) {
    throw InputError("actor " + id + " has no menu action " + std::to_string(action));
  }
  external->SetAction(action);
}

}  // namespace reesim::run
