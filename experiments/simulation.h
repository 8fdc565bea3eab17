// One run of a scenario: the world state, the agents built from the scenario (a price-taking firm per
// plant owner, a scripted country per actor), and the round loop. Results depend only on the
// scenario, seed and run number, never on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "agents/firm.h"
#include "agents/scripted_country.h"
#include "experiments/scenario_io.h"
#include "world/round.h"
#include "world/state.h"

namespace reesim::experiments {

class Simulation {
 public:
  Simulation(const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run = 0);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Plays one round; its outcome is in outcome() until the next call.
  void Step();

  const world::WorldDescription& world() const { return scenario_.world; }
  const world::WorldState& state() const { return state_; }
  const world::RoundOutcome& outcome() const { return outcome_; }

 private:
  const LoadedScenario& scenario_;
  world::RoundInputs inputs_;
  std::vector<agents::PriceTakingFirm> firms_;
  std::vector<agents::ScriptedCountry> countries_;
  std::vector<const world::Agent*> agents_;
  world::WorldState state_;
  world::RoundScratch scratch_;
  world::RoundOutcome outcome_;
};

}  // namespace reesim::experiments
