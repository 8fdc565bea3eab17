#include "policies/import_tariff.h"

namespace reesim::policies {

void ImportTariff::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                                  world::RoundOutcome&) const {
  ForEachArc(scope_, context.world, table, /*own_region_exports=*/false,
             [&](std::size_t arc) { table.tariff_ad_valorem[arc] += ad_valorem_; });
}

}  // namespace reesim::policies
