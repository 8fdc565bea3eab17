// Strategic stockpile: a government buys up to a rate at prices up to a ceiling (within a budget), or
// releases up to a rate at prices from a floor, in one of its regions. Holdings live in the world
// state, per actor and product (WorldState::stockpile_tonnes).
//
// Before clearing: places an order per product (world::StockpileOrder): a demand step at the ceiling,
// a supply step of what it holds up to the release rate (an alliance with a pooled stockpile may widen
// that to its members' holdings, policies/alliance.h).
// At settlement, for each fill: a purchase adds to the holdings and costs the government its market
// price; a release draws on the actor's holdings first, then on the pool's other members' in order,
// and earns the government the region's supply price.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

struct StockpileTerms {
  int region = -1;                    // where it trades
  double buy_tonnes_per_round = 0;
  double buy_max_price_multiple = 2;  // of the product's reference price
  double budget_usd_per_round = 0;    // 0: no budget limit
  double release_tonnes_per_round = 0;
  double release_min_price_multiple = 0;
};

class StrategicStockpile : public world::Instrument {
 public:
  StrategicStockpile(int actor, std::vector<int> products, StockpileTerms terms)
      : actor_(actor), products_(std::move(products)), terms_(terms) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;
  void OnOrderFilled(const world::WorldDescription& world, const world::StockpileOrder& order,
                     const world::OrderFill& fill, world::WorldState& state,
                     world::RoundOutcome& outcome) const override;

 private:
  int actor_;
  std::vector<int> products_;
  StockpileTerms terms_;
};

}  // namespace reesim::policies
