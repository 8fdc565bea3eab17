// Export quota: a cap on the tonnes the actor's regions export of the covered products per round.
// One tonnage may cover several products and regions, as China's 2010 quota covered every rare-earth
// product; then it is one licence, which goes where it earns most: the clearing prices a tonne of it
// the same on every covered route (world::SharedExportQuota). As for any quota, the rent is booked to
// nobody.
//
// Before clearing: caps the region's exports of the product (a single product and region) or adds a
// shared licence, and marks the covered arcs as controlled (smuggling leaks around them). Of several
// quotas on one region and product the smallest binds.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

class ExportQuota : public world::Instrument {
 public:
  ExportQuota(Scope scope, double tonnes_per_round) : scope_(std::move(scope)), tonnes_per_round_(tonnes_per_round) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;
  double tonnes_per_round_;
};

}  // namespace reesim::policies
