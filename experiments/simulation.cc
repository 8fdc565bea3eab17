#include "experiments/simulation.h"

namespace reesim::experiments {

Simulation::Simulation(const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run)
    : scenario_(scenario), inputs_{seed, run}, firms_(agents::FirmsOf(scenario.world)),
      state_(world::InitialState(scenario.world)) {
  for (int a = 0; a < static_cast<int>(scenario.world.actors.size()); ++a) {
    countries_.emplace_back(a, scenario.timeline);
  }
  // Countries first, then firms: the order fixes agent ids in the random-stream key.
  for (const auto& country : countries_) agents_.push_back(&country);
  for (const auto& firm : firms_) agents_.push_back(&firm);
}

void Simulation::Step() { world::AdvanceRound(scenario_.world, agents_, inputs_, state_, scratch_, outcome_); }

}  // namespace reesim::experiments
