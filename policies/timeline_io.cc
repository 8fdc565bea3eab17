#include <cmath>

#include "policies/instruments.h"
#include "policies/timeline.h"
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

double AdValorem(double rate, const std::string& source, const std::string& path) {
  if (!(rate >= 0 && rate <= 10)) {
    FieldComplaint(source).Fail(path, FormatNumber(rate), "an ad-valorem rate must be between 0 and 10 (0.25 = 25 %)");
  }
  return rate;
}

}  // namespace

PolicyTimeline TimelineFromProto(const reesim::Scenario& scenario, const world::WorldDescription& world,
                                 const std::string& source) {
  PolicyTimeline timeline;
  for (int i = 0; i < scenario.policies_size(); ++i) {
    const reesim::PolicyEvent& in = scenario.policies(i);
    const std::string path = "policies[" + std::to_string(i) + "]";
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
      case reesim::PolicyEvent::INSTRUMENT_NOT_SET:
        FieldComplaint(source).Fail(path, "", "names no instrument (export_quota, import_tariff, export_tax, export_ban, export_control, enforcement)");
    }
    timeline.events.push_back(std::move(event));
  }
  return timeline;
}

}  // namespace reesim::policies
