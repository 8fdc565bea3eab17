// The baseline against the structure of supply in docs/calibration.md: figures averaged
// over the first 4 rounds, within the stated tolerances.
#include <doctest/doctest.h>

#include <map>

#include "run/run.h"
#include "run/simulation.h"
#include "test_support.h"

namespace reesim {
namespace {

class FirstRounds {
 public:
  FirstRounds() {
    run::RunOptions options;
    options.rounds = 4;
    result_ = run::RunScenario(scenario_, options);
  }
  double Mean(const std::string& key) const {
    double sum = 0;
    for (const auto& metrics : result_.metrics) {
      const auto it = metrics.find(key);
      REQUIRE_MESSAGE(it != metrics.end(), "missing metric " << key);
      sum += it->second;
    }
    return sum / static_cast<double>(result_.metrics.size());
  }
  const run::LoadedScenario& scenario() const { return scenario_; }

 private:
  run::LoadedScenario scenario_ = testing::Baseline();
  run::RunResult result_;
};

const FirstRounds& Baseline() {
  static const FirstRounds rounds;
  return rounds;
}

TEST_CASE("Calibration.ChinaSharesOfEachStage") {
  // USGS MCS 2025 and the seeds: mining 60-70 % +-5, separation 85-93 % +-4, 69 % +-6 of metal and alloy
  // smelting capacity (Guan Cha Zhe Wang, 2025-08-06, gives a share of capacity), magnets 90 % +-4.
  const double mining = Baseline().Mean("share.mining.CHN");
  CHECK(mining >= 0.55);
  CHECK(mining <= 0.75);
  const double separation = Baseline().Mean("share.separation.CHN");
  CHECK(separation >= 0.81);
  CHECK(separation <= 0.97);
  const double metal = Baseline().Mean("capacity_share.metal.CHN");
  CHECK(metal >= 0.63);
  CHECK(metal <= 0.75);
  const double magnet = Baseline().Mean("share.magnet.CHN");
  CHECK(magnet >= 0.86);
  CHECK(magnet <= 0.94);
}

TEST_CASE("Calibration.HeavyRareEarthsComeFromChina") {
  // Sou Hu Cai Jing, 2025-11-22: about 99 % of heavy rare earths; tolerance: at least 95 %.
  CHECK(Baseline().Mean("share.dy_oxide.CHN") >= 0.95);
  CHECK(Baseline().Mean("share.tb_oxide.CHN") >= 0.95);
}

TEST_CASE("Calibration.JapanMakesAboutSevenPercentOfMagnets") {
  const double japan = Baseline().Mean("share.magnet.JPN");
  CHECK(japan >= 0.04);
  CHECK(japan <= 0.10);
}

TEST_CASE("Calibration.UsImportReliance") {
  // Sou Hu Cai Jing, 2025-07-21: the US relies on imports for 80-85 % of its needs; tolerance +-5 points.
  const double reliance = Baseline().Mean("net_import_reliance.USA");  // USGS's definition
  CHECK(reliance >= 0.75);
  CHECK(reliance <= 0.90);
}

TEST_CASE("Calibration.UsImportSources") {
  // USGS via Sou Hu Cai Jing, 2025-08-12: China 70 %, Malaysia 13 %, Japan 6 %, Estonia 5 %, other 6 %
  // of US imports of compounds and metals (2020-2023); tolerance +-5 points each. The supplier ties
  // that carry them are calibrated (docs/calibration.md), so this checks that the mechanism delivers
  // them through the clearing at the prices the model finds.
  const std::map<std::string, double> targets = {{"CHN", 0.70}, {"MYS", 0.13}, {"JPN", 0.06}, {"EST", 0.05}};
  double named = 0;
  for (const auto& [exporter, target] : targets) {
    CAPTURE(exporter);
    const double share = Baseline().Mean("import_share.USA." + exporter);
    CHECK(share >= target - 0.05);
    CHECK(share <= target + 0.05);
    named += share;
  }
  const double other = 1.0 - named;
  CHECK(other >= 0.01);
  CHECK(other <= 0.11);
}

TEST_CASE("Calibration.ChinasCostsAreAboutHalfTheInternationalAverage") {
  // Sou Hu Cai Jing, 2025-11-22: Chinese costs about 50 % of the international average, weighted by what
  // each plant makes in the first round (idle capacity, such as the smelters outside China that do not
  // cover their cost, costs nothing).
  run::Simulation simulation(Baseline().scenario(), 1);
  simulation.Step();
  const world::WorldDescription& world = simulation.world();
  const int china = world.FindRegion("CHN");
  double china_cost = 0, china_output = 0, other_cost = 0, other_output = 0;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::Plant& plant = world.plants[i];
    if (plant.stage == world::Stage::kMagnet) continue;  // the figure is about rare-earth production
    const double output = simulation.outcome().plants[i].output_tonnes;
    (plant.region == china ? china_cost : other_cost) += plant.unit_cost_usd_per_kg * output;
    (plant.region == china ? china_output : other_output) += output;
  }
  REQUIRE(china_output > 0);
  REQUIRE(other_output > 0);
  const double ratio = (china_cost / china_output) / (other_cost / other_output);
  CHECK(ratio >= 0.4);
  CHECK(ratio <= 0.65);
}

TEST_CASE("Calibration.PricesStartNearTheirReferenceLevels") {
  // 2024 levels: NdPr about $55-60/kg in China; Dy oxide $250-310 and Tb oxide $930-1,000 (Argus)
  // in Europe. The first round's prices stay within a quarter of them.
  CHECK(Baseline().Mean("price.ndpr_oxide.CHN") == doctest::Approx(57).epsilon(0.25));
  CHECK(Baseline().Mean("price.dy_oxide") == doctest::Approx(280).epsilon(0.25));
  CHECK(Baseline().Mean("price.tb_oxide") == doctest::Approx(965).epsilon(0.25));
}

}  // namespace
}  // namespace reesim
