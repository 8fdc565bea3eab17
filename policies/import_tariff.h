// Import tariff: an ad-valorem duty on the covered products entering the actor's regions from the
// named origins (all others when none are named).
//
// Before clearing: adds its rate to the arcs' tariff (world::BarrierTable; rates on an arc add up).
// The clearing turns the arc's rate into a per-kg wedge at the exporter's expected price, so where
// trade flows the importer's price exceeds the exporter's by transport plus that wedge; at settlement
// the importer's government collects the arc's rate times the flow's value at that price.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

class ImportTariff : public world::Instrument {
 public:
  ImportTariff(Scope scope, double ad_valorem) : scope_(std::move(scope)), ad_valorem_(ad_valorem) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;  // counterparts: origins
  double ad_valorem_;
};

}  // namespace reesim::policies
