// Recycling mandate: a minimum share of the listed recyclers' capacity runs whatever the price.
//
// Before clearing: writes the mandated share (world::BarrierTable::recycling_mandate_share; of several
// the largest binds). The clearing offers that share of the recycler's output at zero cost, and the
// rest along its collection-cost curve.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class RecyclingMandate : public world::Instrument {
 public:
  RecyclingMandate(std::vector<int> recyclers, double share) : recyclers_(std::move(recyclers)), share_(share) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  std::vector<int> recyclers_;
  double share_;
};

}  // namespace reesim::policies
