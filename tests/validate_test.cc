// Checks of stylized facts: evaluation (windows, ratios, differences, missing metrics) and bad input;
// the whole-run sanity band on synthetic series; the RMSE against public prices on a hand-computed
// example; the built-in price series file.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "run/validate.h"
#include "test_support.h"

namespace reesim {
namespace {

run::RunResult FakeRun() {
  // Three rounds of one metric: 10, 20, 60; and a reference of 5 in every round.
  run::RunResult run;
  for (double value : {10.0, 20.0, 60.0}) run.metrics.push_back({{"x", value}, {"ref", 5.0}});
  run.rounds = 3;
  return run;
}

run::ScenarioCheck Check(const std::string& metric, int from, int to, double min, double max) {
  run::ScenarioCheck check;
  check.name = metric;
  check.value = {metric, run::MetricWindow::Aggregate::kMean, from, to};
  check.min = min;
  check.max = max;
  check.source = "test";
  return check;
}

TEST_CASE("Validate.WindowsRatiosDifferencesAndMissingMetrics") {
  std::vector<run::ScenarioCheck> checks;
  checks.push_back(Check("x", 0, 2, 29, 31));                    // mean of 10, 20, 60 = 30: pass
  checks.push_back(Check("x", 2, -1, 0, 50));                    // the last round, 60: fail
  checks.push_back(Check("x", 0, 1, 2.9, 3.1));                  // mean 15 / ref 5 = 3: pass
  checks.back().relative = true;
  checks.back().relative_to = {"ref", run::MetricWindow::Aggregate::kMean, 0, 0};
  checks.push_back(Check("x", 2, 2, 49, 51));                    // 60 - max(10, 20) = 40: fail
  checks.back().relative = true;
  checks.back().difference = true;
  checks.back().relative_to = {"x", run::MetricWindow::Aggregate::kMax, 0, 1};
  checks.push_back(Check("nope", 0, 0, 0, 1));                   // missing metric: fail, explained
  checks.push_back(Check("x", 0, 5, 0, 1e9));                    // beyond the run: fail, explained
  const std::vector<run::CheckResult> results = run::EvaluateChecks(checks, FakeRun());
  REQUIRE(results.size() == 6);
  CHECK(results[0].passed);
  CHECK(results[0].value == doctest::Approx(30));
  CHECK(!results[1].passed);
  CHECK(results[1].value == doctest::Approx(60));
  CHECK(results[2].passed);
  CHECK(results[2].value == doctest::Approx(3));
  CHECK(!results[3].passed);
  CHECK(results[3].value == doctest::Approx(40));
  CHECK(!results[4].evaluated);
  CHECK(results[4].problem == "no metric nope in round 0");
  CHECK(!results[5].evaluated);
  std::ostringstream table;
  CHECK(!run::PrintCheckTable("fake", results, table));
  CHECK(table.str().find("2 passed, 4 failed") != std::string::npos);
}

TEST_CASE("Validate.ChecksNeedBoundsAndSources") {
  const std::string good = R"(checks { value { metric: "price.magnet" } min: 1 source: "a report" })";
  CHECK(testing::LoadError(testing::SmallWorldText(good), "c") == "no error");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } min: 1 })"), "c") ==
        "c: checks[0].source: every check names the public source of its bounds");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } source: "s" })"), "c") ==
        "c: checks[0]: give min, max or both");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" } min: 2 max: 1 source: "s" })"),
                           "c") == "c: checks[0].min = 2: is above max 1");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(checks { value { metric: "x" from_round: 3 to_round: 1 } min: 1
      source: "s" })"), "c").find("checks[0].value.to_round = 1") != std::string::npos);
}

TEST_CASE("Validate.TheLibraryIsBuiltInAndEveryScenarioLoads") {
  const auto& library = run::BuiltinScenarios();
  REQUIRE(!library.empty());
  for (const run::BuiltinScenario& scenario : library) {
    CAPTURE(std::string(scenario.name));
    const run::LoadedScenario loaded = run::LoadScenarioText(scenario.text, scenario.name);
    CHECK(!loaded.checks.empty());  // every library scenario declares what it must reproduce
  }
}

// ---- The whole-run sanity band ----

run::PriceSeries Series(const std::string& name, std::vector<double> prices) {
  run::PriceSeries series;
  series.name = name;
  series.usd_per_kg = std::move(prices);
  series.curve_ends = {{800, "the top step"}, {25, "the bottom step"}};  // a P0 of 100, cap 8, floor 0.25
  return series;
}

TEST_CASE("Validate.SanityFlagsJumpsWithoutAnEventAndPricesAtACurvesEnd") {
  const double nan = std::nan("");
  const std::vector<run::PriceSeries> series = {
      Series("jump", {100, 500, 500, 100}),        // x5 up in round 1, x5 down in round 3
      Series("steady", {100, 390, 100, nan, 90}),   // x3.9 and back: inside the band; a gap is no move
      Series("cap", {100, 300, 799, 801, 804.5}),   // 799 and 801 within 0.5 % of 800; 804.5 is not
      Series("floor", {100, 25.1, 40}),             // 25.1 within 0.5 % of the floor of 25
      Series("unit cost", {31, 31, 31, 31}),        // a mine's unit cost, held for many rounds: no defect
  };
  const run::SanityRules rules;  // x4, 0.5 %
  std::vector<bool> no_events(5, false);
  std::vector<run::SanityViolation> found = run::FindSanityViolations(series, no_events, rules);
  REQUIRE(found.size() == 5);
  CHECK(found[0].series == "jump");
  CHECK(found[0].round == 1);
  CHECK(found[0].from == 100);
  CHECK(found[0].to == 500);
  CHECK(found[0].reason.find("up x5") != std::string::npos);
  CHECK(found[1].series == "jump");
  CHECK(found[1].round == 3);
  CHECK(found[1].reason.find("down x5") != std::string::npos);
  CHECK(found[2].series == "cap");
  CHECK(found[2].round == 2);
  CHECK(found[2].reason == "pinned at the top step");
  CHECK(found[3].series == "cap");
  CHECK(found[3].round == 3);
  CHECK(found[4].series == "floor");
  CHECK(found[4].round == 1);
  CHECK(found[4].reason == "pinned at the bottom step");

  // An event in the round of the jump, or in the round before, explains it; two rounds before does not.
  std::vector<bool> events(5, false);
  events[1] = true;  // explains round 1 (this round) and round 2 (the round before)
  events[3] = true;  // explains round 3
  found = run::FindSanityViolations({series[0]}, events, rules);
  CHECK(found.empty());
  events = std::vector<bool>(5, false);
  events[0] = true;  // round 0 explains rounds 0 and 1, not round 3
  found = run::FindSanityViolations({series[0]}, events, rules);
  REQUIRE(found.size() == 1);
  CHECK(found[0].round == 3);

  // A scenario may widen the band: x6 lets the x5 moves pass; a tolerance of 0 leaves only exact hits.
  run::SanityRules wide;
  wide.max_move = 6;
  wide.pinned_tolerance = 0;
  CHECK(run::FindSanityViolations({series[0], series[2]}, no_events, wide).empty());

  std::ostringstream out;
  CHECK(run::PrintSanity(run::FindSanityViolations(series, no_events, rules), {"Q1", "Q2", "Q3", "Q4", "Q5"}, out, 1) == 5);
  CHECK(out.str().find("whole-run sanity: 5 violation(s) in 3 series") != std::string::npos);
  CHECK(out.str().find("jump: 2") != std::string::npos);
  CHECK(out.str().find("Q2") != std::string::npos);
  CHECK(out.str().find("... and 1 more") != std::string::npos);  // one shown per series
}

TEST_CASE("Validate.PolicyChangesAreTheRoundsEventsStartOrStopBeingInForce") {
  policies::PolicyTimeline timeline;
  policies::TimedInstrument quota;
  quota.start_round = 2;
  quota.end_round = 4;  // in force 2..4: changes in 2 and 5
  policies::TimedInstrument forever;
  forever.start_round = 7;  // beyond the run: ignored
  timeline.events = {quota, forever};
  CHECK(run::PolicyChangeRounds(timeline, 7) == std::vector<bool>{false, false, true, false, false, true, false});
}

TEST_CASE("Validate.PriceSeriesCarryTheDemandCurvesEnds") {
  const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(), "small");
  run::RunOptions options;
  options.threads = 1;
  const run::RunResult result = run::RunScenario(scenario, options);
  const std::vector<run::PriceSeries> series = run::RunPriceSeries(scenario.world, result);
  const run::PriceSeries* magnet_b = nullptr;
  for (const run::PriceSeries& s : series) {
    CHECK(s.usd_per_kg.size() == result.metrics.size());
    if (s.name == "magnet.BBB") magnet_b = &s;
  }
  REQUIRE(magnet_b != nullptr);
  // Two demand entries for magnets in BBB (EV and defence), each with a top and a bottom step at its
  // curve's ends times P0 = 50.
  REQUIRE(magnet_b->curve_ends.size() == 4);
  const world::WorldDescription& world = scenario.world;
  // The top step is the highest price bid: the curve's first point with demand (its first is the choke).
  const world::DemandEntry* ev = nullptr;
  for (const world::DemandEntry& demand : world.demand) {
    if (world.regions[demand.region].id == "BBB" && demand.sector == world::Sector::kEv) ev = &demand;
  }
  REQUIRE(ev != nullptr);
  REQUIRE(ev->curve.size() > 2);
  CHECK(ev->curve[0].second == 0);
  CHECK(magnet_b->curve_ends[0].usd_per_kg == doctest::Approx(ev->curve[1].first * 50));
  CHECK(magnet_b->curve_ends[0].usd_per_kg < ev->choke_multiple * 50);
  CHECK(magnet_b->curve_ends[1].usd_per_kg == doctest::Approx(world.market.demand_price_floor_multiple * 50));
  CHECK(magnet_b->curve_ends[0].what.find("top step of the ev demand") != std::string::npos);
}

TEST_CASE("Validate.ValidationSettingsAreCheckedAtLoad") {
  const run::LoadedScenario plain = run::LoadScenarioText(testing::SmallWorldText(), "v");
  CHECK(plain.validation.max_move == 4);
  CHECK(plain.validation.pinned_tolerance == 0.005);
  CHECK(plain.validation.history.empty());
  CHECK(std::isinf(plain.validation.max_log_rmse));
  const run::LoadedScenario tuned = run::LoadScenarioText(
      testing::SmallWorldText(R"(validation { max_move: 6 pinned_tolerance: 0.01 history: "quota_crisis_2010" max_log_rmse: 1 })"),
      "v");
  CHECK(tuned.validation.max_move == 6);
  CHECK(tuned.validation.pinned_tolerance == 0.01);
  CHECK(tuned.validation.history == "quota_crisis_2010");
  CHECK(tuned.validation.max_log_rmse == 1);
  CHECK(testing::LoadError(testing::SmallWorldText("validation { max_move: 1 }"), "v") ==
        "v: validation.max_move = 1: must be above 1");
  CHECK(testing::LoadError(testing::SmallWorldText("validation { pinned_tolerance: -0.1 }"), "v") ==
        "v: validation.pinned_tolerance = -0.1: must be in [0, 0.5)");
  CHECK(testing::LoadError(testing::SmallWorldText(R"(validation { history: "nope" })"), "v").find(
            "validation.history = \"nope\": no such history in the built-in price series (known: ") != std::string::npos);
}

// ---- The error against public price series ----

TEST_CASE("Validate.RmseOfLogPricesOnAHandComputedExample") {
  // A quarterly world of regions AAA and BBB and products ox and rest, 2030Q1..2030Q4.
  const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(), "small");
  run::RunResult result;
  result.rounds = 4;
  for (int r = 0; r < 4; ++r) {
    result.periods.push_back(scenario.world.PeriodLabel(r));
    const double ox = 10.0 * (r + 1);  // 10, 20, 30, 40: the 2030 mean is 25
    result.metrics.push_back({{"price.ox", ox}, {"price.ox.AAA", 2 * ox}});
  }
  REQUIRE(result.periods[1] == "2030Q2");
  const std::string csv =
      "# a comment\n"
      "history,period,region,product,usd_per_kg,basis,source\n"
      "h,2030Q2,world,ox,10,test,model 20 vs 10: ln 2\n"
      "h,2030,world,ox,25,test,the year's mean 25 vs 25: 0\n"
      "h,2030Q1,AAA,ox,20,test,model 20 vs 20: 0\n"
      "h,2030Q4,AAA,ox,40,test,model 80 vs 40: ln 2\n"
      "h,2030Q1,CCC,ox,1,test,no such region\n"
      "h,2031Q1,world,ox,1,test,beyond the run\n"
      "h,2030Q1,world,rest,1,test,no price of rest in the run\n"
      "other,2030Q1,world,ox,1000,test,another history: ignored\n";
  const std::vector<run::ReferencePrice> rows = run::ParseReferencePrices(csv, "test.csv");
  REQUIRE(rows.size() == 8);
  const run::HistoryComparison comparison = run::CompareWithHistory(rows, "h", scenario.world, result);
  REQUIRE(comparison.series.size() == 2);
  CHECK(comparison.series[0].series == "ox.world");
  REQUIRE(comparison.series[0].points.size() == 2);
  CHECK(comparison.series[0].points[0].model_usd_per_kg == doctest::Approx(20));
  CHECK(comparison.series[0].points[1].model_usd_per_kg == doctest::Approx(25));
  const double ln2 = std::log(2.0);
  CHECK(comparison.series[0].rmse == doctest::Approx(std::sqrt(ln2 * ln2 / 2)));  // 0.490
  CHECK(comparison.series[0].bias == doctest::Approx(ln2 / 2));
  CHECK(comparison.series[1].series == "ox.AAA");
  CHECK(comparison.series[1].rmse == doctest::Approx(std::sqrt(ln2 * ln2 / 2)));
  CHECK(comparison.points == 4);
  CHECK(comparison.rmse == doctest::Approx(std::sqrt(2 * ln2 * ln2 / 4)));
  REQUIRE(comparison.not_compared.size() == 3);
  CHECK(comparison.not_compared[0].find("no region CCC") != std::string::npos);
  CHECK(comparison.not_compared[1].find("does not cover") != std::string::npos);
  CHECK(comparison.not_compared[2].find("no price price.rest") != std::string::npos);
  std::ostringstream out;
  run::PrintHistory(comparison, "h", 0.4, out);
  CHECK(out.str().find("overall: 4 point(s), RMSE 0.490") != std::string::npos);
  CHECK(out.str().find("bound 0.4: FAIL") != std::string::npos);
}

TEST_CASE("Validate.PriceSeriesFilesAreCheckedRowByRow") {
  const std::string header = "history,period,region,product,usd_per_kg,basis,source\n";
  auto error = [&](const std::string& text) {
    try {
      run::ParseReferencePrices(text, "p.csv");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error(header + "h,2030Q1,AAA,ox,1,b,a source, with commas") == "no error");
  CHECK(error("h,2030Q1,AAA,ox,1,b,s\n") == "p.csv:1: the header must be `" + header.substr(0, header.size() - 1) + "`");
  CHECK(error(header + "h,2030Q1,AAA,ox,1,b,") == "p.csv:2: every row names its public source (the last field)");
  CHECK(error(header + "h,2030Q1,AAA,ox,1") == "p.csv:2: 7 fields expected (history,period,region,product,"
                                              "usd_per_kg,basis,source), found 5");
  CHECK(error(header + "h,2030Q5,AAA,ox,1,b,s") == "p.csv:2: period \"2030Q5\": give a year (2014) or a quarter (2014Q3)");
  CHECK(error(header + "h,2030,AAA,ox,-3,b,s") == "p.csv:2: usd_per_kg \"-3\": must be a positive number");
  CHECK(error(header + "h,2030,AAA,ox,3x,b,s") == "p.csv:2: usd_per_kg \"3x\": must be a positive number");
  CHECK(error(header + "h,2030,AAA,ox,3,b,s\nh,2030,AAA,ox,4,b,t") == "p.csv:3: a second row for h 2030 AAA ox");
  CHECK(error("# nothing\n") == "p.csv: no header line `" + header.substr(0, header.size() - 1) + "`");
}

TEST_CASE("Validate.TheBuiltInPriceSeriesParseAndEveryRowHasASource") {
  const std::vector<run::ReferencePrice>& rows = run::BuiltinReferencePrices();
  REQUIRE(rows.size() >= 30);
  std::set<std::string> histories;
  for (const run::ReferencePrice& row : rows) {
    CAPTURE(row.line);
    CHECK(!row.source.empty());
    CHECK(!row.basis.empty());
    CHECK(row.usd_per_kg > 0);
    histories.insert(row.history);
  }
  CHECK(histories == std::set<std::string>{"oxides_2024_2025", "quota_crisis_2010"});
  CHECK(run::KnownHistories() == "oxides_2024_2025, quota_crisis_2010");
  // Every row names a product and region of a library scenario of its history, so every row is compared.
  for (const char* name : {"quota_crisis_2010", "export_controls_2025"}) {
    const run::LoadedScenario scenario = run::LoadScenarioFile(name);
    REQUIRE(!scenario.validation.history.empty());
    run::RunOptions options;
    options.threads = 1;
    const run::HistoryComparison comparison = run::CompareWithHistory(
        rows, scenario.validation.history, scenario.world, run::RunScenario(scenario, options));
    CAPTURE(name);
    CHECK(comparison.not_compared.empty());
    CHECK(comparison.points > 0);
  }
}

}  // namespace
}  // namespace reesim
