#include "world/network_simplex.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "world/check.h"

namespace reesim::world {

namespace {
constexpr std::int64_t kInfinite = std::numeric_limits<std::int64_t>::max();
}

void CirculationSimplex::Reset(int node_count, const std::vector<std::int64_t>& potentials) {
  node_count_ = node_count;
  root_ = node_count;
  const int all_nodes = node_count + 1;
  source_.assign(node_count, 0);
  target_.assign(node_count, root_);
  cap_.assign(node_count, kInfinite);
  cost_.assign(node_count, 0);
  flow_.assign(node_count, 0);
  state_.assign(node_count, kTree);
  pi_.assign(all_nodes, 0);
  parent_.assign(all_nodes, root_);
  pred_.assign(all_nodes, -1);
  pred_dir_.assign(all_nodes, kUp);
  thread_.assign(all_nodes, 0);
  rev_thread_.assign(all_nodes, 0);
  succ_num_.assign(all_nodes, 1);
  last_succ_.assign(all_nodes, 0);
  // The tree: every node hangs from the root by its artificial arc, which costs nothing and, since no
  // arc leaves the root, can never carry flow in a circulation; the pricing never looks at it.
  for (int u = 0; u < node_count; ++u) {
    source_[u] = u;
    pred_[u] = u;
    thread_[u] = u + 1;
    rev_thread_[u + 1] = u;
    last_succ_[u] = u;
  }
  parent_[root_] = -1;
  thread_[root_] = 0;
  rev_thread_[0] = root_;
  succ_num_[root_] = all_nodes;
  last_succ_[root_] = root_ - 1;
  // An artificial arc's cost sets its node's potential: it never carries flow (no arc leaves the
  // root), so its cost shapes only the path the pivots take.
  if (!potentials.empty()) {
    REESIM_CHECK_EQ(potentials.size(), static_cast<std::size_t>(node_count));
    for (int u = 0; u < node_count; ++u) {
      cost_[u] = -potentials[u];
      pi_[u] = potentials[u];
    }
  }
  next_arc_ = node_count;
  potentials_stale_ = false;
}

void CirculationSimplex::Reserve(int node_count, std::size_t arc_count) {
  const std::size_t all = static_cast<std::size_t>(node_count) + arc_count;
  source_.reserve(all);
  target_.reserve(all);
  cap_.reserve(all);
  cost_.reserve(all);
  flow_.reserve(all);
  state_.reserve(all);
  dirty_revs_.reserve(static_cast<std::size_t>(node_count) + 1);
}

int CirculationSimplex::AddArc(int tail, int head, std::int64_t capacity, std::int64_t cost, std::int64_t flow) {
  REESIM_CHECK(tail >= 0 && tail < node_count_ && head >= 0 && head < node_count_);
  REESIM_CHECK_GE(capacity, 0);
  REESIM_CHECK(flow == 0 || flow == capacity);
  source_.push_back(tail);
  target_.push_back(head);
  cap_.push_back(capacity);
  cost_.push_back(cost);
  flow_.push_back(flow);
  state_.push_back(flow > 0 ? kUpper : kLower);
  return static_cast<int>(source_.size()) - 1 - node_count_;
}

void CirculationSimplex::SetArc(int arc, std::int64_t capacity, std::int64_t cost, std::int64_t flow) {
  const int e = ArcIndex(arc);
  REESIM_CHECK_GE(capacity, 0);
  REESIM_CHECK(flow >= 0 && flow <= capacity);
  cap_[e] = capacity;
  flow_[e] = flow;
  if (state_[e] == kTree) {
    if (cost_[e] != cost) potentials_stale_ = true;
  } else {
    REESIM_CHECK(flow == 0 || flow == capacity);
    state_[e] = flow > 0 ? kUpper : kLower;
  }
  cost_[e] = cost;
}

double CirculationSimplex::TotalCost() const {
  double total = 0;
  for (std::size_t e = node_count_; e < cost_.size(); ++e) {
    total += static_cast<double>(flow_[e]) * static_cast<double>(cost_[e]);
  }
  return total;
}

// A tree arc's cost changed: every potential follows from its parent's along the thread (preorder).
void CirculationSimplex::RecomputePotentials() {
  for (int u = thread_[root_]; u != root_; u = thread_[u]) {
    pi_[u] = pi_[parent_[u]] - pred_dir_[u] * cost_[pred_[u]];
  }
  potentials_stale_ = false;
}

void CirculationSimplex::Solve() {
  if (potentials_stale_) RecomputePotentials();
  const int search_end = static_cast<int>(source_.size());
  block_size_ = std::max(static_cast<int>(std::sqrt(static_cast<double>(search_end - node_count_))), 10);
  if (next_arc_ < node_count_ || next_arc_ >= search_end) next_arc_ = node_count_;
  while (FindEnteringArc()) {
    FindJoinNode();
    const bool change = FindLeavingArc();
    REESIM_CHECK_LT(delta_, kInfinite);  // every cycle holds a real arc, and real arcs are capped
    ChangeFlow(change);
    if (change) {
      UpdateTreeStructure();
      UpdatePotential();
    }
  }
}

// Block search: scans the real arcs from where the last search stopped, a block at a time, and takes
// the most negative reduced cost of the first block that has one.
bool CirculationSimplex::FindEnteringArc() {
  const int search_end = static_cast<int>(source_.size());
  std::int64_t min = 0;
  int count = block_size_;
  int e = next_arc_;
  for (int scanned = node_count_; scanned < search_end; ++scanned) {
    const std::int64_t c = state_[e] * (cost_[e] + pi_[source_[e]] - pi_[target_[e]]);
    if (c < min) {
      min = c;
      in_arc_ = e;
    }
    if (++e == search_end) e = node_count_;
    if (--count == 0) {
      if (min < 0) break;
      count = block_size_;
    }
  }
  if (min >= 0) return false;
  next_arc_ = e;
  return true;
}

void CirculationSimplex::FindJoinNode() {
  int u = source_[in_arc_];
  int v = target_[in_arc_];
  while (u != v) {
    if (succ_num_[u] < succ_num_[v]) {
      u = parent_[u];
    } else {
      v = parent_[v];
    }
  }
  join_ = u;
}

// The leaving arc: the last blocking arc met going round the cycle from the join node in the direction
// of the change, which keeps the tree strongly feasible (no cycling). Returns whether it differs from
// the entering arc.
bool CirculationSimplex::FindLeavingArc() {
  int first, second;
  if (state_[in_arc_] == kLower) {
    first = source_[in_arc_];
    second = target_[in_arc_];
  } else {
    first = target_[in_arc_];
    second = source_[in_arc_];
  }
  delta_ = cap_[in_arc_];
  int result = 0;
  for (int u = first; u != join_; u = parent_[u]) {
    const int e = pred_[u];
    std::int64_t d = flow_[e];
    if (pred_dir_[u] == kDown) d = cap_[e] >= kInfinite ? kInfinite : cap_[e] - d;
    if (d < delta_) {
      delta_ = d;
      u_out_ = u;
      result = 1;
    }
  }
  for (int u = second; u != join_; u = parent_[u]) {
    const int e = pred_[u];
    std::int64_t d = flow_[e];
    if (pred_dir_[u] == kUp) d = cap_[e] >= kInfinite ? kInfinite : cap_[e] - d;
    if (d <= delta_) {
      delta_ = d;
      u_out_ = u;
      result = 2;
    }
  }
  if (result == 1) {
    u_in_ = first;
    v_in_ = second;
  } else {
    u_in_ = second;
    v_in_ = first;
  }
  return result != 0;
}

void CirculationSimplex::ChangeFlow(bool change) {
  if (delta_ > 0) {
    const std::int64_t val = state_[in_arc_] * delta_;
    flow_[in_arc_] += val;
    for (int u = source_[in_arc_]; u != join_; u = parent_[u]) flow_[pred_[u]] -= pred_dir_[u] * val;
    for (int u = target_[in_arc_]; u != join_; u = parent_[u]) flow_[pred_[u]] += pred_dir_[u] * val;
  }
  if (change) {
    state_[in_arc_] = kTree;
    state_[pred_[u_out_]] = flow_[pred_[u_out_]] == 0 ? kLower : kUpper;
  } else {
    state_[in_arc_] = static_cast<signed char>(-state_[in_arc_]);
  }
}

// Moves the subtree cut off by the leaving arc under the entering arc, reversing the stem between
// them, and mends the thread, successor counts and last successors (as LEMON does).
void CirculationSimplex::UpdateTreeStructure() {
  const int old_rev_thread = rev_thread_[u_out_];
  const int old_succ_num = succ_num_[u_out_];
  const int old_last_succ = last_succ_[u_out_];
  v_out_ = parent_[u_out_];

  if (u_in_ == u_out_) {
    parent_[u_in_] = v_in_;
    pred_[u_in_] = in_arc_;
    pred_dir_[u_in_] = u_in_ == source_[in_arc_] ? kUp : kDown;
    if (thread_[v_in_] != u_out_) {
      int after = thread_[old_last_succ];
      thread_[old_rev_thread] = after;
      rev_thread_[after] = old_rev_thread;
      after = thread_[v_in_];
      thread_[v_in_] = u_out_;
      rev_thread_[u_out_] = v_in_;
      thread_[old_last_succ] = after;
      rev_thread_[after] = old_last_succ;
    }
  } else {
    // When old_rev_thread is v_in, join and v_out coincide.
    const int thread_continue = old_rev_thread == v_in_ ? thread_[old_last_succ] : thread_[v_in_];
    int stem = u_in_;
    int par_stem = v_in_;
    int last = last_succ_[u_in_];
    int after = thread_[last];
    thread_[v_in_] = u_in_;
    dirty_revs_.clear();
    dirty_revs_.push_back(v_in_);
    while (stem != u_out_) {
      const int next_stem = parent_[stem];
      thread_[last] = next_stem;
      dirty_revs_.push_back(last);
      const int before = rev_thread_[stem];
      thread_[before] = after;
      rev_thread_[after] = before;
      parent_[stem] = par_stem;
      par_stem = stem;
      stem = next_stem;
      last = last_succ_[stem] == last_succ_[par_stem] ? rev_thread_[par_stem] : last_succ_[stem];
      after = thread_[last];
    }
    parent_[u_out_] = par_stem;
    thread_[last] = thread_continue;
    rev_thread_[thread_continue] = last;
    last_succ_[u_out_] = last;
    if (old_rev_thread != v_in_) {
      thread_[old_rev_thread] = after;
      rev_thread_[after] = old_rev_thread;
    }
    for (int u : dirty_revs_) rev_thread_[thread_[u]] = u;

    int tmp_sc = 0;
    const int tmp_ls = last_succ_[u_out_];
    for (int u = u_out_, p = parent_[u]; u != u_in_; u = p, p = parent_[u]) {
      pred_[u] = pred_[p];
      pred_dir_[u] = static_cast<signed char>(-pred_dir_[p]);
      tmp_sc += succ_num_[u] - succ_num_[p];
      succ_num_[u] = tmp_sc;
      last_succ_[p] = tmp_ls;
    }
    pred_[u_in_] = in_arc_;
    pred_dir_[u_in_] = u_in_ == source_[in_arc_] ? kUp : kDown;
    succ_num_[u_in_] = old_succ_num;
  }

  const int up_limit_out = last_succ_[join_] == v_in_ ? join_ : -1;
  const int last_succ_out = last_succ_[u_out_];
  for (int u = v_in_; u != -1 && last_succ_[u] == v_in_; u = parent_[u]) last_succ_[u] = last_succ_out;
  if (join_ != old_rev_thread && v_in_ != old_rev_thread) {
    for (int u = v_out_; u != up_limit_out && last_succ_[u] == old_last_succ; u = parent_[u]) {
      last_succ_[u] = old_rev_thread;
    }
  } else if (last_succ_out != old_last_succ) {
    for (int u = v_out_; u != up_limit_out && last_succ_[u] == old_last_succ; u = parent_[u]) {
      last_succ_[u] = last_succ_out;
    }
  }
  for (int u = v_in_; u != join_; u = parent_[u]) succ_num_[u] += old_succ_num;
  for (int u = v_out_; u != join_; u = parent_[u]) succ_num_[u] -= old_succ_num;
}

void CirculationSimplex::UpdatePotential() {
  const std::int64_t sigma = pi_[v_in_] - pi_[u_in_] - pred_dir_[u_in_] * cost_[in_arc_];
  const int end = thread_[last_succ_[u_in_]];
  for (int u = u_in_; u != end; u = thread_[u]) pi_[u] += sigma;
}

}  // namespace reesim::world
