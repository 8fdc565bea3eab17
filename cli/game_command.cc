// `reesim game --solve FILE.nfg [--method M]`: equilibria of a Gambit .nfg game as JSON (games/).
#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "games/enummixed.h"
#include "games/fictitious.h"
#include "games/lcp.h"
#include "games/liap.h"
#include "games/logit.h"
#include "games/nfg_io.h"
#include "games/pure.h"
#include "games/regret_matching.h"
#include "games/replicator.h"
#include "world/check.h"

namespace po = boost::program_options;

namespace reesim::cli {

namespace {

struct Method {
  const char* name;
  const char* help;
};

// The methods of --method, in the order --help lists them.
constexpr Method kMethods[] = {
    {"enummixed", "two players: every extreme equilibrium, exact (vertex enumeration; degenerate games too)"},
    {"lcp", "two players: Lemke-Howson from every label, exact, deduplicated (some equilibria)"},
    {"pure", "any players: every pure-strategy equilibrium, exact"},
    {"liap", "any players: one approximate equilibrium, regret < 1e-9 x payoff range when it converges\n"
             "              (Lyapunov minimisation from --seed's starts, then Newton on the support)"},
    {"logit", "any players: the logit QRE path from lambda = 0 to lambda x range = 1e6, its points (\"path\")\n"
              "              and its limit, polished (an equilibrium)"},
    {"replicator", "any players: discrete replicator dynamics from uniform, the last profile"},
    {"fictitious", "any players: fictitious play, the empirical frequencies"},
    {"regret", "any players: regret matching (sampled, --seed), the marginals of joint play, plus the\n"
               "              joint distribution (\"joint\") and its coarse-correlated-equilibrium gap (\"cce_gap\")"},
};

std::string MethodNames() {
  std::string names;
  for (const Method& method : kMethods) names += std::string(names.empty() ? "" : ", ") + method.name;
  return names;
}

std::string Number(double value) {
  if (!std::isfinite(value)) return "null";
  if (value == 0) return "0";  // also -0
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string String(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

template <typename T, typename Write>
std::string List(const std::vector<T>& values, Write write) {
  std::string out = "[";
  for (std::size_t k = 0; k < values.size(); ++k) out += (k ? "," : "") + write(values[k]);
  return out + "]";
}

std::string Profile(const games::MixedProfile& profile) {
  return List(profile, [](const std::vector<double>& mix) { return List(mix, Number); });
}

// One equilibrium object; `extra` is appended inside it (",\"key\":value...").
std::string EquilibriumJson(const games::Equilibrium& e, const std::string& extra = "") {
  std::string out = "{\"strategies\":" + Profile(e.strategies) + ",\"payoffs\":" + List(e.payoffs, Number) +
                    ",\"regret\":" + Number(e.regret);
  if (e.exact) {
    const auto fraction = [](const games::Rational& v) { return String(games::ToString(v)); };
    out += ",\"exact\":{\"strategies\":" +
           List(*e.exact, [&](const std::vector<games::Rational>& mix) { return List(mix, fraction); }) +
           ",\"payoffs\":" + List(*e.exact_payoffs, fraction) + "}";
  }
  return out + extra + "}";
}

bool SameProfile(const games::MixedProfile& a, const games::MixedProfile& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      if (std::abs(a[i][j] - b[i][j]) > 1e-9) return false;
    }
  }
  return true;
}

// Returns the JSON document for `method` on `game` (throws games::GameError when it does not apply).
std::string Solve(const games::NormalFormGame& game, const std::string& method, std::uint64_t seed, int iterations) {
  std::vector<std::string> equilibria;
  std::string extra_top;
  std::string reported = method;
  if (method == "enummixed") {
    for (const auto& e : games::EnumMixed(game)) equilibria.push_back(EquilibriumJson(e));
  } else if (method == "lcp") {
    for (const auto& e : games::LemkeHowson(game).equilibria) equilibria.push_back(EquilibriumJson(e));
  } else if (method == "pure" || method == "pure+liap") {
    const std::vector<games::Equilibrium> pure = games::PureEquilibria(game);
    for (const auto& e : pure) equilibria.push_back(EquilibriumJson(e));
    if (method == "pure+liap") {
      games::LiapOptions options;
      options.seed = seed;
      const games::LiapResult found = games::Liap(game, options);
      const bool duplicate = std::any_of(pure.begin(), pure.end(), [&](const games::Equilibrium& e) {
        return SameProfile(e.strategies, found.equilibrium.strategies);
      });
      if (!duplicate) {
        equilibria.push_back(EquilibriumJson(found.equilibrium, std::string(",\"converged\":") +
                                                                    (found.converged ? "true" : "false")));
      }
    }
  } else if (method == "liap") {
    games::LiapOptions options;
    options.seed = seed;
    const games::LiapResult found = games::Liap(game, options);
    equilibria.push_back(
        EquilibriumJson(found.equilibrium, std::string(",\"converged\":") + (found.converged ? "true" : "false")));
  } else if (method == "logit") {
    const games::LogitResult result = games::LogitPath(game);
    equilibria.push_back(EquilibriumJson(result.limit));
    extra_top = ",\"path\":" + List(result.path, [](const games::LogitPoint& point) {
                  return "{\"lambda\":" + Number(point.lambda) + ",\"strategies\":" + Profile(point.profile) + "}";
                });
  } else if (method == "replicator") {
    games::ReplicatorOptions options;
    if (iterations > 0) options.iterations = iterations;
    equilibria.push_back(EquilibriumJson(games::Replicator(game, options)));
  } else if (method == "fictitious") {
    games::FictitiousPlayOptions options;
    if (iterations > 0) options.iterations = iterations;
    equilibria.push_back(EquilibriumJson(games::FictitiousPlay(game, options).frequencies));
  } else if (method == "regret") {
    games::RegretMatchingOptions options;
    options.seed = seed;
    if (iterations > 0) options.iterations = iterations;
    const games::RegretMatchingResult result = games::RegretMatching(game, options);
    const std::string joint = List(result.joint, [&](const std::pair<std::int64_t, double>& cell) {
      const std::vector<int> pure = game.ProfileAt(cell.first);
      std::string labels = "[";
      for (std::size_t i = 0; i < pure.size(); ++i) labels += (i ? "," : "") + String(game.strategies()[i][pure[i]]);
      return "{\"profile\":" + labels + "],\"probability\":" + Number(cell.second) + "}";
    });
    equilibria.push_back(EquilibriumJson(result.marginals, ",\"cce_gap\":" + Number(result.cce_gap) + ",\"joint\":" + joint));
  } else {
    throw UsageError("unknown --method '" + method + "' (methods: " + MethodNames() + ")");
  }
  std::string out = "{\"players\":" + List(game.players(), String) + ",\"equilibria\":[";
  for (std::size_t k = 0; k < equilibria.size(); ++k) out += (k ? "," : "") + equilibria[k];
  out += "],\"method\":" + String(reported) + extra_top + "}\n";
  return out;
}

}  // namespace

int GameCommand(const std::vector<std::string>& args) {
  std::string description =
      "usage: reesim game --solve FILE.nfg [--method M] [--seed S] [--iterations N]\n\n"
      "Solves a normal-form game read from a Gambit .nfg file (payoff or outcome version; numbers exact,\n"
      "fractions such as 1/3 allowed; at most 64 MiB and 4,000,000 payoffs) and prints JSON on stdout:\n"
      "  {\"players\":[...],\"equilibria\":[{\"strategies\":[[p,...],...],\"payoffs\":[...],\"regret\":r,\n"
      "   \"exact\":{\"strategies\":[[\"1/3\",...],...],\"payoffs\":[...]}},...],\"method\":\"...\"}\n"
      "regret is the largest gain any player has from a unilateral deviation (0 at a Nash equilibrium);\n"
      "\"exact\" is present when the method computes in exact rationals. With --method logit the output\n"
      "also has \"path\":[{\"lambda\":l,\"strategies\":[[...]]},...].\n\n"
      "methods (--method):\n";
  for (const Method& method : kMethods) {
    description += "  " + std::string(method.name) + std::string(12 - std::string(method.name).size(), ' ') + method.help + "\n";
  }
  description +=
      "default: enummixed for two players; pure followed by liap's equilibrium (when it is not one of\n"
      "the pure ones) otherwise.\n\n"
      "A malformed file gives exit code 2 and `reesim: error: FILE:LINE:COL: what was expected`; a method\n"
      "that does not fit the game (enummixed on three players or on a game too large) gives exit code 2\n"
      "naming the methods that fit. Nothing is written to stdout on error.\n\n"
      "`reesim game --spec FILE [--out DIR]` (the empirical game from simulation runs) is not available\n"
      "yet.\n\noptions";
  po::options_description options(description);
  options.add_options()
      ("help", "show this help")
      ("solve", po::value<std::string>(), "the .nfg file to solve")
      ("method", po::value<std::string>(), ("the solution method: " + MethodNames()).c_str())
      ("seed", po::value<std::uint64_t>()->default_value(1), "seed of liap's random starts and regret's sampled play")
      ("iterations", po::value<int>()->default_value(0),
       "rounds of replicator, fictitious and regret (0: their defaults, 10000, 10000 and 100000)")
      ("spec", po::value<std::string>(), "an empirical-game spec (not available yet)")
      ("out", po::value<std::string>(), "the output directory of --spec (not available yet)");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  if (vars.count("spec")) {
    throw UsageError("--spec (the empirical game from simulation runs) is not available yet; only --solve FILE.nfg exists");
  }
  if (!vars.count("solve")) throw UsageError("game needs --solve FILE.nfg");
  if (vars.count("out")) throw UsageError("--out goes with --spec, which is not available yet; --solve prints to stdout");
  const int iterations = vars["iterations"].as<int>();
  if (iterations < 0 || iterations > 100'000'000) throw UsageError("--iterations must be between 0 and 100000000");
  const std::string path = vars["solve"].as<std::string>();
  std::string method = vars.count("method") ? vars["method"].as<std::string>() : "";
  if (!method.empty() && std::none_of(std::begin(kMethods), std::end(kMethods),
                                      [&](const Method& m) { return method == m.name; })) {
    throw UsageError("unknown --method '" + method + "' (methods: " + MethodNames() + ")");
  }
  games::NormalFormGame game = [&] {
    try {
      return games::ReadNfgFile(path);
    } catch (const games::NfgError& error) {
      if (error.line() == 0) throw InputError(path + ": " + error.message());
      throw InputError(path + ":" + error.what());
    }
  }();
  if (method.empty()) method = game.NumPlayers() == 2 ? "enummixed" : "pure+liap";
  std::string json;
  try {
    json = Solve(game, method, vars["seed"].as<std::uint64_t>(), iterations);
  } catch (const games::GameError& error) {
    throw InputError(path + ": " + error.what());
  }
  std::cout << json;
  return 0;
}

}  // namespace reesim::cli
