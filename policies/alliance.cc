#include "policies/alliance.h"

#include <algorithm>
#include <cstdint>

#include "world/state.h"

namespace reesim::policies {

void Alliance::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                              world::RoundOutcome&) const {
  const world::WorldDescription& world = context.world;
  const int np = world.ProductCount();
  if (terms_.pooled_stockpile) {
    for (world::StockpileOrder& order : table.stockpile_orders) {
      if (std::find(actors_.begin(), actors_.end(), order.actor) == actors_.end()) continue;
      double pooled = 0;
      for (int actor : actors_) pooled += context.state.stockpile_tonnes[world::WorldState::At(actor, order.product, np)];
      order.sell_tonnes = std::min(order.release_rate_tonnes, pooled);
      order.pool = &actors_;
    }
  }
  if (terms_.joint_investment_share > 0) {
    for (int plant = 0; plant < world.PlantCount(); ++plant) {
      if (!IsMember(world.plants[plant].region) || !world.plants[plant].is_project) continue;
      const double room = 1.0 - table.capital_subsidy_share[plant];
      const double share = std::min(room, terms_.joint_investment_share);
      table.capital_subsidy_share[plant] += share;
      table.joint_investment_share[plant] += share;
      table.joint_investors[plant] = &actors_;
    }
  }
  for (int p = 0; p < np; ++p) {
    for (int a : members_) {
      for (int b : members_) {
        if (a == b) continue;
        table.tariff_ad_valorem[table.Arc(p, a, b)] *= 1.0 - terms_.tariff_preference;
      }
    }
    if (!terms_.coordinated_controls) continue;
    for (int to = 0; to < world.RegionCount(); ++to) {
      if (IsMember(to)) {
        // No controls among members.
        for (int from : members_) {
          if (from == to) continue;
          const std::size_t arc = table.Arc(p, from, to);
          table.banned[arc] = 0;
          table.approval_share[arc] = 1.0;
          table.military_denied[arc] = 0;
          table.licence_friction_ad_valorem[arc] = 0.0;
          table.controlled[arc] = 0;
        }
        continue;
      }
      // Against an outsider, the strictest member's control binds every member.
      std::uint8_t banned = 0, military = 0, controlled = 0;
      double approval = 1.0, friction = 0.0;
      for (int from : members_) {
        const std::size_t arc = table.Arc(p, from, to);
        banned |= table.banned[arc];
        military |= table.military_denied[arc];
        controlled |= table.controlled[arc];
        approval = std::min(approval, table.approval_share[arc]);
        friction = std::max(friction, table.licence_friction_ad_valorem[arc]);
      }
      for (int from : members_) {
        const std::size_t arc = table.Arc(p, from, to);
        table.banned[arc] = banned;
        table.military_denied[arc] = military;
        table.controlled[arc] = controlled;
        table.approval_share[arc] = approval;
        table.licence_friction_ad_valorem[arc] = friction;
      }
    }
  }
}

}  // namespace reesim::policies
