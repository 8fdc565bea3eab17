// The real `reesim` program: every bad-input case, exit codes, error format, and outputs.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "test_support.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

Result Reesim(const std::string& args) {
  const std::string command = std::string(REESIM_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Result result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Scenario(const std::string& replace_from, const std::string& replace_to) {
  std::string text = testing::SmallWorldText();
  const auto at = text.find(replace_from);
  REQUIRE(at != std::string::npos);
  text.replace(at, replace_from.size(), replace_to);
  return text;
}

TEST_CASE("Cli.BadScenariosExit2WithLocationAndLeaveNoOutput") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::string expected;  // in the error message
  };
  const std::vector<Case> cases = {
      {"syntax error", Scenario("regions { id: \"BBB\" actor: \"B\" }", "regions { id: \"BBB\" actor: \"B\" "),
       "bad.textproto:"},
      {"unknown field", Scenario("rounds: 4", "roundz: 4"), "bad.textproto:4:7: Message type \"reesim.Scenario\" has no field named \"roundz\""},
      {"negative capacity", Scenario("capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 2",
                                     "capacity_tonnes_per_year: -5 unit_cost_usd_per_kg: 2"),
       "plants[0] (\"mine\").capacity_tonnes_per_year = -5"},
      {"plant in unknown region", Scenario("plants { id: \"mine\" region: \"AAA\"", "plants { id: \"mine\" region: \"ZZZ\""),
       "plants[0] (\"mine\").region = \"ZZZ\": unknown region"},
      {"product with no stage", Scenario("products { id: \"ox\" stage: SEPARATION", "products { id: \"ox\""),
       "products[1] (\"ox\").stage"},
      {"empty file", "", "the scenario is empty"},
      {"comments only", "# nothing here\n\n", "the scenario is empty"},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    WriteBytes(dir.File("bad.textproto"), c.text);
    const std::string out_dir = dir.File(std::string("out-") + c.name);
    const Result run = Reesim("run --scenario " + dir.File("bad.textproto") + " --out '" + out_dir + "'");
    CHECK(run.exit_code == 2);
    CHECK(run.out.rfind("reesim: error: ", 0) == 0);
    CHECK(run.out.find(c.expected) != std::string::npos);
    CHECK(!std::filesystem::exists(out_dir + "/run.pbs"));
    CHECK(!std::filesystem::exists(out_dir + "/run.pbs.tmp"));
    const Result check = Reesim("check " + dir.File("bad.textproto"));
    CHECK(check.exit_code == 2);
    CHECK(check.out.find(c.expected) != std::string::npos);
  }
  const Result missing = Reesim("run --scenario " + dir.File("nope.textproto") + " --out " + dir.File("o"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.find("nope.textproto: cannot open file") != std::string::npos);
}

TEST_CASE("Cli.BadUsageExits2") {
  CHECK(Reesim("").exit_code == 2);
  CHECK(Reesim("frobnicate").exit_code == 2);
  CHECK(Reesim("run --rounds 0").exit_code == 2);
  CHECK(Reesim("run --no-such-flag").exit_code == 2);
  CHECK(Reesim("inspect").exit_code == 2);
  const Result format = Reesim("inspect x.pbs --format xml");
  CHECK(format.exit_code == 2);
  CHECK(format.out.find("--format must be jsonl, csv or text") != std::string::npos);
}

TEST_CASE("Cli.HelpAndVersion") {
  const Result version = Reesim("--version");
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("snapshot format " + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION)) != std::string::npos);
  for (const char* command : {"--help", "run --help", "inspect --help", "check --help"}) {
    CAPTURE(command);
    const Result help = Reesim(command);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("usage: reesim") != std::string::npos);
  }
}

TEST_CASE("Cli.RunWritesSnapshotsThatInspectReads") {
  TempDir dir;
  const Result run = Reesim("run --rounds 3 --threads 2 --out " + dir.File("out"));
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("Prices, USD/kg") != std::string::npos);
  CHECK(run.out.find("Shares of world output") != std::string::npos);
  CHECK(run.out.find("Unmet demand") != std::string::npos);
  const std::string pbs = dir.File("out/run.pbs");
  REQUIRE(std::filesystem::exists(pbs));
  CHECK(std::filesystem::exists(dir.File("out/run-info.json")));

  const Result jsonl = Reesim("inspect " + pbs + " --format jsonl");
  CHECK(jsonl.exit_code == 0);
  CHECK(jsonl.out.find("\"complete\":true") != std::string::npos);
  CHECK(jsonl.out.find("{\"round\":0,\"period\":\"2024Q1\",\"metrics\":{") != std::string::npos);
  CHECK(jsonl.out.find("\"round\":2,\"period\":\"2024Q3\"") != std::string::npos);
  CHECK(jsonl.out.find("\"share.mining.CHN\":") != std::string::npos);
  const Result csv = Reesim("inspect " + pbs + " --format csv");
  CHECK(csv.out.rfind("round,period,metric,value\n", 0) == 0);
  CHECK(csv.out.find("\n2,2024Q3,price.ndpr_oxide,") != std::string::npos);
  CHECK(Reesim("inspect " + pbs + " --format text").out.find("round 2 (2024Q3)") != std::string::npos);

  // A truncated file: exit 0, a warning, and the complete rounds only.
  const std::string bytes = testing::FileBytes(pbs);
  WriteBytes(dir.File("cut.pbs"), bytes.substr(0, bytes.size() * 3 / 4));
  const Result cut = Reesim("inspect " + dir.File("cut.pbs"));
  CHECK(cut.exit_code == 0);
  CHECK(cut.out.find("reesim: warning:") != std::string::npos);
  CHECK(cut.out.find("truncated") != std::string::npos);
  CHECK(cut.out.find("\"complete\":false") != std::string::npos);
  WriteBytes(dir.File("empty.pbs"), "");
  const Result empty = Reesim("inspect " + dir.File("empty.pbs"));
  CHECK(empty.exit_code == 2);
  CHECK(empty.out.find("empty") != std::string::npos);
  const Result scenario_as_snapshot = Reesim("inspect " + std::string(REESIM_SOURCE_DIR) + "/scenarios/baseline_2024.textproto");
  CHECK(scenario_as_snapshot.exit_code == 2);
  CHECK(scenario_as_snapshot.out.find("not a reesim snapshot file") != std::string::npos);
}

TEST_CASE("Cli.CheckAcceptsTheShippedBaselineAndRunMatchesTheBuiltIn") {
  const std::string file = std::string(REESIM_SOURCE_DIR) + "/scenarios/baseline_2024.textproto";
  const Result check = Reesim("check " + file);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find(": ok:") != std::string::npos);
  TempDir dir;
  REQUIRE(Reesim("run --quiet --rounds 2 --out " + dir.File("a")).exit_code == 0);
  REQUIRE(Reesim("run --quiet --rounds 2 --scenario " + file + " --out " + dir.File("b")).exit_code == 0);
  CHECK(Reesim("inspect " + dir.File("a/run.pbs")).out == Reesim("inspect " + dir.File("b/run.pbs")).out);
}

TEST_CASE("Cli.ValidateRunsTheLibraryAndFailsOnAFailedCheck") {
  const Result library = Reesim("validate --threads 2");
  CHECK(library.exit_code == 0);
  CHECK(library.out.find("PASS China's share of mine output") != std::string::npos);
  CHECK(library.out.find("passed") != std::string::npos);
  TempDir dir;
  WriteBytes(dir.File("failing.textproto"), testing::SmallWorldText(
      R"(checks { name: "magnets cost less than a cent" value { metric: "price.magnet" } max: 0.01 source: "nobody" })"));
  const Result failing = Reesim("validate --scenario " + dir.File("failing.textproto"));
  CHECK(failing.exit_code == 1);
  CHECK(failing.out.find("FAIL magnets cost less than a cent") != std::string::npos);
  WriteBytes(dir.File("bad.textproto"), testing::SmallWorldText(R"(checks { value { metric: "x" } min: 1 })"));
  const Result bad = Reesim("validate --scenario " + dir.File("bad.textproto"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("every check names the public source") != std::string::npos);
  CHECK(Reesim("validate --help").exit_code == 0);
}

TEST_CASE("Cli.ExperimentWritesOutputsAndRefusesBadFilesWithoutTouchingThem") {
  TempDir dir;
  const std::string example = std::string(REESIM_SOURCE_DIR) + "/experiments/examples/export_control_arms.textproto";
  const Result run = Reesim("experiment --spec " + example + " --threads 2 --out " + dir.File("out"));
  REQUIRE(run.exit_code == 0);
  for (const char* file : {"runs.csv", "summary.csv", "summary.json", "bands.csv", "experiments.csv", "outcomes.csv"}) {
    CAPTURE(file);
    CHECK(std::filesystem::exists(dir.File(std::string("out/") + file)));
  }
  // EMA Workbench layout: a header and one row per run (3 arms x 24 replicates) in both tables.
  const std::string ema = testing::FileBytes(dir.File("out/experiments.csv"));
  CHECK(ema.find(",scenario,policy\n") != std::string::npos);
  CHECK(std::count(ema.begin(), ema.end(), '\n') == 73);
  const std::string outcomes = testing::FileBytes(dir.File("out/outcomes.csv"));
  CHECK(std::count(outcomes.begin(), outcomes.end(), '\n') == 73);
  const std::string summary = testing::FileBytes(dir.File("out/summary.csv"));
  CHECK(summary.rfind("arm,outcome,statistic,value\n", 0) == 0);
  CHECK(summary.find("controls,dy_price_peak,diff_vs_no_policy_mean,") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("out/summary.json")).find("\"experiment_sha256\"") != std::string::npos);
  // Replaying one run prints its outcomes.
  const Result replay = Reesim("experiment --spec " + example + " --only-arm controls --only-replicate 3");
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("dy_price_peak = ") != std::string::npos);
  // A bad experiment exits 2 and leaves the earlier outputs as they were.
  WriteBytes(dir.File("bad.textproto"), "scenario: \"baseline_2024\" replicates: 0");
  const Result bad = Reesim("experiment --spec " + dir.File("bad.textproto") + " --out " + dir.File("out"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("replicates = 0: must be at least 1") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("out/summary.csv")) == summary);
}

}  // namespace
}  // namespace reesim
