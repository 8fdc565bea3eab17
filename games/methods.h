// The equilibrium methods by name, as `reesim game --solve --method` and the empirical game's
// `analyses.methods` name them: one dispatch shared by both, so a method added here works in both.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "games/equilibrium.h"
#include "games/logit.h"
#include "games/normal_form_game.h"
#include "games/regret_matching.h"

namespace reesim::games {

struct MethodInfo {
  const char* name;
  const char* help;  // one line or two, for --help
};

// The methods in the order --help lists them: enummixed, lcp, pure, liap, logit, simpdiv, replicator,
// fictitious, regret.
std::span<const MethodInfo> Methods();

// Returns the method names joined by ", ".
std::string MethodNames();

// Returns whether `name` is a method of Methods() (or "pure+liap", the default for n players).
bool IsMethod(const std::string& name);

struct MethodOptions {
  std::uint64_t seed = 1;  // liap's random starts, regret matching's sampled play
  int iterations = 0;      // replicator, fictitious and regret rounds; 0: their defaults
};

struct MethodResult {
  std::vector<Equilibrium> equilibria;
  std::vector<std::optional<bool>> converged;  // [equilibrium]: set for those liap or simpdiv found
  std::optional<LogitResult> logit;            // the path, for logit
  std::optional<RegretMatchingResult> regret;  // the joint play, for regret
};

// Runs `method` (a name of Methods(), or "pure+liap": every pure equilibrium, then liap's when it is
// not one of them; where liap stops short of its tolerance, simpdiv's instead; where both stop short,
// the better of the two flagged converged = false, and only if no pure equilibrium was found). Throws GameError for an unknown method (naming the valid ones) or a game the
// method does not fit (naming those that do).
MethodResult SolveWithMethod(const NormalFormGame& game, const std::string& method, const MethodOptions& options = {});

// Returns whether two mixed profiles agree within `tolerance` in every probability.
bool SameProfile(const MixedProfile& a, const MixedProfile& b, double tolerance = 1e-9);

}  // namespace reesim::games
