#include "games/simpdiv.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "games/polish.h"
#include "games/regret.h"

namespace reesim::games {

namespace {

// A label, and a direction of movement: a (player, pure strategy) pair.
struct Pair {
  int player = 0;
  int strategy = 0;
  bool operator==(const Pair&) const = default;
};

// Why a run of the path stopped.
enum class RunEnd { kComplete, kTarget, kPivotCap, kBroken };

// One run of the variable-dimension path on the grid of mesh 1/m from a grid point `start`.
//
// Geometry (van der Laan, Talman & van der Heyden 1987). Every coordinate is an integer numerator over
// m, and one grid step is 1. For player i the directions are q(i, j) = e(i, j) - e(i, prev(j)), prev
// cyclic over the player's strategies. A coordinate that is 0 at the start, or that the path drives to
// 0 at the edge of its region, is "blocked" (blocked_): a step along (i, j) then takes from the nearest
// unblocked strategy before j (Donor), which is the sum of q over the blocked ones in between, so no
// probability ever falls below 0. The current simplex has dim_ + 1 vertices: vertex 1 is start + the
// sum over the active and blocked pairs of shift_[pair] * q(pair), and vertex k + 1 is vertex k moved
// one step along the direction order_[k]. The active pairs (active_) span the region the simplex lies
// in; labels_[k] is vertex k's label. Each pivot labels one new vertex; if its label is new the region
// grows by that direction, otherwise the vertex carrying the same label leaves and is reflected through
// the opposite facet (a replacement), and when the reflection would leave the region or the simplices,
// the region loses a direction instead. The path ends when the new label completes one player's set
// (its active and blocked pairs with the new one cover all of that player's strategies).
//
// Positions in order_ and labels_ count from 1, as in the paper, to keep its case analysis readable.
class Walk {
 public:
  Walk(const NormalFormGame& game, std::int64_t m, std::vector<std::int64_t> start, double target,
       std::int64_t pivot_budget)
      : game_(game),
        offsets_(StrategyOffsets(game)),
        m_(m),
        start_(std::move(start)),
        target_(target),
        pivot_budget_(pivot_budget) {
    const int total = offsets_.back();
    point_ = start_;
    best_point_ = start_;
    shift_.assign(total, 0);
    active_.assign(total, 0);
    blocked_.assign(total, 0);
    for (int f = 0; f < total; ++f) blocked_[f] = start_[f] == 0;
    order_.assign(total + 3, Pair{});
    labels_.assign(total + 3, Pair{});
  }

  RunEnd Run();

  const std::vector<std::int64_t>& best_point() const { return best_point_; }
  double best_regret() const { return best_regret_; }
  std::int64_t pivots() const { return pivots_; }

 private:
  int Count(int player) const { return game_.NumStrategies(player); }
  int Flat(int player, int strategy) const { return offsets_[player] + strategy; }
  int Flat(const Pair& p) const { return Flat(p.player, p.strategy); }
  int Prev(int player, int strategy) const { return strategy == 0 ? Count(player) - 1 : strategy - 1; }
  int Next(int player, int strategy) const { return strategy + 1 == Count(player) ? 0 : strategy + 1; }
  std::int64_t& At(std::vector<std::int64_t>& v, int player, int strategy) const { return v[Flat(player, strategy)]; }

  // The nearest strategy before `strategy` (cyclically) that is not blocked: the coordinate a step along
  // q(player, strategy) takes from.
  int Donor(int player, int strategy) const {
    int k = Prev(player, strategy);
    while (blocked_[Flat(player, k)]) k = Prev(player, k);
    return k;
  }
  // The first strategy after Donor(): a step along the direction is the sum of q over Next(Donor) ..
  // strategy, which is how the shifts record it.
  int FirstOfStep(int player, int strategy) const { return Next(player, Donor(player, strategy)); }

  // Adds `delta` to the shifts of FirstOfStep(pair) .. pair (cyclically): moves vertex 1 by `delta`
  // steps along the pair's direction.
  void ShiftBase(const Pair& pair, std::int64_t delta) {
    int k = FirstOfStep(pair.player, pair.strategy);
    while (true) {
      shift_[Flat(pair.player, k)] += delta;
      if (k == pair.strategy) break;
      k = Next(pair.player, k);
    }
  }

  // Moves `point` one grid step along the direction order_[position].
  void StepAlong(std::vector<std::int64_t>& point, int position) const {
    const Pair& d = order_[position];
    At(point, d.player, d.strategy) += 1;
    At(point, d.player, Donor(d.player, d.strategy)) -= 1;
  }

  // Returns vertex `k` of the current simplex.
  std::vector<std::int64_t> Vertex(int k) const {
    std::vector<std::int64_t> point = start_;
    for (int i = 0; i < game_.NumPlayers(); ++i) {
      for (int j = 0; j < Count(i); ++j) {
        const int f = Flat(i, j);
        if (!active_[f] && !blocked_[f]) continue;
        point[f] += shift_[f];
        At(point, i, Prev(i, j)) -= shift_[f];
      }
    }
    for (int position = 1; position < k; ++position) StepAlong(point, position);
    return point;
  }

  // The number of the player's strategies that are active or blocked.
  int ActiveOrBlocked(int player) const {
    int count = 0;
    for (int j = 0; j < Count(player); ++j) count += active_[Flat(player, j)] || blocked_[Flat(player, j)];
    return count;
  }

  // Labels point_ (see the header) and keeps it when its regret is the least so far.
  Pair LabelPoint();

  // The pivots; each leaves point_ at the next vertex to label, or returns the end of the run.
  std::optional<RunEnd> Label();
  void AddDirection(int position, Pair pair);
  std::optional<RunEnd> Replace(int position);
  std::optional<RunEnd> DropDirection(int position);
  void ReleaseBlocked(Pair pair, int released);
  void AfterReplacement(int player, int position);

  // Whether point_ lies in the product of simplices: numerators >= 0 summing to m for each player.
  bool OnGrid() const {
    for (int i = 0; i < game_.NumPlayers(); ++i) {
      std::int64_t sum = 0;
      for (int j = 0; j < Count(i); ++j) {
        if (point_[Flat(i, j)] < 0) return false;
        sum += point_[Flat(i, j)];
      }
      if (sum != m_) return false;
    }
    return true;
  }

  int FindLabel(const Pair& label, int skip) const {
    for (int k = 1; k <= dim_ + 1; ++k) {
      if (k != skip && labels_[k] == label) return k;
    }
    return 0;
  }

  const NormalFormGame& game_;
  const std::vector<int> offsets_;
  const std::int64_t m_;
  const std::vector<std::int64_t> start_;
  const double target_;
  const std::int64_t pivot_budget_;

  std::vector<std::int64_t> point_;       // the vertex being labelled
  std::vector<std::int64_t> shift_;       // [flat]: vertex 1's position, in steps along each q
  std::vector<char> active_, blocked_;    // [flat]
  std::vector<Pair> order_, labels_;      // [1 .. dim_], [1 .. dim_ + 1]
  int dim_ = 0;
  int fresh_ = 1;                         // the position of the vertex labelled next
  std::vector<std::int64_t> best_point_;
  double best_regret_ = std::numeric_limits<double>::infinity();
  std::int64_t pivots_ = 0;
};

Pair Walk::LabelPoint() {
  const int n = game_.NumPlayers();
  MixedProfile profile(n);
  const double scale = static_cast<double>(m_);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < Count(i); ++j) profile[i].push_back(static_cast<double>(point_[Flat(i, j)]) / scale);
  }
  const auto values = StrategyPayoffs(game_, profile);
  Pair label;
  double largest = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n; ++i) {
    double payoff = 0;
    int best = 0;
    for (int j = 0; j < Count(i); ++j) {
      payoff += profile[i][j] * values[i][j];
      if (values[i][j] > values[i][best]) best = j;
    }
    const double regret = values[i][best] - payoff;
    if (regret > largest) {
      largest = regret;
      label = {i, best};
    }
  }
  ++pivots_;
  assert(OnGrid());
  if (largest < best_regret_) {
    best_regret_ = largest;
    best_point_ = point_;
  }
  return label;
}

RunEnd Walk::Run() {
  // The first label is that of the start (dim_ = 0: a single vertex).
  while (true) {
    if (pivots_ >= pivot_budget_) return RunEnd::kPivotCap;
    if (const std::optional<RunEnd> end = Label()) return *end;
  }
}

// Labels the fresh vertex and decides the pivot.
std::optional<RunEnd> Walk::Label() {
  const Pair label = LabelPoint();
  if (best_regret_ <= target_) return RunEnd::kTarget;
  labels_[fresh_] = label;
  const int f = Flat(label);
  if (!active_[f] && !blocked_[f]) {
    // A new label: the run ends when it completes its player's set, else the region grows.
    if (ActiveOrBlocked(label.player) == Count(label.player) - 1) return RunEnd::kComplete;
    AddDirection(dim_ + 1, label);
    return std::nullopt;
  }
  if (active_[f]) {
    // Another vertex has this label: it leaves the simplex.
    const int other = FindLabel(label, fresh_);
    if (other == 0) return RunEnd::kBroken;
    return Replace(other);
  }
  // A blocked coordinate is a best reply: release it, as a direction just before the next unblocked
  // strategy's direction when that one is active.
  int next = Next(label.player, label.strategy);
  while (blocked_[Flat(label.player, next)]) next = Next(label.player, next);
  int position = dim_ + 1;
  if (active_[Flat(label.player, next)]) {
    for (int k = 1; k <= dim_; ++k) {
      if (order_[k] == Pair{label.player, next}) {
        position = k;
        break;
      }
    }
  }
  AddDirection(position, label);
  return std::nullopt;
}

// Adds `pair` as the direction at `position` of the order: the simplex gains the vertex after
// `position`, which is labelled next.
void Walk::AddDirection(int position, Pair pair) {
  point_ = Vertex(position);
  std::rotate(order_.begin() + position, order_.begin() + dim_ + 1, order_.begin() + dim_ + 2);
  order_[position] = pair;
  std::rotate(labels_.begin() + position + 1, labels_.begin() + dim_ + 2, labels_.begin() + dim_ + 3);
  fresh_ = position + 1;
  ++dim_;
  StepAlong(point_, position);
  active_[Flat(pair)] = 1;
  blocked_[Flat(pair)] = 0;
}

// The vertex at `position` leaves; its replacement is the reflection through the opposite facet, unless
// that lies outside the region or the product of simplices.
std::optional<RunEnd> Walk::Replace(int position) {
  if (dim_ == 0) return RunEnd::kBroken;
  const Pair moved = order_[position == dim_ + 1 ? dim_ : position];
  const int player = moved.player;
  const int strategy = moved.strategy;
  const int donor = position < dim_ + 1 ? Donor(player, strategy) : strategy;
  int first = FirstOfStep(player, strategy);
  const int opposite = position == 1 ? dim_ + 1 : position == dim_ + 1 ? 1 : position - 1;
  point_ = Vertex(opposite);
  if (position == 1 && At(point_, player, donor) <= 0) {
    // Vertex 1 leaves and the reflection would make a probability negative: block that coordinate.
    if (ActiveOrBlocked(player) == Count(player) - 1) {
      blocked_[Flat(player, donor)] = 1;
      return RunEnd::kComplete;
    }
    AfterReplacement(player, position);
    blocked_[Flat(player, donor)] = 1;
    StepAlong(point_, dim_);
    return std::nullopt;
  }
  if (position >= 2 && position <= dim_ && At(point_, player, donor) <= 0) return DropDirection(position);
  if (position == dim_ + 1 && shift_[Flat(player, first)] == 0) {
    if (At(point_, player, strategy) <= 0) return DropDirection(position);
    // Look for a blocked strategy between the donor and `strategy` whose release moves vertex 1 back.
    bool passed = false;
    while (shift_[Flat(player, first)] == 0 && !passed) {
      if (first == strategy) passed = true;
      first = Next(player, first);
    }
    first = Prev(player, first);
    if (first == strategy) return DropDirection(position);
    ReleaseBlocked(moved, first);
    return std::nullopt;
  }
  if (position <= dim_) {
    StepAlong(point_, position);
  } else {
    const Pair& last = order_[dim_];
    At(point_, last.player, last.strategy) -= 1;
    At(point_, last.player, Donor(last.player, last.strategy)) += 1;
  }
  AfterReplacement(player, position);
  return std::nullopt;
}

// Reorders the directions, labels and vertex 1 after the vertex at `position` was replaced.
void Walk::AfterReplacement(int player, int position) {
  if (position >= 2 && position <= dim_) {
    std::swap(order_[position], order_[position - 1]);
    fresh_ = position;
  } else if (position == 1) {
    // Vertex 2 becomes vertex 1; the first direction moves to the end.
    std::rotate(labels_.begin() + 1, labels_.begin() + 2, labels_.begin() + dim_ + 2);
    fresh_ = dim_ + 1;
    assert(order_[1].player == player);
    ShiftBase(order_[1], +1);
    std::rotate(order_.begin() + 1, order_.begin() + 2, order_.begin() + dim_ + 1);
  } else {
    // Vertex 1 moves back along the last direction, which becomes the first.
    std::rotate(labels_.begin() + 1, labels_.begin() + dim_ + 1, labels_.begin() + dim_ + 2);
    fresh_ = 1;
    assert(order_[dim_].player == player);
    ShiftBase(order_[dim_], -1);
    std::rotate(order_.begin() + 1, order_.begin() + dim_, order_.begin() + dim_ + 1);
  }
  (void)player;
}

// The replacement would leave the region: the direction before `position` is dropped and the region's
// dimension falls by one; the vertex with that direction's label leaves next.
std::optional<RunEnd> Walk::DropDirection(int position) {
  point_ = Vertex(1);
  const Pair dropped = order_[position - 1];
  active_[Flat(dropped)] = 0;
  if (At(point_, dropped.player, dropped.strategy) <= 0) blocked_[Flat(dropped)] = 1;
  std::rotate(labels_.begin() + position, labels_.begin() + position + 1, labels_.begin() + dim_ + 2);
  std::rotate(order_.begin() + position - 1, order_.begin() + position, order_.begin() + dim_ + 1);
  --dim_;
  const int leaving = FindLabel(dropped, 0);
  if (leaving == 0) return RunEnd::kBroken;
  return Replace(leaving);
}

// Releases the blocked strategy `released` of pair's player; vertex 1 moves back along pair's direction
// (which now takes from `released`), and that direction becomes the first.
void Walk::ReleaseBlocked(Pair pair, int released) {
  std::rotate(labels_.begin() + 1, labels_.begin() + dim_ + 1, labels_.begin() + dim_ + 2);
  fresh_ = 1;
  std::rotate(order_.begin() + 1, order_.begin() + dim_, order_.begin() + dim_ + 1);
  blocked_[Flat(pair.player, released)] = 0;
  const Pair& first = order_[1];
  At(point_, first.player, first.strategy) -= 1;
  At(point_, first.player, Donor(first.player, first.strategy)) += 1;
  ShiftBase(pair, -1);
}

MixedProfile ToProfile(const NormalFormGame& game, const std::vector<std::int64_t>& point, std::int64_t m) {
  const std::vector<int> offsets = StrategyOffsets(game);
  MixedProfile profile(game.NumPlayers());
  for (int i = 0; i < game.NumPlayers(); ++i) {
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      profile[i].push_back(static_cast<double>(point[offsets[i] + j]) / static_cast<double>(m));
    }
  }
  return profile;
}

}  // namespace

SimpdivResult Simpdiv(const NormalFormGame& game, const SimpdivOptions& options) {
  const double scale = game.PayoffScale();
  const double target = options.tolerance * scale;
  const std::vector<int> offsets = StrategyOffsets(game);
  // Gambit's default start: every player's first strategy, a grid point of every mesh.
  std::int64_t m = 1;
  std::vector<std::int64_t> point(offsets.back(), 0);
  for (int i = 0; i < game.NumPlayers(); ++i) point[offsets[i]] = 1;
  SimpdivResult result;
  std::optional<Equilibrium> polished;
  // 2^52 keeps every numerator exact when it becomes a double.
  const int refinements = std::clamp(options.max_refinements, 1, 52);
  while (result.refinements < refinements && result.pivots < options.max_pivots) {
    m *= 2;
    for (std::int64_t& x : point) x *= 2;
    Walk walk(game, m, point, target, options.max_pivots - result.pivots);
    const RunEnd end = walk.Run();
    ++result.refinements;
    result.pivots += walk.pivots();
    assert(end != RunEnd::kBroken);
    (void)end;
    point = walk.best_point();
    result.grid = m;
    if (walk.best_regret() <= target) break;
    // Newton's method on the support finishes once the grid point is close enough: the paths on fine
    // grids can be long (their length grows with m), Newton's steps do not.
    if (options.polish) {
      if (std::optional<MixedProfile> refined = PolishEquilibrium(game, ToProfile(game, point, m))) {
        Equilibrium candidate = MakeEquilibrium(game, std::move(*refined));
        if (!polished || candidate.regret < polished->regret) polished = std::move(candidate);
        if (polished->regret <= target) break;
      }
    }
  }
  result.equilibrium = MakeEquilibrium(game, ToProfile(game, point, m));
  result.grid_regret = result.equilibrium.regret;
  if (options.polish && !polished && result.equilibrium.regret > 0) {
    // The grid met the target first: Newton may still take it to machine precision.
    if (std::optional<MixedProfile> refined = PolishEquilibrium(game, result.equilibrium.strategies)) {
      polished = MakeEquilibrium(game, std::move(*refined));
    }
  }
  if (polished && polished->regret < result.equilibrium.regret) result.equilibrium = std::move(*polished);
  result.converged = result.equilibrium.regret <= target;
  return result;
}

}  // namespace reesim::games
