#include "agents/scripted_country.h"

namespace reesim::agents {

ScriptedCountry::ScriptedCountry(int actor, const policies::PolicyTimeline& timeline) : actor_(actor) {
  for (const policies::TimedInstrument& event : timeline.events) {
    if (event.actor == actor) schedule_.push_back(&event);
  }
}

void ScriptedCountry::Decide(const world::Observation& observation, world::RandomStream&,
                             world::Decisions& out) const {
  std::vector<const world::Instrument*>& in_force = out.instruments[actor_];
  in_force.clear();
  for (const policies::TimedInstrument* event : schedule_) {
    if (event->InForce(observation.state.round)) in_force.push_back(event->instrument.get());
  }
}

}  // namespace reesim::agents
