// Monte Carlo experiments: samplers, distributions, statistics against known values, parameter paths,
// paired arms, determinism across thread counts, and bad experiment files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "experiments/experiment.h"
#include "run/metrics.h"
#include "run/simulation.h"
#include "run/snapshot_io.h"
#include "proto/scenario.pb.h"
#include "test_support.h"
#include "world/random.h"

namespace reesim {
namespace {

std::string SmallExperiment(const std::string& extra = "", int replicates = 10) {
  return "scenario: \"baseline_2024\"\nrounds: 3\nreplicates: " + std::to_string(replicates) + R"(
seed: 5
sampler: LATIN_HYPERCUBE
parameters { path: "demand[1].growth_per_year" uniform { min: 0.0 max: 0.1 } }
parameters { path: "plants[id=mountain_pass].unit_cost_usd_per_kg" normal { mean: 4.5 sd: 0.5 } }
arms { name: "open" }
arms { name: "tariff" overlay { policies { actor: "USA" import_tariff { products: "ndfeb_magnet" ad_valorem: 0.25 } } } }
outcomes { metric: "price.ndfeb_magnet.USA" aggregation: MEAN }
outcomes { name: "payoff" metric: "payoff.USA" aggregation: DISCOUNTED_SUM discount_rate: 0.05 }
)" + extra;
}

TEST_CASE("Experiment.LatinHypercubeHitsEveryStratumOnce") {
  for (int n : {20, 1000}) {
    CAPTURE(n);
    const experiments::ExperimentSpec spec = experiments::LoadExperimentText(SmallExperiment("", n), "e");
    std::set<int> strata;
    for (int row = 0; row < n; ++row) {
      strata.insert(static_cast<int>(std::floor(experiments::SamplePoint(spec, row)[0] / 0.1 * n)));
    }
    CHECK(strata.size() == static_cast<std::size_t>(n));  // uniform(0, 0.1) in n strata: each once
    CHECK(*strata.begin() == 0);
    CHECK(*strata.rbegin() == n - 1);
  }
}

TEST_CASE("Experiment.DistributionsHaveTheirMoments") {
  // Many Monte Carlo draws through each inverse CDF: means and sds within 2 %.
  auto moments = [](const experiments::Distribution& d) {
    world::RandomStream random(3, 0, 0, 0, world::RandomPurpose::kAgentDecision);
    const int n = 200000;
    double sum = 0, squares = 0;
    for (int i = 0; i < n; ++i) {
      const double x = d.Quantile(std::clamp(random.Uniform(), 1e-12, 1 - 1e-12));
      sum += x;
      squares += x * x;
    }
    const double mean = sum / n;
    return std::make_pair(mean, std::sqrt(squares / n - mean * mean));
  };
  experiments::Distribution normal;
  normal.kind = experiments::Distribution::Kind::kNormal;
  normal.a = 10;
  normal.b = 2;
  auto [m1, s1] = moments(normal);
  CHECK(m1 == doctest::Approx(10).epsilon(0.02));
  CHECK(s1 == doctest::Approx(2).epsilon(0.02));
  experiments::Distribution triangular;  // min 0, mode 1, max 4: mean 5/3, variance 13/18
  triangular.kind = experiments::Distribution::Kind::kTriangular;
  triangular.a = 0;
  triangular.b = 1;
  triangular.c = 4;
  auto [m2, s2] = moments(triangular);
  CHECK(m2 == doctest::Approx(5.0 / 3).epsilon(0.02));
  CHECK(s2 == doctest::Approx(std::sqrt(13.0 / 18)).epsilon(0.02));
  experiments::Distribution lognormal;  // mu 0, sigma 0.5: mean exp(0.125)
  lognormal.kind = experiments::Distribution::Kind::kLogNormal;
  lognormal.a = 0;
  lognormal.b = 0.5;
  CHECK(moments(lognormal).first == doctest::Approx(std::exp(0.125)).epsilon(0.02));
  experiments::Distribution truncated;  // standard normal on [0, inf): mean sqrt(2/pi)
  truncated.kind = experiments::Distribution::Kind::kTruncatedNormal;
  truncated.a = 0;
  truncated.b = 1;
  truncated.c = 0;
  truncated.d = 50;
  CHECK(moments(truncated).first == doctest::Approx(std::sqrt(2 / M_PI)).epsilon(0.02));
}

TEST_CASE("Experiment.QuantilesAndBootstrapAgainstKnownValues") {
  // Type 7 quantiles of 1..10: q25 = 3.25, median 5.5, q95 = 9.55.
  const std::vector<double> sample = {7, 1, 10, 4, 2, 9, 3, 5, 8, 6};
  CHECK(experiments::QuantileOf(sample, 0.25) == doctest::Approx(3.25));
  CHECK(experiments::QuantileOf(sample, 0.5) == doctest::Approx(5.5));
  CHECK(experiments::QuantileOf(sample, 0.95) == doctest::Approx(9.55));
  // Coverage: over 200 samples of 40 standard normals, the bootstrap 95 % interval of the mean
  // covers 0 in about 95 % of cases (binomial sd about 1.5 %; the percentile bootstrap runs a little
  // narrow at n = 40).
  int covered = 0;
  for (std::uint64_t trial = 0; trial < 200; ++trial) {
    world::RandomStream random(11, trial, 0, 0, world::RandomPurpose::kDemandShock);
    experiments::StreamingSample sample(11, trial, 10000);
    for (int k = 0; k < 40; ++k) sample.Add(random.Normal());
    const auto [low, high] = sample.MeanInterval();
    covered += low <= 0 && 0 <= high;
  }
  CHECK(covered >= 180);
  CHECK(covered <= 198);
}

TEST_CASE("Experiment.StreamingStatisticsAgainstBatchOnes") {
  // Within the exact limit: the batch statistics; past it: P-square estimates near the exact quantiles.
  world::RandomStream random(4, 0, 0, 0, world::RandomPurpose::kDemandShock);
  std::vector<double> values;
  experiments::StreamingSample exact(1, 0, 100000), capped(1, 0, 1000);
  for (int k = 0; k < 20000; ++k) {
    const double v = 3 + 2 * random.Normal();
    values.push_back(v);
    exact.Add(v);
    capped.Add(v);
  }
  CHECK(exact.quantiles_exact());
  CHECK(!capped.quantiles_exact());
  double mean = 0, squares = 0;
  for (double v : values) mean += v / values.size();
  for (double v : values) squares += (v - mean) * (v - mean);
  CHECK(exact.count() == 20000);
  CHECK(exact.mean() == doctest::Approx(mean).epsilon(1e-12));
  CHECK(exact.sd() == doctest::Approx(std::sqrt(squares / (values.size() - 1))).epsilon(1e-12));
  for (int k = 0; k < 5; ++k) {
    CAPTURE(k);
    const double batch = experiments::QuantileOf(values, experiments::kReportedQuantiles[k]);
    CHECK(exact.Quantile(k) == batch);
    CHECK(std::abs(capped.Quantile(k) - batch) < 0.05);  // sd 2: within 2.5 % of an sd
  }
  // The interval of the mean is about mean +- 1.96 sd / sqrt(n).
  const auto [low, high] = exact.MeanInterval();
  const double half_width = 1.96 * exact.sd() / std::sqrt(20000.0);
  CHECK(low < mean);
  CHECK(mean < high);
  CHECK((high - low) / 2 == doctest::Approx(half_width).epsilon(0.1));
}

TEST_CASE("Experiment.ParameterPathsReachAnyNumber") {
  const run::LoadedScenario baseline = testing::Baseline();
  reesim::Scenario scenario = *baseline.message;
  experiments::SetScenarioNumber(scenario, "plants[id=mt_weld].capacity_tonnes_per_year", 20000);
  experiments::SetScenarioNumber(scenario, "demand[0].elasticity", -0.4);
  experiments::SetScenarioNumber(scenario, "market.demand_shock_sd", 0.1);
  experiments::SetScenarioNumber(scenario, "rounds", 6);
  int weld = -1;
  for (int i = 0; i < scenario.plants_size(); ++i) if (scenario.plants(i).id() == "mt_weld") weld = i;
  CHECK(scenario.plants(weld).capacity_tonnes_per_year() == 20000);
  CHECK(scenario.demand(0).elasticity() == -0.4);
  CHECK(scenario.market().demand_shock_sd() == 0.1);
  CHECK(scenario.rounds() == 6);
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "plants[id=nope].unit_cost_usd_per_kg", 1),
                       "no plants with id nope", InputError);
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "demand[999].elasticity", 1),
                       doctest::Contains("index out of range"), InputError);
  // Found by fuzz_inputs.py: a control character in a path was echoed raw, splitting the refusal.
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "demand[0].growt\x1e_per_year", 1),
                       "a parameter path holds no control characters", InputError);
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "market." + std::string(2000, 'x'), 1),
                       "a path of 2007 bytes; a parameter path has at most 1024", InputError);
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "market.frobs", 1),
                       "no field 'frobs' in reesim.MarketParameters", InputError);
  CHECK_THROWS_WITH_AS(experiments::SetScenarioNumber(scenario, "plants.unit_cost_usd_per_kg", 1),
                       doctest::Contains("add [index] or [id=VALUE]"), InputError);
}

TEST_CASE("Experiment.ArmsArePairedAndResultsDoNotDependOnThreads") {
  const experiments::ExperimentSpec spec = experiments::LoadExperimentText(SmallExperiment(), "e");
  const experiments::ExperimentResult one = experiments::RunExperiment(spec, 1);
  testing::TempDir dir;
  experiments::RunExperiment(spec, 1, dir.File("one"));
  experiments::RunExperiment(spec, 2, dir.File("two"));
  experiments::RunExperiment(spec, 4, dir.File("four"));
  for (const char* file : {"runs.csv", "summary.csv", "summary.json"}) {
    CAPTURE(file);
    CHECK(testing::FileBytes(dir.File(std::string("one/") + file)) == testing::FileBytes(dir.File(std::string("two/") + file)));
    CHECK(testing::FileBytes(dir.File(std::string("one/") + file)) == testing::FileBytes(dir.File(std::string("four/") + file)));
  }
  REQUIRE(one.runs.size() == 20);
  // In position order: each replicate's arms in turn, sharing the sample point (paired).
  for (int r = 0; r < 10; ++r) {
    CHECK(one.runs[2 * r].arm == 0);
    CHECK(one.runs[2 * r + 1].arm == 1);
    CHECK(one.runs[2 * r].replicate == r);
    CHECK(one.runs[2 * r].parameters == one.runs[2 * r + 1].parameters);
  }
  CHECK(one.failures == 0);
  // A 25 % US tariff on magnets raises the US magnet price in every replicate.
  for (int r = 0; r < 10; ++r) CHECK(one.runs[2 * r + 1].outcomes[0] > one.runs[2 * r].outcomes[0]);
  bool found = false;
  for (const auto& s : one.summary) {
    if (s.arm == "tariff" && s.outcome == "price.ndfeb_magnet.USA" && s.statistic == "diff_vs_open_paired_t_p") {
      found = true;
      CHECK(s.value < 0.001);
    }
  }
  CHECK(found);
}

TEST_CASE("Experiment.BadFilesNameTheField") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      experiments::LoadExperimentText(text, "x.textproto");
    } catch (const InputError& error) {
      return error.what();
    }
    return "no error";
  };
  std::string bad_path = SmallExperiment();
  bad_path.replace(bad_path.find("demand[1].growth_per_year"), 25, "demand[1].growht_per_year");
  CHECK(error_of(bad_path) ==
        "x.textproto: parameters[0].path = \"demand[1].growht_per_year\": no field 'growht_per_year' in reesim.Demand");
  std::string negative_sd = SmallExperiment();
  negative_sd.replace(negative_sd.find("sd: 0.5"), 7, "sd: -1");
  CHECK(error_of(negative_sd) == "x.textproto: parameters[1].normal.sd = -1: must be > 0");
  std::string min_above_max = SmallExperiment();
  min_above_max.replace(min_above_max.find("min: 0.0 max: 0.1"), 17, "min: 0.3 max: 0.1");
  CHECK(error_of(min_above_max) == "x.textproto: parameters[0].uniform.min = 0.3: must be below max 0.1");
  CHECK(error_of(SmallExperiment("", 0)) == "x.textproto: replicates = 0: must be at least 1");
  std::string empty_arm = SmallExperiment();
  empty_arm.replace(empty_arm.find("arms { name: \"open\" }"), 21, "arms { }");
  CHECK(error_of(empty_arm) == "x.textproto: arms[0].name: every arm needs a name");
  CHECK(error_of("") == "x.textproto: the experiment is empty");
  // The field is named as the user wrote it (it once read "base_scenario", the field it is resolved as).
  CHECK(error_of("scenario: \"nowhere_2099\" replicates: 1 outcomes { metric: \"x\" }")
            .rfind("x.textproto: scenario = \"nowhere_2099\": no such library scenario", 0) == 0);
}

}  // namespace
}  // namespace reesim

namespace reesim {
namespace {

TEST_CASE("Experiment.SobolDesignAttributesVarianceToTheParameterThatMatters") {
  // Magnet demand in AAA moves the magnet price; the smuggling half-gap does nothing without controls.
  testing::TempDir dir;
  testing::WriteBytes(dir.File("small.textproto"), testing::SmallWorldText());
  const std::string text = R"(
scenario: "small.textproto" rounds: 3 replicates: 64 seed: 3 sampler: SOBOL
parameters { path: "demand[0].base_tonnes_per_year" uniform { min: 500 max: 3000 } }
parameters { path: "market.smuggling_gap_half" uniform { min: 0.1 max: 2 } }
outcomes { name: "price" metric: "price.magnet.AAA" aggregation: MEAN })";
  const experiments::ExperimentSpec spec = experiments::LoadExperimentText(text, dir.File("sobol.textproto"));
  CHECK(spec.RunsPerArm() == 64 * 4);
  const experiments::ExperimentResult result = experiments::RunExperiment(spec, 2);
  CHECK(result.failures == 0);
  std::map<std::string, double> stats;
  for (const auto& s : result.summary) stats[s.statistic] = s.value;
  CHECK(stats.at("sobol_first.demand[0].base_tonnes_per_year") > 0.6);
  CHECK(stats.at("sobol_total.demand[0].base_tonnes_per_year") > 0.6);
  CHECK(std::abs(stats.at("sobol_total.market.smuggling_gap_half")) < 0.05);
  CHECK(stats.at("sobol_first_ci95_low.demand[0].base_tonnes_per_year") <=
        stats.at("sobol_first.demand[0].base_tonnes_per_year"));
  CHECK(stats.at("n") == 128);  // A and B rows
}

TEST_CASE("Experiment.KeepsSnapshotsOrNothingAsAsked") {
  testing::TempDir dir;
  experiments::ExperimentSpec spec = experiments::LoadExperimentText(SmallExperiment("keep: SNAPSHOTS", 2), "e");
  spec.snapshot_dir = dir.File("snapshots");
  std::filesystem::create_directories(spec.snapshot_dir);
  const experiments::ExperimentResult result = experiments::RunExperiment(spec, 2);
  for (const char* name : {"open-0.pbs", "open-1.pbs", "tariff-0.pbs", "tariff-1.pbs"}) {
    CAPTURE(name);
    REQUIRE(std::filesystem::exists(dir.File(std::string("snapshots/") + name)));
    // Provenance: the experiment file's hash and the shared seed are in each run's header.
    const run::SnapshotFile file = run::ReadSnapshotFile(dir.File(std::string("snapshots/") + name));
    CHECK(file.experiment_sha256 == spec.sha256);
    CHECK(file.seed == spec.seed);
    CHECK(file.reesim_version == REESIM_VERSION);
  }
  const experiments::ExperimentSpec nothing = experiments::LoadExperimentText(SmallExperiment("keep: NOTHING", 2), "e");
  experiments::RunExperiment(nothing, 2, dir.File("out"));
  CHECK(!std::filesystem::exists(dir.File("out/runs.csv")));
  CHECK(std::filesystem::exists(dir.File("out/summary.csv")));
}

// Found by fuzz_inputs.py (fuzz/regressions/experiment/sobol_runs_per_arm_overflow.textproto): 2^30
// replicates of a two-parameter Sobol design overflowed the int count of runs per arm ("0 runs per arm").
TEST_CASE("Experiment.SobolDesignOfTooManyRunsIsRefused") {
  const std::string design = R"(scenario: "baseline_2024" rounds: 2 sampler: SOBOL
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.05 } }
parameters { path: "demand[0].growth_per_year" uniform { min: 0 max: 0.1 } }
outcomes { metric: "price.ndfeb_magnet" })";
  CHECK_THROWS_WITH_AS(experiments::LoadExperimentText("replicates: 1073741824\n" + design, "sobol.textproto"),
                       doctest::Contains("replicates = 1073741824: the SOBOL design (replicates x (parameters + 2)) "
                                         "has more than 10 million runs per arm"),
                       InputError);
  CHECK(experiments::LoadExperimentText("replicates: 2500000\n" + design, "sobol.textproto").RunsPerArm() == 10'000'000);
}

TEST_CASE("Experiment.FullFactorialRunsEveryCombination") {
  const std::string text = R"(scenario: "baseline_2024" rounds: 2 replicates: 2 sampler: FULL_FACTORIAL factorial_levels: 3
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.3 } }
parameters { path: "demand[0].elasticity" discrete { values: -0.1 values: -0.3 } }
outcomes { metric: "price.ndfeb_magnet" })";
  const experiments::ExperimentSpec spec = experiments::LoadExperimentText(text, "f");
  CHECK(spec.RunsPerArm() == 3 * 2 * 2);
  std::vector<std::vector<double>> rows;
  for (int row = 0; row < spec.RunsPerArm(); ++row) rows.push_back(experiments::SamplePoint(spec, row));
  REQUIRE(rows.size() == 12);
  // Levels of the uniform: quantiles 1/6, 1/2, 5/6 = 0.05, 0.15, 0.25; the last parameter varies fastest.
  CHECK(rows[0][0] == doctest::Approx(0.05));
  CHECK(rows[0][1] == -0.1);
  CHECK(rows[1] == rows[0]);  // two replicates of each combination
  CHECK(rows[2][1] == -0.3);
  CHECK(rows[4][0] == doctest::Approx(0.15));
  CHECK(rows[11][0] == doctest::Approx(0.25));
  CHECK(rows[11][1] == -0.3);
  CHECK(experiments::RunExperiment(spec, 2).failures == 0);
}

TEST_CASE("Metrics.AFamilyComputedAloneEqualsTheFullComputation") {
  CHECK(run::MetricFamiliesOf({"price.ndfeb_magnet"}) == run::kPriceMetrics);
  CHECK(run::MetricFamiliesOf({"share.mining.CHN", "exports.total.CHN"}) ==
        (run::kProductionMetrics | run::kExportMetrics));
  CHECK(run::MetricFamiliesOf({"not_a_family.x"}) == run::kAllMetrics);

  const run::LoadedScenario baseline = testing::Baseline();
  run::Simulation simulation(baseline, 1);
  for (int r = 0; r < 3; ++r) simulation.Step();
  const run::Metrics all = run::ComputeMetrics(simulation.world(), simulation.outcome());
  for (unsigned family = 1; family < run::kAllMetrics; family <<= 1) {
    CAPTURE(family);
    run::Metrics some;
    run::ComputeMetricsInto(simulation.world(), simulation.outcome(), some, nullptr, family);
    for (const auto& [name, value] : some) {
      CAPTURE(name);
      REQUIRE(all.count(name) == 1);
      CHECK(all.at(name) == value);
      CHECK(run::MetricFamiliesOf({name}) == family);
    }
    std::size_t in_family = 0;
    for (const auto& [name, value] : all) in_family += run::MetricFamiliesOf({name}) == family;
    CHECK(some.size() == in_family);
    if (family != run::kRecycledMetrics) CHECK(in_family > 0);  // the baseline recycles nothing
  }
}

}  // namespace
}  // namespace reesim
