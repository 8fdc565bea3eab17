// Trade instruments as value types acting on the round's barrier table (docs/model.md):
// export quota, import tariff, export tax, export ban. Each names the regions it applies to (the
// governing actor's regions), the products it covers, and its rate or tonnage.
//
// Export quota: a cap on exports; one tonnage may cover several products and regions, as
// China's 2010 quota covered every rare-earth product, and it is shared across them by last round's
// export value (the licence goes where it earns most; in the first round, by reference price).
// Ad-valorem rates are turned into a per-kg wedge at the exporter's expected price by the clearing.
#pragma once

#include <vector>

#include "world/barriers.h"
#include "world/description.h"
#include "world/state.h"

namespace reesim::policies {

// Regions, products: index lists; an empty list means "all".
struct Scope {
  std::vector<int> regions;       // the actor's regions it applies to
  std::vector<int> products;      // covered products (empty: all)
  std::vector<int> counterparts;  // trading partners (empty: all)
};

class ExportQuota : public world::Instrument {
 public:
  ExportQuota(Scope scope, double tonnes_per_round) : scope_(std::move(scope)), tonnes_per_round_(tonnes_per_round) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
  double tonnes_per_round_;
};

class ImportTariff : public world::Instrument {
 public:
  ImportTariff(Scope scope, double ad_valorem) : scope_(std::move(scope)), ad_valorem_(ad_valorem) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
  double ad_valorem_;
};

class ExportTax : public world::Instrument {
 public:
  ExportTax(Scope scope, double ad_valorem) : scope_(std::move(scope)), ad_valorem_(ad_valorem) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
  double ad_valorem_;
};

class ExportBan : public world::Instrument {
 public:
  explicit ExportBan(Scope scope) : scope_(std::move(scope)) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
};

// Licensing (China, April 2025): civilian exports pay a friction of `licence_delay_rounds` times the
// carrying cost and are licensed for `approval_share` of the destination's demand; military end use is
// denied unless allowed. The strictest of several controls on an arc applies.
// Until the first licences come through (`licence_delay_rounds` after `start_round`), civilian exports
// stop too.
struct ExportControlTerms {
  double licence_delay_rounds = 0;
  double approval_share = 1;
  bool allow_military = false;
  int start_round = 0;
};

class ExportControl : public world::Instrument {
 public:
  ExportControl(Scope scope, ExportControlTerms terms) : scope_(std::move(scope)), terms_(terms) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
  ExportControlTerms terms_;
};

// Spending against smuggling of exports from the actor's regions (USD per round, split evenly).
class Enforcement : public world::Instrument {
 public:
  Enforcement(Scope scope, double usd_per_round) : scope_(std::move(scope)), usd_per_round_(usd_per_round) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;
  double usd_per_round_;
};

}  // namespace reesim::policies
