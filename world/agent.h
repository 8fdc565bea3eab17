// The decision makers' interface: an agent sees an immutable observation and writes its decisions
// into its own pre-sized slots of `Decisions` (firms: their plants; countries: their instruments), so
// all agents can decide in parallel without locks. Strategies live in agents/; world never includes it.
#pragma once

#include <vector>

#include "world/barriers.h"
#include "world/description.h"
#include "world/random.h"
#include "world/state.h"

namespace reesim::world {

struct PlantDecision {
  // Tonnes of output to produce this round (mines: offered at unit cost; processors: inputs bought).
  double output_target_tonnes = 0;
  // Stock is offered at this fraction of the expected price (below 1: carrying stock costs money).
  double stock_ask_fraction = 0.95;
  // A proposed plant: start building it this round.
  bool start_construction = false;
};

struct Decisions {
  std::vector<PlantDecision> plants;                          // [plant]
  std::vector<std::vector<const Instrument*>> instruments;    // [actor]: instruments in force
  std::vector<int> chosen_action;                             // [actor]: menu index, -1 = none
  std::vector<std::vector<double>> strategy_memory;           // [actor]: a learner's memory after this round

  void Resize(const WorldDescription& world) {
    plants.resize(world.plants.size());
    instruments.resize(world.actors.size());
    chosen_action.resize(world.actors.size(), -1);
    strategy_memory.resize(world.actors.size());
  }
};

struct Observation {
  const WorldDescription& world;
  const WorldState& state;  // last round's public data and every agent's private state
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Writes this agent's decisions for the round into its own slots of `out`.
  virtual void Decide(const Observation& observation, RandomStream& random, Decisions& out) const = 0;
};

}  // namespace reesim::world
