// Production quota: a cap on the total output of the listed plants in a round (China's mining and
// separation quotas), shared among them in proportion to their capacity (ASSUMPTION: the ministry
// allocates by capacity). A separation plant's output is counted in tonnes of feed.
//
// Before clearing: caps each plant's output (world::BarrierTable::production_cap_tonnes); the round
// holds the plant's output target to it. Of several caps on a plant the smallest binds.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

class ProductionQuota : public world::Instrument {
 public:
  ProductionQuota(std::vector<int> plants, double tonnes_per_round)
      : plants_(std::move(plants)), tonnes_per_round_(tonnes_per_round) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  std::vector<int> plants_;
  double tonnes_per_round_;
};

}  // namespace reesim::policies
