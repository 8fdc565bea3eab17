// Issue 19: bad input and bad luck never crash reesim or leave wrong files. Each case holds the minimal
// input that once crashed or gave a wrong answer, run through the real program.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include <boost/json.hpp>

#include "experiments/distribution.h"
#include "run/csv.h"
#include "cli_support.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;

using Result = testing::ProgramResult;

using testing::Reesim;

// A one-arm experiment over the small world in the same directory.
std::string Experiment(const std::string& extra) {
  return "name: \"e\" scenario: \"small.textproto\" rounds: 2 replicates: 2\n"
         "outcomes { metric: \"price.magnet\" }\n" + extra;
}

void ExpectRefused(const std::string& command, const std::string& expected) {
  const Result result = Reesim(command);
  CAPTURE(command);
  CAPTURE(result.out);
  CHECK(result.exit_code == 2);
  CHECK(result.out.find(expected) != std::string::npos);
  CHECK(result.out.find('\n') == result.out.size() - 1);  // one line
}

TEST_CASE("Robustness.EnumsGivenAsNumbersAreRefusedAtLoad") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::string expected;
  };
  const std::vector<Case> scenarios = {
      {"product stage", testing::SmallWorldWith("products { id: \"ox\" stage: SEPARATION", "products { id: \"ox\" stage: 7"),
       "bad.textproto:11:21: products[1].stage = 7: not a Stage; give one of its names: STAGE_UNSPECIFIED, MINING, "
       "SEPARATION, METAL, MAGNET"},
      {"demand sector", testing::SmallWorldWith("sector: DEFENCE", "sector: 99"), "demand[2].sector = 99: not a Sector; give one of its names:"},
      {"check aggregate", testing::SmallWorldText("checks { value { metric: \"price.ox\" aggregate: -3 } min: 0 source: \"s\" }"),
       "checks[0].value.aggregate = -3: not a Aggregate"},
  };
  for (const Case& c : scenarios) {
    CAPTURE(c.name);
    WriteBytes(dir.File("bad.textproto"), c.text);
    ExpectRefused("check " + dir.File("bad.textproto"), c.expected);
    ExpectRefused("run --scenario " + dir.File("bad.textproto") + " --out " + dir.File("out"), c.expected);
    CHECK(!std::filesystem::exists(dir.File("out")));
  }

  WriteBytes(dir.File("small.textproto"), testing::SmallWorldText());
  const std::vector<Case> experiments = {
      {"sampler", Experiment("sampler: 4"), "sampler = 4: not a Sampler; give one of its names: MONTE_CARLO,"},
      {"huge sampler", Experiment("sampler: 1000000"), "sampler = 1000000: not a Sampler"},
      {"aggregation", Experiment("outcomes { metric: \"price.ox\" aggregation: 7 }"),
       "outcomes[1].aggregation = 7: not a Aggregate"},
      {"keep", Experiment("keep: 9"), "keep = 9: not a Keep"},
      {"enum inside an arm's overlay",
       Experiment("arms { name: \"x\" overlay { demand { region: \"AAA\" sector: 99 product: \"magnet\" } } }"),
       "arms[0].overlay.demand[0].sector = 99: not a Sector"},
  };
  for (const Case& c : experiments) {
    CAPTURE(c.name);
    WriteBytes(dir.File("bad.textproto"), c.text);
    ExpectRefused("experiment --spec " + dir.File("bad.textproto") + " --out " + dir.File("exp"), c.expected);
    CHECK(!std::filesystem::exists(dir.File("exp")));
  }
}

TEST_CASE("Robustness.LongRunBeyondTheMarketsUnitsStopsCleanly") {
  // The baseline's demand and capacity grow every year: by round 1738 a market step exceeds the
  // 1e12 tonnes the solver's kg units carry. It used to abort on a wrapped int64 (world/market.cc);
  // now the run stops with the limit named and leaves no run.pbs.
  TempDir dir;
  const Result result = Reesim("run --rounds 1738 --quiet --out " + dir.File("out"));
  CAPTURE(result.out);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("beyond what its integer units carry (at most 1e+12)") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.File("out") + "/run.pbs"));
}

TEST_CASE("Robustness.SeedMustBeAWholeNumberInRange") {
  TempDir dir;
  for (const char* seed : {"-1", "x", "18446744073709551616", "1e3", "' 5'"}) {
    CAPTURE(seed);
    ExpectRefused(std::string("run --rounds 1 --quiet --seed ") + seed + " --out " + dir.File("out"),
                  "--seed must be a whole number from 0 to 18446744073709551615");
    CHECK(!std::filesystem::exists(dir.File("out")));
  }
  const Result largest = Reesim("run --rounds 1 --quiet --seed 18446744073709551615 --out " + dir.File("out"));
  CHECK(largest.exit_code == 0);
}

TEST_CASE("Robustness.DistributionParametersAreValidatedAtLoad") {
  TempDir dir;
  WriteBytes(dir.File("small.textproto"), testing::SmallWorldText());
  const std::string path = "parameters { path: \"market.default_transport_usd_per_kg\" ";
  struct Case {
    std::string spec;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {path + "truncated_normal { mean: 0 sd: 0 min: 1 max: 2 } }", "parameters[0].truncated_normal.sd = 0: must be > 0"},
      {path + "truncated_normal { mean: 0 sd: 1 min: 2 max: 1 } }", "parameters[0].truncated_normal.min = 2: must be below max 1"},
      {path + "truncated_normal { mean: 0 sd: inf min: 1 max: 2 } }", "parameters[0].truncated_normal.sd = inf: must be a finite number"},
      {path + "truncated_normal { mean: nan sd: 1 min: 1 max: 2 } }", "parameters[0].truncated_normal.mean = nan: must be a finite number"},
      {path + "truncated_normal { mean: 0 sd: 1e-300 min: 1e300 max: 1e301 } }", "(max - mean) / sd overflows"},
      {path + "uniform { min: -inf max: 1 } }", "parameters[0].uniform.min = -inf: must be a finite number"},
      {path + "discrete { values: 1 values: 2 weights: 1e308 weights: 1e308 } }", "must sum to a finite number"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.spec);
    WriteBytes(dir.File("bad.textproto"), Experiment(c.spec));
    ExpectRefused("check " + dir.File("bad.textproto"), c.expected);
    ExpectRefused("experiment --quiet --spec " + dir.File("bad.textproto") + " --out " + dir.File("exp"), c.expected);
    CHECK(!std::filesystem::exists(dir.File("exp")));
  }
  // A far tail (the min 40, max 41 with mean 0, sd 1) loads and runs.
  WriteBytes(dir.File("tail.textproto"), Experiment(path + "truncated_normal { mean: 0 sd: 1 min: 40 max: 41 } }"));
  const Result tail = Reesim("experiment --quiet --spec " + dir.File("tail.textproto") + " --out " + dir.File("tail"));
  CAPTURE(tail.out);
  CHECK(tail.exit_code == 0);
}

TEST_CASE("Robustness.TruncatedNormalFarTailsSampleStably") {
  using experiments::Distribution;
  auto truncated = [](double mean, double sd, double min, double max) {
    Distribution d;
    d.kind = Distribution::Kind::kTruncatedNormal;
    d.a = mean;
    d.b = sd;
    d.c = min;
    d.d = max;
    return d;
  };
  // Where the plain CDF difference is accurate, both ways agree.
  const boost::math::normal standard;
  for (const double u : {1e-12, 0.1, 0.5, 0.9, 1 - 1e-12}) {
    const double low = boost::math::cdf(standard, 1.0), high = boost::math::cdf(standard, 3.0);
    const double direct = 10 + 2 * boost::math::quantile(standard, low + u * (high - low));
    CAPTURE(u);
    CHECK(truncated(10, 2, 12, 16).Quantile(u) == doctest::Approx(direct).epsilon(1e-9));
  }
  // Far out, the normal tail beyond a is close to an exponential of rate a (Mills ratio): the median
  // of N(0,1) truncated to [40, 41] is 40 + ln 2 / 40 to within 1e-4.
  const Distribution far = truncated(0, 1, 40, 41);
  CHECK(far.Quantile(0.5) == doctest::Approx(40 + std::log(2.0) / 40).epsilon(1e-5));
  double previous = 40;
  for (double u = 1e-12; u < 1; u += 0.01) {
    const double x = far.Quantile(u);
    CAPTURE(u);
    CHECK(x >= previous);
    CHECK(x <= 41);
    previous = x;
  }
  // The lower tail is the mirror image, and an open-ended far tail works too.
  CHECK(truncated(0, 1, -41, -40).Quantile(0.5) == doctest::Approx(-40 - std::log(2.0) / 40).epsilon(1e-5));
  CHECK(truncated(0, 1, 1000, 1e300).Quantile(0.5) == doctest::Approx(1000 + std::log(2.0) / 1000).epsilon(1e-9));
  CHECK(truncated(5, 1, 5, 6).Quantile(0.3) > 5);
}

TEST_CASE("Robustness.MergeRefusesDamagedShardsAndLeavesNothing") {
  // Each damage once crashed merge, made it allocate gigabytes, or merged a wrong answer with exit 0.
  TempDir dir;
  WriteBytes(dir.File("small.textproto"), testing::SmallWorldText());
  WriteBytes(dir.File("e.textproto"), Experiment(""));
  for (const char* shard : {"1", "2"}) {
    const Result result = Reesim("experiment --spec " + dir.File("e.textproto") + " --quiet --shard " + shard +
                                 "/2 --out " + dir.File(std::string("s") + shard));
    REQUIRE(result.exit_code == 0);
  }
  const std::string original = testing::FileBytes(dir.File("s1/shard.jsonl"));
  const std::size_t header_end = original.find('\n');
  const std::string header = original.substr(0, header_end + 1);
  const std::string first_record = original.substr(header_end + 1, original.find('\n', header_end + 1) - header_end);
  const std::string rest = original.substr(header_end + 1 + first_record.size());
  auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  struct Damage {
    std::string shard_bytes;
    std::string expected;
  };
  const std::string shards_field = "\"shards\":2";
  const std::vector<Damage> damages = {
      {header + replaced(first_record, "\"outcomes\":[", "\"outcomes\":[\"0x1p+0\",") + rest,
       "run 1 of the shard is damaged: 2 outcomes where the experiment has 1"},
      {header + replaced(first_record, "\"outcomes\":[\"", "\"outcomes\":[\"x") + rest, "not a number"},
      {header + replaced(first_record, "\"series\":[[", "\"series\":[[],[") + rest, "2 series where 1 belong"},
      {header + replaced(first_record, "\"arm\":0", "\"arm\":99999999999") + rest, "\"arm\" is not a run index"},
      {header + replaced(first_record, "\"parameters\":[]", "\"parameters\":[\"0x1p+0\"]") + rest,
       "not the experiment's sample point"},
      {replaced(header, shards_field, "\"shards\":2147483647") + first_record + rest,
       "claims to be one of 2147483647 shards, but 2 shard directories were given"},
      {original + "garbage\n", "holds more than its share"},
      {header + first_record.substr(0, first_record.size() / 2), "is missing or cut off"},
  };
  for (const Damage& damage : damages) {
    CAPTURE(damage.expected);
    std::filesystem::remove_all(dir.File("d"));
    std::filesystem::create_directories(dir.File("d"));
    WriteBytes(dir.File("d/shard.jsonl"), damage.shard_bytes);
    ExpectRefused("merge " + dir.File("d") + " " + dir.File("s2") + " --out " + dir.File("merged"), damage.expected);
    CHECK(!std::filesystem::exists(dir.File("merged")));  // a refused merge leaves no output directory
  }
  // The undamaged shards still merge.
  const Result merged = Reesim("merge " + dir.File("s1") + " " + dir.File("s2") + " --out " + dir.File("merged"));
  CAPTURE(merged.out);
  CHECK(merged.exit_code == 0);
  CHECK(std::filesystem::exists(dir.File("merged/runs.csv")));
}

TEST_CASE("Robustness.StringsAreUtf8AndIdsShortWithoutControlCharacters") {
  TempDir dir;
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string long_id(1 << 20, 'x');
  const std::vector<Case> cases = {
      // Protobuf's text parser takes "\377"; the snapshot it wrote could not be read back.
      {testing::SmallWorldWith("name: \"small\"", "name: \"\\377\""), "name = \"\\xff\": not valid UTF-8 text"},
      {testing::SmallWorldWith("id: \"magnet\"", "id: \"mag\\nnet\""), "an id with a control character"},
      {testing::SmallWorldWith("id: \"magnet\"", "id: \"" + long_id + "\""), "an id longer than 256 bytes"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.expected);
    WriteBytes(dir.File("bad.textproto"), c.text);
    const Result result = Reesim("check " + dir.File("bad.textproto"));
    CAPTURE(result.out.substr(0, 300));
    CHECK(result.exit_code == 2);
    CHECK(result.out.find(c.expected) != std::string::npos);
    CHECK(result.out.size() < 400);  // a 1 MB id is not echoed in full
    CHECK(result.out.find('\n') == result.out.size() - 1);
  }
}

TEST_CASE("Robustness.InspectWritesValidCsvAndJson") {
  // A name with a comma and a quote must stay one CSV cell; NaN is not JSON.
  CHECK(run::CsvCell("plain") == "plain");
  CHECK(run::CsvCell("a,b") == "\"a,b\"");
  CHECK(run::CsvCell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(run::CsvCell("two\nlines") == "\"two\nlines\"");
  TempDir dir;
  std::string world = testing::SmallWorldText();
  for (std::size_t at = world.find("\"magnet\""); at != std::string::npos; at = world.find("\"magnet\"", at)) {
    world.replace(at, 8, "\"mag,\\\"net\"");
  }
  WriteBytes(dir.File("small.textproto"), world);
  const Result run = Reesim("run --scenario " + dir.File("small.textproto") + " --rounds 2 --quiet --out " + dir.File("out"));
  CAPTURE(run.out);
  REQUIRE(run.exit_code == 0);
  const Result csv = Reesim("inspect --format csv " + dir.File("out/run.pbs"));
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out.find("\"price.mag,\"\"net\"") != std::string::npos);
  std::istringstream lines(csv.out);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    // Every row has 4 cells once quoted cells are taken whole.
    int cells = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++cells;
    }
    CAPTURE(line);
    CHECK(cells == 4);
    ++rows;
  }
  CHECK(rows > 10);
  const Result jsonl = Reesim("inspect --format jsonl " + dir.File("out/run.pbs"));
  REQUIRE(jsonl.exit_code == 0);
  CHECK(jsonl.out.find("NaN") == std::string::npos);
  CHECK(jsonl.out.find("Infinity") == std::string::npos);
  std::istringstream json_lines(jsonl.out);
  while (std::getline(json_lines, line)) {
    boost::system::error_code error;
    boost::json::parse(line, error);
    CAPTURE(line.substr(0, 200));
    CHECK(!error);
  }
}

}  // namespace
}  // namespace reesim
