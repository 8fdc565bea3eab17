// One run of a scenario: the world state, the agents built from the scenario (a price-taking firm per
// plant owner, a country per actor playing its strategy), and the round loop. Results depend only on
// the scenario, seed and run number, never on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "agents/country.h"
#include "agents/firm.h"
#include "run/metrics.h"
#include "run/scenario_io.h"
#include "world/round.h"
#include "world/state.h"

namespace reesim::run {

class Simulation {
 public:
  Simulation(const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run = 0);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Plays one round; its outcome is in outcome() until the next call.
  void Step();
  // Returns the metrics of the last round (computed once per round, on first use).
  const Metrics& metrics();
  // From now on, metrics() need hold only these metrics (and the rest of their families): cheaper for
  // runs that keep a few outcomes. Ignored while a rule-based strategy reads the metrics.
  void LimitMetrics(const std::vector<std::string>& names);
  // Sets the menu action an `external` country plays from the next round (-1: none, the timeline
  // only). Throws InputError if the actor's strategy is not external or the action is not on its menu.
  void SetExternalAction(int actor, int action);

  const world::WorldDescription& world() const { return scenario_.world; }
  // The agents in the order they decide: firms, then one country per actor.
  const std::vector<const world::Agent*>& agents() const { return agents_; }
  const world::WorldState& state() const { return state_; }
  const world::RoundOutcome& outcome() const { return outcome_; }
  const world::RoundScratch& scratch() const { return scratch_; }

 private:
  const LoadedScenario& scenario_;
  world::RoundInputs inputs_;
  std::vector<agents::PriceTakingFirm> firms_;
  agents::CountryContext context_;
  std::vector<std::unique_ptr<agents::Country>> countries_;
  std::vector<const world::Agent*> agents_;
  world::WorldState state_;
  world::RoundScratch scratch_;
  world::RoundOutcome outcome_;
  Metrics metrics_;
  std::vector<Metrics::iterator> metrics_order_;  // for ComputeMetricsInto
  unsigned metric_families_ = kAllMetrics;
  bool metrics_current_ = false;
  bool rules_need_metrics_ = false;
};

}  // namespace reesim::run
