#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <optional>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "experiments/experiment.h"
#include "world/check.h"

namespace po = boost::program_options;

namespace reesim::cli {

int ExperimentCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim experiment --spec FILE [--threads T] [--out DIR] [--shard K/N] [--resume] [--quiet]\n\n"
      "Runs a Monte Carlo experiment (protobuf text format, message reesim.Experiment): every arm at\n"
      "every sample point of the uncertain parameters, replicates sharing sample points and seeds across\n"
      "arms (paired comparisons). Writes DIR/runs.csv (one row per run), DIR/summary.csv (arm, outcome,\n"
      "statistic, value: n, mean, sd, quantiles, bootstrap 95 % interval of the mean, and per arm the\n"
      "paired difference from the first arm with its interval and a paired t-test) and DIR/summary.json.\n"
      "Failed runs are recorded with a command that replays them alone; the experiment carries on.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("spec", po::value<std::string>(), "the experiment file")
      ("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores); results do not depend on it")
      ("out", po::value<std::string>()->default_value("reesim-out"), "output directory")
      ("quiet", "no progress bar")
      ("only-arm", po::value<std::string>(), "replay one run: this arm ...")
      ("only-replicate", po::value<int>(), "... and this replicate (prints its outcomes)")
      ("shard", po::value<std::string>(), "K/N: run a deterministic share (every N-th run from the K-th); combine with `reesim merge`")
      ("resume", "continue an interrupted run from DIR/checkpoint.jsonl; the outputs equal an uninterrupted run's");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  if (!vars.count("spec")) throw UsageError("experiment needs --spec FILE");
  const int threads = vars["threads"].as<int>();
  if (threads < 0 || threads > 1024) throw UsageError("--threads must be between 0 and 1024");
  experiments::ExperimentSpec spec = experiments::LoadExperimentFile(vars["spec"].as<std::string>());

  if (vars.count("only-arm") || vars.count("only-replicate")) {
    if (!vars.count("only-arm") || !vars.count("only-replicate")) {
      throw UsageError("--only-arm and --only-replicate go together");
    }
    const std::string arm = vars["only-arm"].as<std::string>();
    const int replicate = vars["only-replicate"].as<int>();
    const auto it = std::find(spec.arm_names.begin(), spec.arm_names.end(), arm);
    if (it == spec.arm_names.end()) throw UsageError("no arm named '" + arm + "'");
    if (replicate < 0 || replicate >= spec.RunsPerArm()) throw UsageError("--only-replicate is out of range");
    const int index = static_cast<int>(it - spec.arm_names.begin());
    // Just that run: same sample point and seed as in the full experiment.
    const int run_index = index * spec.RunsPerArm() + replicate;
    std::vector<experiments::RunRecord> runs(spec.arm_names.size() * spec.RunsPerArm());
    experiments::RunRuns(spec, threads, {run_index}, runs, {}, {});
    const experiments::RunRecord& record = runs[run_index];
    if (!record.failure.empty()) {
      std::cerr << "reesim: error: the run failed: " << record.failure << "\n";
      return 1;
    }
    for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
      char value[40];
      std::snprintf(value, sizeof value, "%.17g", record.outcomes[o]);  // as in runs.csv
      std::cout << spec.outcomes[o].name << " = " << value << "\n";
    }
    return 0;
  }

  if (spec.keep == experiments::ExperimentSpec::Keep::kSnapshots) {
    spec.snapshot_dir = (std::filesystem::path(vars["out"].as<std::string>()) / "snapshots").string();
    std::error_code made;
    std::filesystem::create_directories(spec.snapshot_dir, made);
    if (made) throw InputError(spec.snapshot_dir + ": cannot create: " + made.message());
  }
#ifdef REESIM_HAVE_MPI
  if (LaunchedByMpirun()) {
    if (vars.count("shard") || vars.count("resume")) throw UsageError("--shard and --resume do not combine with mpirun");
    return RunExperimentUnderMpi(spec, threads, vars["out"].as<std::string>(), vars.count("quiet") > 0);
  }
#endif
  int shard = 1, shards = 1;
  if (vars.count("shard")) {
    const std::string text = vars["shard"].as<std::string>();
    char slash = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%n", &shard, &slash, &shards, &consumed) != 3 || slash != '/' ||
        consumed != static_cast<int>(text.size()) || shards < 1 || shard < 1 || shard > shards) {
      throw UsageError("--shard must be K/N with 1 <= K <= N, got '" + text + "'");
    }
  }
  const std::filesystem::path out_dir = vars["out"].as<std::string>();
  const std::filesystem::path checkpoint_path = out_dir / "checkpoint.jsonl";
  const int per_arm = spec.RunsPerArm();
  const int total = static_cast<int>(spec.arm_names.size()) * per_arm;
  const std::string header_line = experiments::CheckpointHeader(spec, shard, shards);
  std::vector<experiments::RunRecord> runs(total);
  std::vector<bool> have(total, false);
  if (vars.count("resume")) experiments::ReadCheckpoint(checkpoint_path.string(), header_line, spec, runs, have);
  std::vector<int> todo;
  for (int k = 0; k < total; ++k) {
    if (k % shards == shard - 1 && !have[k]) todo.push_back(k);
  }

  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw InputError(out_dir.string() + ": cannot create the output directory: " + error.message());

  // The checkpoint is rewritten with what survived, then appended to as runs finish.
  {
    std::ofstream checkpoint(checkpoint_path, std::ios::trunc);
    checkpoint << header_line << "\n";
    for (int k = 0; k < total; ++k) {
      if (have[k]) checkpoint << experiments::RunRecordToJson(runs[k]) << "\n";
    }
    if (!checkpoint) throw InputError(checkpoint_path.string() + ": cannot write the checkpoint");
  }
  std::ofstream checkpoint(checkpoint_path, std::ios::app);

  const bool show_progress = !vars.count("quiet") && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto progress = [&](int done, int count) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? done / seconds : 0.0;
    std::fprintf(stderr, "\r%d/%d runs, %.1f runs/s, ETA %.0f s   ", done, count, rate,
                 rate > 0 ? (count - done) / rate : 0.0);
    if (done == count) std::fprintf(stderr, "\n");
  };
  experiments::RunRuns(spec, threads, todo, runs, show_progress ? std::function<void(int, int)>(progress) : nullptr,
                       [&](int k) { checkpoint << experiments::RunRecordToJson(runs[k]) << "\n" << std::flush; });
  checkpoint.close();

  int failures = 0;
  for (int k = 0; k < total; ++k) {
    if (k % shards == shard - 1) failures += !runs[k].failure.empty();
  }
  if (shards > 1) {
    // A shard's share, in index order, for `reesim merge`.
    std::string lines = header_line + "\n";
    for (int k = shard - 1; k < total; k += shards) lines += experiments::RunRecordToJson(runs[k]) + "\n";
    const std::filesystem::path temp = out_dir / "shard.jsonl.tmp";
    std::ofstream(temp, std::ios::trunc) << lines;
    std::filesystem::rename(temp, out_dir / "shard.jsonl");
  } else {
    experiments::WriteExperimentOutputs(spec, experiments::Summarize(spec, std::move(runs)), out_dir.string());
  }
  std::filesystem::remove(checkpoint_path, error);
  if (!vars.count("quiet")) {
    std::cout << "experiment " << spec.name << ": " << todo.size() << " runs done"
              << (shards > 1 ? " (shard " + std::to_string(shard) + "/" + std::to_string(shards) + ")" : std::string())
              << ", " << failures << " failed; outputs in " << out_dir.string() << "/\n";
  }
  if (failures > 0) {
    std::cerr << "reesim: error: " << failures << " run(s) failed; runs.csv lists them with a replay command\n";
    return 1;
  }
  return 0;
}

int MergeCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim merge DIR... [--out DIR]\n\n"
      "Combines the outputs of `reesim experiment --shard K/N` runs (each DIR holds a shard.jsonl) into\n"
      "exactly what one process would have written. Every shard 1..N must be given once, all of the same\n"
      "experiment file, which must still exist unchanged.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("out", po::value<std::string>()->default_value("reesim-out"), "output directory")
      ("dirs", po::value<std::vector<std::string>>()->multitoken(), "shard output directories");
  po::positional_options_description positionals;
  positionals.add("dirs", -1);
  po::variables_map vars;
  po::store(po::command_line_parser(args).options(options).positional(positionals).run(), vars);
  po::notify(vars);
  if (vars.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (!vars.count("dirs")) throw UsageError("merge needs the shard directories");
  std::vector<std::string> lines_of_header;
  std::optional<experiments::ExperimentSpec> spec;
  std::vector<experiments::RunRecord> runs;
  std::vector<bool> have;
  std::vector<bool> shard_seen;
  int shards = 0;
  for (const std::string& dir : vars["dirs"].as<std::vector<std::string>>()) {
    const std::string path = (std::filesystem::path(dir) / "shard.jsonl").string();
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) throw InputError(path + ": no shard output here");
    boost::json::object header;
    try {
      header = boost::json::parse(line).as_object();
    } catch (const std::exception&) {
      throw InputError(path + ": not a shard file");
    }
    const int shard = static_cast<int>(header.at("shard").to_number<std::int64_t>());
    const int n = static_cast<int>(header.at("shards").to_number<std::int64_t>());
    if (!spec) {
      spec = experiments::LoadExperimentFile(std::string(header.at("experiment").as_string()));
      shards = n;
      runs.resize(spec->arm_names.size() * spec->RunsPerArm());
      have.assign(runs.size(), false);
      shard_seen.assign(n + 1, false);
    }
    if (std::string(header.at("experiment_sha256").as_string()) != spec->sha256) {
      throw InputError(path + ": written for another experiment file (or the file changed since)");
    }
    if (n != shards || shard < 1 || shard > n) throw InputError(path + ": shard " + std::to_string(shard) + "/" + std::to_string(n) + " does not fit the others (/" + std::to_string(shards) + ")");
    if (shard_seen[shard]) throw InputError(path + ": shard " + std::to_string(shard) + " given twice");
    shard_seen[shard] = true;
    while (std::getline(in, line)) {
      experiments::RunRecord record = experiments::RunRecordFromJson(line);
      const int index = record.arm * spec->RunsPerArm() + record.replicate;
      runs[index] = std::move(record);
      have[index] = true;
    }
  }
  for (int k = 1; k <= shards; ++k) {
    if (!shard_seen[k]) throw InputError("shard " + std::to_string(k) + "/" + std::to_string(shards) + " is missing");
  }
  for (std::size_t k = 0; k < have.size(); ++k) {
    if (!have[k]) throw InputError("run " + std::to_string(k) + " is missing from the shards (an interrupted shard?)");
  }
  const experiments::ExperimentResult result = experiments::Summarize(*spec, std::move(runs));
  experiments::WriteExperimentOutputs(*spec, result, vars["out"].as<std::string>());
  std::cout << "merged " << shards << " shard(s) of " << spec->source << ": " << result.runs.size() << " runs; outputs in "
            << vars["out"].as<std::string>() << "/\n";
  return result.failures > 0 ? 1 : 0;
}

}  // namespace reesim::cli
