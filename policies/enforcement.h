// Enforcement: spending against smuggling of exports from the actor's regions, USD per round, split
// evenly among them.
//
// Before clearing: adds the spending to each region's enforcement (world::BarrierTable), which
// shrinks the smuggling routes around controlled arcs (world::SmugglingShare), and books it to the
// government as a cost.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

class Enforcement : public world::Instrument {
 public:
  Enforcement(Scope scope, double usd_per_round) : scope_(std::move(scope)), usd_per_round_(usd_per_round) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;
  double usd_per_round_;
};

}  // namespace reesim::policies
