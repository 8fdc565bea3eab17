// Trade instruments as value types acting on the round's barrier table (docs/model.md):
// export quota, import tariff, export tax, export ban. Each names the regions it applies to (the
// governing actor's regions), the products it covers, and its rate or tonnage.
//
// Export quota: a cap on exports; one tonnage may cover several products and regions, as
// China's 2010 quota covered every rare-earth product, and then the licence goes where it earns most:
// the clearing prices a tonne of it the same for all of them (world::SharedExportQuota).
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

namespace reesim::policies {

// An import ban on the listed products from the listed origins into the actor's regions; as a
// sanction it may also cut a named non-rare-earth trade (e.g. oil), whose value counts in payoffs: the
// exporters lose it, the importer loses `kSanctionImporterLoss` of it (the extra cost of other suppliers).
inline constexpr double kSanctionImporterLoss = 0.25;

class ImportBan : public world::Instrument {
 public:
  ImportBan(Scope scope, double other_trade_usd_per_round)
      : scope_(std::move(scope)), other_trade_usd_per_round_(other_trade_usd_per_round) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  Scope scope_;  // products: banned rare-earth products (may be none); counterparts: origins
  double other_trade_usd_per_round_;
};

// Caps the total output of the plants in a round, shared in proportion to their capacity.
class ProductionQuota : public world::Instrument {
 public:
  ProductionQuota(std::vector<int> plants, double tonnes_per_round) : plants_(std::move(plants)), tonnes_per_round_(tonnes_per_round) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  std::vector<int> plants_;
  double tonnes_per_round_;
};

// A subsidy per kg of output for the actor's plants making the listed products (separation plants: per
// kg of feed separated); it lowers their offers and raises their bids, and the government pays it.
class ProductionSubsidy : public world::Instrument {
 public:
  ProductionSubsidy(std::vector<int> plants, double usd_per_kg) : plants_(std::move(plants)), usd_per_kg_(usd_per_kg) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  std::vector<int> plants_;
  double usd_per_kg_;
};

// A strategic stockpile: buys up to a rate at prices up to a ceiling (within a budget), or releases up
// to a rate at prices from a floor. Holdings live in the world state, per actor and product.
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
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  int actor_;
  std::vector<int> products_;
  StockpileTerms terms_;
};

// An alliance of governments (the Quad Critical Minerals Initiative, a Japan-EU partnership): tariffs
// among members fall by `tariff_preference`; with coordinated controls, a member's export controls
// and bans against outsiders apply to every member's exports, and controls among members are lifted.
// Runs after the other instruments, since it modifies their effect.
// With a pooled stockpile, a member's release may draw on every member's holdings; with joint
// investment, members pay `joint_investment_share` of the capital cost of new plants anywhere in the
// alliance, split equally.
struct AllianceTerms {
  double tariff_preference = 1;
  bool coordinated_controls = false;
  bool pooled_stockpile = false;
  double joint_investment_share = 0;
};

class Alliance : public world::Instrument {
 public:
  Alliance(std::vector<int> member_actors, std::vector<int> member_regions, AllianceTerms terms)
      : actors_(std::move(member_actors)), members_(std::move(member_regions)), terms_(terms) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;
  int ApplyOrder() const override { return 1; }

 private:
  std::vector<int> actors_;
  std::vector<int> members_;  // regions
  AllianceTerms terms_;
};

// Research into substitutes (e.g. Japan's rare-earth-free motor magnet): after `lag_rounds` from its
// start it succeeds with `success_probability` (one draw per run, keyed by the event) and then cuts
// the rare-earth demand of the sector in the listed demand entries by `demand_cut_share`.
struct SubstitutionTerms {
  int start_round = 0;
  int event_index = 0;
  int lag_rounds = 0;
  double success_probability = 1;
  double demand_cut_share = 0;
};

class SubstitutionResearch : public world::Instrument {
 public:
  SubstitutionResearch(std::vector<int> demand_entries, SubstitutionTerms terms)
      : entries_(std::move(demand_entries)), terms_(terms) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;
  // Returns whether the research succeeds in this run (the same answer every round).
  bool Succeeds(const world::ApplyContext& context) const;

 private:
  std::vector<int> entries_;
  SubstitutionTerms terms_;
};

// A contract served before the spot market (e.g. Apple - MP Materials): each round the seller plant
// delivers up to the volume to the buyer (a plant, or a region's sector demand) at the contract price.
class Offtake : public world::Instrument {
 public:
  explicit Offtake(world::OfftakeDelivery delivery) : delivery_(delivery) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  world::OfftakeDelivery delivery_;
};

class EquityStake : public world::Instrument {
 public:
  EquityStake(int actor, std::vector<int> plants, double share) : actor_(actor), plants_(std::move(plants)), share_(share) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  int actor_;
  std::vector<int> plants_;
  double share_;
};

class PriceFloor : public world::Instrument {
 public:
  PriceFloor(int actor, std::vector<int> plants, int product, double floor_usd_per_kg)
      : actor_(actor), plants_(std::move(plants)), product_(product), floor_usd_per_kg_(floor_usd_per_kg) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  int actor_;
  std::vector<int> plants_;
  int product_;
  double floor_usd_per_kg_;
};

// The government pays `share` of the capital cost of the listed (new) plants.
class CapitalSubsidy : public world::Instrument {
 public:
  CapitalSubsidy(std::vector<int> plants, double share) : plants_(std::move(plants)), share_(share) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  std::vector<int> plants_;
  double share_;
};

// A minimum share of the listed recyclers' capacity runs whatever the price.
class RecyclingMandate : public world::Instrument {
 public:
  RecyclingMandate(std::vector<int> recyclers, double share) : recyclers_(std::move(recyclers)), share_(share) {}
  void Apply(const world::ApplyContext& context, world::BarrierTable& table) const override;

 private:
  std::vector<int> recyclers_;
  double share_;
};

}  // namespace reesim::policies
