// The decision makers' interface: an agent sees an immutable observation and writes its decisions
// into its own pre-sized slots of `Decisions` (firms: their plants; countries: their instruments), so
// all agents can decide in parallel without locks. Strategies live in agents/; world never includes it.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "world/barriers.h"
#include "world/check.h"
#include "world/description.h"
#include "world/random.h"
#include "world/state.h"

namespace reesim::world {

struct PlantDecision {
  // Tonnes of output to produce this round (mines: offered at unit cost; processors: inputs bought).
  double output_target_tonnes = 0;
  // Stock up to the working stock is offered at this fraction of the expected price (below 1: carrying
  // stock costs money); more than that at lower asks, the excess cheapest (world/storage.h).
  double stock_ask_fraction = 0.95;
  // The stock the holder keeps to work with, in tonnes of its output (a separation plant's oxide mix:
  // each oxide's working stock is its share of it).
  double working_stock_tonnes = 0;
  // A proposed plant: start building it this round.
  bool start_construction = false;
  // An operating plant: scrap it at the end of this round (its owner's choice; world/round.cc).
  bool close = false;
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

// Who an agent is, for what it may see privately: a government (its actor) or a firm (its plants).
struct Viewer {
  int actor = -1;
  std::span<const int> plants;
};

// What one agent sees when it decides: public data and its own private data, never another's.
// Public: the scenario (world) and `public_state`, last round's state with every private field replaced
// by what the public can infer (PublicView, world/state.h): prices, expectations, recorded output and
// trade, plants' status and announced support, stockpiles (published as stockpile.<ACTOR>), the menu
// actions governments chose (announced policies). Private, through the accessors, which check that the
// data is the viewer's: a firm's stocks at its own plants; a government's strategy memory.
class Observation {
 public:
  Observation(const WorldDescription& world, const WorldState& public_state, const WorldState& state, Viewer viewer)
      : world(world), public_state(public_state), state_(state), viewer_(viewer) {}

  const WorldDescription& world;
  const WorldState& public_state;

  // Returns the tonnes of `product` held at `plant`, which must be one of the viewer's.
  double OwnStockTonnes(int plant, int product) const {
    REESIM_CHECK(std::find(viewer_.plants.begin(), viewer_.plants.end(), plant) != viewer_.plants.end());
    return state_.stock_tonnes[WorldState::At(plant, product, world.ProductCount())];
  }
  // Returns the viewer's (a government's) strategy memory.
  const std::vector<double>& OwnStrategyMemory() const {
    REESIM_CHECK_GE(viewer_.actor, 0);
    return state_.strategy_memory[viewer_.actor];
  }

 private:
  const WorldState& state_;
  Viewer viewer_;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Whose private data the agent may see.
  virtual Viewer viewer() const = 0;
  // Writes this agent's decisions for the round into its own slots of `out`.
  virtual void Decide(const Observation& observation, RandomStream& random, Decisions& out) const = 0;
};

}  // namespace reesim::world
