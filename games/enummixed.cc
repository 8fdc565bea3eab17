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

// The exact path in integers: the polytope's matrix scaled to integers (N = L M, L the least common
// multiple of the denominators, so M^T z <= 1 reads N^T w <= 1 with z = L w), each candidate basis
// solved by fraction-free Gauss-Jordan elimination (Bareiss; as lrs pivots, Avis 2000), where every
// entry stays an integer minor and every division is exact. First in 128-bit integers with every
// operation checked; a basis that overflows there is solved again in GMP integers. Far cheaper than
// Gaussian elimination in rationals, which reduces a fraction at every step.
using Int128 = __int128;

struct ScaledMatrix {
  mpz_class scale;                               // L
  std::vector<std::vector<mpz_class>> big;       // N
  std::vector<std::vector<Int128>> small;        // N, when every entry fits in 62 bits; else empty
};

ScaledMatrix ScaleToIntegers(const std::vector<std::vector<Rational>>& m) {
  ScaledMatrix out;
  out.scale = 1;
  for (const auto& row : m) {
    for (const Rational& v : row) mpz_lcm(out.scale.get_mpz_t(), out.scale.get_mpz_t(), v.get_den_mpz_t());
  }
  const mpz_class limit = mpz_class(1) << 62;
  bool small_fits = true;
  for (const auto& row : m) {
    std::vector<mpz_class>& big = out.big.emplace_back();
    std::vector<Int128>& small = out.small.emplace_back();
    for (const Rational& v : row) {
      big.push_back(v.get_num() * (out.scale / v.get_den()));
      small_fits = small_fits && abs(big.back()) < limit;
      small.push_back(small_fits ? big.back().get_si() : 0);
    }
  }
  if (!small_fits) out.small.clear();
  return out;
}

// out = (a b - c d) / divisor, the division exact; false on overflow (128 bits only; out may be b).
bool CrossDivide(Int128 a, Int128 b, Int128 c, Int128 d, Int128 divisor, Int128& out) {
  constexpr Int128 kLowest = static_cast<Int128>(static_cast<unsigned __int128>(1) << 127);
  Int128 ab, cd, difference;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(c, d, &cd) ||
      __builtin_sub_overflow(ab, cd, &difference) || difference == kLowest) {
    return false;  // kLowest: its negation and its quotient by -1 would not fit
  }
  out = difference / divisor;
  GAMES_CHECK(out * divisor == difference);
  return true;
}
bool CrossDivide(const mpz_class& a, const mpz_class& b, const mpz_class& c, const mpz_class& d, const mpz_class& divisor,
                 mpz_class& out) {
  mpz_class difference = a * b;
  mpz_submul(difference.get_mpz_t(), c.get_mpz_t(), d.get_mpz_t());
  mpz_divexact(out.get_mpz_t(), difference.get_mpz_t(), divisor.get_mpz_t());
  return true;
}

// sum += a b; false on overflow (128 bits only).
bool AddProduct(Int128& sum, Int128 a, Int128 b) {
  Int128 term;
  return !__builtin_mul_overflow(a, b, &term) && !__builtin_add_overflow(sum, term, &sum);
}
bool AddProduct(mpz_class& sum, const mpz_class& a, const mpz_class& b) {
  mpz_addmul(sum.get_mpz_t(), a.get_mpz_t(), b.get_mpz_t());
  return true;
}

mpz_class ToMpz(Int128 value) {
  const bool negative = value < 0;
  const unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  const std::uint64_t words[2] = {static_cast<std::uint64_t>(magnitude), static_cast<std::uint64_t>(magnitude >> 64)};
  mpz_class out;
  mpz_import(out.get_mpz_t(), 2, -1, sizeof(std::uint64_t), 0, 0, words);
  return negative ? mpz_class(-out) : out;
}
const mpz_class& ToMpz(const mpz_class& value) { return value; }

enum class Candidate { kRejected, kVertex, kOverflow };

// One candidate basis in integers of type Int: the vertex of `support` where the constraints `tight`
// hold with equality, if it is one. On kVertex, `z` holds the support's coordinates and `labels` the
// tight constraints' labels.
template <typename Int>
Candidate SolveCandidate(const std::vector<std::vector<Int>>& n, const mpz_class& scale, const std::vector<int>& support,
                         const std::vector<int>& tight, int constraint_label, std::vector<std::vector<Int>>& g,
                         std::vector<Int>& rhs, std::vector<Rational>& z, LabelSet& labels) {
  const std::size_t k = support.size();
  g.resize(k);
  rhs.assign(k, Int(1));
  for (std::size_t r = 0; r < k; ++r) {
    g[r].resize(k);
    for (std::size_t s = 0; s < k; ++s) g[r][s] = n[support[s]][tight[r]];
  }
  // Fraction-free Gauss-Jordan on g w = 1: after the step on column `col` every entry is a minor of
  // the (row-permuted) matrix, so dividing by the previous pivot is exact.
  Int previous(1);
  for (std::size_t col = 0; col < k; ++col) {
    std::size_t pivot = col;
    while (pivot < k && g[pivot][col] == 0) ++pivot;
    if (pivot == k) return Candidate::kRejected;  // singular
    std::swap(g[pivot], g[col]);
    std::swap(rhs[pivot], rhs[col]);
    const Int p = g[col][col];
    for (std::size_t row = 0; row < k; ++row) {
      if (row == col) continue;
      const Int factor = g[row][col];
      for (std::size_t c = 0; c < k; ++c) {
        if (c != col && !CrossDivide(p, g[row][c], factor, g[col][c], previous, g[row][c])) return Candidate::kOverflow;
      }
      if (!CrossDivide(p, rhs[row], factor, rhs[col], previous, rhs[row])) return Candidate::kOverflow;
      g[row][col] = 0;
    }
    previous = p;
  }
  // Every diagonal entry is now the determinant of the row-permuted matrix (+-det g): w_i = rhs_i / it.
  Int determinant = previous;
  if (determinant < 0) {
    determinant = -determinant;
    for (Int& v : rhs) v = -v;
  }
  for (const Int& v : rhs) {
    if (v <= 0) return Candidate::kRejected;  // z must be positive on its support
  }
  // sum_j M_sj z_s <= 1 reads sum_s N_sj rhs_s <= determinant; equality is a tight label.
  const std::size_t c = n[0].size();
  for (std::size_t j = 0; j < c; ++j) {
    Int sum(0);
    for (std::size_t s = 0; s < k; ++s) {
      if (!AddProduct(sum, n[support[s]][j], rhs[s])) return Candidate::kOverflow;
    }
    if (sum > determinant) return Candidate::kRejected;
    if (sum == determinant) labels.Add(constraint_label + static_cast<int>(j));
  }
  z.resize(k);
  const mpz_class denominator = ToMpz(determinant);
  for (std::size_t s = 0; s < k; ++s) {
    z[s] = Rational(ToMpz(rhs[s]) * scale, denominator);
    z[s].canonicalize();
  }
  return Candidate::kVertex;
}

// Returns the nonzero vertices of { z in R^d : z >= 0, M^T z <= 1 } with M > 0 (d x c), with their
// labels: coordinate f at zero has label coordinate_label + f, constraint j tight has label
// constraint_label + j.
std::vector<Vertex> Vertices(const std::vector<std::vector<Rational>>& m, int coordinate_label, int constraint_label,
                             int num_labels, bool integer_arithmetic) {
  const int d = static_cast<int>(m.size());
  const int c = static_cast<int>(m[0].size());
  const ScaledMatrix scaled = integer_arithmetic ? ScaleToIntegers(m) : ScaledMatrix{};
  std::vector<std::vector<Int128>> g_small;
  std::vector<Int128> rhs_small;
  std::vector<std::vector<mpz_class>> g_big;
  std::vector<mpz_class> rhs_big;
  std::vector<Rational> z;
  std::vector<Vertex> vertices;
  for (int k = 1; k <= std::min(d, c); ++k) {
    std::vector<int> support(k);
    for (int i = 0; i < k; ++i) support[i] = i;
    do {
      std::set<std::vector<Rational>> seen;  // one support, several tight sets: the same point
      std::vector<int> tight(k);
      for (int i = 0; i < k; ++i) tight[i] = i;
      do {
        LabelSet labels(num_labels);
        if (integer_arithmetic) {
          Candidate found = Candidate::kOverflow;
          if (!scaled.small.empty()) {
            found = SolveCandidate(scaled.small, scaled.scale, support, tight, constraint_label, g_small, rhs_small, z, labels);
          }
          if (found == Candidate::kOverflow) {
            labels = LabelSet(num_labels);
            found = SolveCandidate(scaled.big, scaled.scale, support, tight, constraint_label, g_big, rhs_big, z, labels);
          }
          if (found == Candidate::kRejected) continue;
        } else {
          std::vector<std::vector<Rational>> g(k, std::vector<Rational>(k));
          for (int r = 0; r < k; ++r) {
            for (int s = 0; s < k; ++s) g[r][s] = m[support[s]][tight[r]];
          }
          const std::optional<std::vector<Rational>> solved = SolveForOnes(std::move(g));
          if (!solved) continue;
          z = *solved;
          if (std::any_of(z.begin(), z.end(), [](const Rational& v) { return v <= 0; })) continue;
          // Feasibility and labels of every constraint.
          bool feasible = true;
          for (int j = 0; j < c && feasible; ++j) {
            Rational sum(0);
            for (int s = 0; s < k; ++s) sum += m[support[s]][j] * z[s];
            if (sum > 1) feasible = false;
            if (sum == 1) labels.Add(constraint_label + j);
          }
          if (!feasible) continue;
        }
        if (!seen.insert(z).second) continue;
        std::vector<Rational> point(d, Rational(0));
        std::vector<bool> in_support(d, false);
        for (int s = 0; s < k; ++s) {
          point[support[s]] = z[s];
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
