#include "policies/export_tax.h"

namespace reesim::policies {

void ExportTax::BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                               world::RoundOutcome&) const {
  ForEachArc(scope_, context.world, table, /*own_region_exports=*/true,
             [&](std::size_t arc) { table.export_tax_ad_valorem[arc] += ad_valorem_; });
}

}  // namespace reesim::policies
