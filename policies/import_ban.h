// Import ban: no imports of the listed products from the listed origins (all others when none are
// listed) into the actor's regions. As a sanction it may also cut a named non-rare-earth trade (e.g.
// oil) worth `other_trade_usd_per_round`: the exporters lose it in equal parts, the importer loses
// `kSanctionImporterLoss` of it (ASSUMPTION: the extra cost of other suppliers).
//
// Before clearing: removes the arcs (world::BarrierTable::banned) and books the sanctioned trade lost
// to the governments as a cost.
#pragma once

#include <utility>

#include "policies/scope.h"

namespace reesim::policies {

inline constexpr double kSanctionImporterLoss = 0.25;

class ImportBan : public world::Instrument {
 public:
  ImportBan(Scope scope, double other_trade_usd_per_round)
      : scope_(std::move(scope)), other_trade_usd_per_round_(other_trade_usd_per_round) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  Scope scope_;  // products: banned rare-earth products (may be none); counterparts: origins
  double other_trade_usd_per_round_;
};

}  // namespace reesim::policies
