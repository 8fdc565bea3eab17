#include "policies/timeline.h"

#include <algorithm>
#include <cmath>

#include "policies/alliance.h"
#include "policies/capital_subsidy.h"
#include "policies/enforcement.h"
#include "policies/equity_stake.h"
#include "policies/export_ban.h"
#include "policies/export_control.h"
#include "policies/export_quota.h"
#include "policies/export_tax.h"
#include "policies/import_ban.h"
#include "policies/import_tariff.h"
#include "policies/offtake.h"
#include "policies/price_floor.h"
#include "policies/production_quota.h"
#include "policies/production_subsidy.h"
#include "policies/recycling_mandate.h"
#include "policies/stockpile.h"
#include "policies/substitution_research.h"
#include "proto/scenario.pb.h"
#include "world/field_error.h"

namespace reesim::policies {

namespace {

template <typename Ids>
std::vector<int> ProductList(const Ids& ids, const world::WorldDescription& world, const std::string& source,
                             const std::string& path) {
  std::vector<int> out;
  for (int i = 0; i < ids.size(); ++i) {
    const int p = world.FindProduct(ids[i]);
    if (p < 0) FieldComplaint(source).Fail(path + "[" + std::to_string(i) + "]", Quoted(ids[i]), "unknown product");
    out.push_back(p);
  }
  return out;
}

template <typename Ids>
std::vector<int> RegionList(const Ids& ids, const world::WorldDescription& world, const std::string& source,
                            const std::string& path) {
  std::vector<int> out;
  for (int i = 0; i < ids.size(); ++i) {
    const int r = world.FindRegion(ids[i]);
    if (r < 0) FieldComplaint(source).Fail(path + "[" + std::to_string(i) + "]", Quoted(ids[i]), "unknown region");
    out.push_back(r);
  }
  return out;
}

double Share(double value, const std::string& source, const std::string& path) {
  if (!(value >= 0 && value <= 1)) {
    FieldComplaint(source).Fail(path, FormatNumber(value), "a share must be between 0 and 1 (0 % to 100 %)");
  }
  return value;
}

double NonNegative(double value, const std::string& source, const std::string& path) {
  if (!(value >= 0 && std::isfinite(value))) FieldComplaint(source).Fail(path, FormatNumber(value), "must be >= 0");
  return value;
}

int Plant(const std::string& id, const world::WorldDescription& world, const std::string& source,
          const std::string& path) {
  const int plant = world.FindPlant(id);
  if (plant < 0) FieldComplaint(source).Fail(path, Quoted(id), "unknown plant");
  return plant;
}

int Product(const std::string& id, const world::WorldDescription& world, const std::string& source,
            const std::string& path) {
  const int product = world.FindProduct(id);
  if (product < 0) FieldComplaint(source).Fail(path, Quoted(id), "unknown product");
  return product;
}

// The plants in the actor's regions that make any of `products` (all plants when the list is empty).
std::vector<int> PlantsMaking(const world::WorldDescription& world, int actor, const std::vector<int>& products) {
  std::vector<int> plants;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::Plant& plant = world.plants[i];
    if (world.regions[plant.region].actor != actor) continue;
    const bool listed = products.empty() || std::any_of(products.begin(), products.end(),
                                                        [&](int product) { return world::Makes(world, plant, product); });
    if (listed) plants.push_back(i);
  }
  return plants;
}

double AdValorem(double rate, const std::string& source, const std::string& path) {
  if (!(rate >= 0 && rate <= 10)) {
    FieldComplaint(source).Fail(path, FormatNumber(rate), "an ad-valorem rate must be between 0 and 10 (0.25 = 25 %)");
  }
  return rate;
}

}  // namespace

TimedInstrument EventFromProto(const reesim::PolicyEvent& in, const world::WorldDescription& world,
                               const std::string& source, const std::string& path, int i) {
  TimedInstrument event;
  event.actor = world.FindActor(in.actor());
  if (event.actor < 0) FieldComplaint(source).Fail(path + ".actor", Quoted(in.actor()), "unknown actor");
  if (in.start_round() < 0) FieldComplaint(source).Fail(path + ".start_round", std::to_string(in.start_round()), "must be >= 0");
  if (in.end_round() != 0 && in.end_round() < in.start_round()) {
    FieldComplaint(source).Fail(path + ".end_round", std::to_string(in.end_round()), "must be >= start_round (0 = to the end)");
  }
  event.start_round = in.start_round();
  event.end_round = in.end_round() == 0 ? -1 : in.end_round();
  event.note = in.note();
  event.surprise = in.surprise();

  Scope scope;
  for (int r = 0; r < world.RegionCount(); ++r) {
    if (world.regions[r].actor == event.actor) scope.regions.push_back(r);
  }
  switch (in.instrument_case()) {
    case reesim::PolicyEvent::kExportQuota: {
      const reesim::ExportQuota& quota = in.export_quota();
      const std::string qpath = path + ".export_quota";
      scope.products = ProductList(quota.products(), world, source, qpath + ".products");
      if (!quota.region().empty()) {
        const int r = world.FindRegion(quota.region());
        if (r < 0 || world.regions[r].actor != event.actor) {
          FieldComplaint(source).Fail(qpath + ".region", Quoted(quota.region()), "not a region governed by " + Quoted(in.actor()));
        }
        scope.regions = {r};
      }
      if (!std::isfinite(quota.tonnes_per_year()) || quota.tonnes_per_year() < 0) {
        FieldComplaint(source).Fail(qpath + ".tonnes_per_year", FormatNumber(quota.tonnes_per_year()), "a quota must be >= 0");
      }
      event.instrument = std::make_shared<ExportQuota>(std::move(scope), quota.tonnes_per_year() / world.rounds_per_year);
      break;
    }
    case reesim::PolicyEvent::kImportTariff: {
      const reesim::ImportTariff& tariff = in.import_tariff();
      const std::string tpath = path + ".import_tariff";
      scope.products = ProductList(tariff.products(), world, source, tpath + ".products");
      scope.counterparts = RegionList(tariff.from(), world, source, tpath + ".from");
      event.instrument =
          std::make_shared<ImportTariff>(std::move(scope), AdValorem(tariff.ad_valorem(), source, tpath + ".ad_valorem"));
      break;
    }
    case reesim::PolicyEvent::kExportTax: {
      const reesim::ExportTax& tax = in.export_tax();
      const std::string tpath = path + ".export_tax";
      scope.products = ProductList(tax.products(), world, source, tpath + ".products");
      scope.counterparts = RegionList(tax.to(), world, source, tpath + ".to");
      event.instrument =
          std::make_shared<ExportTax>(std::move(scope), AdValorem(tax.ad_valorem(), source, tpath + ".ad_valorem"));
      break;
    }
    case reesim::PolicyEvent::kExportBan: {
      const reesim::ExportBan& ban = in.export_ban();
      const std::string bpath = path + ".export_ban";
      scope.products = ProductList(ban.products(), world, source, bpath + ".products");
      scope.counterparts = RegionList(ban.to(), world, source, bpath + ".to");
      event.instrument = std::make_shared<ExportBan>(std::move(scope));
      break;
    }
    case reesim::PolicyEvent::kExportControl: {
      const reesim::ExportControl& control = in.export_control();
      const std::string cpath = path + ".export_control";
      scope.products = ProductList(control.products(), world, source, cpath + ".products");
      scope.counterparts = RegionList(control.to(), world, source, cpath + ".to");
      if (!(control.licence_delay_rounds() >= 0 && control.licence_delay_rounds() <= 100)) {
        FieldComplaint(source).Fail(cpath + ".licence_delay_rounds", FormatNumber(control.licence_delay_rounds()),
                                    "must be between 0 and 100 rounds");
      }
      if (!(control.approval_share() >= 0 && control.approval_share() <= 1)) {
        FieldComplaint(source).Fail(cpath + ".approval_share", FormatNumber(control.approval_share()),
                                    "a share must be between 0 and 1 (0 % to 100 %)");
      }
      event.instrument = std::make_shared<ExportControl>(
          std::move(scope),
          ExportControlTerms{control.licence_delay_rounds(), control.approval_share(), control.allow_military(),
                             event.start_round});
      break;
    }
    case reesim::PolicyEvent::kEnforcement: {
      const double spending = in.enforcement().usd_million_per_year();
      if (!(spending >= 0 && std::isfinite(spending))) {
        FieldComplaint(source).Fail(path + ".enforcement.usd_million_per_year", FormatNumber(spending), "must be >= 0");
      }
      event.instrument = std::make_shared<Enforcement>(std::move(scope), spending * 1e6 / world.rounds_per_year);
      break;
    }
    case reesim::PolicyEvent::kImportBan: {
      const reesim::ImportBan& ban = in.import_ban();
      const std::string bpath = path + ".import_ban";
      scope.products = ProductList(ban.products(), world, source, bpath + ".products");
      scope.counterparts = RegionList(ban.from(), world, source, bpath + ".from");
      const double other = NonNegative(ban.other_trade_usd_million_per_year(), source,
                                       bpath + ".other_trade_usd_million_per_year");
      if (scope.products.empty() && other == 0) {
        FieldComplaint(source).Fail(bpath, "", "bans nothing: list products, or a sanctioned other trade value");
      }
      event.instrument = std::make_shared<ImportBan>(std::move(scope), other * 1e6 / world.rounds_per_year);
      break;
    }
    case reesim::PolicyEvent::kProductionSubsidy: {
      const reesim::ProductionSubsidy& subsidy = in.production_subsidy();
      const std::string spath = path + ".production_subsidy";
      const std::vector<int> products = ProductList(subsidy.products(), world, source, spath + ".products");
      event.instrument = std::make_shared<ProductionSubsidy>(
          PlantsMaking(world, event.actor, products), NonNegative(subsidy.usd_per_kg(), source, spath + ".usd_per_kg"));
      break;
    }
    case reesim::PolicyEvent::kProductionQuota: {
      const reesim::ProductionQuota& quota = in.production_quota();
      const std::string qpath = path + ".production_quota";
      const std::vector<int> products = ProductList(quota.products(), world, source, qpath + ".products");
      event.instrument = std::make_shared<ProductionQuota>(
          PlantsMaking(world, event.actor, products),
          NonNegative(quota.tonnes_per_year(), source, qpath + ".tonnes_per_year") / world.rounds_per_year);
      break;
    }
    case reesim::PolicyEvent::kRecyclingMandate: {
      const reesim::RecyclingMandate& mandate = in.recycling_mandate();
      const std::string mpath = path + ".recycling_mandate";
      const std::vector<int> products = ProductList(mandate.products(), world, source, mpath + ".products");
      std::vector<int> recyclers;
      for (int plant : PlantsMaking(world, event.actor, products)) {
        if (world.plants[plant].recycler) recyclers.push_back(plant);
      }
      event.instrument = std::make_shared<RecyclingMandate>(std::move(recyclers),
                                                            Share(mandate.share(), source, mpath + ".share"));
      break;
    }
    case reesim::PolicyEvent::kCapitalSubsidy: {
      const reesim::CapitalSubsidy& subsidy = in.capital_subsidy();
      const std::string spath = path + ".capital_subsidy";
      const std::vector<int> products = ProductList(subsidy.products(), world, source, spath + ".products");
      event.instrument = std::make_shared<CapitalSubsidy>(PlantsMaking(world, event.actor, products),
                                                          Share(subsidy.share(), source, spath + ".share"));
      break;
    }
    case reesim::PolicyEvent::kStockpile: {
      const reesim::StrategicStockpile& stockpile = in.stockpile();
      const std::string spath = path + ".stockpile";
      const std::vector<int> products = ProductList(stockpile.products(), world, source, spath + ".products");
      if (products.empty()) FieldComplaint(source).Fail(spath + ".products", "", "a stockpile needs at least one product");
      StockpileTerms terms;
      terms.region = scope.regions.empty() ? -1 : scope.regions.front();
      if (!stockpile.region().empty()) {
        terms.region = world.FindRegion(stockpile.region());
        if (terms.region < 0 || world.regions[terms.region].actor != event.actor) {
          FieldComplaint(source).Fail(spath + ".region", Quoted(stockpile.region()),
                                      "not a region governed by " + Quoted(in.actor()));
        }
      }
      if (terms.region < 0) FieldComplaint(source).Fail(path + ".actor", Quoted(in.actor()), "governs no region");
      const double per_year = world.rounds_per_year;
      terms.buy_tonnes_per_round = NonNegative(stockpile.buy_tonnes_per_year(), source, spath + ".buy_tonnes_per_year") / per_year;
      terms.buy_max_price_multiple = stockpile.has_buy_max_price_multiple()
                                         ? NonNegative(stockpile.buy_max_price_multiple(), source, spath + ".buy_max_price_multiple")
                                         : 2.0;
      terms.budget_usd_per_round =
          NonNegative(stockpile.budget_usd_million_per_year(), source, spath + ".budget_usd_million_per_year") * 1e6 / per_year;
      terms.release_tonnes_per_round =
          NonNegative(stockpile.release_tonnes_per_year(), source, spath + ".release_tonnes_per_year") / per_year;
      terms.release_min_price_multiple =
          NonNegative(stockpile.release_min_price_multiple(), source, spath + ".release_min_price_multiple");
      event.instrument = std::make_shared<StrategicStockpile>(event.actor, products, terms);
      break;
    }
    case reesim::PolicyEvent::kAlliance: {
      const reesim::Alliance& alliance = in.alliance();
      const std::string apath = path + ".alliance";
      std::vector<int> members, member_actors;
      bool includes_actor = false;
      for (int k = 0; k < alliance.members_size(); ++k) {
        const int actor = world.FindActor(alliance.members(k));
        if (actor < 0) {
          FieldComplaint(source).Fail(apath + ".members[" + std::to_string(k) + "]", Quoted(alliance.members(k)),
                                      "unknown actor");
        }
        includes_actor |= actor == event.actor;
        member_actors.push_back(actor);
        for (int r = 0; r < world.RegionCount(); ++r) {
          if (world.regions[r].actor == actor) members.push_back(r);
        }
      }
      if (alliance.members_size() < 2) {
        FieldComplaint(source).Fail(apath + ".members", std::to_string(alliance.members_size()) + " member(s)",
                                    "an alliance needs at least two members");
      }
      if (!includes_actor) {
        FieldComplaint(source).Fail(apath + ".members", "", "must include the event's actor " + Quoted(in.actor()));
      }
      const double preference = alliance.has_tariff_preference()
                                    ? Share(alliance.tariff_preference(), source, apath + ".tariff_preference")
                                    : 1.0;
      const AllianceTerms terms{preference, alliance.coordinated_controls(), alliance.pooled_stockpile(),
                                Share(alliance.joint_investment_share(), source, apath + ".joint_investment_share")};
      event.instrument = std::make_shared<Alliance>(std::move(member_actors), std::move(members), terms);
      break;
    }
    case reesim::PolicyEvent::kSubstitutionResearch: {
      const reesim::SubstitutionResearch& research = in.substitution_research();
      const std::string rpath = path + ".substitution_research";
      if (research.sector() == reesim::SECTOR_UNSPECIFIED) {
        FieldComplaint(source).Fail(rpath + ".sector", "", "name the sector whose demand it cuts");
      }
      const world::Sector sector = static_cast<world::Sector>(static_cast<int>(research.sector()) - 1);
      const std::vector<int> products = ProductList(research.products(), world, source, rpath + ".products");
      std::vector<int> entries;
      for (int e = 0; e < static_cast<int>(world.demand.size()); ++e) {
        const world::DemandEntry& demand = world.demand[e];
        if (demand.sector != sector) continue;
        if (!research.worldwide() && world.regions[demand.region].actor != event.actor) continue;
        if (!products.empty() && std::find(products.begin(), products.end(), demand.product) == products.end()) continue;
        entries.push_back(e);
      }
      if (research.lag_rounds() < 0) {
        FieldComplaint(source).Fail(rpath + ".lag_rounds", std::to_string(research.lag_rounds()), "must be >= 0");
      }
      SubstitutionTerms terms;
      terms.start_round = event.start_round;
      terms.event_index = i;
      terms.lag_rounds = research.lag_rounds();
      terms.success_probability = research.has_success_probability()
                                      ? Share(research.success_probability(), source, rpath + ".success_probability")
                                      : 1.0;
      terms.demand_cut_share = Share(research.demand_cut_share(), source, rpath + ".demand_cut_share");
      // The users who switch are valued by those who stay (world/round.h, DemandOutcome): some must stay.
      if (terms.demand_cut_share > 0.99) {
        FieldComplaint(source).Fail(rpath + ".demand_cut_share", FormatNumber(terms.demand_cut_share),
                                    "must be at most 0.99: the surplus of the users who switch is valued by those who stay");
      }
      event.instrument = std::make_shared<SubstitutionResearch>(std::move(entries), terms);
      break;
    }
    case reesim::PolicyEvent::kOfftake: {
      const reesim::Offtake& offtake = in.offtake();
      const std::string opath = path + ".offtake";
      world::OfftakeDelivery delivery;
      delivery.seller_plant = Plant(offtake.seller_plant(), world, source, opath + ".seller_plant");
      delivery.product = Product(offtake.product(), world, source, opath + ".product");
      if (!world::Makes(world, world.plants[delivery.seller_plant], delivery.product)) {
        FieldComplaint(source).Fail(opath + ".product", Quoted(offtake.product()),
                                    "the seller plant " + Quoted(offtake.seller_plant()) + " does not make it");
      }
      if (!offtake.buyer_plant().empty()) {
        delivery.buyer_plant = Plant(offtake.buyer_plant(), world, source, opath + ".buyer_plant");
      } else {
        const int region = world.FindRegion(offtake.buyer_region());
        if (region < 0) FieldComplaint(source).Fail(opath + ".buyer_region", Quoted(offtake.buyer_region()), "unknown region (or give buyer_plant)");
        const world::Sector sector = static_cast<world::Sector>(static_cast<int>(offtake.buyer_sector()) - 1);
        for (int e = 0; e < static_cast<int>(world.demand.size()); ++e) {
          const world::DemandEntry& demand = world.demand[e];
          if (demand.region == region && demand.sector == sector && demand.product == delivery.product) {
            delivery.buyer_demand = e;
            break;
          }
        }
        if (delivery.buyer_demand < 0) {
          FieldComplaint(source).Fail(opath + ".buyer_sector", "",
                                      "no demand of that sector in " + Quoted(offtake.buyer_region()) + " for " +
                                          Quoted(offtake.product()));
        }
      }
      delivery.tonnes = NonNegative(offtake.tonnes_per_year(), source, opath + ".tonnes_per_year") / world.rounds_per_year;
      delivery.price_usd_per_kg = NonNegative(offtake.price_usd_per_kg(), source, opath + ".price_usd_per_kg");
      event.instrument = std::make_shared<Offtake>(delivery);
      break;
    }
    case reesim::PolicyEvent::kEquityStake: {
      const reesim::EquityStake& stake = in.equity_stake();
      const std::string epath = path + ".equity_stake";
      std::vector<int> plants;
      for (int p = 0; p < world.PlantCount(); ++p) {
        if (world.plants[p].owner == stake.firm()) plants.push_back(p);
      }
      if (plants.empty()) FieldComplaint(source).Fail(epath + ".firm", Quoted(stake.firm()), "no plant has this owner");
      event.instrument = std::make_shared<EquityStake>(event.actor, std::move(plants),
                                                       Share(stake.share(), source, epath + ".share"));
      break;
    }
    case reesim::PolicyEvent::kPriceFloor: {
      const reesim::PriceFloor& floor = in.price_floor();
      const std::string fpath = path + ".price_floor";
      const int product = Product(floor.product(), world, source, fpath + ".product");
      std::vector<int> plants;
      for (int k = 0; k < floor.plants_size(); ++k) {
        const std::string plant_path = fpath + ".plants[" + std::to_string(k) + "]";
        const int plant = Plant(floor.plants(k), world, source, plant_path);
        if (!world::Makes(world, world.plants[plant], product)) {
          FieldComplaint(source).Fail(plant_path, Quoted(floor.plants(k)), "does not make " + Quoted(floor.product()));
        }
        plants.push_back(plant);
      }
      if (plants.empty()) FieldComplaint(source).Fail(fpath + ".plants", "", "name at least one plant");
      event.instrument = std::make_shared<PriceFloor>(event.actor, std::move(plants), product,
                                                      NonNegative(floor.floor_usd_per_kg(), source, fpath + ".floor_usd_per_kg"));
      break;
    }
    case reesim::PolicyEvent::INSTRUMENT_NOT_SET:
      FieldComplaint(source).Fail(path, "", "names no instrument (see PolicyEvent in proto/scenario.proto for the list)");
  }
  return event;
}

PolicyTimeline TimelineFromProto(const reesim::Scenario& scenario, const world::WorldDescription& world,
                                 const std::string& source) {
  PolicyTimeline timeline;
  for (int i = 0; i < scenario.policies_size(); ++i) {
    timeline.events.push_back(
        EventFromProto(scenario.policies(i), world, source, "policies[" + std::to_string(i) + "]", i));
  }
  return timeline;
}

}  // namespace reesim::policies
