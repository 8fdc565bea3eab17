// A country that follows the scenario's policy timeline: in each round it puts in force the
// instruments scheduled for it. Rule-based, best-response and learning strategies come later.
#pragma once

#include <vector>

#include "policies/timeline.h"
#include "world/agent.h"

namespace reesim::agents {

class ScriptedCountry : public world::Agent {
 public:
  ScriptedCountry(int actor, const policies::PolicyTimeline& timeline);
  void Decide(const world::Observation& observation, world::RandomStream& random,
              world::Decisions& out) const override;

 private:
  int actor_;
  std::vector<const policies::TimedInstrument*> schedule_;
};

}  // namespace reesim::agents
