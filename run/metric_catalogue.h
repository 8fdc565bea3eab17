// The catalogue of the round's metrics: every family of names (price.<product>.<REGION>, trade.<product>.
// <FROM>.<TO>, payoff.<ACTOR>.<component>, ...) with its unit and whether an absent value means zero (a
// flow written only when positive), and, for one world, every valid name. Everything that names a
// metric -- a scenario check, a strategy rule, an experiment outcome, a game payoff -- is checked
// against it when its file loads, so a typo is an error naming the file, the field and the nearest
// valid names, not a rule that never fires or an outcome that fails every run. ComputeMetricsInto
// (metrics.h) writes only names of the catalogue (tests/metric_catalogue_test.cc checks it on every
// library scenario).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "world/description.h"

namespace reesim {
class FieldComplaint;
}

namespace reesim::run {

struct MetricFamilyInfo {
  std::string_view pattern;  // e.g. "trade.<product>.<FROM>.<TO>"
  std::string_view unit;     // e.g. "tonnes per round"
  bool absent_is_zero;       // written only when positive: a missing value reads as 0
  std::string_view meaning;
};

// Every family, in the order docs and `--help` list them.
const std::vector<MetricFamilyInfo>& MetricFamilies();

// A metric of one world resolved to typed indices: its family (an index into MetricFamilies()) and
// the ids' indices in the order of the family's pattern (product, region, stage, sector, actor,
// component; -1 where the pattern has fewer parts).
struct MetricRef {
  int family = -1;
  int parts[3] = {-1, -1, -1};
};

class MetricCatalogue {
 public:
  // Keeps a reference to `world`. Cheap: names are parsed against the world's ids, and the list of every
  // valid name is built only when asked for (names(), Nearest, a failed Require).
  explicit MetricCatalogue(const world::WorldDescription& world) : world_(world) {}
  explicit MetricCatalogue(world::WorldDescription&&) = delete;  // it keeps a reference to the world

  // Returns the resolved metric, or family -1 if `name` is not a metric of this world.
  MetricRef Find(std::string_view name) const;
  bool Contains(std::string_view name) const { return Find(name).family >= 0; }
  // Whether a missing `name` reads as 0 (false for unknown names).
  bool AbsentIsZero(std::string_view name) const;
  // The unit of `name` (e.g. "USD/kg"); empty for unknown names.
  std::string_view Unit(std::string_view name) const;
  // Up to `count` valid names closest to `name` (edit distance; ties by name).
  std::vector<std::string> Nearest(std::string_view name, int count = 3) const;
  // Every valid name, sorted.
  std::vector<std::string> names() const;

  // Throws InputError through `complaint` (naming the file) at `path` if `name` is not a metric of this
  // world, listing the nearest valid names.
  void Require(const std::string& name, const FieldComplaint& complaint, const std::string& path) const;

 private:
  const world::WorldDescription& world_;
};

}  // namespace reesim::run
