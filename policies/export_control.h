// Export control: licensing of exports of the covered products from the actor's regions to the named
// destinations (China, April 2025). Civilian exports pay a friction of `licence_delay_rounds` times
// the carrying cost, as a share of the price, and are licensed for `approval_share` of the
// destination's demand, or with market.licences_on_past_trade of the route's average trade before
// the control (world/round.cc, AddControlCaps); military end use is denied unless allowed. Until the
// first licences come through (`licence_delay_rounds` after `start_round`), civilian exports stop too.
//
// Before clearing: writes the arcs' friction (in the wedge, no revenue), approval share (a cap on the
// route), military denial and control mark (world::BarrierTable). Of several controls on an arc the
// strictest applies. Smuggling leaks around a controlled arc at a rate the exporter's enforcement
// spending lowers (policies/enforcement.h).
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

struct ExportControlTerms {
  double licence_delay_rounds = 0;
  double approval_share = 1;
  bool allow_military = false;
  int start_round = 0;
};

class ExportControl : public world::Instrument {
 public:
  ExportControl(Scope scope, ExportControlTerms terms) : scope_(std::move(scope)), terms_(terms) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;  // counterparts: destinations
  ExportControlTerms terms_;
};

}  // namespace reesim::policies
