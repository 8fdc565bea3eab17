// The round's metrics under the names users rely on (README, "Metric keys") (price.*, output.*, share.*, import_share.*,
// import_reliance.*, unmet.*, payoff.*). Definitions (also in docs/model.md):
// - price.<product>: world reference price, the consumption-weighted mean of regional prices outside
//   the excluded regions (CHN by default); price.<product>.<REGION>: the regional clearing price.
// - recycled.<product>.<REGION>: recyclers' output in the round, tonnes (also counted in output.*).
// - capacity.<stage>.<REGION>: operating capacity in the round, tonnes (projects count once built).
// - output.<stage>.<REGION>, share.<stage>.<REGION>: tonnes produced in the round and the fraction of
//   the world's; share.<product>.<REGION> for separated oxides (Dy, Tb: the heavy rare earths).
// - import_share.<IMPORTER>.<EXPORTER>: fraction of the importer's imports of rare-earth compounds and
//   metals (separation and metal stages; magnets excluded, as in USGS's import statistics) by value.
// - import_reliance.<REGION>: from demand, not arrivals: the share of the region's final demand at the
//   reference price (valued at P0) that its own output this round does not cover, 0..1;
//   net_import_reliance.<REGION>: USGS's, from realised flows: net imports over apparent consumption
//   (production + net imports) of everything processed -- oxides, metals and magnets -- by value, 0..1.
// - unmet.<REGION>.<sector>: 1 - served / demand at the reference price (0 when fully served).
// - trade.<product>.<FROM>.<TO>: recorded exports between two regions, tonnes; exports.total.<REGION>:
//   all recorded exports of the region, tonnes; military.<product>.<FROM>.<TO>: the part delivered to
//   military (defence) end use.
// - exports.<product>.<REGION>: recorded exports in tonnes; smuggled.<product>[.<REGION>]: unrecorded
//   exports around controls (world total, and by exporter).
// - exports_value.<stage>.<REGION>, imports_value.<stage>.<REGION>: recorded trade by value, USD million
//   per round, at delivered prices (e.g. exports_value.separation.CHN: China's exports of separated
//   oxides; imports_value.metal.CHN: its imports of metals and alloys).
// Flow metrics (trade.*, military.*, exports.*, exports_value.*, imports_value.*, smuggled.*, stockpile.*,
// recycled.*, import_share.*) are written
// only when positive; readers take a missing one as 0.
// - payoff.<ACTOR> and its components payoff.<ACTOR>.<component> (USD million per round; world/payoff.h);
//   security.<ACTOR> and leverage.<ACTOR>, reported apart and never added to the payoff; welfare.*: the
//   world's gross willingness to pay, final spending, consumer surplus and the rest of the world's gains.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "world/description.h"
#include "world/round.h"

namespace reesim::run {

using Metrics = std::map<std::string, double>;

// Returns the metrics of one round's outcome.
Metrics ComputeMetrics(const world::WorldDescription& world, const world::RoundOutcome& outcome);

// Families of metrics, by the first part of their names, as a bit set: a run that needs only some
// metrics (an experiment's outcomes) computes only their families.
enum MetricFamily : unsigned {
  kPriceMetrics = 1u << 0,       // price.
  kRecycledMetrics = 1u << 1,    // recycled.
  kProductionMetrics = 1u << 2,  // output., capacity., capacity_share., share.
  kTradeMetrics = 1u << 3,       // trade., military.
  kExportMetrics = 1u << 4,      // exports., smuggled.
  kTradeValueMetrics = 1u << 5,  // exports_value., imports_value. (by stage, and .materials.)
  kImportMetrics = 1u << 6,      // import_share., import_reliance., net_import_reliance.
  kUnmetMetrics = 1u << 7,       // unmet.
  kPayoffMetrics = 1u << 8,      // payoff., stockpile., security., leverage., welfare.
  kAllMetrics = (1u << 9) - 1,
};

// The families the named metrics belong to; all of them if a name is not recognised.
unsigned MetricFamiliesOf(const std::vector<std::string>& names);

// The same into `metrics`, which may hold the previous round's: reusing it is much cheaper. `order`
// (optional, kept with `metrics` between calls and touched by nothing else) remembers the entries in
// the order they were written, which spares most lookups. Only the metrics of `families` are written.
void ComputeMetricsInto(const world::WorldDescription& world, const world::RoundOutcome& outcome, Metrics& metrics,
                        std::vector<Metrics::iterator>* order = nullptr, unsigned families = kAllMetrics);

}  // namespace reesim::run
