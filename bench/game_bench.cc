#include "bench/game_bench.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "experiments/runner.h"
#include "games/empirical_game.h"
#include "games/enummixed.h"
#include "games/random.h"

namespace reesim::bench {

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Four governments with four strategies each from the seed events (experiments/examples/
// rare_earth_game.textproto has the sources), demand shocks drawn per replicate.
std::string BenchGame(int replicates, int rounds) {
  return "name: \"bench\" scenario: \"baseline_2024\" rounds: " + std::to_string(rounds) +
         " replicates: " + std::to_string(replicates) + R"(
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.05 } }
players { actor: "CHN"
  strategies { name: "open" }
  strategies { name: "quota" overlay { policies { start_round: 4 export_quota { products: "ndpr_oxide" products: "dy_oxide" products: "tb_oxide" products: "other_oxides" tonnes_per_year: 31000 } } } }
  strategies { name: "licensing" overlay { policies { start_round: 5 export_control { products: "dy_oxide" products: "tb_oxide" products: "metal_alloy" products: "ndfeb_magnet" licence_delay_rounds: 1 approval_share: 0.5 } } } }
  strategies { name: "military_denial" overlay { policies { start_round: 5 export_control { products: "dy_oxide" products: "tb_oxide" products: "metal_alloy" products: "ndfeb_magnet" approval_share: 1 } } } } }
players { actor: "USA"
  strategies { name: "none" }
  strategies { name: "tariffs" overlay { policies { start_round: 4 import_tariff { products: "ndfeb_magnet" from: "CHN" ad_valorem: 0.25 } } } }
  strategies { name: "buildout" overlay { policies { start_round: 6 price_floor { plants: "mp_separation" product: "ndpr_oxide" floor_usd_per_kg: 110 } } policies { start_round: 6 capital_subsidy { share: 0.3 } } } }
  strategies { name: "stockpile" overlay { policies { start_round: 4 stockpile { products: "ndfeb_magnet" buy_tonnes_per_year: 400 budget_usd_million_per_year: 100 release_tonnes_per_year: 800 release_min_price_multiple: 1.5 } } } } }
players { actor: "JPN"
  strategies { name: "none" }
  strategies { name: "tariffs" overlay { policies { start_round: 4 import_tariff { products: "ndfeb_magnet" from: "CHN" ad_valorem: 0.1 } } } }
  strategies { name: "stockpile" overlay { policies { start_round: 4 stockpile { products: "ndfeb_magnet" buy_tonnes_per_year: 300 budget_usd_million_per_year: 80 release_tonnes_per_year: 600 release_min_price_multiple: 1.5 } } } }
  strategies { name: "substitution" overlay { policies { start_round: 4 substitution_research { sector: EV products: "ndfeb_magnet" lag_rounds: 8 success_probability: 0.5 demand_cut_share: 0.25 } } } } }
players { actor: "EU"
  strategies { name: "none" }
  strategies { name: "tariffs" overlay { policies { start_round: 4 import_tariff { products: "ndfeb_magnet" from: "CHN" ad_valorem: 0.25 } } } }
  strategies { name: "stockpile" overlay { policies { start_round: 4 stockpile { products: "ndfeb_magnet" buy_tonnes_per_year: 300 budget_usd_million_per_year: 80 release_tonnes_per_year: 600 release_min_price_multiple: 1.5 } } } }
  strategies { name: "subsidy" overlay { policies { start_round: 4 production_subsidy { products: "ndfeb_magnet" usd_per_kg: 5 } } } } }
)";
}

}  // namespace

double EmpiricalGameSeconds(bool quick) {
  const auto start = std::chrono::steady_clock::now();
  const games::GameSpec spec = games::LoadGameText(BenchGame(quick ? 4 : 100, quick ? 8 : 40), "<bench game>");
  games::GameCollector collector(spec);
  experiments::RunRuns(spec.experiment, /*threads=*/2, 0, 1, [&](const experiments::RunRecord& record) { collector.Add(record); }, {});
  const games::GameReport report = games::AnalyseGame(spec, collector);
  const double seconds = Seconds(start);
  if (report.failures > 0 || collector.records() != 256 * spec.experiment.RunsPerArm()) {
    throw std::runtime_error("the bench game's runs failed");
  }
  return seconds;
}

QuiesceBench QuiescedGameSeconds(bool quick) {
  const auto start = std::chrono::steady_clock::now();
  games::GameSpec spec = games::LoadGameText(BenchGame(quick ? 4 : 100, quick ? 8 : 40) + "profile_search: QUIESCE max_profiles: 256\n",
                                             "<bench game, profile search>");
  games::GameCollector collector(spec);
  const games::QuiesceResult search = games::SearchProfiles(spec, collector, /*threads=*/2);
  const games::GameReport report = games::AnalyseQuiescedGame(spec, collector, search);
  QuiesceBench result;
  result.seconds = Seconds(start);
  result.profiles = static_cast<std::int64_t>(search.evaluated.size());
  if (report.failures > 0 || collector.records() != result.profiles * spec.experiment.RunsPerArm()) {
    throw std::runtime_error("the bench game's runs failed");
  }
  // A search that stops without a confirmed equilibrium (no progress: an approximate candidate refuted
  // inside its subgame) is an outcome of the game, not a failure of the measurement: reported.
  result.confirmed = search.stop == games::QuiesceStop::kConfirmed;
  return result;
}

double EnumMixedMilliseconds10x10(int repeats) {
  std::vector<std::vector<games::Rational>> a(10, std::vector<games::Rational>(10)), b = a;
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 10; ++j) {
      a[i][j] = static_cast<long>(games::DrawBelow(100, /*seed=*/10, 0, i, j));
      b[i][j] = static_cast<long>(games::DrawBelow(100, /*seed=*/10, 1, i, j));
    }
  }
  const games::NormalFormGame game = games::NormalFormGame::Bimatrix(a, b);
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<games::Equilibrium> equilibria = games::EnumMixed(game);
    ms.push_back(1000 * Seconds(start));
    if (equilibria.empty()) throw std::runtime_error("enummixed found no equilibrium of the bench game");
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace reesim::bench
