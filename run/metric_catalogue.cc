#include "run/metric_catalogue.h"

#include <algorithm>
#include <numeric>

#include "world/field_error.h"

namespace reesim::run {

namespace {

// What each part of a pattern ranges over.
enum class Part { kProduct, kRegion, kStage, kSector, kActor, kComponent, kOxide, kLiteral };

struct FamilyParts {
  std::string_view prefix;   // the name's first part(s), e.g. "exports_value"
  std::vector<Part> parts;   // what follows, each after a dot
  std::string_view literal;  // the text of a kLiteral part
};

// The components of payoff.<ACTOR>.<component>, in the order metrics.cc writes them.
constexpr std::string_view kPayoffComponents[] = {"consumer_surplus", "producer_surplus",       "revenue",
                                                   "licence_rent",     "policy_cost",            "stockpile_value_change",
                                                   "environment"};

// Parallel to MetricFamilies().
const std::vector<FamilyParts>& Parts() {
  using P = Part;
  static const std::vector<FamilyParts> kParts = {
      {"price", {P::kProduct}, {}},
      {"price", {P::kProduct, P::kRegion}, {}},
      {"speculative_stock", {P::kProduct}, {}},
      {"speculative_stock", {P::kProduct, P::kRegion}, {}},
      {"chain", {P::kLiteral}, "loss_producers"},
      {"chain", {P::kLiteral}, "idle_margin_plants"},
      {"chain", {P::kLiteral}, "largest_loss_share"},
      {"chain", {P::kLiteral}, "largest_margin_share"},
      {"chain", {P::kLiteral}, "clearings"},
      {"chain", {P::kLiteral}, "bid_price_gap"},
      {"recycled", {P::kProduct, P::kRegion}, {}},
      {"output", {P::kStage, P::kRegion}, {}},
      {"share", {P::kStage, P::kRegion}, {}},
      {"capacity", {P::kStage, P::kRegion}, {}},
      {"capacity_share", {P::kStage, P::kRegion}, {}},
      {"output", {P::kOxide, P::kRegion}, {}},
      {"share", {P::kOxide, P::kRegion}, {}},
      {"trade", {P::kProduct, P::kRegion, P::kRegion}, {}},
      {"military", {P::kProduct, P::kRegion, P::kRegion}, {}},
      {"exports", {P::kLiteral, P::kRegion}, "total"},
      {"exports", {P::kProduct, P::kRegion}, {}},
      {"smuggled", {P::kProduct}, {}},
      {"smuggled", {P::kProduct, P::kRegion}, {}},
      {"exports_value", {P::kStage, P::kRegion}, {}},
      {"imports_value", {P::kStage, P::kRegion}, {}},
      {"exports_value", {P::kLiteral, P::kRegion}, "materials"},
      {"imports_value", {P::kLiteral, P::kRegion}, "materials"},
      {"import_share", {P::kRegion, P::kRegion}, {}},
      {"import_reliance", {P::kRegion}, {}},
      {"net_import_reliance", {P::kRegion}, {}},
      {"unmet", {P::kRegion, P::kSector}, {}},
      {"stockpile", {P::kActor}, {}},
      {"payoff", {P::kActor}, {}},
      {"payoff", {P::kActor, P::kComponent}, {}},
      {"security", {P::kActor}, {}},
      {"leverage", {P::kActor}, {}},
      {"welfare", {P::kLiteral}, "gross_wtp"},
      {"welfare", {P::kLiteral}, "final_spending"},
      {"welfare", {P::kLiteral}, "consumer_surplus"},
      {"welfare", {P::kLiteral}, "switched_surplus"},
      {"welfare", {P::kLiteral}, "rest_of_world"},
      {"welfare", {P::kLiteral}, "rest_of_world_smuggling"},
      {"welfare", {P::kLiteral}, "rest_of_world_speculation"},
  };
  return kParts;
}

// Levenshtein distance.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<MetricFamilyInfo>& MetricFamilies() {
  static const std::vector<MetricFamilyInfo> kFamilies = {
      {"price.<product>", "USD/kg", false, "world reference price: consumption-weighted over the reference regions"},
      {"price.<product>.<REGION>", "USD/kg", false, "the region's clearing price (absent where the product never cleared)"},
      {"speculative_stock.<product>", "tonnes", true, "traders' holdings, world"},
      {"speculative_stock.<product>.<REGION>", "tonnes", true, "traders' holdings in the region"},
      {"chain.loss_producers", "plants", false, "processors that produced although their inputs at their region's prices plus processing cost more than 5 % above their outputs' value there (issue 15's chain invariant)"},
      {"chain.idle_margin_plants", "plants", false, "processors whose outputs were worth more than 5 % above their input and processing cost that produced under 99 % of the capacity no production quota holds back"},
      {"chain.largest_loss_share", "fraction", false, "the largest (cost / value - 1) among the loss producers (0: none)"},
      {"chain.largest_margin_share", "fraction", false, "the largest (1 - cost / value) among the idle-margin plants (0: none)"},
      {"chain.clearings", "clearings", false, "with market.price_discovery_passes above 1: times the chain was cleared this round looking for bid prices the clearing confirms (absent otherwise)"},
      {"chain.bid_price_gap", "fraction", false, "with price_discovery_passes above 1: the largest gap between a price B the bids read and the price P the round cleared at, abs(P - B) / max(P, B, 1 cent/kg) (absent otherwise)"},
      {"recycled.<product>.<REGION>", "tonnes per round", true, "recyclers' output (also in output.*)"},
      {"output.<stage>.<REGION>", "tonnes per round", true, "output of the stage"},
      {"share.<stage>.<REGION>", "fraction 0..1", true, "the region's share of the world's output of the stage"},
      {"capacity.<stage>.<REGION>", "tonnes per round", true, "operating capacity"},
      {"capacity_share.<stage>.<REGION>", "fraction 0..1", true, "the region's share of the world's capacity"},
      {"output.<oxide>.<REGION>", "tonnes per round", true, "separated output of one oxide"},
      {"share.<oxide>.<REGION>", "fraction 0..1", true, "the region's share of the world's output of the oxide"},
      {"trade.<product>.<FROM>.<TO>", "tonnes per round", true, "recorded exports between two regions"},
      {"military.<product>.<FROM>.<TO>", "tonnes per round", true, "the part of trade delivered to defence use"},
      {"exports.total.<REGION>", "tonnes per round", true, "all recorded exports of the region"},
      {"exports.<product>.<REGION>", "tonnes per round", true, "recorded exports of the product"},
      {"smuggled.<product>", "tonnes per round", true, "unrecorded exports around controls, world"},
      {"smuggled.<product>.<REGION>", "tonnes per round", true, "unrecorded exports around controls, by exporter"},
      {"exports_value.<stage>.<REGION>", "USD million per round", true, "recorded exports by value"},
      {"imports_value.<stage>.<REGION>", "USD million per round", true, "recorded imports by value"},
      {"exports_value.materials.<REGION>", "USD million per round", true, "exports of ores, oxides and metals"},
      {"imports_value.materials.<REGION>", "USD million per round", true, "imports of ores, oxides and metals"},
      {"import_share.<IMPORTER>.<EXPORTER>", "fraction 0..1", true, "the exporter's share of compound and metal imports by value"},
      {"import_reliance.<REGION>", "fraction 0..1", false,
       "share of the region's final demand at reference (valued at P0) its own output this round does not cover "
       "(absent without final demand)"},
      {"net_import_reliance.<REGION>", "fraction 0..1", false,
       "USGS's net import reliance from realised flows: net imports over apparent consumption of everything "
       "processed, by value (absent without use)"},
      {"unmet.<REGION>.<sector>", "fraction 0..1", true, "demand at the reference price not served"},
      {"stockpile.<ACTOR>", "tonnes", true, "strategic stockpile held"},
      {"payoff.<ACTOR>", "USD million per round", false, "the actor's weighted payoff"},
      {"payoff.<ACTOR>.<component>", "USD million per round", false, "a component of the payoff, unweighted"},
      {"security.<ACTOR>", "index (higher is worse)", false,
       "unserved share of each critical demand, plus the share of the actor's use (final demand and its makers' inputs, at "
       "P0) its own output does not "
       "cover times the concentration (HHI) of its imports of oxides, metals and magnets among exporting actors (1 "
       "when nothing arrives); not in the payoff"},
      {"leverage.<ACTOR>", "fraction 0..1", false, "share of world exports of processed rare earths by value; not in the payoff"},
      {"welfare.gross_wtp", "USD million per round", false, "willingness to pay of all served final demand (area under the curves)"},
      {"welfare.final_spending", "USD million per round", false, "what final demand paid"},
      {"welfare.consumer_surplus", "USD million per round", false, "world consumer surplus (with the users research moved to a substitute)"},
      {"welfare.switched_surplus", "USD million per round", false, "the surplus of the users research moved to a substitute (in consumer surplus)"},
      {"welfare.rest_of_world", "USD million per round", false, "smugglers' and speculators' gains (no actor's)"},
      {"welfare.rest_of_world_smuggling", "USD million per round", false, "smugglers' margins around controls"},
      {"welfare.rest_of_world_speculation", "USD million per round", false, "speculators' sales less purchases"},
  };
  return kFamilies;
}

namespace {

// The index of `id` among the ids `part` ranges over in `world`, or -1.
int PartIndex(const world::WorldDescription& world, Part part, const std::string& id, std::string_view literal) {
  switch (part) {
    case Part::kProduct: return world.FindProduct(id);
    case Part::kOxide: {
      const int p = world.FindProduct(id);
      return p >= 0 && world.products[p].stage == world::Stage::kSeparation ? p : -1;
    }
    case Part::kRegion: return world.FindRegion(id);
    case Part::kActor: return world.FindActor(id);
    case Part::kStage:
      for (int s = 0; s < world::kStageCount; ++s) {
        if (id == world::kStageNames[s]) return s;
      }
      return -1;
    case Part::kSector:
      for (int s = 0; s < world::kSectorCount; ++s) {
        if (id == world::kSectorNames[s]) return s;
      }
      return -1;
    case Part::kComponent:
      for (int c = 0; c < static_cast<int>(std::size(kPayoffComponents)); ++c) {
        if (id == kPayoffComponents[c]) return c;
      }
      return -1;
    case Part::kLiteral: return id == literal ? 0 : -1;
  }
  return -1;
}

// The ids `part` ranges over in `world`, in index order.
std::vector<std::string> PartIds(const world::WorldDescription& world, Part part, std::string_view literal) {
  std::vector<std::string> ids;
  switch (part) {
    case Part::kProduct:
      for (const auto& product : world.products) ids.push_back(product.id);
      break;
    case Part::kOxide:
      for (int p : world.products_by_stage[static_cast<int>(world::Stage::kSeparation)]) ids.push_back(world.products[p].id);
      break;
    case Part::kRegion:
      for (const auto& region : world.regions) ids.push_back(region.id);
      break;
    case Part::kStage:
      for (const char* stage : world::kStageNames) ids.emplace_back(stage);
      break;
    case Part::kSector:
      for (const char* sector : world::kSectorNames) ids.emplace_back(sector);
      break;
    case Part::kActor:
      for (const auto& actor : world.actors) ids.push_back(actor.id);
      break;
    case Part::kComponent:
      for (std::string_view component : kPayoffComponents) ids.emplace_back(component);
      break;
    case Part::kLiteral:
      ids.emplace_back(literal);
      break;
  }
  return ids;
}

}  // namespace

MetricRef MetricCatalogue::Find(std::string_view name) const {
  std::vector<std::string> tokens;
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    tokens.emplace_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::vector<FamilyParts>& families = Parts();
  // The first family that matches: an oxide's output.<oxide> before nothing, a stage's before an oxide's.
  for (int f = 0; f < static_cast<int>(families.size()); ++f) {
    const FamilyParts& family = families[f];
    if (tokens.size() != family.parts.size() + 1 || tokens[0] != family.prefix) continue;
    MetricRef ref;
    ref.family = f;
    int slot = 0;
    for (std::size_t k = 0; k < family.parts.size() && ref.family >= 0; ++k) {
      const int index = PartIndex(world_, family.parts[k], tokens[k + 1], family.literal);
      if (index < 0) ref.family = -1;
      else if (family.parts[k] != Part::kLiteral) ref.parts[slot++] = index;
    }
    if (ref.family >= 0) return ref;
  }
  return {};
}

std::vector<std::string> MetricCatalogue::names() const {
  std::vector<std::string> names;
  for (const FamilyParts& family : Parts()) {
    std::vector<std::vector<std::string>> choices;
    for (const Part part : family.parts) choices.push_back(PartIds(world_, part, family.literal));
    if (std::any_of(choices.begin(), choices.end(), [](const auto& ids) { return ids.empty(); })) continue;
    // Every combination, the last part fastest.
    std::vector<std::size_t> at(choices.size(), 0);
    while (true) {
      std::string name(family.prefix);
      for (std::size_t k = 0; k < choices.size(); ++k) name += "." + choices[k][at[k]];
      names.push_back(std::move(name));
      std::size_t k = choices.size();
      while (k > 0 && ++at[k - 1] == choices[k - 1].size()) at[--k] = 0;
      if (k == 0) break;
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool MetricCatalogue::AbsentIsZero(std::string_view name) const {
  const MetricRef ref = Find(name);
  return ref.family >= 0 && MetricFamilies()[ref.family].absent_is_zero;
}

std::string_view MetricCatalogue::Unit(std::string_view name) const {
  const MetricRef ref = Find(name);
  return ref.family >= 0 ? MetricFamilies()[ref.family].unit : std::string_view();
}

std::vector<std::string> MetricCatalogue::Nearest(std::string_view name, int count) const {
  const std::vector<std::string> all = names();
  std::vector<std::pair<std::size_t, const std::string*>> scored;
  scored.reserve(all.size());
  for (const std::string& candidate : all) scored.emplace_back(EditDistance(name, candidate), &candidate);
  const std::size_t keep = std::min(scored.size(), static_cast<std::size_t>(std::max(count, 0)));
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(),
                    [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : *a.second < *b.second; });
  std::vector<std::string> nearest;
  for (std::size_t k = 0; k < keep; ++k) nearest.push_back(*scored[k].second);
  return nearest;
}

void MetricCatalogue::Require(const std::string& name, const FieldComplaint& complaint, const std::string& path) const {
  if (Contains(name)) return;
  std::string why = "unknown metric";
  const std::vector<std::string> nearest = Nearest(name);
  if (!nearest.empty()) {
    why += "; nearest: ";
    for (std::size_t k = 0; k < nearest.size(); ++k) why += (k ? ", " : "") + nearest[k];
  }
  why += " (families: docs/metrics.md)";
  complaint.Fail(path, Quoted(name.size() > 200 ? name.substr(0, 200) + "..." : name), why);
}

}  // namespace reesim::run
