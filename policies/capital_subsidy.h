// Capital subsidy: the government pays `share` of the capital cost of the listed plants (the actor's
// plants making the covered products) while they are built.
//
// Before clearing: adds the share to the plants' capital-subsidy share (world::BarrierTable; shares
// add up to at most 1). At investment the round splits each plant's capital cost of the round by the
// combined share: the government of the plant's region pays it (less any part an alliance pays
// jointly, policies/alliance.h), the firm the rest. Firms see the share in the next round's state, so
// projects it makes worth building start then.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class CapitalSubsidy : public world::Instrument {
 public:
  CapitalSubsidy(std::vector<int> plants, double share) : plants_(std::move(plants)), share_(share) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  std::vector<int> plants_;
  double share_;
};

}  // namespace reesim::policies
