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
  std::vector<int> exporters;
  ForEachOrAll(scope_.counterparts, world.RegionCount(), [&](int origin) {
    if (world.regions[origin].actor != importer) exporters.push_back(origin);
  });
  for (int origin : exporters) {
    outcome.policy_cost_usd[world.regions[origin].actor] += other_trade_usd_per_round_ / exporters.size();
    outcome.outside_cost_usd[world.regions[origin].actor] += other_trade_usd_per_round_ / exporters.size();
  }
  // Trade lost outside the rare-earth markets: a cost no one in the model receives.
  outcome.policy_cost_usd[importer] += kSanctionImporterLoss * other_trade_usd_per_round_;
  outcome.outside_cost_usd[importer] += kSanctionImporterLoss * other_trade_usd_per_round_;
}

}  // namespace reesim::policies
