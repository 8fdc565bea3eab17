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

  void Reset(int region_count, int product_count) {
    regions = region_count;
    products = product_count;
    const std::size_t arcs = static_cast<std::size_t>(products) * regions * regions;
    tariff_ad_valorem.assign(arcs, 0.0);
    export_tax_ad_valorem.assign(arcs, 0.0);
    banned.assign(arcs, 0);
    export_quota_tonnes.assign(static_cast<std::size_t>(regions) * products,
                               std::numeric_limits<double>::infinity());
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
