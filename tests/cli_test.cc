// The real `reesim` program: every bad-input case, exit codes, error format, and outputs.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <cstdio>

#include "experiments/experiment.h"
#include "games/empirical_game.h"
#include "run/snapshot_io.h"
#include "cli_support.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;

using Result = testing::ProgramResult;

using testing::Reesim;

// Returns the peak resident memory (kB) of `reesim args...`, as the kernel counted it for that child.
long PeakResidentKilobytes(std::vector<std::string> args) {
  args.insert(args.begin(), REESIM_BINARY);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::execv(REESIM_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  REQUIRE(::wait4(child, &status, 0, &usage) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return usage.ru_maxrss;
}

TEST_CASE("Cli.BadScenariosExit2WithLocationAndLeaveNoOutput") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::string expected;  // in the error message
  };
  const std::vector<Case> cases = {
      {"syntax error", testing::SmallWorldWith("regions { id: \"BBB\" actor: \"B\" }", "regions { id: \"BBB\" actor: \"B\" "),
       "bad.textproto:"},
      {"unknown field", testing::SmallWorldWith("rounds: 4", "roundz: 4"), "bad.textproto:4:7: Message type \"reesim.Scenario\" has no field named \"roundz\""},
      {"negative capacity", testing::SmallWorldWith("capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 2",
                                     "capacity_tonnes_per_year: -5 unit_cost_usd_per_kg: 2"),
       "plants[0] (\"mine\").capacity_tonnes_per_year = -5"},
      // Magnitudes the markets cannot carry are refused at load, not in the first round with a message
      // about growth (a new user's `check` said ok and `run` failed).
      {"capacity beyond the market units", testing::SmallWorldWith("capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 2",
                                     "capacity_tonnes_per_year: 1e30 unit_cost_usd_per_kg: 2"),
       "plants[0] (\"mine\").capacity_tonnes_per_year = 1e+30: must be at most 1e+12"},
      {"cost beyond the market units", testing::SmallWorldWith("capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 2",
                                     "capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 1e20"),
       "plants[0] (\"mine\").unit_cost_usd_per_kg = 1e+20: must be at most 1e+09 USD/kg"},
      {"choke price beyond the market units", testing::SmallWorldWith("base_tonnes_per_year: 2000 elasticity: -0.3 }",
                                     "base_tonnes_per_year: 2000 elasticity: -0.3 reference_price_usd_per_kg: 9e8 }"),
       "reference_price_usd_per_kg = 9e+08: its choke price, "},
      {"plant in unknown region", testing::SmallWorldWith("plants { id: \"mine\" region: \"AAA\"", "plants { id: \"mine\" region: \"ZZZ\""),
       "plants[0] (\"mine\").region = \"ZZZ\": unknown region"},
      {"product with no stage", testing::SmallWorldWith("products { id: \"ox\" stage: SEPARATION", "products { id: \"ox\""),
       "products[1] (\"ox\").stage"},
      {"recipe change of a product not in the recipe",
       testing::SmallWorldWith("made_from { product: \"ox\" tonnes_per_tonne: 1 } }",
                "made_from { product: \"ox\" tonnes_per_tonne: 1 } recipe_changes { product: \"rest\" tonnes_per_tonne: 0.5 "
                "start_round: 1 end_round: 3 } }"),
       "products[3] (\"alloy\").recipe_changes[0].product = \"rest\": is not in the recipe"},
      {"recipe change ending before it starts",
       testing::SmallWorldWith("made_from { product: \"ox\" tonnes_per_tonne: 1 } }",
                "made_from { product: \"ox\" tonnes_per_tonne: 1 } recipe_changes { product: \"ox\" tonnes_per_tonne: 0.5 "
                "start_round: 3 end_round: 3 } }"),
       "need 0 <= start_round < end_round"},
      {"price thrift of a product not in the recipe",
       testing::SmallWorldWith("made_from { product: \"ox\" tonnes_per_tonne: 1 } }",
                "made_from { product: \"ox\" tonnes_per_tonne: 1 } price_thrift { product: \"rest\" max_cut: 0.5 speed: 0.1 } }"),
       "products[3] (\"alloy\").price_thrift[0].product = \"rest\": is not in the recipe"},
      {"price thrift cutting the whole share",
       testing::SmallWorldWith("made_from { product: \"ox\" tonnes_per_tonne: 1 } }",
                "made_from { product: \"ox\" tonnes_per_tonne: 1 } price_thrift { product: \"ox\" max_cut: 1 speed: 0.1 } }"),
       "products[3] (\"alloy\").price_thrift[0].max_cut = 1: must be in (0, 1)"},
      {"too many price discovery passes",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 price_discovery_passes: 11 }"),
       "market.price_discovery_passes = 11: must be between 1 and 10"},
      {"speculation in an unknown product",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 speculation { products: \"dust\" max_cover_rounds: 1 } }"),
       "market.speculation.products[0] = \"dust\": unknown product"},
      {"speculation with no cover",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 speculation { products: \"ox\" } }"),
       "market.speculation.max_cover_rounds = 0: must be above 0 and at most 20 rounds of use"},
      {"speculation full below its threshold",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 speculation { products: \"ox\" max_cover_rounds: 1 "
                "threshold_return: 0.4 full_return: 0.2 } }"),
       "market.speculation.full_return = 0.2: must be above threshold_return (0.4)"},
      {"speculation in a product listed twice",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 speculation { products: \"ox\" products: \"ox\" max_cover_rounds: 1 } }"),
       "market.speculation.products[1] = \"ox\": listed twice"},
      {"speculation in an unknown region",
       testing::SmallWorldWith("market { default_transport_usd_per_kg: 1 }",
                "market { default_transport_usd_per_kg: 1 speculation { products: \"ox\" max_cover_rounds: 1 regions: \"ZZZ\" } }"),
       "market.speculation.regions[0] = \"ZZZ\": unknown region"},
      {"market power on a processor",
       testing::SmallWorldWith("product: \"alloy\" capacity_tonnes_per_year: 2000 unit_cost_usd_per_kg: 2 }",
                "product: \"alloy\" capacity_tonnes_per_year: 2000 unit_cost_usd_per_kg: 2 market_power: true }"),
       "(\"smelter\").market_power = true: market power is modelled for mines and recyclers only"},
      {"substitution ceiling of a demand above 1",
       testing::SmallWorldWith("base_tonnes_per_year: 2000 elasticity: -0.3 }",
                "base_tonnes_per_year: 2000 elasticity: -0.3 substitution_max_share: 1.5 }"),
       "demand[3].substitution_max_share = 1.5: must be between 0 and 1"},
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

TEST_CASE("Cli.MetricsListsTheCatalogueWithUnits") {
  const Result families = Reesim("metrics --format json");
  REQUIRE(families.exit_code == 0);
  const boost::json::array list = boost::json::parse(families.out).as_array();
  CHECK(list.size() > 20);
  bool price = false, trade = false;
  for (const boost::json::value& family : list) {
    const boost::json::object& f = family.as_object();
    if (f.at("pattern") == "price.<product>.<REGION>") price = f.at("unit") == "USD/kg" && !f.at("absent_is_zero").as_bool();
    if (f.at("pattern") == "trade.<product>.<FROM>.<TO>") trade = f.at("absent_is_zero").as_bool();
  }
  CHECK(price);
  CHECK(trade);
  const Result names = Reesim("metrics --scenario quota_crisis_2010");
  CHECK(names.exit_code == 0);
  CHECK(names.out.find("price.dy_oxide.CHN  [USD/kg]\n") != std::string::npos);
  CHECK(Reesim("metrics --format xml").exit_code == 2);
  CHECK(Reesim("metrics --scenario no_such_scenario").exit_code == 2);
}

TEST_CASE("Cli.ManualPageHoldsEveryCommandsHelp") {
  // Built beside the program from its own --help texts (cmake/man_page.cmake), installed as man1/reesim.1.
  const std::string page = testing::FileBytes((std::filesystem::path(REESIM_BINARY).parent_path() / "reesim.1").string());
  REQUIRE(!page.empty());
  CHECK(page.rfind(".TH REESIM 1", 0) == 0);
  for (const char* command : {"run", "inspect", "metrics", "check", "validate", "experiment", "merge", "bench", "game", "serve"}) {
    CAPTURE(command);
    std::string title = command;
    std::transform(title.begin(), title.end(), title.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    CHECK(page.find(".SH REESIM " + title + "\n.nf\nusage: reesim " + command) != std::string::npos);
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
  // Text: a summary per round for people, not every metric.
  const Result text = Reesim("inspect " + pbs + " --format text");
  CHECK(text.out.find("round 2 (2024Q3)") != std::string::npos);
  for (const char* section : {"prices, USD/kg", "shares of world output", "unmet demand, share of demand", "payoffs, USD million"}) {
    CAPTURE(section);
    CHECK(text.out.find(section) != std::string::npos);
  }
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') < 60 * 3);
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') * 5 < std::count(csv.out.begin(), csv.out.end(), '\n'));
  // --metrics filters every format; a pattern matching nothing is refused.
  const Result filtered = Reesim("inspect " + pbs + " --format csv --metrics 'price.dy_oxide*,payoff.USA'");
  CHECK(filtered.exit_code == 0);
  CHECK(filtered.out.find(",price.dy_oxide.CHN,") != std::string::npos);
  CHECK(filtered.out.find(",payoff.USA,") != std::string::npos);
  CHECK(filtered.out.find(",payoff.USA.") == std::string::npos);
  CHECK(filtered.out.find(",share.") == std::string::npos);
  const Result text_filtered = Reesim("inspect " + pbs + " --format text --metrics 'payoff.USA.*'");
  CHECK(text_filtered.out.find("payoff.USA.consumer_surplus") != std::string::npos);
  // Both text forms open with the file's header, and no column name is cut short.
  CHECK(text_filtered.out.rfind("scenario baseline_2024, seed ", 0) == 0);
  CHECK(text.out.rfind("scenario baseline_2024, seed ", 0) == 0);
  CHECK(text.out.find(" electronics ") != std::string::npos);
  CHECK(Reesim("inspect " + pbs + " --metrics 'prise.*'").exit_code == 2);

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

TEST_CASE("Cli.LibraryScenariosByNameWhereverAScenarioFileIsAccepted") {
  const Result check = Reesim("check quota_crisis_2010");
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("ok: scenario") != std::string::npos);
  TempDir dir;
  const std::string file = std::string(REESIM_SOURCE_DIR) + "/scenarios/quota_crisis_2010.textproto";
  REQUIRE(Reesim("run --quiet --scenario quota_crisis_2010 --out " + dir.File("a")).exit_code == 0);
  REQUIRE(Reesim("run --quiet --scenario " + file + " --out " + dir.File("b")).exit_code == 0);
  CHECK(Reesim("inspect " + dir.File("a/run.pbs")).out == Reesim("inspect " + dir.File("b/run.pbs")).out);
  // Its checks pass; the whole-run sanity band does not yet (kValidationCounts below has the counts).
  const Result validate = Reesim("validate --scenario quota_crisis_2010");
  CHECK(validate.out.find("11 passed, 0 failed") != std::string::npos);
  CHECK(validate.out.find("whole-run sanity: 15 violation(s) in 15 series") != std::string::npos);
  CHECK(validate.out.find("pinned at the top step of the electronics demand (27.5 x P0 = 3162 $/kg)") != std::string::npos);
  CHECK(validate.out.find("against public prices (quota_crisis_2010, run/data/reference_prices.csv)") != std::string::npos);
  CHECK(validate.out.find("overall: 30 point(s), RMSE ") != std::string::npos);
  CHECK(validate.out.find("not compared") == std::string::npos);  // every row of its history is matched
  CHECK(validate.exit_code == 1);
  const Result unknown = Reesim("run --scenario quota_crisis_2011 --out " + dir.File("c"));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.find("nor a library scenario") != std::string::npos);
  CHECK(unknown.out.find("quota_crisis_2010") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.File("c")));
  CHECK(Reesim("run --help").out.find("export_controls_2025") != std::string::npos);
}

// A run's output folder named after its scenario, in the working directory, does not hide the library
// scenario of that name the next time; a directory of any other name is still not a scenario.
TEST_CASE("Cli.ADirectoryNamedAfterALibraryScenarioDoesNotHideIt") {
  TempDir dir;
  const std::string in_dir = "cd " + dir.path().string() + " && " + REESIM_BINARY + " ";
  const auto shell = [](const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); };
  REQUIRE(shell(in_dir + "run --quiet --rounds 2 --scenario quota_crisis_2010 --out quota_crisis_2010") == 0);
  REQUIRE(std::filesystem::is_directory(dir.File("quota_crisis_2010")));
  CHECK(shell(in_dir + "run --quiet --rounds 2 --scenario quota_crisis_2010 --out again") == 0);
  CHECK(Reesim("inspect " + dir.File("again/run.pbs")).out == Reesim("inspect " + dir.File("quota_crisis_2010/run.pbs")).out);
  std::filesystem::create_directories(dir.File("not_a_scenario"));
  const Result other = testing::RunProgram(in_dir + "check", "not_a_scenario");
  CHECK(other.exit_code == 2);
  CHECK(other.out.find("not_a_scenario: not a regular file") != std::string::npos);
}

TEST_CASE("Cli.ADerivedScenarioCanTurnLicencesOnPastTradeOff") {
  // baseline_2024 sets market.licences_on_past_trade; a scenario built on it can set it false again
  // (the field has presence, so false overrides the base when the two merge).
  TempDir dir;
  WriteBytes(dir.File("off.textproto"),
             "base_scenario: \"export_controls_2025\"\nname: \"off\"\nmarket { licences_on_past_trade: false }\n");
  REQUIRE(Reesim("run --quiet --scenario export_controls_2025 --out " + dir.File("on")).exit_code == 0);
  REQUIRE(Reesim("run --quiet --scenario " + dir.File("off.textproto") + " --out " + dir.File("off")).exit_code == 0);
  const auto dy_exports_2025q4 = [&](const std::string& run) {
    const run::SnapshotFile file = run::ReadSnapshotFile(dir.File(run + "/run.pbs"));
    REQUIRE(file.round_data.size() > 7);
    REQUIRE(file.round_data[7].period == "2025Q4");
    const auto& metrics = file.round_data[7].metrics;
    const auto it = std::find_if(metrics.begin(), metrics.end(), [](const auto& m) { return m.first == "exports.dy_oxide.CHN"; });
    REQUIRE(it != metrics.end());
    return it->second;
  };
  // Half of the 24 t a quarter China exported before the control, against half of all tonnes bid.
  // (32.1 t off at 2026-12-07's bundle bids: makers abroad under water bid Dy less than before.)
  const double on = dy_exports_2025q4("on");
  CHECK(on == doctest::Approx(12.3).epsilon(0.01));
  CHECK(dy_exports_2025q4("off") > 2 * on);
}

// What `validate --summary` counts for every library scenario at seed 1, as the program counts them
// today: failed checks and whole-run sanity violations (issue 15, point 7, expects 0 everywhere; every
// declared check passes), and the chain audit (world/round.h, ChainAudit; point 2 expects no loss
// producer): plant-rounds in which a processor produced although its inputs at its region's prices plus
// processing cost more than 5 % above its outputs' value, and plant-rounds idle with such a margin. The
// lead updates the table when the economics that cause them are reworked. Regenerate it with
//   build/release/cli/reesim validate --summary | grep '^summary'
// (the scenario pages docs/scenarios/<name>.md quote the same counts).
struct ValidationCounts {
  int failed_checks;
  int sanity_violations;
  int chain_losses;
  int chain_idle_margins;
};
const std::map<std::string, ValidationCounts> kValidationCounts = {
    {"alloy_trade", {0, 0, 0, 2}},
    {"baseline_2024", {0, 0, 0, 2}},
    {"brazil_and_global_south", {0, 0, 6, 27}},
    {"export_controls_2025", {0, 20, 3, 18}},
    {"japan_eu_partnership", {0, 0, 0, 3}},
    {"quad_initiative_2025", {0, 0, 0, 4}},
    {"quota_crisis_2010", {0, 15, 41, 55}},
    {"tariff_war_2025", {0, 4, 3, 15}},
    {"us_russia_ukraine", {0, 0, 0, 3}},
};

TEST_CASE("Cli.ValidateRunsTheLibraryAndFailsOnAFailedCheck") {
  const Result library = Reesim("validate --threads 2 --summary");
  CHECK(library.out.find("PASS China's share of mine output") != std::string::npos);
  CHECK(library.out.find("passed") != std::string::npos);
  // The failed checks, the sanity band's count and the chain audit's per scenario are the table's.
  int failures = 0;
  for (const auto& [name, counts] : kValidationCounts) {
    CAPTURE(name);
    const std::size_t at = library.out.find("summary " + name + " failed_checks=");
    REQUIRE(at != std::string::npos);
    const std::string line = library.out.substr(at, library.out.find('\n', at) - at);
    CHECK(line.starts_with("summary " + name + " failed_checks=" + std::to_string(counts.failed_checks) +
                           " sanity_violations=" + std::to_string(counts.sanity_violations) + " "));
    // The chain audit is reported per scenario (and does not fail validate).
    CHECK(line.ends_with(" chain_losses=" + std::to_string(counts.chain_losses) +
                         " chain_idle_margins=" + std::to_string(counts.chain_idle_margins)));
    failures += counts.failed_checks + counts.sanity_violations;
    // The audit's plant-rounds by plant add up to its counts.
    const std::size_t block = library.out.find(name + " (<built-in " + name + ">");
    REQUIRE(block != std::string::npos);
    const std::string text = library.out.substr(block, library.out.find("\n\n", block) - block);
    auto by_plant_total = [&](const std::string& what) {
      const std::string head = "    " + what + ", by plant (rounds): ";
      const std::size_t from = text.find(head);
      if (from == std::string::npos) return 0;
      const std::string list = text.substr(from + head.size(), text.find_first_of(";\n", from) - from - head.size());
      // "plant N (...)" for the plants shown, then ", K other plant(s) M".
      static const std::regex kCount(R"((?:^|, )(?:[a-z_]+|\d+ other plant\(s\)) (\d+)(?: \(|$))");
      int total = 0;
      for (auto it = std::sregex_iterator(list.begin(), list.end(), kCount); it != std::sregex_iterator(); ++it) {
        total += std::stoi((*it)[1]);
      }
      return total;
    };
    CHECK(by_plant_total("losses") == counts.chain_losses);
    CHECK(by_plant_total("idle with a margin") == counts.chain_idle_margins);
  }
  // Brazil's idle margins are all separators outside China whose own output stock held their output
  // target below capacity (docs/model.md, "Brazil's idle margins"); export_controls_2025 lists its five
  // plants with the most and sums the rest.
  CHECK(library.out.find("    idle with a margin, by plant (rounds): mp_separation 9 (first 2025Q4, last 2027Q4), "
                         "lynas_malaysia 6 (first 2026Q3, last 2027Q4), ire_separation 6 (first 2026Q3, last 2027Q4), "
                         "solikamsk 4 (first 2026Q3, last 2027Q2), npm_silmet 2 (first 2026Q3, last 2026Q4); "
                         "27 of 27 held back by the plant's own output target\n") != std::string::npos);
  CHECK(library.out.find("    losses, by plant (rounds): de_vac 3 (first 2025Q3, last 2026Q1)\n") != std::string::npos);
  CHECK(library.exit_code == (failures > 0 ? 1 : 0));
  CHECK(library.out.find("chain (reported, not failed): 3 plant-round(s) producing at a loss beyond 5 % (largest 27 %)") !=
        std::string::npos);
  // The historical scenarios report the RMSE of log prices against the public series.
  CHECK(library.out.find("against public prices (quota_crisis_2010, run/data/reference_prices.csv)") != std::string::npos);
  CHECK(library.out.find("against public prices (oxides_2024_2025, run/data/reference_prices.csv)") != std::string::npos);
  CHECK(library.out.find("summary baseline_2024 failed_checks=0 sanity_violations=0 log_rmse=-") != std::string::npos);
  TempDir dir;
  WriteBytes(dir.File("failing.textproto"), testing::SmallWorldText(
      R"(checks { name: "magnets cost less than a cent" value { metric: "price.magnet" } max: 0.01 source: "nobody" })"));
  const Result failing = Reesim("validate --scenario " + dir.File("failing.textproto"));
  CHECK(failing.exit_code == 1);
  CHECK(failing.out.find("FAIL magnets cost less than a cent") != std::string::npos);
  // A run whose checks pass and whose prices stay in the band passes; a band narrowed to x1.0001 a round
  // fails it on the first move of any price.
  const std::string passing =
      R"(checks { name: "magnets cost something" value { metric: "price.magnet" } min: 0.01 source: "anybody" })";
  WriteBytes(dir.File("passing.textproto"), testing::SmallWorldText(passing));
  const Result passed = Reesim("validate --scenario " + dir.File("passing.textproto"));
  CHECK(passed.exit_code == 0);
  CHECK(passed.out.find("whole-run sanity: 0 violation(s)") != std::string::npos);
  WriteBytes(dir.File("narrow.textproto"), testing::SmallWorldText(passing + " validation { max_move: 1.0001 }"));
  const Result narrow = Reesim("validate --scenario " + dir.File("narrow.textproto"));
  CHECK(narrow.exit_code == 1);
  CHECK(narrow.out.find("no policy event this round or the last") != std::string::npos);
  WriteBytes(dir.File("bad.textproto"), testing::SmallWorldText(R"(checks { value { metric: "x" } min: 1 })"));
  const Result bad = Reesim("validate --scenario " + dir.File("bad.textproto"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("every check names the public source") != std::string::npos);
  CHECK(Reesim("validate --help").exit_code == 0);
}

TEST_CASE("Cli.CheckValidatesExperimentFilesToo") {
  const Result good = Reesim("check " + std::string(REESIM_SOURCE_DIR) + "/experiments/examples/export_control_arms.textproto");
  CHECK(good.exit_code == 0);
  CHECK(good.out.find("ok: experiment 'export_control_arms', 3 arms") != std::string::npos);
  // Every worked example is a valid experiment or empirical game.
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(REESIM_SOURCE_DIR) + "/experiments/examples")) {
    CAPTURE(entry.path().string());
    const Result example = Reesim("check " + entry.path().string());
    CHECK(example.exit_code == 0);
    CHECK((example.out.find("ok: experiment") != std::string::npos || example.out.find("ok: game") != std::string::npos));
    ++examples;
  }
  CHECK(examples >= 2);
  TempDir dir;
  WriteBytes(dir.File("bad.textproto"), "scenario: \"baseline_2024\" replicates: 2\nparameters { path: \"market.nope\" uniform { min: 0 max: 1 } }\noutcomes { metric: \"x\" }");
  const Result bad = Reesim("check " + dir.File("bad.textproto"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("parameters[0].path = \"market.nope\": no field 'nope' in reesim.MarketParameters") != std::string::npos);
}

TEST_CASE("Cli.CheckRefusesUnknownMetricsNamingTheFieldAndTheNearestNames") {
  TempDir dir;
  // A scenario check with a typo in the metric's family.
  WriteBytes(dir.File("check.textproto"),
             "base_scenario: \"baseline_2024\"\nchecks { name: \"t\" value { metric: \"prise.dy_oxide\" } min: 0 source: \"s\" }\n");
  const Result check = Reesim("check " + dir.File("check.textproto"));
  CHECK(check.exit_code == 2);
  CHECK(check.out.find("checks[0].value.metric = \"prise.dy_oxide\": unknown metric; nearest: price.dy_oxide") !=
        std::string::npos);
  // An experiment outcome on a product the world does not have.
  WriteBytes(dir.File("outcome.textproto"),
             "scenario: \"baseline_2024\" replicates: 2\noutcomes { metric: \"price.no_such_product\" }\n");
  const Result outcome = Reesim("check " + dir.File("outcome.textproto"));
  CHECK(outcome.exit_code == 2);
  CHECK(outcome.out.find("outcomes[0].metric = \"price.no_such_product\": unknown metric") != std::string::npos);
  // A flow that is written only when positive is a valid outcome (it reads 0 while absent).
  WriteBytes(dir.File("flow.textproto"),
             "scenario: \"baseline_2024\" replicates: 2\noutcomes { metric: \"speculative_stock.dy_oxide\" }\n");
  CHECK(Reesim("check " + dir.File("flow.textproto")).exit_code == 0);
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
  // Every CSV file opens with its provenance: version, snapshot format, experiment hash, seed.
  const std::string summary = testing::FileBytes(dir.File("out/summary.csv"));
  const std::string provenance = summary.substr(0, summary.find('\n') + 1);
  CHECK(provenance.rfind("# reesim " REESIM_VERSION "; snapshot format ", 0) == 0);
  CHECK(provenance.find("; experiment_sha256 " + experiments::LoadExperimentFile(example).sha256 + "; seed ") !=
        std::string::npos);
  for (const char* file : {"runs.csv", "bands.csv", "experiments.csv", "outcomes.csv"}) {
    CAPTURE(file);
    CHECK(testing::FileBytes(dir.File(std::string("out/") + file)).rfind(provenance, 0) == 0);
  }
  // EMA Workbench layout: provenance, a header and one row per run (3 arms x 24 replicates) in both tables.
  const std::string ema = testing::FileBytes(dir.File("out/experiments.csv"));
  CHECK(ema.find(",scenario,policy\n") != std::string::npos);
  CHECK(std::count(ema.begin(), ema.end(), '\n') == 74);
  const std::string outcomes = testing::FileBytes(dir.File("out/outcomes.csv"));
  CHECK(std::count(outcomes.begin(), outcomes.end(), '\n') == 74);
  CHECK(summary.find("\narm,outcome,statistic,value\n") == provenance.size() - 1);
  CHECK(summary.find("controls,dy_price_peak,diff_vs_no_policy_mean,") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("out/summary.json")).find("\"experiment_sha256\"") != std::string::npos);
  // Replaying one run prints its outcomes.
  const Result replay = Reesim("experiment --spec " + example + " --only-arm controls --only-replicate 3");
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("dy_price_peak = ") != std::string::npos);
  // ... exactly the values of that run in runs.csv.
  const std::string runs = testing::FileBytes(dir.File("out/runs.csv"));
  const auto row = runs.find("\ncontrols,3,");
  REQUIRE(row != std::string::npos);
  const std::string line = runs.substr(row + 1, runs.find('\n', row + 1) - row - 1);
  std::vector<std::string> cells;
  for (std::size_t start = 0, comma; start <= line.size(); start = comma + 1) {
    comma = line.find(',', start);
    if (comma == std::string::npos) comma = line.size();
    cells.push_back(line.substr(start, comma - start));
  }
  REQUIRE(cells.size() > 5);
  CHECK(replay.out.find("dy_price_peak = " + cells[5] + "\n") != std::string::npos);  // after 3 parameters
  // A bad experiment exits 2 and leaves the earlier outputs as they were.
  WriteBytes(dir.File("bad.textproto"), "scenario: \"baseline_2024\" replicates: 0");
  const Result bad = Reesim("experiment --spec " + dir.File("bad.textproto") + " --out " + dir.File("out"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("replicates = 0: must be at least 1") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("out/summary.csv")) == summary);
}

TEST_CASE("Cli.RobustnessDesignPeaksFallAsTheApprovalShareRisesInEveryReplicate") {
  // Issue 15, point 6: over a Latin hypercube of the expectation weight, every elasticity and every
  // choke price, the Dy and Tb peaks outside China fall as the licensed share rises, paired, in every
  // replicate (54 and 63 of 64 while holders offered their stock as one block; 64 and 64 since the
  // schedule). The 90 % ranges are reported in docs/scenarios/export_controls_2025.md, not asserted:
  // they are not yet within the issue's factor of 4.
  TempDir dir;
  const std::string spec = std::string(REESIM_SOURCE_DIR) + "/experiments/examples/robustness_export_controls.textproto";
  REQUIRE(Reesim("experiment --quiet --spec " + spec + " --out " + dir.File("out")).exit_code == 0);
  std::istringstream runs(testing::FileBytes(dir.File("out/runs.csv")));
  std::string line;
  std::vector<std::string> header;
  std::map<int, std::map<std::string, std::pair<double, double>>> peaks;  // replicate -> arm -> (Dy, Tb)
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    for (std::size_t start = 0, comma; start <= text.size(); start = comma + 1) {
      comma = text.find(',', start);
      if (comma == std::string::npos) comma = text.size();
      cells.push_back(text.substr(start, comma - start));
    }
    return cells;
  };
  while (std::getline(runs, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header.empty()) {
      header = split(line);
      continue;
    }
    const std::vector<std::string> cells = split(line);
    REQUIRE(cells.size() == header.size());
    const auto column = [&](const std::string& name) {
      const auto at = std::find(header.begin(), header.end(), name);
      REQUIRE(at != header.end());
      return std::stod(cells[at - header.begin()]);
    };
    peaks[std::stoi(cells[1])][cells[0]] = {column("dy_peak_outside_china"), column("tb_peak_outside_china")};
  }
  REQUIRE(peaks.size() == 64);
  for (const auto& [replicate, arms] : peaks) {
    CAPTURE(replicate);
    REQUIRE(arms.size() == 3);
    const auto& low = arms.at("approval_0.4");
    const auto& mid = arms.at("approval_0.5");
    const auto& high = arms.at("approval_0.6");
    CHECK(low.first >= mid.first);
    CHECK(mid.first >= high.first);
    CHECK(low.second >= mid.second);
    CHECK(mid.second >= high.second);
  }
}

TEST_CASE("Cli.ShardsMergeAndResumeGiveTheSameBytes") {
  TempDir dir;
  const std::string spec_path = dir.File("exp.textproto");
  WriteBytes(spec_path, R"(scenario: "baseline_2024" rounds: 3 replicates: 7 seed: 9
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
arms { name: "a" } arms { name: "b" overlay { policies { actor: "USA" import_tariff { ad_valorem: 0.1 } } } }
outcomes { metric: "price.ndfeb_magnet" aggregation: MEAN })");
  REQUIRE(Reesim("experiment --quiet --spec " + spec_path + " --threads 2 --out " + dir.File("whole")).exit_code == 0);
  for (int k = 1; k <= 3; ++k) {
    const std::string shard = std::to_string(k) + "/3";
    REQUIRE(Reesim("experiment --quiet --spec " + spec_path + " --shard " + shard + " --out " + dir.File("s" + std::to_string(k))).exit_code == 0);
  }
  const Result merge = Reesim("merge " + dir.File("s1") + " " + dir.File("s2") + " " + dir.File("s3") + " --out " + dir.File("merged"));
  REQUIRE(merge.exit_code == 0);
  for (const char* file : {"runs.csv", "summary.csv", "summary.json", "bands.csv", "experiments.csv", "outcomes.csv"}) {
    CAPTURE(file);
    CHECK(testing::FileBytes(dir.File(std::string("whole/") + file)) == testing::FileBytes(dir.File(std::string("merged/") + file)));
  }
  CHECK(Reesim("merge " + dir.File("s1") + " " + dir.File("s2") + " --out " + dir.File("m2")).exit_code == 2);  // shard 3 missing
  CHECK(Reesim("experiment --spec " + spec_path + " --shard 3/2 --out " + dir.File("x")).exit_code == 2);

  // Resume: a checkpoint holding the first runs and a line cut off by a kill.
  const experiments::ExperimentSpec spec = experiments::LoadExperimentFile(spec_path);
  const experiments::ExperimentResult full = experiments::RunExperiment(spec, 1);
  std::string checkpoint = experiments::CheckpointHeader(spec, 1, 1) + "\n";
  for (int k = 0; k < 5; ++k) checkpoint += experiments::RunRecordToJson(full.runs[k]) + "\n";
  const std::string cut = experiments::RunRecordToJson(full.runs[5]);
  checkpoint += cut.substr(0, cut.size() / 2);
  std::filesystem::create_directories(dir.File("resumed"));
  WriteBytes(dir.File("resumed/checkpoint.jsonl"), checkpoint);
  const Result resumed = Reesim("experiment --resume --spec " + spec_path + " --out " + dir.File("resumed"));
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("9 runs done (5 resumed)") != std::string::npos);
  for (const char* file : {"runs.csv", "summary.csv", "summary.json", "bands.csv"}) {
    CAPTURE(file);
    CHECK(testing::FileBytes(dir.File(std::string("whole/") + file)) == testing::FileBytes(dir.File(std::string("resumed/") + file)));
  }
  CHECK(!std::filesystem::exists(dir.File("resumed/checkpoint.jsonl")));  // removed once complete
  // Resuming against another experiment file is refused.
  WriteBytes(dir.File("other/checkpoint.jsonl"), checkpoint);
  WriteBytes(dir.File("other.textproto"), testing::FileBytes(spec_path) + "\n# changed\n");
  std::filesystem::create_directories(dir.File("other"));
  WriteBytes(dir.File("other/checkpoint.jsonl"), checkpoint);
  const Result other = Reesim("experiment --resume --spec " + dir.File("other.textproto") + " --out " + dir.File("other"));
  CHECK(other.exit_code == 2);
  CHECK(other.out.find("--resume against a different experiment file") != std::string::npos);
}

TEST_CASE("Cli.MergeRunsAnywhereFromTheShardsAlone") {
  TempDir dir;
  std::filesystem::create_directories(dir.File("work"));
  WriteBytes(dir.File("work/exp.textproto"), R"(scenario: "baseline_2024" rounds: 2 replicates: 4 seed: 5
outcomes { metric: "price.ndfeb_magnet" aggregation: MEAN })");
  const std::string in_work = "cd " + dir.File("work") + " && " + REESIM_BINARY + " ";
  const auto shell = [](const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); };
  REQUIRE(shell(in_work + "experiment --quiet --spec exp.textproto --out whole") == 0);
  REQUIRE(shell(in_work + "experiment --quiet --spec exp.textproto --shard 1/2 --out s1") == 0);
  REQUIRE(shell(in_work + "experiment --quiet --spec exp.textproto --shard 2/2 --out s2") == 0);
  // Elsewhere, without the experiment file: the shards carry its text.
  std::filesystem::remove(dir.File("work/exp.textproto"));
  const Result merged = Reesim("merge " + dir.File("work/s1") + " " + dir.File("work/s2") + " --out " + dir.File("merged"));
  REQUIRE(merged.exit_code == 0);
  for (const char* file : {"runs.csv", "summary.csv", "summary.json", "bands.csv"}) {
    CAPTURE(file);
    CHECK(testing::FileBytes(dir.File(std::string("work/whole/") + file)) == testing::FileBytes(dir.File(std::string("merged/") + file)));
  }
  // A shard whose experiment text was altered is refused as damaged.
  std::string shard = testing::FileBytes(dir.File("work/s2/shard.jsonl"));
  const auto at = shard.find("rounds: 2");
  REQUIRE(at != std::string::npos);
  shard.replace(at, 9, "rounds: 3");
  WriteBytes(dir.File("work/s2/shard.jsonl"), shard);
  const Result damaged = Reesim("merge " + dir.File("work/s1") + " " + dir.File("work/s2") + " --out " + dir.File("m2"));
  CHECK(damaged.exit_code == 2);
  CHECK(damaged.out.find("does not match its hash") != std::string::npos);
}

TEST_CASE("Cli.FinishedWorkIsNeverDiscardedUnasked") {
  TempDir dir;
  const std::string spec_path = dir.File("exp.textproto");
  WriteBytes(spec_path, R"(scenario: "baseline_2024" rounds: 2 replicates: 4 seed: 3
outcomes { metric: "price.ndfeb_magnet" aggregation: MEAN })");
  const std::string run = "experiment --quiet --spec " + spec_path + " --out " + dir.File("out");
  REQUIRE(Reesim(run).exit_code == 0);
  const std::string summary = testing::FileBytes(dir.File("out/summary.json"));
  // Finished outputs: refused without --force, kept; --resume is a no-op that says so.
  const Result again = Reesim(run);
  CHECK(again.exit_code == 2);
  CHECK(again.out.find("holds the outputs of a finished run (summary.json)") != std::string::npos);
  CHECK(again.out.find("--force") != std::string::npos);
  const Result resume = Reesim(run + " --resume");
  CHECK(resume.exit_code == 0);
  CHECK(resume.out.find("already finished") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("out/summary.json")) == summary);
  CHECK(Reesim(run + " --force").exit_code == 0);
  CHECK(testing::FileBytes(dir.File("out/summary.json")) == summary);
  CHECK(Reesim(run + " --force --resume").exit_code == 2);
  // A checkpoint of an interrupted run: refused without --resume, naming how many runs it holds.
  const experiments::ExperimentSpec spec = experiments::LoadExperimentFile(spec_path);
  const experiments::ExperimentResult full = experiments::RunExperiment(spec, 1);
  std::string checkpoint = experiments::CheckpointHeader(spec, 1, 1) + "\n";
  for (int k = 0; k < 3; ++k) checkpoint += experiments::RunRecordToJson(full.runs[k]) + "\n";
  std::filesystem::create_directories(dir.File("cut"));
  WriteBytes(dir.File("cut/checkpoint.jsonl"), checkpoint);
  const Result fresh = Reesim("experiment --quiet --spec " + spec_path + " --out " + dir.File("cut"));
  CHECK(fresh.exit_code == 2);
  CHECK(fresh.out.find("checkpoint of an interrupted run (3 runs finished)") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("cut/checkpoint.jsonl")) == checkpoint);
  // --resume with the finished outputs of another experiment is refused.
  WriteBytes(dir.File("other.textproto"), testing::FileBytes(spec_path) + "\n# changed\n");
  CHECK(Reesim("experiment --quiet --resume --spec " + dir.File("other.textproto") + " --out " + dir.File("out")).exit_code == 2);
}

TEST_CASE("Cli.ExperimentMemoryDoesNotGrowWithTheRuns") {
  // 20,000 runs against 200: records are folded into streaming statistics and appended to the outputs,
  // so peak memory stays the same (within 10 %), past the 10,000 values up to which quantiles are exact.
  TempDir dir;
  auto spec = [&](int replicates) {
    const std::string path = dir.File("exp" + std::to_string(replicates) + ".textproto");
    WriteBytes(path, "scenario: \"baseline_2024\" rounds: 1 seed: 2 replicates: " + std::to_string(replicates) + R"(
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
outcomes { metric: "price.ndfeb_magnet" } outcomes { metric: "price.dy_oxide" }
outcomes { metric: "share.mining.CHN" } outcomes { metric: "payoff.USA" })");
    return path;
  };
  const long small = PeakResidentKilobytes({"experiment", "--quiet", "--threads", "2", "--spec", spec(200), "--out", dir.File("small")});
  const long large = PeakResidentKilobytes({"experiment", "--quiet", "--threads", "2", "--spec", spec(20000), "--out", dir.File("large")});
  CAPTURE(small);
  CAPTURE(large);
  CHECK(large < small * 1.1);
  const std::string runs = testing::FileBytes(dir.File("large/runs.csv"));
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 20002);  // provenance, header, every run
  CHECK(testing::FileBytes(dir.File("large/summary.json")).find("\"quantiles\":\"P-square estimates") != std::string::npos);
}

TEST_CASE("Cli.BenchCheckHoldsTheAllocationAndGrowthBudgets") {
  // The budgets that hold on any machine: no heap allocation per round after warm-up, and time per
  // round growing no faster than n log n (ratios of times, with slack; never absolute times).
  const Result check = Reesim("bench --check");
  CAPTURE(check.out);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("PASS allocations per round after warm-up, baseline") != std::string::npos);
  CHECK(check.out.find("PASS allocations per round after warm-up, 1,000 plants") != std::string::npos);
  CHECK(check.out.find("PASS time per round, 2000 vs 500 plants") != std::string::npos);
  CHECK(check.out.find("PASS time per round, 8000 vs 2000 plants") != std::string::npos);
  CHECK(check.out.find("FAIL") == std::string::npos);
}

TEST_CASE("Cli.BenchReportsEveryFigureWithItsUnitAndBudget") {
  // A smoke test of the measurements' presence and sanity; budgets are for `reesim bench` itself.
  const Result bench = Reesim("bench --quick");
  REQUIRE(bench.exit_code == 0);
  const auto line_of = [&](const std::string& key) {
    const auto at = bench.out.find("\n" + key + " ");
    return at == std::string::npos ? std::string() : bench.out.substr(at + 1, bench.out.find('\n', at + 1) - at - 1);
  };
  for (const char* key : {"baseline.rounds_per_s", "allocations_per_round", "montecarlo.runs_per_s_1_thread",
                          "montecarlo.runs_per_s_2_threads", "synthetic.ms_per_round.1000", "snapshot.bytes_per_round",
                          "snapshot.mb_per_s_including_rounds", "game.seconds_256_profiles", "game.quiesce.profiles_of_256",
                          "game.quiesce.seconds", "game.quiesce.confirmed"}) {
    CAPTURE(key);
    CHECK_FALSE(line_of(key).empty());
  }
  CHECK(line_of("baseline.rounds_per_s").find("rounds/s") != std::string::npos);
  CHECK(line_of("baseline.rounds_per_s").find(">= 20,000") != std::string::npos);
  CHECK(line_of("game.seconds_256_profiles").find("<= 30") != std::string::npos);
}

// `reesim game --solve`: stdout and stderr apart, to check that errors write nothing on stdout.
struct SplitResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

SplitResult ReesimSplit(const TempDir& dir, const std::string& args) {
  const std::string err_path = dir.File("stderr.txt");
  const std::string command = std::string(REESIM_BINARY) + " " + args + " 2>" + err_path;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  SplitResult result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return result;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST_CASE("Cli.GameSolvesBattleOfTheSexesToItsThreeEquilibria") {
  TempDir dir;
  // A = [[3,0],[0,2]], B = [[2,0],[0,3]], profiles player 1 fastest: (1,1) (2,1) (1,2) (2,2).
  WriteBytes(dir.File("bos.nfg"), "NFG 1 R \"Battle of the sexes\" { \"Alice\" \"Bob\" } { 2 2 }\n\n3 2 0 0 0 0 2 3\n");
  const SplitResult solved = ReesimSplit(dir, "game --solve " + dir.File("bos.nfg"));
  REQUIRE(solved.exit_code == 0);
  CHECK(solved.err.empty());
  CHECK(solved.out.rfind("{\"players\":[\"Alice\",\"Bob\"],\"equilibria\":[{\"strategies\":", 0) == 0);
  CHECK(Count(solved.out, "\"regret\":") == 3);
  CHECK(solved.out.find("{\"strategies\":[[1,0],[1,0]],\"payoffs\":[3,2],\"regret\":0") != std::string::npos);
  CHECK(solved.out.find("\"exact\":{\"strategies\":[[\"3/5\",\"2/5\"],[\"2/5\",\"3/5\"]],\"payoffs\":[\"6/5\",\"6/5\"]}") !=
        std::string::npos);
  CHECK(solved.out.find("{\"strategies\":[[0,1],[0,1]],\"payoffs\":[2,3],\"regret\":0") != std::string::npos);
  CHECK(solved.out.find("\"method\":\"enummixed\"") != std::string::npos);
  // Every method answers on this game; the approximate ones come close to an equilibrium.
  for (const char* method : {"lcp", "pure", "liap", "logit", "simpdiv", "replicator", "fictitious", "regret"}) {
    CAPTURE(method);
    const SplitResult other = ReesimSplit(dir, std::string("game --solve ") + dir.File("bos.nfg") + " --method " + method);
    CHECK(other.exit_code == 0);
    CHECK(other.out.find("\"equilibria\":[{\"strategies\":") != std::string::npos);
  }
  CHECK(ReesimSplit(dir, "game --solve " + dir.File("bos.nfg") + " --method logit").out.find("\"path\":[{\"lambda\":0,") !=
        std::string::npos);
  CHECK(ReesimSplit(dir, "game --solve " + dir.File("bos.nfg") + " --method regret").out.find("\"cce_gap\":") !=
        std::string::npos);
  // Three players: pure equilibria, then liap's.
  WriteBytes(dir.File("pennies3.nfg"),
             "NFG 1 R \"\" { \"1\" \"2\" \"3\" } { 2 2 2 }\n1 1 -1 -1 1 1 -1 -1 -1 1 -1 1 1 -1 1 -1 -1 -1 -1 1 1 1 1 -1\n");
  const SplitResult three = ReesimSplit(dir, "game --solve " + dir.File("pennies3.nfg"));
  CHECK(three.exit_code == 0);
  CHECK(Count(three.out, "\"regret\":") == 1);  // no pure equilibrium; liap's uniform profile
  CHECK(three.out.find("\"strategies\":[[0.5,0.5],[0.5,0.5],[0.5,0.5]]") != std::string::npos);
  CHECK(three.out.find("\"method\":\"pure+liap\"") != std::string::npos);
}

TEST_CASE("Cli.AFileOfAnotherKindNamesTheCommandThatTakesIt") {
  // A game given to `experiment` once gave only protobuf's "has no field named players".
  const std::string root = REESIM_SOURCE_DIR;
  const std::string game = root + "/experiments/examples/rare_earth_game.textproto";
  const std::string experiment = root + "/experiments/examples/alloy_trade_restriction.textproto";
  const testing::ProgramResult as_experiment = testing::Reesim("experiment --quiet --spec " + game);
  CHECK(as_experiment.exit_code == 2);
  CHECK(as_experiment.out.find("this is an empirical game (reesim.Game), not an experiment (reesim.Experiment): run it with reesim game --spec FILE") != std::string::npos);
  const testing::ProgramResult as_scenario = testing::Reesim("run --quiet --scenario " + experiment);
  CHECK(as_scenario.exit_code == 2);
  CHECK(as_scenario.out.find("run it with reesim experiment --spec FILE") != std::string::npos);
  const testing::ProgramResult as_game = testing::Reesim("game --quiet --spec baseline_2024");
  CHECK(as_game.exit_code == 2);
  CHECK(as_game.out.find("this is a scenario (reesim.Scenario), not an empirical game") != std::string::npos);
}

TEST_CASE("Cli.ADirectoryGivenAsAnInputFileIsNamedAsOne") {
  // A new user's walkthrough: `inspect DIR` said "the file is empty", `game --solve DIR` that it had
  // 9223372036854775807 bytes.
  TempDir dir;
  const testing::ProgramResult inspect = testing::Reesim("inspect " + dir.path().string());
  CHECK(inspect.exit_code == 2);
  CHECK(inspect.out.find("a directory, not a snapshot file") != std::string::npos);
  const testing::ProgramResult solve = testing::Reesim("game --solve " + dir.path().string());
  CHECK(solve.exit_code == 2);
  CHECK(solve.out.find("not a regular file (a directory, device or pipe)") != std::string::npos);
  const testing::ProgramResult missing = testing::Reesim("game --solve " + dir.File("none.nfg"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.find("cannot open the file: No such file or directory") != std::string::npos);
}

TEST_CASE("Cli.GameRefusesBadFilesAndUsageWithExit2AndNoOutput") {
  TempDir dir;
  // The fifth payoff of a 2x2 game is not a number: line 3, column 3.
  WriteBytes(dir.File("bad.nfg"), "NFG 1 R \"x\" { \"a\" \"b\" } { 2 2 }\n3 2 0 0\n0 x 0 0 2 3\n");
  const SplitResult bad = ReesimSplit(dir, "game --solve " + dir.File("bad.nfg"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("reesim: error: " + dir.File("bad.nfg") + ":3:3: expected the payoff of player 2 at profile #3") !=
        std::string::npos);
  WriteBytes(dir.File("short.nfg"), "NFG 1 R \"x\" { \"a\" \"b\" } { 2 2 }\n3 2 0 0\n");
  const SplitResult short_file = ReesimSplit(dir, "game --solve " + dir.File("short.nfg"));
  CHECK(short_file.exit_code == 2);
  CHECK(short_file.out.empty());
  CHECK(short_file.err.find(dir.File("short.nfg") + ":3:1: expected the payoff of player 1 at profile #3") != std::string::npos);
  const SplitResult missing = ReesimSplit(dir, "game --solve " + dir.File("nope.nfg"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.nfg: cannot open the file") != std::string::npos);
  // A method that does not fit the game names those that do.
  WriteBytes(dir.File("three.nfg"), "NFG 1 R \"\" { \"1\" \"2\" \"3\" } { 1 1 2 }\n1 1 1 0 0 0\n");
  const SplitResult wrong = ReesimSplit(dir, "game --solve " + dir.File("three.nfg") + " --method enummixed");
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.out.empty());
  CHECK(wrong.err.find("enummixed solves two-player games") != std::string::npos);
  const SplitResult unknown = ReesimSplit(dir, "game --solve " + dir.File("three.nfg") + " --method simplex");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown --method 'simplex' (methods: enummixed, lcp, pure, liap, logit") != std::string::npos);
  CHECK(ReesimSplit(dir, "game").exit_code == 2);
  CHECK(ReesimSplit(dir, "game --solve " + dir.File("bad.nfg") + " --spec x").exit_code == 2);
  CHECK(ReesimSplit(dir, "game --solve " + dir.File("three.nfg") + " --shard 1/2").exit_code == 2);
  const SplitResult help = ReesimSplit(dir, "game --help");
  CHECK(help.exit_code == 0);
  for (const char* method : {"enummixed", "lcp", "pure", "liap", "logit", "simpdiv", "replicator", "fictitious", "regret", "--seed",
                             "--iterations", "--spec", "--merge", "--shard", "--resume", "--threads", "--out", "--quiet",
                             "game.json", "game.nfg", "profiles.csv", "robustness", "profile_search: QUIESCE", "max_profiles",
                             "quiesce_tolerance", "confirmed"}) {
    CAPTURE(method);
    CHECK(help.out.find(method) != std::string::npos);
  }
}

// A small rare-earth game on the built-in baseline: China opens or licenses Dy/Tb, the US does nothing
// or levies a tariff; plus the US-Japan alliance game.
constexpr const char* kSmallGame = R"(name: "small" scenario: "baseline_2024" rounds: 3 replicates: 4 seed: 5
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
players { actor: "CHN" strategies { name: "open" }
  strategies { name: "licensing" overlay { policies { export_control { products: "dy_oxide" products: "tb_oxide" licence_delay_rounds: 1 approval_share: 0.5 } } } } }
players { actor: "USA" strategies { name: "none" }
  strategies { name: "tariff" overlay { policies { import_tariff { ad_valorem: 0.25 from: "CHN" } } } } }
analyses { bootstrap_resamples: 200 }
alliance_game { members: "USA" members: "JPN" alliance { pooled_stockpile: true joint_investment_share: 0.3 } }
)";

TEST_CASE("Cli.GameSpecGivesTheSameBytesAtAnyThreadCountShardSplitOrResume") {
  TempDir dir;
  const std::string spec_path = dir.File("game.textproto");
  WriteBytes(spec_path, kSmallGame);
  const SplitResult whole = ReesimSplit(dir, "game --spec " + spec_path + " --threads 1 --out " + dir.File("one"));
  REQUIRE(whole.exit_code == 0);
  // The table on stdout: every profile, the equilibria with robustness, the tournament.
  CHECK(whole.out.find("game small: 2 players, 4 profiles x 4 replicates x 3 rounds on baseline_2024") != std::string::npos);
  CHECK(whole.out.find("licensing") != std::string::npos);
  CHECK(whole.out.find("robustness") != std::string::npos);
  CHECK(whole.out.find("tournament") != std::string::npos);
  CHECK(whole.out.find("Shapley values: USA") != std::string::npos);
  REQUIRE(ReesimSplit(dir, "game --quiet --spec " + spec_path + " --threads 2 --out " + dir.File("two")).exit_code == 0);
  REQUIRE(ReesimSplit(dir, "game --quiet --spec " + spec_path + " --shard 1/2 --out " + dir.File("s1")).exit_code == 0);
  const SplitResult shard = ReesimSplit(dir, "game --spec " + spec_path + " --shard 2/2 --threads 2 --out " + dir.File("s2"));
  REQUIRE(shard.exit_code == 0);
  CHECK(shard.out.find("shard 2/2") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.File("s2/game.json")));  // a shard is not the whole game
  const SplitResult merged = ReesimSplit(dir, "game --merge " + dir.File("s1") + " " + dir.File("s2") + " --out " + dir.File("merged"));
  REQUIRE(merged.exit_code == 0);
  CHECK(merged.out.find("merged 2 shard(s)") != std::string::npos);
  // Resume: a checkpoint holding the first runs (the same records as a whole run) and a cut-off line.
  const games::GameSpec spec = games::LoadGameFile(spec_path);
  std::string checkpoint = experiments::CheckpointHeader(spec.experiment, 1, 1) + "\n";
  for (int position = 0; position < 7; ++position) {
    const experiments::RunSlot slot = experiments::SlotAt(spec.experiment, position);
    checkpoint += experiments::RunRecordToJson(experiments::RunOne(spec.experiment, slot.arm, slot.row)) + "\n";
  }
  checkpoint += "{\"arm\":1,\"repl";
  std::filesystem::create_directories(dir.File("resumed"));
  WriteBytes(dir.File("resumed/checkpoint.jsonl"), checkpoint);
  REQUIRE(ReesimSplit(dir, "game --quiet --resume --spec " + spec_path + " --out " + dir.File("resumed")).exit_code == 0);
  for (const char* file : {"game.json", "game.nfg", "profiles.csv", "runs.csv", "summary.csv"}) {
    CAPTURE(file);
    const std::string bytes = testing::FileBytes(dir.File(std::string("one/") + file));
    CHECK(!bytes.empty());
    CHECK(bytes == testing::FileBytes(dir.File(std::string("two/") + file)));
    CHECK(bytes == testing::FileBytes(dir.File(std::string("merged/") + file)));
    CHECK(bytes == testing::FileBytes(dir.File(std::string("resumed/") + file)));
  }
  // What game.json holds.
  const std::string json = testing::FileBytes(dir.File("one/game.json"));
  for (const char* key : {"\"reesim_version\":", "\"game_sha256\":\"" , "\"seed\":5", "\"players\":[", "\"profiles\":[",
                          "\"se\":", "\"ci95\":[", "\"n\":4", "\"equilibria\":{", "\"robustness\":", "\"payoff_ci95\":",
                          "\"regret\":", "\"tournament\":[", "\"win_rates\":", "\"top_two\":", "\"stackelberg\":[",
                          "\"coalitions\":{", "\"shapley\":", "\"least_core\":"}) {
    CAPTURE(key);
    CHECK(json.find(key) != std::string::npos);
  }
  // game.nfg reads back as the estimated game, labels included; profiles.csv is tidy with provenance.
  const SplitResult solved = ReesimSplit(dir, "game --solve " + dir.File("one/game.nfg"));
  CHECK(solved.exit_code == 0);
  CHECK(solved.out.find("\"players\":[\"CHN\",\"USA\"]") != std::string::npos);
  CHECK(testing::FileBytes(dir.File("one/game.nfg")).find("{ \"open\" \"licensing\" }") != std::string::npos);
  const std::string csv = testing::FileBytes(dir.File("one/profiles.csv"));
  CHECK(csv.rfind("# reesim ", 0) == 0);
  CHECK(csv.find("\nprofile,CHN,USA,player,mean,se,ci95_low,ci95_high,n\n0,open,none,CHN,") != std::string::npos);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 2 + 4 * 2);
}

TEST_CASE("Cli.GameOutputsAppearTogetherOrNotAtAll") {
  // Issue 19: game.json, game.nfg and profiles.csv go through one OutputSet. A directory where
  // game.nfg's temporary must go makes its write fail: exit 1 with the system's reason, and none of the
  // three (nor a temporary) is left.
  TempDir dir;
  const std::string spec_path = dir.File("game.textproto");
  WriteBytes(spec_path, kSmallGame);
  std::filesystem::create_directories(dir.File("out/game.nfg.tmp"));
  const SplitResult failed = ReesimSplit(dir, "game --quiet --spec " + spec_path + " --threads 2 --out " + dir.File("out"));
  CAPTURE(failed.err);
  CHECK(failed.exit_code == 1);
  CHECK(failed.err.find("game.nfg.tmp") != std::string::npos);
  CHECK(failed.err.find("Is a directory") != std::string::npos);
  for (const char* file : {"game.json", "game.nfg", "profiles.csv", "game.json.tmp", "profiles.csv.tmp"}) {
    CAPTURE(file);
    CHECK(!std::filesystem::exists(dir.File(std::string("out/") + file)));
  }
}

// A rare-earth game of 3 x 3 strategies, whole and with profile search (QUIESCE).
constexpr const char* kQuiesceGame = R"(name: "search" scenario: "baseline_2024" rounds: 3 replicates: 3 seed: 11
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.05 } }
players { actor: "CHN" strategies { name: "open" }
  strategies { name: "licensing" overlay { policies { export_control { products: "dy_oxide" products: "tb_oxide" licence_delay_rounds: 1 approval_share: 0.5 } } } }
  strategies { name: "denial" overlay { policies { export_control { products: "dy_oxide" products: "tb_oxide" approval_share: 1 } } } } }
players { actor: "USA" strategies { name: "none" }
  strategies { name: "tariff" overlay { policies { import_tariff { ad_valorem: 0.25 from: "CHN" } } } }
  strategies { name: "stockpile" overlay { policies { stockpile { products: "ndfeb_magnet" buy_tonnes_per_year: 400 budget_usd_million_per_year: 100 } } } } }
analyses { bootstrap_resamples: 100 }
)";

TEST_CASE("Cli.GameQuiesceConfirmsAnEquilibriumOfTheWholeGameAndGivesTheSameBytesAtAnyThreadCount") {
  TempDir dir;
  const std::string whole_path = dir.File("whole.textproto");
  const std::string search_path = dir.File("search.textproto");
  std::string whole_text = kQuiesceGame;
  const std::string resamples = "bootstrap_resamples: 100";
  whole_text.replace(whole_text.find(resamples), resamples.size(), resamples + " methods: \"pure\"");
  WriteBytes(whole_path, whole_text);
  WriteBytes(search_path, std::string(kQuiesceGame) + "profile_search: QUIESCE max_profiles: 9\n");
  REQUIRE(ReesimSplit(dir, "game --quiet --spec " + whole_path + " --threads 2 --out " + dir.File("whole")).exit_code == 0);
  const SplitResult one = ReesimSplit(dir, "game --spec " + search_path + " --threads 1 --out " + dir.File("one"));
  REQUIRE(one.exit_code == 0);
  CHECK(one.out.find("profile search (QUIESCE): ") != std::string::npos);
  REQUIRE(ReesimSplit(dir, "game --quiet --spec " + search_path + " --threads 2 --out " + dir.File("two")).exit_code == 0);
  for (const char* file : {"game.json", "game.nfg", "profiles.csv", "runs.csv", "summary.csv"}) {
    CAPTURE(file);
    const std::string bytes = testing::FileBytes(dir.File(std::string("one/") + file));
    CHECK(!bytes.empty());
    CHECK(bytes == testing::FileBytes(dir.File(std::string("two/") + file)));
  }
  const boost::json::object whole = boost::json::parse(testing::FileBytes(dir.File("whole/game.json"))).as_object();
  const boost::json::object search = boost::json::parse(testing::FileBytes(dir.File("one/game.json"))).as_object();
  const boost::json::object& ps = search.at("profile_search").as_object();
  CHECK(ps.at("stopped").as_string() == "confirmed");
  const std::int64_t simulated = ps.at("profiles_simulated").as_int64();
  MESSAGE("quiesce simulated " << simulated << " of 9 profiles");
  CHECK(simulated < 9);
  CHECK(static_cast<std::int64_t>(search.at("profiles").as_array().size()) == simulated);
  // Every simulated profile's cells are the whole game's (common random numbers: the same runs).
  std::map<std::int64_t, boost::json::value> whole_cells;
  for (const boost::json::value& p : whole.at("profiles").as_array()) whole_cells[p.at("index").as_int64()] = p;
  for (const boost::json::value& p : search.at("profiles").as_array()) CHECK(p == whole_cells.at(p.at("index").as_int64()));
  // The confirmed equilibrium is a pure equilibrium of the whole game, with the same payoffs.
  const boost::json::array& found = search.at("equilibria").as_object().at("found").as_array();
  REQUIRE(found.size() == 1);
  bool among = false;
  for (const boost::json::value& e : whole.at("equilibria").as_object().at("found").as_array()) {
    among = among || (e.at("strategies") == found[0].at("strategies") && e.at("payoffs") == found[0].at("payoffs"));
  }
  CHECK(among);
  CHECK(found[0].at("robustness").is_number());
  CHECK(search.at("tournament").as_array().empty());
  // The budget: one profile simulates the all-first profile and leaves every deviation unsimulated.
  WriteBytes(search_path, std::string(kQuiesceGame) + "profile_search: QUIESCE max_profiles: 1\n");
  REQUIRE(ReesimSplit(dir, "game --quiet --spec " + search_path + " --out " + dir.File("budget")).exit_code == 0);
  const boost::json::object budget = boost::json::parse(testing::FileBytes(dir.File("budget/game.json"))).as_object();
  const boost::json::object& spent = budget.at("profile_search").as_object();
  CHECK(spent.at("stopped").as_string() == "budget");
  CHECK(spent.at("profiles_simulated").as_int64() == 1);
  const boost::json::object& candidate = spent.at("candidates").as_array().at(0).as_object();
  CHECK(candidate.at("status").as_string() == "unconfirmed");
  CHECK(candidate.at("deviations_not_evaluated").as_array().size() == 4);
  CHECK(budget.at("equilibria").as_object().at("found").as_array().empty());
  // A search cannot be split: --shard is refused before anything runs.
  const SplitResult shard = ReesimSplit(dir, "game --spec " + search_path + " --shard 1/2 --out " + dir.File("shard"));
  CHECK(shard.exit_code == 2);
  CHECK(shard.err.find("QUIESCE") != std::string::npos);
}

TEST_CASE("Cli.BadGameSpecsExit2WithTheFieldAndWriteNothing") {
  TempDir dir;
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"actor: \"USA\"", "actor: \"USB\"", "game.textproto: players[1].actor = \"USB\": no such actor"},
      {"name: \"tariff\" overlay", "name: \"tariff\" strategy { kind: PSYCHIC } overlay",
       "game.textproto:6:56: Unknown enumeration value of \"PSYCHIC\" for field \"kind\""},
      {"analyses { bootstrap_resamples: 200 }", "analyses { methods: \"simplex\" }", "game.textproto: analyses.methods[0] = \"simplex\": unknown method"},
      {"players { actor: \"USA\" strategies { name: \"none\" }",
       "players { actor: \"USA\" payoff { metric: \"unmet.USA.nothing\" } strategies { name: \"none\" }",
       "game.textproto: players[1].payoff.metric = \"unmet.USA.nothing\": unknown metric"},
      {"rounds: 3", "rounds: three", "game.textproto:1:"},
  };
  for (const Case& c : cases) {
    std::string text = kSmallGame;
    const auto at = text.find(c.from);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.from.size(), c.to);
    WriteBytes(dir.File("game.textproto"), text);
    const SplitResult bad = ReesimSplit(dir, "game --spec " + dir.File("game.textproto") + " --out " + dir.File("out"));
    CAPTURE(bad.err);
    CHECK(bad.exit_code == 2);
    CHECK(bad.out.empty());
    CHECK(bad.err.find("reesim: error: " + dir.File(c.expected)) != std::string::npos);
    CHECK(!std::filesystem::exists(dir.File("out")));
  }
  // Merging an experiment's shards as a game's is refused.
  WriteBytes(dir.File("exp.textproto"), "scenario: \"baseline_2024\" rounds: 1 replicates: 1 outcomes { metric: \"payoff.USA\" }");
  REQUIRE(ReesimSplit(dir, "experiment --quiet --spec " + dir.File("exp.textproto") + " --shard 1/2 --out " + dir.File("e1")).exit_code == 0);
  const SplitResult wrong = ReesimSplit(dir, "game --merge " + dir.File("e1") + " --out " + dir.File("m"));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("not a game file") != std::string::npos);
}

}  // namespace
}  // namespace reesim
