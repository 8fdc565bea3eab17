// The scenario's policy timeline: which actor puts which instrument in force, and when.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "world/barriers.h"
#include "world/description.h"

namespace reesim {
class Scenario;
class PolicyEvent;
}

namespace reesim::policies {

struct TimedInstrument {
  int actor = -1;
  int start_round = 0;
  int end_round = -1;  // inclusive; -1 = to the end of the run
  std::string note;
  bool surprise = false;  // not foreseen before start_round (agents/country.h, CountryContext)
  std::shared_ptr<const world::Instrument> instrument;

  bool InForce(int round) const { return round >= start_round && (end_round < 0 || round <= end_round); }
};

struct PolicyTimeline {
  std::vector<TimedInstrument> events;
};

// Returns one validated policy event; `path` names it in errors, `index` keys its random draws.
TimedInstrument EventFromProto(const reesim::PolicyEvent& event, const world::WorldDescription& world,
                               const std::string& source, const std::string& path, int index);

// Returns the validated timeline of `scenario`. Throws InputError naming `source`, the field path and
// the value at fault (unknown actors, products or regions; negative quotas; rates out of range).
PolicyTimeline TimelineFromProto(const reesim::Scenario& scenario, const world::WorldDescription& world,
                                 const std::string& source);

}  // namespace reesim::policies
