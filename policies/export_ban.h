// Export ban: no exports of the covered products from the actor's regions to the named destinations
// (all others when none are named), as China's ban on rare-earth ore exports.
//
// Before clearing: removes the arcs (world::BarrierTable::banned) and marks them controlled, so
// smuggling may leak around the ban. An offtake contract on a banned arc is not delivered either.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

class ExportBan : public world::Instrument {
 public:
  explicit ExportBan(Scope scope) : scope_(std::move(scope)) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;  // counterparts: destinations
};

}  // namespace reesim::policies
