#include "run/metrics.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <cmath>
#include <string_view>
#include <vector>

#include "world/payoff.h"

namespace reesim::run {

namespace {

// Writes a round's metrics into a map that held the last round's, in place: entries keep their nodes
// and keys are built in one reused buffer, so a round whose metric names did not change allocates
// nothing here. Entries not written this round are removed at the end.
class MetricsWriter {
 public:
  MetricsWriter(Metrics& metrics, std::vector<Metrics::iterator>* order) : metrics_(metrics), order_(order) {
    for (auto& entry : metrics_) entry.second = Stale();
  }
  ~MetricsWriter() {
    // The remembered entries up to the last call were all written this round, so none is erased.
    if (order_ != nullptr) order_->resize(std::min(order_->size(), calls_));
    for (auto it = metrics_.begin(); it != metrics_.end();) it = IsStale(it->second) ? metrics_.erase(it) : std::next(it);
  }

  // Returns the value of the metric named by the concatenated parts, created as 0 if new this round.
  // A round usually writes the same names in the same order as the last: the entry remembered for this
  // call is then checked with one comparison instead of looked up.
  template <typename... Parts>
  double& Slot(const Parts&... parts) {
    const std::size_t call = calls_++;
    if (order_ != nullptr) {
      std::vector<Metrics::iterator>& order = *order_;
      // Also a few entries ahead: names written last round but not this one (a flow that stopped)
      // drop out of the order, which stays aligned with this round's calls.
      for (std::size_t ahead = 0; ahead <= kLookAhead && call + ahead < order.size(); ++ahead) {
        if (!Named(order[call + ahead]->first, parts...)) continue;
        order.erase(order.begin() + static_cast<std::ptrdiff_t>(call),
                    order.begin() + static_cast<std::ptrdiff_t>(call + ahead));
        return Fresh(order[call]->second);
      }
    }
    key_.clear();
    (key_.append(parts), ...);
    auto it = metrics_.find(key_);
    if (it == metrics_.end()) it = metrics_.emplace(key_, Stale()).first;
    if (order_ != nullptr) order_->insert(order_->begin() + static_cast<std::ptrdiff_t>(std::min(call, order_->size())), it);
    return Fresh(it->second);
  }

 private:
  static constexpr std::size_t kLookAhead = 8;

  // Whether `name` is the concatenation of the parts.
  template <typename... Parts>
  static bool Named(const std::string& name, const Parts&... parts) {
    std::size_t at = 0;
    bool same = true;
    auto match = [&](std::string_view part) {
      same = same && name.compare(at, part.size(), part) == 0;
      at += part.size();
    };
    (match(std::string_view(parts)), ...);
    return same && at == name.size();
  }
  // The slot's value, zeroed the first time it is written this round.
  static double& Fresh(double& value) {
    if (IsStale(value)) value = 0.0;
    return value;
  }

  // A NaN with its own payload marks an entry not yet written; no computation produces it.
  static constexpr std::uint64_t kStaleBits = 0x7ff4'0000'5eed'0001ULL;
  static double Stale() { return std::bit_cast<double>(kStaleBits); }
  static bool IsStale(double value) { return std::bit_cast<std::uint64_t>(value) == kStaleBits; }

  Metrics& metrics_;
  std::vector<Metrics::iterator>* order_;
  std::size_t calls_ = 0;
  std::string key_;
};

}  // namespace

Metrics ComputeMetrics(const world::WorldDescription& world, const world::RoundOutcome& outcome) {
  Metrics metrics;
  ComputeMetricsInto(world, outcome, metrics, nullptr);
  return metrics;
}

unsigned MetricFamiliesOf(const std::vector<std::string>& names) {
  static constexpr std::pair<std::string_view, unsigned> kFamilies[] = {
      {"price", kPriceMetrics},           {"recycled", kRecycledMetrics},   {"output", kProductionMetrics},
      {"capacity", kProductionMetrics},   {"capacity_share", kProductionMetrics},
      {"share", kProductionMetrics},      {"trade", kTradeMetrics},         {"military", kTradeMetrics},
      {"exports", kExportMetrics},        {"smuggled", kExportMetrics},
      {"exports_value", kTradeValueMetrics}, {"imports_value", kTradeValueMetrics},
      {"import_share", kImportMetrics},   {"import_reliance", kImportMetrics}, {"unmet", kUnmetMetrics},
      {"net_import_reliance", kImportMetrics},
      {"payoff", kPayoffMetrics},         {"stockpile", kPayoffMetrics},
      {"security", kPayoffMetrics},       {"leverage", kPayoffMetrics},     {"welfare", kPayoffMetrics},
      {"speculative_stock", kPriceMetrics}, {"chain", kPriceMetrics}};
  unsigned families = 0;
  for (const std::string& name : names) {
    const std::string_view first = std::string_view(name).substr(0, name.find('.'));
    unsigned family = kAllMetrics;
    for (const auto& [prefix, bit] : kFamilies) {
      if (prefix == first) family = bit;
    }
    families |= family;
  }
  return families;
}

void ComputeMetricsInto(const world::WorldDescription& world, const world::RoundOutcome& outcome, Metrics& metrics,
                        std::vector<Metrics::iterator>* order, unsigned families) {
  using world::WorldState;
  MetricsWriter w(metrics, order);
  const int nr = world.RegionCount();
  const int np = world.ProductCount();
  const int na = static_cast<int>(world.actors.size());

  auto wants = [&](unsigned family) { return (families & family) != 0; };

  if (wants(kPriceMetrics)) {
    for (int p = 0; p < np; ++p) {
      const std::string& product = world.products[p].id;
      double weighted = 0, weight = 0, plain = 0;
      int plain_count = 0;
      for (int r = 0; r < nr; ++r) {
        const double price = outcome.price_usd_per_kg[WorldState::At(r, p, np)];
        if (std::isnan(price)) continue;
        w.Slot("price.", product, ".", world.regions[r].id) = price;
        if (!world.in_reference_price[r]) continue;
        const double consumed = outcome.consumed_tonnes[WorldState::At(r, p, np)];
        weighted += price * consumed;
        weight += consumed;
        plain += price;
        ++plain_count;
      }
      if (weight > 0) {
        w.Slot("price.", product) = weighted / weight;
      } else if (plain_count > 0) {
        w.Slot("price.", product) = plain / plain_count;
      }
    }
    // Traders' holdings by product and region, and the world's (worlds with speculation only).
    for (int p = 0; p < np && !outcome.speculative_stock_tonnes.empty(); ++p) {
      double held = 0;
      for (int r = 0; r < nr; ++r) {
        const double here = outcome.speculative_stock_tonnes[WorldState::At(r, p, np)];
        if (here > 0) w.Slot("speculative_stock.", world.products[p].id, ".", world.regions[r].id) = here;
        held += here;
      }
      if (held > 0) w.Slot("speculative_stock.", world.products[p].id) = held;
    }
    // Whether the chain's prices agree with what its processors did (world/round.h, ChainAudit).
    w.Slot("chain.loss_producers") = outcome.chain.loss_producers;
    w.Slot("chain.idle_margin_plants") = outcome.chain.idle_margin_plants;
    w.Slot("chain.largest_loss_share") = outcome.chain.largest_loss_share;
    w.Slot("chain.largest_margin_share") = outcome.chain.largest_margin_share;
    if (!std::isnan(outcome.chain.bid_price_gap)) {  // the round searched for the chain's fixed point
      w.Slot("chain.clearings") = outcome.chain.clearings;
      w.Slot("chain.bid_price_gap") = outcome.chain.bid_price_gap;
    }
  }

  if (wants(kProductionMetrics | kRecycledMetrics)) {
    // Output by stage and region; separated oxides also by product.
    std::vector<double> stage_capacity(static_cast<std::size_t>(world::kStageCount) * nr, 0.0);
    std::vector<double> stage_output(static_cast<std::size_t>(world::kStageCount) * nr, 0.0);
    std::vector<bool> stage_present(stage_output.size(), false);
    std::vector<double> oxide_output(static_cast<std::size_t>(np) * nr, 0.0);
    std::vector<bool> oxide_present(oxide_output.size(), false);
    for (int i = 0; i < world.PlantCount(); ++i) {
      const world::Plant& plant = world.plants[i];
      const std::size_t cell = static_cast<std::size_t>(plant.stage) * nr + plant.region;
      stage_output[cell] += outcome.plants[i].output_tonnes;
      if (plant.recycler && wants(kRecycledMetrics)) {
        w.Slot("recycled.", world.products[plant.product].id, ".", world.regions[plant.region].id) +=
            outcome.plants[i].output_tonnes;
      }
      stage_capacity[cell] += outcome.plants[i].capacity_tonnes;
      stage_present[cell] = true;
      if (plant.stage != world::Stage::kSeparation) continue;
      for (const world::ProductShare& share : world.products[plant.product].separates_into) {
        const std::size_t oxide_cell = static_cast<std::size_t>(share.product) * nr + plant.region;
        oxide_output[oxide_cell] += outcome.plants[i].output_tonnes * share.tonnes_per_tonne;
        oxide_present[oxide_cell] = true;
      }
    }
    // `<what>.<name>.<REGION>` for each region present in the row, and its share of the row's total as
    // `<share>.<name>.<REGION>`.
    auto add_with_shares = [&](const char* what, const char* share, const std::string& name,
                               const std::vector<double>& values, const std::vector<bool>& present, int row) {
      double total = 0;
      for (int r = 0; r < nr; ++r) total += values[static_cast<std::size_t>(row) * nr + r];
      for (int r = 0; r < nr; ++r) {
        const std::size_t cell = static_cast<std::size_t>(row) * nr + r;
        if (!present[cell]) continue;
        w.Slot(what, name, ".", world.regions[r].id) = values[cell];
        w.Slot(share, name, ".", world.regions[r].id) = total > 0 ? values[cell] / total : 0.0;
      }
    };
    if (wants(kProductionMetrics)) {
      for (int s = 0; s < world::kStageCount; ++s) {
        add_with_shares("output.", "share.", world::kStageNames[s], stage_output, stage_present, s);
        add_with_shares("capacity.", "capacity_share.", world::kStageNames[s], stage_capacity, stage_present, s);
      }
      for (int p : world.products_by_stage[static_cast<int>(world::Stage::kSeparation)]) {
        add_with_shares("output.", "share.", world.products[p].id, oxide_output, oxide_present, p);
      }
    }
  }

  // Recorded exports and smuggled tonnes by product and exporter, and bilateral trade.
  if (wants(kTradeMetrics | kExportMetrics)) {
    std::vector<double> exported(static_cast<std::size_t>(np) * nr, 0.0), smuggled(exported.size(), 0.0);
    std::vector<double> exported_total(nr, 0.0);
    for (const world::FlowOutcome& flow : outcome.flows) {
      if (flow.from == flow.to) continue;
      (flow.smuggled ? smuggled : exported)[static_cast<std::size_t>(flow.product) * nr + flow.from] += flow.tonnes;
      if (flow.smuggled) continue;
      exported_total[flow.from] += flow.tonnes;
      if (!wants(kTradeMetrics)) continue;
      const std::string& product = world.products[flow.product].id;
      const std::string& from = world.regions[flow.from].id;
      const std::string& to = world.regions[flow.to].id;
      w.Slot("trade.", product, ".", from, ".", to) += flow.tonnes;
      if (flow.military) w.Slot("military.", product, ".", from, ".", to) += flow.tonnes;
    }
    if (wants(kExportMetrics)) {
      for (int r = 0; r < nr; ++r) {
        if (exported_total[r] > 0) w.Slot("exports.total.", world.regions[r].id) = exported_total[r];
      }
      for (int p = 0; p < np; ++p) {
        double smuggled_total = 0;
        for (int r = 0; r < nr; ++r) {
          const std::size_t cell = static_cast<std::size_t>(p) * nr + r;
          smuggled_total += smuggled[cell];
          if (exported[cell] > 0) w.Slot("exports.", world.products[p].id, ".", world.regions[r].id) = exported[cell];
          if (smuggled[cell] > 0) w.Slot("smuggled.", world.products[p].id, ".", world.regions[r].id) = smuggled[cell];
        }
        if (smuggled_total > 0) w.Slot("smuggled.", world.products[p].id) = smuggled_total;
      }
    }
  }

  // Recorded trade by value and stage, USD million a round (t x 1,000 kg x USD/kg / 1e6).
  if (wants(kTradeValueMetrics)) {
    for (const world::FlowOutcome& flow : outcome.flows) {
      if (flow.from == flow.to || flow.smuggled) continue;
      const char* stage = world::kStageNames[static_cast<int>(world.products[flow.product].stage)];
      const double usd_million = flow.tonnes * flow.price_usd_per_kg / (1e6 / world::kKgPerTonne);
      w.Slot("exports_value.", stage, ".", world.regions[flow.from].id) += usd_million;
      w.Slot("imports_value.", stage, ".", world.regions[flow.to].id) += usd_million;
      // Ores, oxides and metals together, what customs count as rare earths short of magnets.
      if (world.products[flow.product].stage == world::Stage::kMagnet) continue;
      w.Slot("exports_value.materials.", world.regions[flow.from].id) += usd_million;
      w.Slot("imports_value.materials.", world.regions[flow.to].id) += usd_million;
    }
  }

  // Import sources of compounds and metals by value; net import reliance by value over everything
  // processed (oxides, metals, magnets).
  if (wants(kImportMetrics)) {
    // Import reliance from demand, not arrivals: the share of the region's final demand at the reference
    // price, valued at P0, that its own output of each product this round does not cover. A region cut
    // off reads high because its demand stands while its output cannot serve it.
    std::vector<double> demanded(static_cast<std::size_t>(nr) * np, 0.0), produced(demanded.size(), 0.0);
    // USGS's net import reliance, from realised flows: (imports - exports) / (production + imports -
    // exports) of everything processed (oxides, metals, magnets), by value at regional prices.
    std::vector<double> imports_usd(nr, 0.0), exports_usd(nr, 0.0), produced_usd(nr, 0.0);
    for (const world::FlowOutcome& flow : outcome.flows) {
      if (flow.from == flow.to || world.products[flow.product].stage == world::Stage::kMining) continue;
      const double value = flow.tonnes * flow.price_usd_per_kg;
      imports_usd[flow.to] += value;
      exports_usd[flow.from] += value;
    }
    std::vector<double> value_usd(demanded.size(), 0.0);
    for (std::size_t e = 0; e < world.demand.size(); ++e) {
      const world::DemandEntry& demand = world.demand[e];
      const std::size_t cell = WorldState::At(demand.region, demand.product, np);
      demanded[cell] += outcome.demand[e].reference_tonnes;
      value_usd[cell] += outcome.demand[e].reference_tonnes * demand.reference_price_usd_per_kg;
    }
    for (int i = 0; i < world.PlantCount(); ++i) {
      const world::Plant& plant = world.plants[i];
      const double output = outcome.plants[i].output_tonnes;
      if (output <= 0) continue;
      world::ForEachOutput(world, plant, [&](int product, double per_tonne) {
        const std::size_t cell = WorldState::At(plant.region, product, np);
        produced[cell] += output * per_tonne;
        const double price = outcome.price_usd_per_kg[cell];
        if (plant.stage != world::Stage::kMining && !std::isnan(price)) produced_usd[plant.region] += output * per_tonne * price;
      });
    }
    const std::vector<double> import_value = world::CompoundAndMetalImportsUsd(world, outcome);
    for (int importer = 0; importer < nr; ++importer) {
      double total = 0;
      for (int exporter = 0; exporter < nr; ++exporter) total += import_value[static_cast<std::size_t>(importer) * nr + exporter];
      if (total <= 0) continue;
      for (int exporter = 0; exporter < nr; ++exporter) {
        const double value = import_value[static_cast<std::size_t>(importer) * nr + exporter];
        if (value > 0) w.Slot("import_share.", world.regions[importer].id, ".", world.regions[exporter].id) = value / total;
      }
    }
    for (int r = 0; r < nr; ++r) {
      double total = 0, uncovered = 0;
      for (int p = 0; p < np; ++p) {
        const std::size_t cell = WorldState::At(r, p, np);
        if (demanded[cell] <= 0) continue;
        total += value_usd[cell];
        uncovered += value_usd[cell] * std::max(0.0, 1.0 - produced[cell] / demanded[cell]);
      }
      if (total <= 0) continue;
      w.Slot("import_reliance.", world.regions[r].id) = std::clamp(uncovered / total, 0.0, 1.0);
    }
    for (int r = 0; r < nr; ++r) {
      const double net_imports = imports_usd[r] - exports_usd[r];
      const double apparent = produced_usd[r] + net_imports;
      if (apparent <= 0) continue;
      w.Slot("net_import_reliance.", world.regions[r].id) = std::clamp(net_imports / apparent, 0.0, 1.0);
    }
  }

  if (wants(kUnmetMetrics)) {
    // Unmet demand by region and sector.
    std::vector<double> reference(static_cast<std::size_t>(nr) * world::kSectorCount, 0.0);
    std::vector<double> served(reference.size(), 0.0);
    for (std::size_t e = 0; e < world.demand.size(); ++e) {
      const world::DemandEntry& demand = world.demand[e];
      const std::size_t cell = static_cast<std::size_t>(demand.region) * world::kSectorCount + static_cast<int>(demand.sector);
      reference[cell] += outcome.demand[e].reference_tonnes;
      served[cell] += outcome.demand[e].served_tonnes;
    }
    for (int r = 0; r < nr; ++r) {
      for (int k = 0; k < world::kSectorCount; ++k) {
        const std::size_t cell = static_cast<std::size_t>(r) * world::kSectorCount + k;
        if (reference[cell] <= 0) continue;
        w.Slot("unmet.", world.regions[r].id, ".", world::kSectorNames[k]) =
            std::max(0.0, 1.0 - served[cell] / reference[cell]);
      }
    }
  }

  if (!wants(kPayoffMetrics)) return;
  const std::vector<world::PayoffComponents> payoffs = world::ComputePayoffs(world, outcome);
  for (int a = 0; a < na; ++a) {
    const world::PayoffComponents& p = payoffs[a];
    const std::string& actor = world.actors[a].id;
    if (outcome.stockpile_tonnes[a] > 0) w.Slot("stockpile.", actor) = outcome.stockpile_tonnes[a];
    w.Slot("payoff.", actor) = p.total;
    w.Slot("payoff.", actor, ".consumer_surplus") = p.consumer_surplus;
    w.Slot("payoff.", actor, ".producer_surplus") = p.producer_surplus;
    w.Slot("payoff.", actor, ".revenue") = p.revenue;
    w.Slot("payoff.", actor, ".licence_rent") = p.licence_rent;
    w.Slot("payoff.", actor, ".policy_cost") = p.policy_cost;
    w.Slot("payoff.", actor, ".stockpile_value_change") = p.stockpile_value_change;
    w.Slot("payoff.", actor, ".environment") = p.environment;
  }
  const std::vector<world::StrategicIndicators> indicators = world::ComputeIndicators(world, outcome);
  for (int a = 0; a < na; ++a) {
    w.Slot("security.", world.actors[a].id) = indicators[a].security;
    w.Slot("leverage.", world.actors[a].id) = indicators[a].leverage;
  }
  double gross = 0, spending = 0;
  for (const world::DemandOutcome& demand : outcome.demand) {
    gross += demand.gross_wtp_usd;
    spending += demand.spending_usd;
  }
  const world::RestOfWorldPayoff row = world::ComputeRestOfWorld(outcome);
  w.Slot("welfare.gross_wtp") = gross / 1e6;
  w.Slot("welfare.final_spending") = spending / 1e6;
  // The users research moved to a substitute keep their surplus (world/round.h), as in the actors' payoffs.
  w.Slot("welfare.switched_surplus") = outcome.welfare.switched_surplus_usd / 1e6;
  w.Slot("welfare.consumer_surplus") = (gross - spending + outcome.welfare.switched_surplus_usd) / 1e6;
  w.Slot("welfare.rest_of_world") = row.total;
  w.Slot("welfare.rest_of_world_smuggling") = row.smuggling;
  w.Slot("welfare.rest_of_world_speculation") = row.speculation;
}

}  // namespace reesim::run
