#include "policies/substitution_research.h"

#include <cstdint>

#include "world/random.h"
#include "world/state.h"

namespace reesim::policies {

bool SubstitutionResearch::Succeeds(const world::ApplyContext& context) const {
  world::RandomStream random(context.seed, context.run, static_cast<std::uint64_t>(terms_.start_round),
                             static_cast<std::uint64_t>(terms_.event_index), world::InDomain(world::RandomPurpose::kPolicyOutcome, context.domain));
  return random.Uniform() < terms_.success_probability;
}

void SubstitutionResearch::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                          world::RoundOutcome&) const {
  if (context.state.round < terms_.start_round + terms_.lag_rounds || !Succeeds(context)) return;
  for (int entry : entries_) {
    table.demand_multiplier[entry] *= 1.0 - terms_.demand_cut_share;
    table.switched_share[entry] = 1.0 - (1.0 - table.switched_share[entry]) * (1.0 - terms_.demand_cut_share);
  }
}

}  // namespace reesim::policies
