#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cli/commands.h"
#include "cli/options.h"
#include "run/run.h"
#include "run/scenario_io.h"
#include "world/check.h"

namespace po = boost::program_options;

namespace reesim::cli {

namespace {

double Mean(const std::vector<run::Metrics>& rounds, const std::string& key, bool* found = nullptr) {
  double sum = 0;
  int count = 0;
  for (const auto& metrics : rounds) {
    const auto it = metrics.find(key);
    if (it == metrics.end()) continue;
    sum += it->second;
    ++count;
  }
  if (found) *found = count > 0;
  return count > 0 ? sum / count : 0.0;
}

std::string Cell(const run::Metrics& metrics, const std::string& key, int width, int precision) {
  char buffer[64];
  const auto it = metrics.find(key);
  if (it == metrics.end()) {
    std::snprintf(buffer, sizeof buffer, "%*s", width, "-");
  } else {
    std::snprintf(buffer, sizeof buffer, "%*.*f", width, precision, it->second);
  }
  return buffer;
}

void PrintSummary(const run::LoadedScenario& scenario, const run::RunResult& result,
                  std::uint64_t seed, std::ostream& out) {
  const world::WorldDescription& world = scenario.world;
  const run::Metrics& first = result.metrics.front();
  const run::Metrics& last = result.metrics.back();
  out << "reesim run: " << (world.name.empty() ? scenario.source : world.name) << ", " << result.rounds
      << " rounds (" << result.periods.front() << " to " << result.periods.back() << "), seed " << seed << "\n\n";

  // The world price is the price outside the regions the scenario excludes from it (CHN in the
  // library); each excluded region's own price is shown beside it.
  std::vector<int> excluded;
  for (int r = 0; r < world.RegionCount(); ++r) {
    if (!world.in_reference_price[r]) excluded.push_back(r);
  }
  std::string outside = "all regions";
  for (std::size_t k = 0; k < excluded.size(); ++k) {
    outside = (k ? outside + ", " : std::string("the regions outside ")) + world.regions[excluded[k]].id;
  }
  out << "Prices, USD/kg (\"world\": consumption-weighted over " << outside << ")\n";
  out << "                      world " << result.periods.front() << "   world " << result.periods.back();
  for (int r : excluded) out << "   " << world.regions[r].id << " " << result.periods.back();
  out << "\n";
  for (const world::Product& product : world.products) {
    char name[32];
    std::snprintf(name, sizeof name, "  %-18s", product.id.c_str());
    out << name << Cell(first, "price." + product.id, 13, 2) << Cell(last, "price." + product.id, 13, 2);
    for (int r : excluded) out << Cell(last, "price." + product.id + "." + world.regions[r].id, 11, 2);
    out << "\n";
  }

  out << "\nShares of world output, mean over the run (regions above 0.5 %)\n";
  std::vector<std::string> rows;
  for (const char* stage : world::kStageNames) rows.emplace_back(stage);
  for (int p : world.products_by_stage[static_cast<int>(world::Stage::kSeparation)]) {
    if (world.products[p].id == "dy_oxide" || world.products[p].id == "tb_oxide") rows.push_back(world.products[p].id);
  }
  for (const std::string& row : rows) {
    std::vector<std::pair<double, std::string>> shares;
    for (const world::Region& region : world.regions) {
      bool found = false;
      const double share = Mean(result.metrics, "share." + row + "." + region.id, &found);
      if (found && share >= 0.005) shares.emplace_back(share, region.id);
    }
    std::stable_sort(shares.begin(), shares.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    char name[32];
    std::snprintf(name, sizeof name, "  %-12s", row.c_str());
    out << name;
    for (const auto& [share, region] : shares) {
      char cell[32];
      std::snprintf(cell, sizeof cell, " %s %5.1f%%", region.c_str(), 100 * share);
      out << cell;
    }
    out << "\n";
  }

  out << "\nUnmet demand, mean over the run (fraction of demand at reference prices; above 0.5 %)\n";
  bool any = false;
  for (const world::Region& region : world.regions) {
    for (const char* sector : world::kSectorNames) {
      bool found = false;
      const double unmet = Mean(result.metrics, std::string("unmet.") + region.id + "." + sector, &found);
      if (!found || unmet < 0.005) continue;
      char line[96];
      std::snprintf(line, sizeof line, "  %-5s %-12s %5.1f%%\n", region.id.c_str(), sector, 100 * unmet);
      out << line;
      any = true;
    }
  }
  if (!any) out << "  none\n";
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  const std::string scenario_help =
      "scenario file (protobuf text format) or library scenario by name (" + run::LibraryNames() +
      "); default: the built-in 2024 baseline";
  po::options_description options(
      "usage: reesim run [--scenario FILE] [--rounds N] [--seed S] [--threads T] [--out DIR] [--quiet]\n\n"
      "Runs one scenario and writes its rounds to DIR/run.pbs (read it with `reesim inspect`) and\n"
      "DIR/run-info.json; prints a summary of prices, shares of world output and unmet demand. The two\n"
      "files appear together or not at all: a write failure (a full disk) exits 1 with the OS's reason and\n"
      "leaves neither (2 is for bad input). Input limits (64 MB files, counts): reesim check --help.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("scenario", po::value<std::string>(), scenario_help.c_str())
      ("rounds", po::value<int>(), "number of rounds (default: the scenario's `rounds`)")
      ("seed", po::value<SeedOption>()->default_value(SeedOption{}, "1"), "random seed: 0 to 2^64-1")
      ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores); results do not depend on it")
      ("out", po::value<std::string>()->default_value("reesim-out"), "output directory")
      ("quiet", "print nothing but errors");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  const bool quiet = vars.count("quiet") > 0;
  const int rounds = vars.count("rounds") ? vars["rounds"].as<int>() : 0;
  if (vars.count("rounds") && (rounds < 1 || rounds > 100000)) {
    throw UsageError("--rounds must be between 1 and 100000, got " + std::to_string(rounds));
  }
  const int threads = vars["threads"].as<int>();
  if (threads < 0 || threads > 1024) throw UsageError("--threads must be between 0 and 1024, got " + std::to_string(threads));

  if (vars.count("scenario")) RequireFileKind(vars["scenario"].as<std::string>(), FileKind::kScenario);
  const run::LoadedScenario scenario =
      vars.count("scenario") ? run::LoadScenarioFile(vars["scenario"].as<std::string>())
                             : run::LoadScenarioText(std::string(run::BuiltinBaselineText()),
                                                             run::kBuiltinBaselineSource);
  const std::filesystem::path out_dir = vars["out"].as<std::string>();
  run::CreateOutputDirectory(out_dir.string());

  run::RunOptions run_options;
  run_options.seed = vars["seed"].as<SeedOption>().value;
  run_options.rounds = rounds;
  run_options.threads = threads;
  run_options.snapshot_path = (out_dir / "run.pbs").string();
  // run.pbs and run-info.json appear together or not at all (a full disk: exit 1, neither is left).
  run::OutputSet outputs;
  run_options.outputs = &outputs;
  const bool show_progress = !quiet && ::isatty(STDERR_FILENO);
  if (show_progress) {
    run_options.progress = [](int done, int total) {
      std::fprintf(stderr, "\rround %d/%d", done, total);
      if (done == total) std::fprintf(stderr, "\r%*s\r", 24, "");
    };
  }
  const auto start = std::chrono::steady_clock::now();
  const run::RunResult result = run::RunScenario(scenario, run_options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Machine-dependent facts go beside the outputs, never into them.
  boost::json::object info;
  info["reesim_version"] = REESIM_VERSION;
  info["scenario"] = scenario.source;
  info["seed"] = run_options.seed;
  info["rounds"] = result.rounds;
  info["threads"] = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  info["wall_seconds"] = seconds;
  info["final_state_fingerprint"] = result.final_fingerprint;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  info["host"] = host;
  outputs.Write((out_dir / "run-info.json").string(), boost::json::serialize(info) + "\n");
  outputs.Commit();

  if (!quiet) {
    PrintSummary(scenario, result, run_options.seed, std::cout);
    std::cout << "\nSnapshot: " << run_options.snapshot_path << " (" << result.rounds << " rounds, "
              << result.snapshot_bytes / 1024 << " KiB); read it with `reesim inspect " << run_options.snapshot_path
              << "`\n";
  }
  return 0;
}

}  // namespace reesim::cli
