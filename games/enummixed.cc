#include "games/enummixed.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>

#include "games/check.h"

namespace reesim::games {

namespace {

// A set of labels 0 .. m+n-1 as bits.
struct LabelSet {
  explicit LabelSet(int size) : words((size + 63) / 64, 0) {}
  void Add(int label) { words[label / 64] |= std::uint64_t{1} << (label % 64); }
  std::vector<std::uint64_t> words;
};

bool CoversAll(const LabelSet& a, const LabelSet& b, int size) {
  for (std::size_t w = 0; w < a.words.size(); ++w) {
    const int bits = std::min(64, size - static_cast<int>(w) * 64);
    const std::uint64_t all = bits == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << bits) - 1);
    if ((a.words[w] | b.words[w]) != all) return false;
  }
  return true;
}

struct Vertex {
  std::vector<Rational> point;  // unnormalised, in the polytope's coordinates
  LabelSet labels;
};

// Solves g z = 1 (g square) exactly; returns nothing when g is singular.
std::optional<std::vector<Rational>> SolveForOnes(std::vector<std::vector<Rational>> g) {
  const std::size_t k = g.size();
  std::vector<Rational> rhs(k, Rational(1));
  for (std::size_t col = 0; col < k; ++col) {
    std::size_t pivot = col;
    while (pivot < k && g[pivot][col] == 0) ++pivot;
    if (pivot == k) return std::nullopt;
    if (pivot != col) {
      std::swap(g[pivot], g[col]);
      std::swap(rhs[pivot], rhs[col]);
    }
    for (std::size_t row = 0; row < k; ++row) {
      if (row == col || g[row][col] == 0) continue;
      const Rational factor = g[row][col] / g[col][col];
      for (std::size_t c = col; c < k; ++c) g[row][c] -= factor * g[col][c];
      rhs[row] -= factor * rhs[col];
    }
  }
  for (std::size_t i = 0; i < k; ++i) rhs[i] /= g[i][i];
  return rhs;
}

// Advances `combination` (sorted indices into [0, n)) to the next k-subset in lexicographic order;
// returns false after the last.
bool NextCombination(std::vector<int>& combination, int n) {
  const int k = static_cast<int>(combination.size());
  int i = k - 1;
  while (i >= 0 && combination[i] == n - k + i) --i;
  if (i < 0) return false;
  ++combination[i];
  for (int j = i + 1; j < k; ++j) combination[j] = combination[j - 1] + 1;
  return true;
}

// A fast exact path: the polytope's matrix scaled to integers (N = L M, L the least common multiple of
// the denominators, so M^T z <= 1 reads N^T w <= 1 with z = L w). Each candidate basis is solved by
// fraction-free Gauss-Jordan elimination (Bareiss; as lrs pivots, Avis 2000) in 128-bit integers, every
// operation checked for overflow; a candidate that would overflow is left to the rational path.

// Returns L M, or nothing if an entry does not fit in 62 bits.
std::optional<std::vector<std::vector<std::int64_t>>> ScaleToIntegers(const std::vector<std::vector<Rational>>& m) {
  mpz_class lcm = 1;
  for (const auto& row : m) {
    for (const Rational& v : row) mpz_lcm(lcm.get_mpz_t(), lcm.get_mpz_t(), v.get_den_mpz_t());
  }
  const mpz_class limit = mpz_class(1) << 62;
  std::vector<std::vector<std::int64_t>> n;
  for (const auto& row : m) {
    std::vector<std::int64_t>& scaled = n.emplace_back();
    for (const Rational& v : row) {
      const mpz_class entry = v.get_num() * (lcm / v.get_den());
      if (abs(entry) >= limit) return std::nullopt;
      scaled.push_back(entry.get_si());
    }
  }
  return n;
}

using Int128 = __int128;

// a * b - c * d, then exactly divided by `divisor`; false on overflow.
bool CrossDivide(Int128 a, Int128 b, Int128 c, Int128 d, Int128 divisor, Int128& out) {
  Int128 ab, cd, difference;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(c, d, &cd) || __builtin_sub_overflow(ab, cd, &difference)) {
    return false;
  }
  const Int128 lowest = static_cast<Int128>(static_cast<unsigned __int128>(1) << 127);
  if (divisor == -1 && difference == lowest) return false;  // the one quotient that does not fit
  GAMES_CHECK(difference % divisor == 0);
  out = difference / divisor;
  return true;
}

enum class IntegerSolve { kSolved, kSingular, kOverflow };

// Solves g w = 1 (k x k, g[r][c] as given) by fraction-free Gauss-Jordan: on kSolved, w_i =
// rhs[i] / determinant with determinant > 0.
IntegerSolve SolveForOnesInIntegers(std::vector<std::vector<Int128>>& g, std::vector<Int128>& rhs, Int128& determinant) {
  const std::size_t k = g.size();
  rhs.assign(k, 1);
  Int128 previous = 1;
  for (std::size_t col = 0; col < k; ++col) {
    std::size_t pivot = col;
    while (pivot < k && g[pivot][col] == 0) ++pivot;
    if (pivot == k) return IntegerSolve::kSingular;
    if (pivot != col) {
      std::swap(g[pivot], g[col]);
      std::swap(rhs[pivot], rhs[col]);
    }
    const Int128 p = g[col][col];
    for (std::size_t row = 0; row < k; ++row) {
      if (row == col) continue;
      const Int128 factor = g[row][col];
      for (std::size_t c = 0; c < k; ++c) {
        if (c == col) continue;
        if (!CrossDivide(p, g[row][c], factor, g[col][c], previous, g[row][c])) return IntegerSolve::kOverflow;
      }
      if (!CrossDivide(p, rhs[row], factor, rhs[col], previous, rhs[row])) return IntegerSolve::kOverflow;
      g[row][col] = 0;
    }
    previous = p;
  }
  // Every diagonal entry is now the determinant (up to the rows' order): w_i = rhs_i / g_ii.
  determinant = g[0][0];
  for (std::size_t i = 0; i < k; ++i) GAMES_CHECK(g[i][i] == determinant);
  if (determinant < 0) {
    determinant = -determinant;
    for (Int128& v : rhs) v = -v;
  }
  return IntegerSolve::kSolved;
}

// Returns the nonzero vertices of { z in R^d : z >= 0, M^T z <= 1 } with M > 0 (d x c), with their
// labels: coordinate f at zero has label coordinate_label + f, constraint j tight has label
// constraint_label + j.
std::vector<Vertex> Vertices(const std::vector<std::vector<Rational>>& m, int coordinate_label, int constraint_label,
                             int num_labels, bool integer_arithmetic) {
  const int d = static_cast<int>(m.size());
  const int c = static_cast<int>(m[0].size());
  const std::optional<std::vector<std::vector<std::int64_t>>> integral =
      integer_arithmetic ? ScaleToIntegers(m) : std::nullopt;
  std::vector<std::vector<Int128>> g_int;
  std::vector<Int128> rhs_int;
  std::vector<Vertex> vertices;
  for (int k = 1; k <= std::min(d, c); ++k) {
    std::vector<int> support(k);
    for (int i = 0; i < k; ++i) support[i] = i;
    do {
      std::set<std::vector<Rational>> seen;  // one support, several tight sets: the same point
      std::vector<int> tight(k);
      for (int i = 0; i < k; ++i) tight[i] = i;
      do {
        if (integral) {
          // Singular and infeasible candidates, nearly all of them, are rejected here; feasible ones, and
          // any that overflow, are solved again in rationals below.
          g_int.assign(k, std::vector<Int128>(k));
          for (int r = 0; r < k; ++r) {
            for (int s = 0; s < k; ++s) g_int[r][s] = (*integral)[support[s]][tight[r]];
          }
          Int128 determinant = 0;
          const IntegerSolve solved = SolveForOnesInIntegers(g_int, rhs_int, determinant);
          if (solved == IntegerSolve::kSingular) continue;
          if (solved == IntegerSolve::kSolved) {
            if (std::any_of(rhs_int.begin(), rhs_int.end(), [](Int128 v) { return v <= 0; })) continue;
            // Feasibility: sum_s N_sj w_s <= 1, that is sum_s N_sj rhs_s <= determinant; checked in
            // 128 bits, or left to the rational path below if that overflows.
            bool feasible = true, overflow = false;
            for (int j = 0; j < c && feasible && !overflow; ++j) {
              Int128 sum = 0;
              for (int s = 0; s < k && !overflow; ++s) {
                Int128 term;
                overflow = __builtin_mul_overflow(static_cast<Int128>((*integral)[support[s]][j]), rhs_int[s], &term) ||
                           __builtin_add_overflow(sum, term, &sum);
              }
              feasible = overflow || sum <= determinant;
            }
            if (!feasible) continue;
          }
        }
        std::vector<std::vector<Rational>> g(k, std::vector<Rational>(k));
        for (int r = 0; r < k; ++r) {
          for (int s = 0; s < k; ++s) g[r][s] = m[support[s]][tight[r]];
        }
        const std::optional<std::vector<Rational>> z = SolveForOnes(std::move(g));
        if (!z) continue;
        if (std::any_of(z->begin(), z->end(), [](const Rational& v) { return v <= 0; })) continue;
        if (seen.count(*z)) continue;
        // Feasibility and labels of every constraint.
        LabelSet labels(num_labels);
        bool feasible = true;
        for (int j = 0; j < c && feasible; ++j) {
          Rational sum(0);
          for (int s = 0; s < k; ++s) sum += m[support[s]][j] * (*z)[s];
          if (sum > 1) feasible = false;
          if (sum == 1) labels.Add(constraint_label + j);
        }
        if (!feasible) continue;
        seen.insert(*z);
        std::vector<Rational> point(d, Rational(0));
        std::vector<bool> in_support(d, false);
        for (int s = 0; s < k; ++s) {
          point[support[s]] = (*z)[s];
          in_support[support[s]] = true;
        }
        for (int f = 0; f < d; ++f) {
          if (!in_support[f]) labels.Add(coordinate_label + f);
        }
        vertices.push_back(Vertex{std::move(point), std::move(labels)});
      } while (NextCombination(tight, c));
    } while (NextCombination(support, d));
  }
  return vertices;
}

std::vector<Rational> Normalised(const std::vector<Rational>& point) {
  Rational sum(0);
  for (const Rational& v : point) sum += v;
  GAMES_CHECK(sum > 0);
  std::vector<Rational> out;
  for (const Rational& v : point) out.push_back(v / sum);
  return out;
}

}  // namespace

bool ExactOrderBefore(const ExactProfile& a, const ExactProfile& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      if (a[i][j] != b[i][j]) return a[i][j] > b[i][j];
    }
  }
  return false;
}

double EnumMixedBases(int rows, int columns) {
  // C(m+n, m) computed in doubles (exact while below 2^53, saturating far beyond).
  double binomial = 1;
  const int small = std::min(rows, columns);
  const int total = rows + columns;
  for (int i = 1; i <= small; ++i) {
    binomial = binomial * (total - small + i) / i;
    if (binomial > 1e300) return 1e300;
  }
  return binomial - 1;
}

void SortExactEquilibria(std::vector<Equilibrium>& equilibria) {
  // Sorting indices rather than the structs (GCC 12 gives false -Wmaybe-uninitialized on sorting
  // std::optional members in place).
  std::vector<std::size_t> order(equilibria.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    GAMES_CHECK(equilibria[k].exact.has_value());
    order[k] = k;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ExactOrderBefore(*equilibria[a].exact, *equilibria[b].exact);
  });
  std::vector<Equilibrium> sorted;
  for (const std::size_t k : order) {
    if (!sorted.empty() && *sorted.back().exact == *equilibria[k].exact) continue;
    sorted.push_back(std::move(equilibria[k]));
  }
  equilibria = std::move(sorted);
}

std::vector<Equilibrium> EnumMixed(const NormalFormGame& game, const EnumMixedOptions& options) {
  if (game.NumPlayers() != 2) {
    throw GameError("enummixed solves two-player games; this game has " + std::to_string(game.NumPlayers()) +
                    " players (use pure for all pure equilibria, liap for one approximate equilibrium)");
  }
  const int m = game.NumStrategies(0);
  const int n = game.NumStrategies(1);
  const double bases = EnumMixedBases(m, n);
  if (bases * (m + n) > options.max_work) {
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, "%.4g candidate bases x %d labels = %.4g, more than the limit %.4g", bases,
                  m + n, bases * (m + n), options.max_work);
    throw GameError("enummixed: the " + std::to_string(m) + "x" + std::to_string(n) + " game is too large (" +
                    numbers + "); use lcp (Lemke-Howson from every label: some equilibria, exact) or liap (one "
                    "approximate equilibrium)");
  }
  // Shift payoffs to be >= 1, so both polytopes are bounded and contain the origin.
  std::vector<std::vector<Rational>> a = game.PayoffMatrix(0);
  std::vector<std::vector<Rational>> b = game.PayoffMatrix(1);
  Rational min_a = a[0][0], min_b = b[0][0];
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) {
      if (a[r][c] < min_a) min_a = a[r][c];
      if (b[r][c] < min_b) min_b = b[r][c];
    }
  }
  std::vector<std::vector<Rational>> b_shifted(m, std::vector<Rational>(n));   // P: d = m, M = B'
  std::vector<std::vector<Rational>> a_transposed(n, std::vector<Rational>(m));  // Q: d = n, M = A'^T
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) {
      b_shifted[r][c] = b[r][c] - min_b + 1;
      a_transposed[c][r] = a[r][c] - min_a + 1;
    }
  }
  const int labels = m + n;
  const std::vector<Vertex> p =
      Vertices(b_shifted, /*coordinate_label=*/0, /*constraint_label=*/m, labels, options.integer_arithmetic);
  const std::vector<Vertex> q =
      Vertices(a_transposed, /*coordinate_label=*/m, /*constraint_label=*/0, labels, options.integer_arithmetic);
  std::vector<Equilibrium> equilibria;
  for (const Vertex& x : p) {
    for (const Vertex& y : q) {
      if (!CoversAll(x.labels, y.labels, labels)) continue;
      equilibria.push_back(MakeExactEquilibrium(game, ExactProfile{Normalised(x.point), Normalised(y.point)}));
      GAMES_CHECK_EQ(equilibria.back().regret, 0.0);
    }
  }
  SortExactEquilibria(equilibria);
  return equilibria;
}

}  // namespace reesim::games
