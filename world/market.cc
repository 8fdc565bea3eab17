#include "world/market.h"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "world/check.h"
#include "world/description.h"
#include "world/network_simplex.h"

namespace reesim::world {

namespace {

using Graph = lemon::SmartDigraph;
using Solver = lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t>;

constexpr double kMoneyScale = 1e4;  // cost units per USD/kg
static_assert(kMoneyScale * kMoneyUnitUsdPerKg == 1.0, "one grid, two names (world/market.h)");
// Plain routes each destination starts with, and the most added to it after a solve.
constexpr int kRoutesPerPricing = 4;
// The pricing's cost for a route already in the network: never negative, whatever the potentials.
constexpr std::int64_t kPricedIn = std::numeric_limits<std::int64_t>::max() / 4;
// A region's price hint when the problem gives none that is finite.
constexpr std::int64_t kNoHint = std::numeric_limits<std::int64_t>::min();
// Unbounded routes carry the total supply plus one: it must stay well inside the int64 range.
constexpr std::int64_t kMaxTotalKg = std::int64_t{1} << 60;

// A route's place among the whole network's routes: by origin, then its region's open markets, the
// segments, and the smuggling routes into markets. `slot` is the destination region, n + segment, or
// n + segment_count + region for smuggling.
std::int64_t RouteOrder(int n, int segment_count, int from, int slot) {
  return static_cast<std::int64_t>(from) * (2 * n + segment_count) + slot;
}

[[noreturn]] void OutOfRange(const char* what, double value, double limit) {
  std::ostringstream out;
  out.precision(6);
  out << "the market met " << what << " of " << value << ", beyond what its integer units carry (at most " << limit
      << "); a scenario whose demand or capacity grows that far needs fewer rounds";
  throw MarketRangeError(out.str());
}
std::int64_t ToKg(double tonnes) {
  if (!(std::abs(tonnes) <= kMaxMarketTonnes)) OutOfRange("a quantity (tonnes)", tonnes, kMaxMarketTonnes);
  return RoundToInt64(tonnes * kKgPerTonne);
}
std::int64_t ToCost(double usd_per_kg) {
  if (!(std::abs(usd_per_kg) <= kMaxMarketUsdPerKg)) OutOfRange("a cost or price (USD/kg)", usd_per_kg, kMaxMarketUsdPerKg);
  return RoundToInt64(usd_per_kg * kMoneyScale);
}

}  // namespace

void MarketProblem::Reset(int n) {
  region_count = n;
  supply.clear();
  demand.clear();
  wedge_usd_per_kg.assign(static_cast<std::size_t>(n) * n, 0.0);
  export_cap_tonnes.assign(n, std::numeric_limits<double>::infinity());
  segments.clear();
  route_cap_tonnes.assign(static_cast<std::size_t>(n) * n, std::numeric_limits<double>::infinity());
  military_denied.assign(static_cast<std::size_t>(n) * n, 0);
  smuggling_cap_tonnes.assign(static_cast<std::size_t>(n) * n, 0.0);
  smuggling_cost_usd_per_kg.assign(static_cast<std::size_t>(n) * n, 0.0);
  price_hint_usd_per_kg.clear();
}

namespace {

// The extra cost of serving a tied segment from an origin other than its preferred one.
double SwitchingPremium(const MarketSegment& segment, int from) {
  return segment.preferred_origin == from ? 0.0 : segment.switching_premium_usd_per_kg;
}

// A network as a list of arcs over node_count nodes, numbered as a SmartDigraph built from scratch
// would number them.
struct ArcList {
  struct Arc {
    int tail, head;
    std::int64_t capacity, cost;
  };
  int node_count = 0;
  std::vector<Arc> arcs;

  void Clear() {
    node_count = 0;
    arcs.clear();
  }
  int AddNode() { return node_count++; }
  int AddArc(int u, int v, std::int64_t capacity, std::int64_t cost) {
    arcs.push_back({u, v, capacity, cost});
    return static_cast<int>(arcs.size()) - 1;
  }
};

// A read-only arc map over one field of an ArcList's arcs, for the solver's upperMap and costMap.
struct ArcValues {
  using Key = Graph::Arc;
  using Value = std::int64_t;
  const std::vector<ArcList::Arc>& arcs;
  std::int64_t ArcList::Arc::*field;
  std::int64_t operator[](Graph::Arc arc) const { return arcs[static_cast<std::size_t>(Graph::id(arc))].*field; }
};

// One side's steps (supply or demand) aggregated into groups of steps at the same node, each group
// one arc of the restricted network. A step's `cost` is its arc's cost: the offer for supply, minus
// the bid for demand. Groups are ranges of `members`, which holds each node's steps in ascending index
// order, an order every split keeps.
struct StepGroups {
  struct Group {
    int begin = 0, end = 0;  // in members
    int node = -1;
    std::int64_t capacity_kg = 0, cost = 0, min_cost = 0, max_cost = 0;
    double cost_kg = 0;  // the members' cost times kg: what the group's flow costs when saturated
    int arc = -1;        // in the network being solved
    std::int64_t flow_kg = 0;
  };
  struct Step {
    int node;
    std::int64_t kg, cost;
  };
  std::vector<Step> steps;
  std::vector<int> members, split_scratch, split_bounds, node_start, step_key;
  std::vector<Group> groups;

  // Room in every per-step list for `most` steps: the problem's builder reserves its step lists for the
  // most it can offer (a holder's stock comes in one to five tranches, world/round.cc), so a market whose
  // step count changes from round to round allocates nothing once warm.
  void Reserve(std::size_t most) {
    ReserveWithHeadroom(steps, most);
    ReserveWithHeadroom(members, most);
    ReserveWithHeadroom(split_scratch, most);
    ReserveWithHeadroom(step_key, most);
    ReserveWithHeadroom(groups, most);
  }

  Group MakeGroup(int begin, int end) const {
    Group g;
    g.begin = begin;
    g.end = end;
    g.node = steps[members[begin]].node;
    g.min_cost = std::numeric_limits<std::int64_t>::max();
    g.max_cost = std::numeric_limits<std::int64_t>::min();
    for (int m = begin; m < end; ++m) {
      const Step& step = steps[members[m]];
      g.capacity_kg += step.kg;
      g.cost_kg += static_cast<double>(step.kg) * static_cast<double>(step.cost);
      g.min_cost = std::min(g.min_cost, step.cost);
      g.max_cost = std::max(g.max_cost, step.cost);
    }
    // The mean offer (or bid) by kg: the group's best single stand-in until it is split.
    g.cost = g.capacity_kg > 0 ? RoundToInt64(g.cost_kg / static_cast<double>(g.capacity_kg)) : g.min_cost;
    g.cost = std::clamp(g.cost, g.min_cost, g.max_cost);
    return g;
  }

  // Groups the steps by node, each node's split at its `split_value` (kNoHint: kept whole) into the
  // steps costing less, exactly and more, as Split would split them. One counting sort by (node, part)
  // lays out `members` as grouping by node and then splitting would, and the groups come in the same
  // order: each node's first part, by node, then its other parts, by node. Splitting in place of
  // grouping whole and then splitting saves a pass over the steps for MakeGroup and two for Split.
  void GroupByNode(int node_count, const std::vector<std::int64_t>& split_value) {
    // Capacity for the most the splits can make (a group per step), so that they never allocate.
    ReserveWithHeadroom(groups, steps.size());
    const std::size_t key_count = 3 * static_cast<std::size_t>(node_count);
    ReserveWithHeadroom(split_scratch, std::max(steps.size(), key_count));
    split_bounds.reserve(3);
    // node_start[3v + part] .. node_start[3v + part + 1]: the members of node v's part.
    AssignWithHeadroom(node_start, key_count + 1, 0);
    ResizeWithHeadroom(step_key, steps.size());
    // kNoHint is below every cost (world/market.h bounds them): it puts all of a node's steps in one part.
    const std::size_t step_count = steps.size();
    for (std::size_t k = 0; k < step_count; ++k) {
      const Step& step = steps[k];
      const std::int64_t value = split_value[step.node];
      const int key = 3 * step.node + static_cast<int>(step.cost >= value) + static_cast<int>(step.cost > value);
      step_key[k] = key;
      ++node_start[key + 1];
    }
    for (std::size_t key = 0; key < key_count; ++key) node_start[key + 1] += node_start[key];
    ResizeWithHeadroom(members, step_count);
    split_scratch.assign(node_start.begin(), node_start.end() - 1);  // next free slot per key
    for (int k = 0; k < static_cast<int>(step_count); ++k) members[split_scratch[step_key[k]]++] = k;
    groups.clear();
    for (std::size_t v = 0; v < key_count; v += 3) {
      std::size_t key = v;
      while (key < v + 3 && node_start[key] == node_start[key + 1]) ++key;
      if (key < v + 3) groups.push_back(MakeGroup(node_start[key], node_start[key + 1]));
    }
    for (std::size_t v = 0; v < key_count; v += 3) {
      bool first = true;
      for (std::size_t key = v; key < v + 3; ++key) {
        if (node_start[key] == node_start[key + 1]) continue;
        if (!first) groups.push_back(MakeGroup(node_start[key], node_start[key + 1]));
        first = false;
      }
    }
  }

  // Whether the group's flow is optimal for each of its steps when `value` (the head's potential minus
  // the tail's) is the value of the arc's flow: steps costing less are full, steps costing more empty.
  static bool Priced(const Group& g, std::int64_t value) {
    if (g.capacity_kg == 0) return true;
    if (g.flow_kg == g.capacity_kg) return g.max_cost <= value;
    if (g.flow_kg == 0) return g.min_cost >= value;
    return g.min_cost == g.max_cost;
  }

  // Splits group g into its steps costing less than, exactly and more than `value`, keeping order.
  // `parts` receives the groups made, cheapest first (g is one of them, the others are appended).
  void Split(std::size_t g, std::int64_t value, std::vector<std::size_t>& parts) {
    const int begin = groups[g].begin, end = groups[g].end;
    // A stable partition into below, at and above `value`.
    auto side = [&](int k) { return static_cast<int>(steps[k].cost >= value) + static_cast<int>(steps[k].cost > value); };
    int next[3] = {0, 0, 0};
    for (int m = begin; m < end; ++m) ++next[side(members[m])];
    const int counts[3] = {next[0], next[1], next[2]};
    next[2] = next[0] + next[1];
    next[1] = next[0];
    next[0] = 0;
    ResizeWithHeadroom(split_scratch, end - begin);
    for (int m = begin; m < end; ++m) split_scratch[next[side(members[m])]++] = members[m];
    std::copy(split_scratch.begin(), split_scratch.end(), members.begin() + begin);
    split_bounds.clear();
    for (int part = 0; part < 3; ++part) {
      if (counts[part] > 0) split_bounds.push_back(begin + next[part]);
    }
    parts.clear();
    int from = begin;
    for (const int bound : split_bounds) {
      const Group made = MakeGroup(from, bound);
      if (parts.empty()) {
        parts.push_back(g);
        groups[g] = made;
      } else {
        parts.push_back(groups.size());
        groups.push_back(made);
      }
      from = bound;
    }
  }

  // Each step's flow from its group's: all or nothing, or in index order within an equal-cost group.
  void StepFlows(std::vector<std::int64_t>& flow_kg) const {
    AssignWithHeadroom(flow_kg, steps.size(), 0);
    for (const Group& g : groups) {
      std::int64_t left = g.flow_kg;
      for (int m = g.begin; m < g.end && left > 0; ++m) {
        const int k = members[m];
        flow_kg[k] = std::min(left, steps[k].kg);
        left -= flow_kg[k];
      }
    }
  }
};

// The few best candidates of each destination by a key, least first; of equal keys, the one offered
// first.
struct BestCandidates {
  std::vector<std::int64_t> key;  // [destination * kRoutesPerPricing + rank]
  std::vector<int> candidate;
  std::vector<int> count;         // [destination]

  void Reset(std::size_t destinations) {
    ResizeWithHeadroom(key, destinations * kRoutesPerPricing);
    ResizeWithHeadroom(candidate, destinations * kRoutesPerPricing);
    AssignWithHeadroom(count, destinations, 0);
  }
  void Offer(int destination, std::int64_t candidate_key, int candidate_index) {
    int& n = count[destination];
    std::int64_t* keys = &key[static_cast<std::size_t>(destination) * kRoutesPerPricing];
    int* candidates = &candidate[static_cast<std::size_t>(destination) * kRoutesPerPricing];
    if (n == kRoutesPerPricing && candidate_key >= keys[n - 1]) return;
    int j = n < kRoutesPerPricing ? n++ : n - 1;
    for (; j > 0 && keys[j - 1] > candidate_key; --j) {
      keys[j] = keys[j - 1];
      candidates[j] = candidates[j - 1];
    }
    keys[j] = candidate_key;
    candidates[j] = candidate_index;
  }
};

}  // namespace

struct MarketWorkspace::Network {
  // A route: an arc from an origin (or its export hub, or a licensed route's hub) to a destination
  // market or segment. A restricted solve holds only the plain routes (uncapped, no hub, no smuggling)
  // priced in, as candidates below until then.
  struct Route {
    int from, to;
    int tail, head;
    std::int64_t capacity_kg, cost;
    bool smuggled, military;
    int arc;             // in the network being solved
    std::int64_t order;  // the place of its flow in MarketSolution::flows (see RouteOrder)
    bool plain = false;  // a candidate priced in: its cost is its wedge plus its destination's premium
  };
  ArcList full;  // the whole network (only its structure arcs when solved restricted)
  std::vector<int> structure_arcs;  // arcs of `full` every restricted network keeps
  // The structure arcs whose cost is a wedge (a licence hub's): (place in structure_arcs, pair).
  std::vector<std::pair<int, std::size_t>> wedge_structure;
  std::vector<Route> routes;
  StepGroups supply, demand;
  std::vector<int> origin, exports_from, market, segment_node, destinations, supplying, route_hub;
  std::vector<std::uint8_t> is_destination;
  std::vector<std::int64_t> cheapest_offer;  // [region]: its least supply cost
  std::vector<std::int64_t> hint_cost;       // [region]: the price hint in cost units, kNoHint; empty = none
  // [node]: where the node's steps start split (see SolveRestricted), kNoHint where they start whole.
  std::vector<std::int64_t> split_value;
  std::int64_t unbounded_kg = 0;
  // The destinations (each region's open market, then each segment) and a restricted solve's
  // candidates: the plain routes, by origin, each included once it prices in. An included candidate
  // costs kPricedIn here, so it never prices in again.
  struct Destination {
    int region, node, segment;
    bool military;
  };
  std::vector<Destination> destination_list;
  std::vector<int> destination_of_node;
  struct Candidate {  // what the pricing reads, packed: its origin is in candidate_from
    int tail, head;
    std::int64_t cost;
  };
  std::vector<Candidate> candidates;
  std::vector<int> candidate_from;
  BestCandidates best;
  std::vector<std::pair<std::int64_t, int>> flow_order;  // (order, route) of the flows
  std::vector<std::int64_t> sold_kg, served_kg;
  std::vector<std::int64_t> potential;
  std::vector<std::size_t> parts;  // of a split group
  CirculationSimplex restricted;   // the restricted network, re-solved from its last tree
  bool resumable = false;          // the last solve was restricted: its network and tree are here
  int source = 0, sink = 1;

  // The graph as built and the solver on it: rebuilt only when the network's shape changes.
  Graph graph;
  int built_node_count = -1;
  std::vector<std::pair<int, int>> built_ends;  // tail and head of each arc
  Solver solver{graph};

  double SolveWhole();
  double SolveRestricted();
  bool ResolveWithWedges(const MarketProblem& problem, double& total_cost);
  double PriceInAndSolve();
  void WriteSolution(const MarketProblem& problem, bool restricted_solve, double total_cost, MarketSolution& solution);
  void DescribeNetwork(const MarketProblem& problem, bool whole);
  bool IncludeBest(bool add_arcs);
  bool AddPricedRoutes();
  void StartRestricted();
  bool PriceGroups(StepGroups& side, bool supply_side);
};

// Describes the network: nodes, and in `full` its arcs in the order the whole network's solve numbers
// them. For a restricted solve (not `whole`), `full` keeps only the structure arcs; steps and routes
// are described in the step groups and `routes`.
void MarketWorkspace::Network::DescribeNetwork(const MarketProblem& problem, bool whole) {
  const int n = problem.region_count;
  resumable = false;  // until a restricted solve of this description completes
  full.Clear();
  structure_arcs.clear();
  wedge_structure.clear();
  routes.clear();
  supply.steps.clear();
  demand.steps.clear();
  supply.Reserve(problem.supply.capacity());
  demand.Reserve(problem.demand.capacity());
  source = full.AddNode();
  sink = full.AddNode();
  AssignWithHeadroom(origin, n, -1);
  AssignWithHeadroom(market, n, -1);
  AssignWithHeadroom(cheapest_offer, n, std::numeric_limits<std::int64_t>::max());
  hint_cost.clear();
  if (problem.price_hint_usd_per_kg.size() == static_cast<std::size_t>(n)) {
    for (const double price : problem.price_hint_usd_per_kg) hint_cost.push_back(std::isfinite(price) ? ToCost(price) : kNoHint);
  }

  std::int64_t total_supply_kg = 0;
  for (const SupplyStep& step : problem.supply) {
    REESIM_CHECK(step.region >= 0 && step.region < n);
    REESIM_CHECK_GE(step.tonnes, 0.0);
    if (origin[step.region] < 0) origin[step.region] = full.AddNode();
    const std::int64_t kg = ToKg(step.tonnes), cost = ToCost(step.cost_usd_per_kg);
    if (__builtin_add_overflow(total_supply_kg, kg, &total_supply_kg) || total_supply_kg > kMaxTotalKg) {
      OutOfRange("a total supply (tonnes)", static_cast<double>(total_supply_kg) / kKgPerTonne, kMaxTotalKg / kKgPerTonne);
    }
    cheapest_offer[step.region] = std::min(cheapest_offer[step.region], cost);
    supply.steps.push_back({origin[step.region], kg, cost});
    if (whole) full.AddArc(source, origin[step.region], kg, cost);
  }
  // Destinations: the open market of each region, then each tied segment.
  const int segment_count = static_cast<int>(problem.segments.size());
  AssignWithHeadroom(segment_node, segment_count, -1);
  for (const DemandStep& step : problem.demand) {
    REESIM_CHECK(step.region >= 0 && step.region < n);
    REESIM_CHECK_GE(step.tonnes, 0.0);
    int* node = &market[step.region];
    if (step.segment >= 0) {
      REESIM_CHECK_LT(step.segment, segment_count);
      REESIM_CHECK_EQ(problem.segments[step.segment].region, step.region);
      node = &segment_node[step.segment];
    }
    if (*node < 0) *node = full.AddNode();
    const std::int64_t kg = ToKg(step.tonnes), cost = -ToCost(step.willingness_to_pay_usd_per_kg);
    demand.steps.push_back({*node, kg, cost});
    if (whole) full.AddArc(*node, sink, kg, cost);
  }
  // A circulation: what reaches the sink returns to the source for free, and the solver keeps the
  // cycles that pay (bids above costs and wedges); unsold supply simply does not flow. With no node
  // supplies, LEMON skips its heuristic initial pivots, which allocate on every call.
  // Arcs that must never bind carry one kg more than all supply: a saturated arc would free its dual,
  // and prices could then differ by more than the wedge between two markets that trade freely.
  unbounded_kg = total_supply_kg + 1;
  structure_arcs.push_back(full.AddArc(sink, source, unbounded_kg, 0));

  // The regions with buyers (an open market or a tied segment), ascending: routes go only there.
  AssignWithHeadroom(is_destination, n, 0);
  for (int r = 0; r < n; ++r) is_destination[r] = market[r] >= 0;
  for (int s = 0; s < segment_count; ++s) {
    if (segment_node[s] >= 0) is_destination[problem.segments[s].region] = 1;
  }
  destinations.clear();
  for (int r = 0; r < n; ++r) {
    if (is_destination[r]) destinations.push_back(r);
  }
  destination_list.clear();
  AssignWithHeadroom(destination_of_node, full.node_count, -1);
  for (int to : destinations) {
    if (market[to] < 0) continue;
    destination_of_node[market[to]] = static_cast<int>(destination_list.size());
    destination_list.push_back({to, market[to], -1, false});
  }
  for (int s = 0; s < segment_count; ++s) {
    if (segment_node[s] < 0) continue;
    destination_of_node[segment_node[s]] = static_cast<int>(destination_list.size());
    destination_list.push_back({problem.segments[s].region, segment_node[s], s, problem.segments[s].military});
  }
  candidates.clear();
  candidate_from.clear();
  best.Reset(destination_list.size());

  AssignWithHeadroom(exports_from, n, -1);
  AssignWithHeadroom(route_hub, n, -1);
  supplying.clear();
  for (int from = 0; from < n; ++from) {
    if (origin[from] < 0) continue;
    supplying.push_back(from);
    exports_from[from] = origin[from];
    if (std::isfinite(problem.export_cap_tonnes[from])) {
      exports_from[from] = full.AddNode();
      structure_arcs.push_back(
          full.AddArc(origin[from], exports_from[from], ToKg(problem.export_cap_tonnes[from]), 0));
    }
    // A licence cap on a route: all its flows (open market and segments) pass one capped hub. Only
    // destinations' entries are read, so only they are reset from the last origin's.
    for (int to : destinations) {
      route_hub[to] = -1;
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      const double wedge = problem.wedge_usd_per_kg[pair];
      if (to == from || !std::isfinite(problem.route_cap_tonnes[pair]) || !std::isfinite(wedge)) continue;
      route_hub[to] = full.AddNode();
      wedge_structure.push_back({static_cast<int>(structure_arcs.size()), pair});
      structure_arcs.push_back(
          full.AddArc(exports_from[from], route_hub[to], ToKg(problem.route_cap_tonnes[pair]), ToCost(wedge)));
    }
    auto add_route = [&](int tail, int head, std::int64_t capacity_kg, std::int64_t cost, int to, bool smuggled,
                         bool military, std::int64_t order) {
      const int arc = whole ? full.AddArc(tail, head, capacity_kg, cost) : -1;
      routes.push_back({from, to, tail, head, capacity_kg, cost, smuggled, military, arc, order});
    };
    // `premium` is the extra cost of serving a tied segment from a non-preferred origin.
    auto add_sale = [&](int to, int destination, double premium, bool military, std::int64_t order) {
      if (to == from) {
        add_route(origin[from], destination, unbounded_kg, ToCost(premium), to, /*smuggled=*/false, military, order);
        return;
      }
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      if (military && problem.military_denied[pair]) return;
      const double wedge = problem.wedge_usd_per_kg[pair];
      if (!std::isfinite(wedge)) return;
      REESIM_CHECK_GE(wedge, 0.0);
      if (route_hub[to] >= 0) {
        add_route(route_hub[to], destination, unbounded_kg, ToCost(premium), to, /*smuggled=*/false, military, order);
      } else if (whole) {
        add_route(exports_from[from], destination, unbounded_kg, ToCost(wedge + premium), to, /*smuggled=*/false, military,
                  order);
      } else {
        // A plain route: a candidate of the restricted solve. The first selection takes, for each
        // destination, the least wedge plus the origin's cheapest offer.
        const int d = destination_of_node[destination];
        const std::int64_t cost = ToCost(wedge + premium);
        best.Offer(d, cost + cheapest_offer[from], static_cast<int>(candidates.size()));
        candidates.push_back({exports_from[from], destination, cost});
        candidate_from.push_back(from);
      }
    };
    for (int to : destinations) {
      if (market[to] >= 0) add_sale(to, market[to], /*premium=*/0.0, /*military=*/false, RouteOrder(n, segment_count, from, to));
    }
    for (int s = 0; s < segment_count; ++s) {
      if (segment_node[s] < 0) continue;
      const MarketSegment& segment = problem.segments[s];
      REESIM_CHECK_GE(segment.switching_premium_usd_per_kg, 0.0);
      add_sale(segment.region, segment_node[s], SwitchingPremium(segment, from), segment.military,
               RouteOrder(n, segment_count, from, n + s));
    }
    for (int to : destinations) {
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      if (to == from || market[to] < 0 || problem.smuggling_cap_tonnes[pair] <= 0) continue;
      add_route(origin[from], market[to], ToKg(problem.smuggling_cap_tonnes[pair]),
                ToCost(problem.smuggling_cost_usd_per_kg[pair]), to, /*smuggled=*/true, /*military=*/false,
                RouteOrder(n, segment_count, from, n + segment_count + to));
    }
  }
}

// Includes the candidates in `best` as routes, destination by destination, least key first; with
// `add_arcs`, also as arcs of the restricted network being solved. Returns whether any was included.
bool MarketWorkspace::Network::IncludeBest(bool add_arcs) {
  const int n = static_cast<int>(origin.size());
  const int segment_count = static_cast<int>(segment_node.size());
  bool included = false;
  for (std::size_t d = 0; d < destination_list.size(); ++d) {
    const Destination& to = destination_list[d];
    for (int j = 0; j < best.count[d]; ++j) {
      const int k = best.candidate[d * kRoutesPerPricing + j];
      Candidate& candidate = candidates[k];
      const int from = candidate_from[k];
      const int arc = add_arcs ? restricted.AddArc(candidate.tail, to.node, unbounded_kg, candidate.cost) : -1;
      routes.push_back({from, to.region, candidate.tail, to.node, unbounded_kg, candidate.cost, /*smuggled=*/false, to.military, arc,
                        RouteOrder(n, segment_count, from, to.segment >= 0 ? n + to.segment : to.region), /*plain=*/true});
      candidate.cost = kPricedIn;
      included = true;
    }
  }
  return included;
}

// Adds, for each destination, the left-out routes that pay at the last solve's duals, the most
// negative reduced cost first. Returns whether any was added.
bool MarketWorkspace::Network::AddPricedRoutes() {
  best.Reset(destination_list.size());
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const Candidate& candidate = candidates[k];
    const std::int64_t reduced_cost = candidate.cost + potential[candidate.tail] - potential[candidate.head];
    if (reduced_cost < 0) best.Offer(destination_of_node[candidate.head], reduced_cost, static_cast<int>(k));
  }
  return IncludeBest(true);
}

// The first restricted network: the structure arcs, the routes selected, one arc per step group.
void MarketWorkspace::Network::StartRestricted() {
  // The first tree hangs every node from the root, at a potential guessed from the network: origins
  // at their offers, hubs at their origin's plus the wedge, destinations at their cheapest delivered
  // offer (or their bid, without routes). Any potentials are a valid start; good ones save pivots.
  constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();
  AssignWithHeadroom(potential, full.node_count, kUnset);
  potential[source] = 0;
  potential[sink] = 0;
  for (const StepGroups::Group& g : supply.groups) potential[g.node] = g.cost;
  for (int a : structure_arcs) {
    const ArcList::Arc& arc = full.arcs[a];
    if (potential[arc.head] == kUnset) potential[arc.head] = potential[arc.tail] + arc.cost;
  }
  for (const Route& route : routes) {
    std::int64_t& at = potential[route.head];
    const std::int64_t delivered = potential[route.tail] + route.cost;
    if (at == kUnset || delivered < at) at = delivered;
  }
  for (const StepGroups::Group& g : demand.groups) {
    if (potential[g.node] == kUnset) potential[g.node] = -g.cost;
  }
  for (std::int64_t& p : potential) {
    if (p == kUnset) p = 0;
  }
  restricted.Reset(full.node_count, potential);
  for (int a : structure_arcs) {
    const ArcList::Arc& arc = full.arcs[a];
    restricted.AddArc(arc.tail, arc.head, arc.capacity, arc.cost);
  }
  for (Route& route : routes) route.arc = restricted.AddArc(route.tail, route.head, route.capacity_kg, route.cost);
  for (StepGroups::Group& g : supply.groups) g.arc = restricted.AddArc(source, g.node, g.capacity_kg, g.cost);
  for (StepGroups::Group& g : demand.groups) g.arc = restricted.AddArc(g.node, sink, g.capacity_kg, g.cost);
}

// Splits each group whose steps the last solve's duals do not all price at its flow. A split group's
// flow goes to its cheapest parts first, so at most one part is partly used; that part (or, failing
// one, the first) keeps the group's arc and its place in the tree, and the others are new arcs at a
// bound. Returns whether any group was split.
bool MarketWorkspace::Network::PriceGroups(StepGroups& side, bool supply_side) {
  bool split = false;
  const std::size_t count = side.groups.size();
  for (std::size_t g = 0; g < count; ++g) {
    StepGroups::Group& group = side.groups[g];
    group.flow_kg = restricted.Flow(group.arc);
    const int tail = supply_side ? source : group.node;
    const int head = supply_side ? group.node : sink;
    const std::int64_t value = potential[head] - potential[tail];
    if (StepGroups::Priced(group, value)) continue;
    split = true;
    const int arc = group.arc;
    std::int64_t left = group.flow_kg;
    side.Split(g, value, parts);
    std::size_t keeper = 0;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      StepGroups::Group& part = side.groups[parts[k]];
      part.flow_kg = std::min(left, part.capacity_kg);
      left -= part.flow_kg;
      if (part.flow_kg > 0 && part.flow_kg < part.capacity_kg) keeper = k;
    }
    for (std::size_t k = 0; k < parts.size(); ++k) {
      StepGroups::Group& part = side.groups[parts[k]];
      if (k == keeper) {
        part.arc = arc;
        restricted.SetArc(arc, part.capacity_kg, part.cost, part.flow_kg);
      } else {
        part.arc = restricted.AddArc(tail, head, part.capacity_kg, part.cost, part.flow_kg);
      }
    }
  }
  return split;
}

// Solves the whole network with LEMON: step flows into sold_kg and served_kg, duals into `potential`.
// Returns the total cost (kg times cost units). The graph and LEMON's copy of it are rebuilt only
// when the network's shape changed since the last call.
double MarketWorkspace::Network::SolveWhole() {
  bool same_shape = full.node_count == built_node_count && full.arcs.size() == built_ends.size();
  for (std::size_t a = 0; same_shape && a < full.arcs.size(); ++a) {
    same_shape = built_ends[a].first == full.arcs[a].tail && built_ends[a].second == full.arcs[a].head;
  }
  if (!same_shape) {
    graph.clear();  // keeps its memory
    for (int k = 0; k < full.node_count; ++k) graph.addNode();
    built_ends.clear();  // within capacity after the first calls: no allocation
    for (const ArcList::Arc& arc : full.arcs) {
      graph.addArc(Graph::nodeFromId(arc.tail), Graph::nodeFromId(arc.head));
      built_ends.push_back({arc.tail, arc.head});
    }
    built_node_count = full.node_count;
    solver.reset();  // the network changed: the solver re-reads it into its (reused) arrays
  }
  solver.upperMap(ArcValues{full.arcs, &ArcList::Arc::capacity}).costMap(ArcValues{full.arcs, &ArcList::Arc::cost});
  const Solver::ProblemType result = solver.run();
  REESIM_CHECK(result == Solver::OPTIMAL);
  ResizeWithHeadroom(potential, full.node_count);
  for (int v = 0; v < full.node_count; ++v) potential[v] = solver.potential(Graph::nodeFromId(v));
  ResizeWithHeadroom(sold_kg, supply.steps.size());
  ResizeWithHeadroom(served_kg, demand.steps.size());
  // The steps' arcs come first in `full`: supply, then demand.
  for (std::size_t k = 0; k < sold_kg.size(); ++k) sold_kg[k] = solver.flow(Graph::arcFromId(static_cast<int>(k)));
  for (std::size_t k = 0; k < served_kg.size(); ++k) {
    served_kg[k] = solver.flow(Graph::arcFromId(static_cast<int>(sold_kg.size() + k)));
  }
  return solver.totalCost<double>();
}

// Solves restricted (see market.h) until nothing prices in: the same outputs as SolveWhole.
double MarketWorkspace::Network::SolveRestricted() {
  // Each node's steps start split at its region's price hint, as the first pricing round would split
  // them at a price near it. A demand step's cost is minus its bid, so demand splits at minus the hint.
  AssignWithHeadroom(split_value, full.node_count, kNoHint);
  if (!hint_cost.empty()) {
    for (std::size_t r = 0; r < origin.size(); ++r) {
      if (origin[r] >= 0) split_value[origin[r]] = hint_cost[r];
    }
    for (const Destination& to : destination_list) {
      if (hint_cost[to.region] != kNoHint) split_value[to.node] = -hint_cost[to.region];
    }
  }
  supply.GroupByNode(full.node_count, split_value);
  demand.GroupByNode(full.node_count, split_value);
  // Capacity for the most the restricted network can hold: every route, and a group per step.
  const std::size_t most_routes = routes.size() + candidates.size();
  ReserveWithHeadroom(routes, most_routes);
  ReserveWithHeadroom(flow_order, most_routes);
  parts.reserve(3);
  restricted.Reserve(full.node_count, structure_arcs.size() + most_routes + supply.steps.capacity() + demand.steps.capacity());
  IncludeBest(/*add_arcs=*/false);
  StartRestricted();
  return PriceInAndSolve();
}

// Solves the restricted network, prices in what pays at its duals and solves again, until nothing
// prices in. Returns the total cost of the steps' flows.
double MarketWorkspace::Network::PriceInAndSolve() {
  for (;;) {
    restricted.Solve();
    ResizeWithHeadroom(potential, full.node_count);
    for (int v = 0; v < full.node_count; ++v) potential[v] = restricted.Potential(v);
    const bool supply_split = PriceGroups(supply, /*supply_side=*/true);
    const bool demand_split = PriceGroups(demand, /*supply_side=*/false);
    const bool routes_added = AddPricedRoutes();
    if (!supply_split && !demand_split && !routes_added) break;
  }
  supply.StepFlows(sold_kg);
  demand.StepFlows(served_kg);
  // The solve priced each saturated group at its stand-in cost; its steps cost what they cost.
  double total_cost = restricted.TotalCost();
  for (const StepGroups* side : {&supply, &demand}) {
    for (const StepGroups::Group& g : side->groups) {
      if (g.flow_kg > 0 && g.flow_kg == g.capacity_kg) {
        total_cost += g.cost_kg - static_cast<double>(g.capacity_kg) * static_cast<double>(g.cost);
      }
    }
  }
  resumable = true;
  return total_cost;
}

// Re-solves the last restricted solve's problem after only its wedges changed: the arcs and candidates
// whose cost reads a wedge take the new one, and the simplex resumes from its last tree with the groups
// and routes the last solve priced in. The flows stay feasible (only costs change), so the solve starts
// primal feasible and usually needs a few pivots where a fresh one needs many. Returns false, changing
// nothing, where a wedge that was finite is no longer (a ban changes the network's shape).
bool MarketWorkspace::Network::ResolveWithWedges(const MarketProblem& problem, double& total_cost) {
  // A plain route (a candidate, priced in or not) costs its wedge plus the premium of its destination,
  // as DescribeNetwork costed it; domestic sales, routes through a licence hub and smuggling read none.
  const int n = problem.region_count;
  auto wedge_of = [&](int from, int head) {
    return problem.wedge_usd_per_kg[static_cast<std::size_t>(from) * n + destination_list[destination_of_node[head]].region];
  };
  for (const auto& [place, pair] : wedge_structure) {
    if (!std::isfinite(problem.wedge_usd_per_kg[pair])) return false;
  }
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (!std::isfinite(wedge_of(candidate_from[k], candidates[k].head))) return false;
  }
  resumable = false;  // until the solve completes
  for (const auto& [place, pair] : wedge_structure) {
    const ArcList::Arc& arc = full.arcs[structure_arcs[place]];
    // Structure arcs come first in the restricted network, in their order.
    restricted.SetArc(place, arc.capacity, ToCost(problem.wedge_usd_per_kg[pair]), restricted.Flow(place));
  }
  auto plain_cost = [&](int from, int head) {
    const int segment = destination_list[destination_of_node[head]].segment;
    const double premium = segment >= 0 ? SwitchingPremium(problem.segments[segment], from) : 0.0;
    return ToCost(wedge_of(from, head) + premium);
  };
  for (Route& route : routes) {
    if (!route.plain) continue;
    route.cost = plain_cost(route.from, route.head);
    restricted.SetArc(route.arc, route.capacity_kg, route.cost, restricted.Flow(route.arc));
  }
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (candidates[k].cost != kPricedIn) candidates[k].cost = plain_cost(candidate_from[k], candidates[k].head);
  }
  total_cost = PriceInAndSolve();
  return true;
}

MarketWorkspace::MarketWorkspace() : network_(std::make_unique<Network>()) {}
MarketWorkspace::MarketWorkspace(MarketWorkspace&&) noexcept = default;
MarketWorkspace& MarketWorkspace::operator=(MarketWorkspace&&) noexcept = default;
MarketWorkspace::~MarketWorkspace() = default;

void MarketProblem::ClearSteps(int n) {
  if (n != region_count || wedge_usd_per_kg.size() != static_cast<std::size_t>(n) * n) {
    Reset(n);
    return;
  }
  supply.clear();
  demand.clear();
  segments.clear();
}

MarketSolution ClearMarket(const MarketProblem& problem, ClearingMethod method) {
  MarketWorkspace workspace;
  MarketSolution solution;
  ClearMarket(problem, workspace, solution, method);
  return solution;
}

void ClearMarket(const MarketProblem& problem, MarketWorkspace& workspace, MarketSolution& solution,
                 ClearingMethod method) {
  const int n = problem.region_count;
  REESIM_CHECK_EQ(problem.wedge_usd_per_kg.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.export_cap_tonnes.size(), static_cast<std::size_t>(n));
  REESIM_CHECK_EQ(problem.route_cap_tonnes.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.military_denied.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.smuggling_cap_tonnes.size(), static_cast<std::size_t>(n) * n);

  MarketWorkspace::Network& w = *workspace.network_;
  const bool restricted = method == ClearingMethod::kRestricted;
  w.DescribeNetwork(problem, !restricted);
  const double total_cost = restricted ? w.SolveRestricted() : w.SolveWhole();
  w.WriteSolution(problem, restricted, total_cost, solution);
}

void ClearMarketAgain(const MarketProblem& problem, MarketWorkspace& workspace, MarketSolution& solution) {
  MarketWorkspace::Network& w = *workspace.network_;
  const bool same_shape = w.resumable && static_cast<int>(w.origin.size()) == problem.region_count &&
                          w.supply.steps.size() == problem.supply.size() && w.demand.steps.size() == problem.demand.size() &&
                          w.segment_node.size() == problem.segments.size();
  double total_cost = 0;
  if (!same_shape || !w.ResolveWithWedges(problem, total_cost)) {
    ClearMarket(problem, workspace, solution);
    return;
  }
  w.WriteSolution(problem, /*restricted_solve=*/true, total_cost, solution);
}

// Writes the last solve's flows, prices and welfare into `solution`.
void MarketWorkspace::Network::WriteSolution(const MarketProblem& problem, bool restricted_solve, double total_cost,
                                             MarketSolution& solution) {
  const int n = problem.region_count;
  auto route_kg = [&](const Route& route) {
    return restricted_solve ? restricted.Flow(route.arc) : solver.flow(Graph::arcFromId(route.arc));
  };

  ResizeWithHeadroom(solution.supply_sold_tonnes, sold_kg.size());
  for (std::size_t k = 0; k < sold_kg.size(); ++k) solution.supply_sold_tonnes[k] = static_cast<double>(sold_kg[k]) / kKgPerTonne;
  // Duals: the potential difference to the sink is the value of one more kg delivered at a node. It is
  // below zero only at a node where nothing is sold or served (a market with no bid anywhere: any price
  // up to the cheapest ask is then a dual, and the simplex's tree may pick a negative one); free disposal
  // makes it zero, which keeps the duals feasible (an idle node has no served demand to price).
  auto price_of = [&](int node) {
    return std::max(0.0, static_cast<double>(potential[node] - potential[sink]) / kMoneyScale);
  };
  ResizeWithHeadroom(solution.demand_served_tonnes, served_kg.size());
  ResizeWithHeadroom(solution.demand_price_usd_per_kg, served_kg.size());
  solution.flows.clear();
  for (std::size_t d = 0; d < served_kg.size(); ++d) {
    solution.demand_served_tonnes[d] = static_cast<double>(served_kg[d]) / kKgPerTonne;
    solution.demand_price_usd_per_kg[d] = price_of(demand.steps[d].node);
  }
  // The flows in the whole network's route order, whichever way they were found.
  flow_order.clear();
  for (int r = 0; r < static_cast<int>(routes.size()); ++r) {
    if (route_kg(routes[r]) > 0) flow_order.push_back({routes[r].order, r});
  }
  std::sort(flow_order.begin(), flow_order.end());
  for (const auto& [order, r] : flow_order) {
    const Route& route = routes[r];
    solution.flows.push_back({route.from, route.to, static_cast<double>(route_kg(route)) / kKgPerTonne,
                              price_of(route.head), route.smuggled, route.military});
    // The route's slot in RouteOrder: n + s for segment s.
    const int segment_count = static_cast<int>(problem.segments.size());
    const std::int64_t slot = route.order % (2 * static_cast<std::int64_t>(n) + segment_count);
    if (slot >= n && slot < n + segment_count) solution.flows.back().segment = static_cast<int>(slot - n);
  }
  AssignWithHeadroom(solution.price_usd_per_kg, n, std::numeric_limits<double>::quiet_NaN());
  AssignWithHeadroom(solution.origin_price_usd_per_kg, n, std::numeric_limits<double>::quiet_NaN());
  for (int r = 0; r < n; ++r) {
    if (origin[r] >= 0) solution.origin_price_usd_per_kg[r] = price_of(origin[r]);
    const int node = market[r] >= 0 ? market[r] : origin[r];
    if (node >= 0) solution.price_usd_per_kg[r] = price_of(node);
  }
  solution.welfare_usd = -total_cost / kMoneyScale;  // kg * USD/kg
}

}  // namespace reesim::world
