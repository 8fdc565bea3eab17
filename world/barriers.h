// The barrier and incentive table of a round (docs/model.md, "The round"): what policies in force do to trade.
// Instruments (policies/) write into it; market clearing reads it. Reset every round.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace reesim::world {

struct WorldDescription;
struct WorldState;

struct BarrierTable {
  int regions = 0;
  int products = 0;
  std::vector<double> tariff_ad_valorem;      // [(product * regions + from) * regions + to]
  std::vector<double> export_tax_ad_valorem;  // same layout
  std::vector<std::uint8_t> banned;           // same layout: 1 = no trade
  std::vector<double> export_quota_tonnes;    // [region * products + product] per round; inf = none
  // Export controls (arc layout): licensing friction as a share of the price (no revenue), the share
  // of the destination's demand that is licensed, military end use denied, and whether the arc is
  // under any control (bans and quotas too), which is what smuggling leaks around.
  std::vector<double> licence_friction_ad_valorem;
  std::vector<double> approval_share;
  std::vector<std::uint8_t> military_denied;
  std::vector<std::uint8_t> controlled;
  std::vector<double> enforcement_usd;        // [region]: spending against smuggling this round

  void Reset(int region_count, int product_count) {
    regions = region_count;
    products = product_count;
    const std::size_t arcs = static_cast<std::size_t>(products) * regions * regions;
    tariff_ad_valorem.assign(arcs, 0.0);
    export_tax_ad_valorem.assign(arcs, 0.0);
    banned.assign(arcs, 0);
    export_quota_tonnes.assign(static_cast<std::size_t>(regions) * products,
                               std::numeric_limits<double>::infinity());
    licence_friction_ad_valorem.assign(arcs, 0.0);
    approval_share.assign(arcs, 1.0);
    military_denied.assign(arcs, 0);
    controlled.assign(arcs, 0);
    enforcement_usd.assign(regions, 0.0);
  }
  std::size_t Arc(int product, int from, int to) const {
    return (static_cast<std::size_t>(product) * regions + from) * regions + to;
  }
};

// A policy instrument in force: acts on the barrier table. Implementations live in policies/.
class Instrument {
 public:
  virtual ~Instrument() = default;
  // Adds this instrument's effect for the round to `table`; the state is last round's.
  virtual void Apply(const WorldDescription& world, const WorldState& state, BarrierTable& table) const = 0;
};

}  // namespace reesim::world
