#include "games/methods.h"

#include <algorithm>
#include <cmath>

#include "games/enummixed.h"
#include "games/fictitious.h"
#include "games/lcp.h"
#include "games/liap.h"
#include "games/pure.h"
#include "games/replicator.h"
#include "games/simpdiv.h"

namespace reesim::games {

namespace {

constexpr MethodInfo kMethods[] = {
    {"enummixed", "two players: every extreme equilibrium, exact (vertex enumeration; degenerate games too)"},
    {"lcp", "two players: Lemke-Howson from every label, exact, deduplicated (some equilibria)"},
    {"pure", "any players: every pure-strategy equilibrium, exact"},
    {"liap", "any players: one approximate equilibrium, regret < 1e-9 x payoff range when it converges\n"
             "              (Lyapunov minimisation from --seed's starts, then Newton on the support)"},
    {"logit", "any players: the logit QRE path from lambda = 0 to lambda x range = 1e6, its points (\"path\")\n"
              "              and its limit, polished (an equilibrium)"},
    {"simpdiv", "any players: one approximate equilibrium, regret <= 1e-6 x payoff range (simplicial subdivision\n"
                "              from the first strategies, restarted on grids twice as fine: global, no local minima),\n"
                "              then Newton on its support when that lowers the regret"},
    {"replicator", "any players: discrete replicator dynamics from uniform, the last profile"},
    {"fictitious", "any players: fictitious play, the empirical frequencies"},
    {"regret", "any players: regret matching (sampled, --seed), the marginals of joint play, plus the\n"
               "              joint distribution (\"joint\") and its coarse-correlated-equilibrium gap (\"cce_gap\")"},
};

}  // namespace

std::span<const MethodInfo> Methods() { return kMethods; }

std::string MethodNames() {
  std::string names;
  for (const MethodInfo& method : Methods()) names += std::string(names.empty() ? "" : ", ") + method.name;
  return names;
}

bool IsMethod(const std::string& name) {
  return name == "pure+liap" ||
         std::any_of(Methods().begin(), Methods().end(), [&](const MethodInfo& m) { return name == m.name; });
}

bool SameProfile(const MixedProfile& a, const MixedProfile& b, double tolerance) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      if (std::abs(a[i][j] - b[i][j]) > tolerance) return false;
    }
  }
  return true;
}

MethodResult SolveWithMethod(const NormalFormGame& game, const std::string& method, const MethodOptions& options) {
  MethodResult result;
  auto add = [&](Equilibrium equilibrium, std::optional<bool> converged = std::nullopt) {
    result.equilibria.push_back(std::move(equilibrium));
    result.converged.push_back(converged);
  };
  if (method == "enummixed") {
    for (Equilibrium& e : EnumMixed(game)) add(std::move(e));
  } else if (method == "lcp") {
    for (Equilibrium& e : LemkeHowson(game).equilibria) add(std::move(e));
  } else if (method == "pure" || method == "pure+liap") {
    for (Equilibrium& e : PureEquilibria(game)) add(std::move(e));
    if (method == "pure+liap") {
      LiapOptions liap;
      liap.seed = options.seed;
      LiapResult found = Liap(game, liap);
      // liap can stop at a local minimum of its function that is no equilibrium (a reviewer's 4-player
      // game: regret 2.7); simplicial subdivision has no such minima, so its point stands in.
      if (!found.converged) {
        SimpdivResult subdivided = Simpdiv(game);
        if (subdivided.converged || subdivided.equilibrium.regret < found.equilibrium.regret) {
          found.equilibrium = std::move(subdivided.equilibrium);
          found.converged = subdivided.converged;
        }
      }
      const bool duplicate = std::any_of(result.equilibria.begin(), result.equilibria.end(), [&](const Equilibrium& e) {
        return SameProfile(e.strategies, found.equilibrium.strategies);
      });
      // Where neither reaches its tolerance, the better point is listed flagged ("converged":false)
      // rather than nothing, which would read as a game without equilibria.
      if (!duplicate && (found.converged || result.equilibria.empty())) add(std::move(found.equilibrium), found.converged);
    }
  } else if (method == "liap") {
    LiapOptions liap;
    liap.seed = options.seed;
    LiapResult found = Liap(game, liap);
    add(std::move(found.equilibrium), found.converged);
  } else if (method == "simpdiv") {
    SimpdivResult found = Simpdiv(game);
    add(std::move(found.equilibrium), found.converged);
  } else if (method == "logit") {
    result.logit = LogitPath(game);
    add(result.logit->limit);
  } else if (method == "replicator") {
    ReplicatorOptions replicator;
    if (options.iterations > 0) replicator.iterations = options.iterations;
    add(Replicator(game, replicator));
  } else if (method == "fictitious") {
    FictitiousPlayOptions fictitious;
    if (options.iterations > 0) fictitious.iterations = options.iterations;
    add(FictitiousPlay(game, fictitious).frequencies);
  } else if (method == "regret") {
    RegretMatchingOptions regret;
    regret.seed = options.seed;
    if (options.iterations > 0) regret.iterations = options.iterations;
    result.regret = RegretMatching(game, regret);
    add(result.regret->marginals);
  } else {
    throw GameError("unknown method '" + method + "' (methods: " + MethodNames() + ")");
  }
  return result;
}

}  // namespace reesim::games
