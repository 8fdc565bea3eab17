#include "world/market.h"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "world/check.h"
#include "world/description.h"

namespace reesim::world {

namespace {

using Graph = lemon::SmartDigraph;
using Solver = lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t>;

constexpr double kMoneyScale = 1e4;  // cost units per USD/kg

// A read-only arc map over a vector indexed by arc id, for the solver's upperMap and costMap.
struct ArcValues {
  using Key = Graph::Arc;
  using Value = std::int64_t;
  const std::vector<std::int64_t>& values;
  std::int64_t operator[](Graph::Arc arc) const { return values[static_cast<std::size_t>(Graph::id(arc))]; }
};

std::int64_t ToKg(double tonnes) { return RoundToInt64(tonnes * kKgPerTonne); }
std::int64_t ToCost(double usd_per_kg) { return RoundToInt64(usd_per_kg * kMoneyScale); }

}  // namespace

std::int64_t RoundToInt64(double x) {
  std::int64_t whole = static_cast<std::int64_t>(x);  // toward zero
  const double fraction = x - static_cast<double>(whole);
  if (fraction >= 0.5) ++whole;
  if (fraction <= -0.5) --whole;
  return whole;
}

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
}

struct MarketWorkspace::Network {
  struct Route {
    Graph::Arc arc;
    int from;
    int to;
    Graph::Node destination;
    bool smuggled;
    bool military;
  };
  Graph graph;
  // Arc capacities and costs by arc id (a SmartDigraph numbers arcs 0, 1, ... after clear()): plain
  // vectors, read by the solver through ArcValues, rather than graph maps updated on every addArc.
  std::vector<std::int64_t> capacity, cost;
  // The network's shape as described this call (arc i runs tail[i] -> head[i] over node_count nodes)
  // and as built in `graph`: when they match, the graph and the solver's copy of it are reused and
  // only capacities and costs change.
  int node_count = 0;
  std::vector<int> tail, head;
  int built_node_count = -1;
  std::vector<int> built_tail, built_head;
  Solver solver{graph};
  std::vector<Graph::Node> origin, market, export_hub, route_hub, segment_node, demand_node;
  std::vector<int> destinations;
  std::vector<std::uint8_t> is_destination;
  std::vector<Graph::Arc> supply_arcs, demand_arcs;
  std::vector<Route> routes;
};

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

MarketSolution ClearMarket(const MarketProblem& problem) {
  MarketWorkspace workspace;
  MarketSolution solution;
  ClearMarket(problem, workspace, solution);
  return solution;
}

void ClearMarket(const MarketProblem& problem, MarketWorkspace& workspace, MarketSolution& solution) {
  const int n = problem.region_count;
  REESIM_CHECK_EQ(problem.wedge_usd_per_kg.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.export_cap_tonnes.size(), static_cast<std::size_t>(n));
  REESIM_CHECK_EQ(problem.route_cap_tonnes.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.military_denied.size(), static_cast<std::size_t>(n) * n);
  REESIM_CHECK_EQ(problem.smuggling_cap_tonnes.size(), static_cast<std::size_t>(n) * n);

  MarketWorkspace::Network& w = *workspace.network_;
  using Route = MarketWorkspace::Network::Route;
  Graph& graph = w.graph;
  std::vector<std::int64_t>& capacity = w.capacity;
  std::vector<std::int64_t>& cost = w.cost;
  capacity.clear();
  cost.clear();
  w.tail.clear();
  w.head.clear();
  w.node_count = 0;
  // Nodes and arcs are numbered as a SmartDigraph built from scratch would number them; the graph
  // itself is (re)built after the description, only if its shape changed.
  auto add_node = [&] { return Graph::nodeFromId(w.node_count++); };
  const Graph::Node source = add_node();
  const Graph::Node sink = add_node();
  std::vector<Graph::Node>& origin = w.origin;
  std::vector<Graph::Node>& market = w.market;
  std::vector<Graph::Node>& export_hub = w.export_hub;
  origin.assign(n, lemon::INVALID);
  market.assign(n, lemon::INVALID);
  export_hub.assign(n, lemon::INVALID);

  auto add_arc = [&](Graph::Node u, Graph::Node v, std::int64_t cap, std::int64_t c) {
    const Graph::Arc arc = Graph::arcFromId(static_cast<int>(capacity.size()));
    w.tail.push_back(Graph::id(u));
    w.head.push_back(Graph::id(v));
    capacity.push_back(cap);
    cost.push_back(c);
    return arc;
  };

  std::int64_t total_supply_kg = 0;
  std::vector<Graph::Arc>& supply_arcs = w.supply_arcs;
  supply_arcs.clear();
  for (const SupplyStep& step : problem.supply) {
    REESIM_CHECK(step.region >= 0 && step.region < n);
    REESIM_CHECK_GE(step.tonnes, 0.0);
    if (origin[step.region] == lemon::INVALID) origin[step.region] = add_node();
    const std::int64_t kg = ToKg(step.tonnes);
    total_supply_kg += kg;
    supply_arcs.push_back(add_arc(source, origin[step.region], kg, ToCost(step.cost_usd_per_kg)));
  }
  // Destinations: the open market of each region, then each tied segment.
  const int segment_count = static_cast<int>(problem.segments.size());
  std::vector<Graph::Node>& segment_node = w.segment_node;
  std::vector<Graph::Arc>& demand_arcs = w.demand_arcs;
  std::vector<Graph::Node>& demand_node = w.demand_node;
  segment_node.assign(segment_count, lemon::INVALID);
  demand_arcs.clear();
  demand_node.clear();
  for (const DemandStep& step : problem.demand) {
    REESIM_CHECK(step.region >= 0 && step.region < n);
    REESIM_CHECK_GE(step.tonnes, 0.0);
    Graph::Node* node = &market[step.region];
    if (step.segment >= 0) {
      REESIM_CHECK_LT(step.segment, segment_count);
      REESIM_CHECK_EQ(problem.segments[step.segment].region, step.region);
      node = &segment_node[step.segment];
    }
    if (*node == lemon::INVALID) *node = add_node();
    demand_node.push_back(*node);
    demand_arcs.push_back(add_arc(*node, sink, ToKg(step.tonnes), -ToCost(step.willingness_to_pay_usd_per_kg)));
  }
  // A circulation: what reaches the sink returns to the source for free, and the solver keeps the
  // cycles that pay (bids above costs and wedges); unsold supply simply does not flow. With no node
  // supplies, LEMON skips its heuristic initial pivots, which allocate on every call.
  // Arcs that must never bind carry one kg more than all supply: a saturated arc would free its dual,
  // and prices could then differ by more than the wedge between two markets that trade freely.
  const std::int64_t unbounded_kg = total_supply_kg + 1;
  add_arc(sink, source, unbounded_kg, 0);

  // The regions with buyers (an open market or a tied segment), ascending: routes go only there.
  std::vector<int>& destinations = w.destinations;
  std::vector<std::uint8_t>& is_destination = w.is_destination;
  is_destination.assign(n, 0);
  for (int r = 0; r < n; ++r) is_destination[r] = market[r] != lemon::INVALID;
  for (int s = 0; s < segment_count; ++s) {
    if (segment_node[s] != lemon::INVALID) is_destination[problem.segments[s].region] = 1;
  }
  destinations.clear();
  for (int r = 0; r < n; ++r) {
    if (is_destination[r]) destinations.push_back(r);
  }

  std::vector<Route>& routes = w.routes;
  routes.clear();
  for (int from = 0; from < n; ++from) {
    if (origin[from] == lemon::INVALID) continue;
    Graph::Node exports_from = origin[from];
    if (std::isfinite(problem.export_cap_tonnes[from])) {
      export_hub[from] = add_node();
      add_arc(origin[from], export_hub[from], ToKg(problem.export_cap_tonnes[from]), 0);
      exports_from = export_hub[from];
    }
    // A licence cap on a route: all its flows (open market and segments) pass one capped hub.
    std::vector<Graph::Node>& route_hub = w.route_hub;
    route_hub.assign(n, lemon::INVALID);
    for (int to : destinations) {
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      const double wedge = problem.wedge_usd_per_kg[pair];
      if (to == from || !std::isfinite(problem.route_cap_tonnes[pair]) || !std::isfinite(wedge)) continue;
      route_hub[to] = add_node();
      add_arc(exports_from, route_hub[to], ToKg(problem.route_cap_tonnes[pair]), ToCost(wedge));
    }
    // `premium` is the extra cost of serving a tied segment from a non-preferred origin.
    auto add_route = [&](int to, Graph::Node destination, double premium, bool military) {
      if (to == from) {
        routes.push_back({add_arc(origin[from], destination, unbounded_kg, ToCost(premium)), from, to, destination,
                          false, military});
        return;
      }
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      if (military && problem.military_denied[pair]) return;
      const double wedge = problem.wedge_usd_per_kg[pair];
      if (!std::isfinite(wedge)) return;
      REESIM_CHECK_GE(wedge, 0.0);
      const Graph::Arc arc = route_hub[to] != lemon::INVALID
                                 ? add_arc(route_hub[to], destination, unbounded_kg, ToCost(premium))
                                 : add_arc(exports_from, destination, unbounded_kg, ToCost(wedge + premium));
      routes.push_back({arc, from, to, destination, false, military});
    };
    for (int to : destinations) {
      if (market[to] != lemon::INVALID) add_route(to, market[to], 0.0, false);
    }
    for (int s = 0; s < segment_count; ++s) {
      if (segment_node[s] == lemon::INVALID) continue;
      const MarketSegment& segment = problem.segments[s];
      REESIM_CHECK_GE(segment.switching_premium_usd_per_kg, 0.0);
      const bool preferred = segment.preferred_origin == from;
      add_route(segment.region, segment_node[s], preferred ? 0.0 : segment.switching_premium_usd_per_kg,
                segment.military);
    }
    for (int to : destinations) {
      const std::size_t pair = static_cast<std::size_t>(from) * n + to;
      if (to == from || market[to] == lemon::INVALID || problem.smuggling_cap_tonnes[pair] <= 0) continue;
      routes.push_back({add_arc(origin[from], market[to], ToKg(problem.smuggling_cap_tonnes[pair]),
                                ToCost(problem.smuggling_cost_usd_per_kg[pair])),
                        from, to, market[to], true, false});
    }
  }

  Solver& solver = w.solver;
  if (w.node_count != w.built_node_count || w.tail != w.built_tail || w.head != w.built_head) {
    graph.clear();  // keeps its memory
    for (int k = 0; k < w.node_count; ++k) graph.addNode();
    for (std::size_t a = 0; a < w.tail.size(); ++a) graph.addArc(Graph::nodeFromId(w.tail[a]), Graph::nodeFromId(w.head[a]));
    w.built_node_count = w.node_count;
    w.built_tail = w.tail;  // within capacity after the first calls: no allocation
    w.built_head = w.head;
    solver.reset();  // the network changed: the solver re-reads it into its (reused) arrays
  }
  solver.upperMap(ArcValues{capacity}).costMap(ArcValues{cost});
  const Solver::ProblemType result = solver.run();
  REESIM_CHECK(result == Solver::OPTIMAL);

  solution.supply_sold_tonnes.clear();
  for (const Graph::Arc arc : supply_arcs) {
    solution.supply_sold_tonnes.push_back(static_cast<double>(solver.flow(arc)) / kKgPerTonne);
  }
  // Duals: the potential difference to the sink is the value of one more kg delivered at a node.
  const double sink_potential = static_cast<double>(solver.potential(sink));
  auto price_of = [&](Graph::Node node) {
    return (static_cast<double>(solver.potential(node)) - sink_potential) / kMoneyScale;
  };
  solution.demand_served_tonnes.clear();
  solution.demand_price_usd_per_kg.clear();
  solution.flows.clear();
  for (std::size_t d = 0; d < demand_arcs.size(); ++d) {
    solution.demand_served_tonnes.push_back(static_cast<double>(solver.flow(demand_arcs[d])) / kKgPerTonne);
    solution.demand_price_usd_per_kg.push_back(price_of(demand_node[d]));
  }
  for (const Route& route : routes) {
    const std::int64_t kg = solver.flow(route.arc);
    if (kg > 0) {
      solution.flows.push_back({route.from, route.to, static_cast<double>(kg) / kKgPerTonne,
                                price_of(route.destination), route.smuggled, route.military});
    }
  }
  solution.price_usd_per_kg.assign(n, std::numeric_limits<double>::quiet_NaN());
  solution.origin_price_usd_per_kg.assign(n, std::numeric_limits<double>::quiet_NaN());
  for (int r = 0; r < n; ++r) {
    if (origin[r] != lemon::INVALID) solution.origin_price_usd_per_kg[r] = price_of(origin[r]);
    const Graph::Node node = market[r] != lemon::INVALID ? market[r] : origin[r];
    if (node != lemon::INVALID) solution.price_usd_per_kg[r] = price_of(node);
  }
  solution.welfare_usd = -solver.totalCost<double>() / kMoneyScale;  // kg * USD/kg
}

}  // namespace reesim::world
