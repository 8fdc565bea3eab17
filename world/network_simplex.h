// A primal network simplex for min-cost circulations that can be resumed: after a solve, arcs may be
// added, and an arc's capacity, cost and flow changed so long as every node stays balanced, and the
// next solve starts from the last optimal spanning tree instead of from scratch. ClearMarket's
// restricted solve (world/market.h) re-solves a growing network several times per market; from a
// warm tree each re-solve takes a few pivots.
//
// The pivoting is LEMON 1.3's NetworkSimplex (block search pricing, a strongly feasible spanning tree
// kept as parent, thread and successor lists), adapted to a circulation (no node supplies, lower
// bounds 0, an artificial root with zero-cost arcs from every node) and to resuming. LEMON cannot
// resume: its run() rebuilds the tree. LEMON's notice, as its licence asks:
//
//   Copyright (C) 2003-2013 Egervary Jeno Kombinatorikus Optimalizalasi Kutatocsoport (Egervary
//   Research Group on Combinatorial Optimization, EGRES). Permission to use, modify and distribute
//   this software is granted provided that this copyright notice appears in all copies. This
//   software is provided "AS IS" with no warranty of any kind, express or implied, and with no claim
//   as to its suitability for any purpose.
#pragma once

#include <cstdint>
#include <vector>

namespace reesim::world {

class CirculationSimplex {
 public:
  // Starts over with `node_count` nodes and no arcs; keeps the memory. The first tree hangs each node
  // from an artificial root; `potentials` (one per node), if given, are the nodes' potentials in it,
  // a guess at the optimal ones that can save pivots.
  void Reset(int node_count, const std::vector<std::int64_t>& potentials = {});
  // Makes room for `arc_count` arcs over `node_count` nodes, so that adding them does not allocate.
  void Reserve(int node_count, std::size_t arc_count);
  // Adds an arc tail -> head with capacity and cost, carrying `flow`, which must be 0 or the capacity
  // (a new arc is never in the tree). Returns its index, from 0 in the order added.
  int AddArc(int tail, int head, std::int64_t capacity, std::int64_t cost, std::int64_t flow = 0);
  // Changes an arc's capacity, cost and flow. A tree arc stays in the tree; any other arc's flow must
  // be 0 or its capacity. The caller keeps nodes balanced (e.g. moving flow between parallel arcs).
  void SetArc(int arc, std::int64_t capacity, std::int64_t cost, std::int64_t flow);
  // Pivots to optimality from the current tree.
  void Solve();

  std::int64_t Flow(int arc) const { return flow_[ArcIndex(arc)]; }
  // Node potentials: an arc u -> v with cost c and flow strictly inside its bounds has
  // c + Potential(u) - Potential(v) == 0; at flow 0 it is >= 0, at capacity <= 0.
  std::int64_t Potential(int node) const { return pi_[node]; }
  bool InTree(int arc) const { return state_[ArcIndex(arc)] == kTree; }
  // Sum of flow times cost over the arcs.
  double TotalCost() const;

 private:
  static constexpr signed char kUpper = -1, kTree = 0, kLower = 1;
  static constexpr signed char kUp = 1, kDown = -1;

  int ArcIndex(int arc) const { return node_count_ + arc; }
  void RecomputePotentials();
  bool FindEnteringArc();
  void FindJoinNode();
  bool FindLeavingArc();
  void ChangeFlow(bool change);
  void UpdateTreeStructure();
  void UpdatePotential();

  int node_count_ = 0;
  int root_ = 0;
  // Arcs: node u's artificial arc u -> root at index u, then the real arcs.
  std::vector<int> source_, target_;
  std::vector<std::int64_t> cap_, cost_, flow_;
  std::vector<signed char> state_;
  // The spanning tree over nodes 0..node_count (the root last).
  std::vector<std::int64_t> pi_;
  std::vector<int> parent_, pred_, thread_, rev_thread_, succ_num_, last_succ_, dirty_revs_;
  std::vector<signed char> pred_dir_;
  bool potentials_stale_ = false;
  // Pivot data.
  int next_arc_ = 0;
  int block_size_ = 10;
  int in_arc_ = 0, join_ = 0, u_in_ = 0, v_in_ = 0, u_out_ = 0, v_out_ = 0;
  std::int64_t delta_ = 0;
};

}  // namespace reesim::world
