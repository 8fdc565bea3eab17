#include "policies/import_ban.h"

#include "world/round.h"

namespace reesim::policies {

void ImportBan::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                               world::RoundOutcome& outcome) const {
  const world::WorldDescription& world = context.world;
  for (int product : scope_.products) {
    for (int own : scope_.regions) {
      ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) {
        if (origin == own) return;
        table.banned[table.Arc(product, origin, own)] = 1;
      });
    }
  }
  if (other_trade_usd_per_round_ <= 0 || scope_.regions.empty()) return;
  const int importer = world.regions[scope_.regions.front()].actor;
  // The exporters share the loss equally (counted first, so that the round allocates nothing).
  std::size_t exporters = 0;
  ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) { exporters += world.regions[origin].actor != importer; });
  ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) {
    const int exporter = world.regions[origin].actor;
    if (exporter == importer) return;
    outcome.policy_cost_usd[exporter] += other_trade_usd_per_round_ / exporters;
    outcome.outside_cost_usd[exporter] += other_trade_usd_per_round_ / exporters;
  });
  // Trade lost outside the rare-earth markets: a cost no one in the model receives.
  outcome.policy_cost_usd[importer] += kSanctionImporterLoss * other_trade_usd_per_round_;
  outcome.outside_cost_usd[importer] += kSanctionImporterLoss * other_trade_usd_per_round_;
}

}  // namespace reesim::policies
