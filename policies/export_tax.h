// Export tax: an ad-valorem duty on the covered products leaving the actor's regions for the named
// destinations (all others when none are named), as China's export duties of 2006-2015.
//
// Before clearing: adds its rate to the arcs' export tax (world::BarrierTable; rates add up). It
// widens the arc's wedge as a tariff does; at settlement the exporter's government collects the arc's
// rate times the flow's value at the exporter's expected price.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

class ExportTax : public world::Instrument {
 public:
  ExportTax(Scope scope, double ad_valorem) : scope_(std::move(scope)), ad_valorem_(ad_valorem) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;  // counterparts: destinations
  double ad_valorem_;
};

}  // namespace reesim::policies
