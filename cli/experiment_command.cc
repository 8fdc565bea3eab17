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
      "paired difference from the first arm with its interval and a paired t-test; Sobol indices for a\n"
      "SOBOL design), DIR/summary.json, DIR/bands.csv (per-round quantiles: fan charts), and\n"
      "DIR/experiments.csv + DIR/outcomes.csv in EMA Workbench's layout. Each CSV file opens with one '#'\n"
      "line of provenance (read with pandas' skiprows=1). Runs stream into the statistics and files, so\n"
      "memory does not grow with their number; finished runs are checkpointed in DIR/checkpoint.jsonl.\n"
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
    // Just that run: the same sample point and seed as in the whole experiment.
    const experiments::RunRecord record = experiments::RunOne(spec, index, replicate);
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
  const std::string header_line = experiments::CheckpointHeader(spec, shard, shards);
  // This process runs positions first, first + stride, ...: all, or a shard's share.
  const std::int64_t first = shard - 1, stride = shards;
  const std::int64_t total = experiments::TotalRuns(spec);
  const std::int64_t share = first < total ? (total - first + stride - 1) / stride : 0;

  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw InputError(out_dir.string() + ": cannot create the output directory: " + error.message());
  // A whole experiment streams into its outputs; a shard's records go to its checkpoint, which becomes
  // shard.jsonl for `reesim merge`.
  std::unique_ptr<experiments::ExperimentWriter> writer;
  if (shards == 1) writer = std::make_unique<experiments::ExperimentWriter>(spec, out_dir.string());
  std::int64_t failures = 0;
  auto take = [&](const experiments::RunRecord& record) {
    failures += !record.failure.empty();
    if (writer) writer->Add(record);
  };
  std::int64_t held = 0;
  if (vars.count("resume")) {
    held = experiments::ResumeCheckpoint(checkpoint_path.string(), header_line, spec, first, stride, take);
  } else {
    std::ofstream(checkpoint_path, std::ios::binary | std::ios::trunc) << header_line << "\n";
  }
  std::ofstream checkpoint(checkpoint_path, std::ios::binary | std::ios::app);
  if (!checkpoint) throw InputError(checkpoint_path.string() + ": cannot write the checkpoint");

  const auto progress = ProgressPrinter(!vars.count("quiet") && ::isatty(STDERR_FILENO));
  experiments::RunRuns(
      spec, threads, first + held * stride, stride,
      [&](const experiments::RunRecord& record) {
        take(record);
        checkpoint << experiments::RunRecordToJson(record) << "\n" << std::flush;
        if (!checkpoint) throw InputError(checkpoint_path.string() + ": cannot write the checkpoint");
      },
      progress ? [&](std::int64_t done, std::int64_t) { progress(held + done, share); }
               : std::function<void(std::int64_t, std::int64_t)>());
  checkpoint.close();

  if (writer) {
    writer->Finish();
    std::filesystem::remove(checkpoint_path, error);
  } else {
    std::filesystem::rename(checkpoint_path, out_dir / "shard.jsonl");
  }
  if (!vars.count("quiet")) {
    std::cout << "experiment " << spec.name << ": " << share - held << " runs done"
              << (held > 0 ? " (" + std::to_string(held) + " resumed)" : std::string())
              << (shards > 1 ? " (shard " + std::to_string(shard) + "/" + std::to_string(shards) + ")" : std::string())
              << ", " << failures << " failed; outputs in " << out_dir.string() << "/\n";
  }
  return ReportFailedRuns(failures);
}

int ReportFailedRuns(std::int64_t failures) {
  if (failures == 0) return 0;
  std::cerr << "reesim: error: " << failures << " run(s) failed; runs.csv lists them with a replay command\n";
  return 1;
}

std::function<void(std::int64_t, std::int64_t)> ProgressPrinter(bool show) {
  if (!show) return {};
  const auto start = std::chrono::steady_clock::now();
  return [start](std::int64_t done, std::int64_t count) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    std::fprintf(stderr, "\r%lld/%lld runs, %.1f runs/s, ETA %.0f s   ", static_cast<long long>(done),
                 static_cast<long long>(count), rate, rate > 0 ? static_cast<double>(count - done) / rate : 0.0);
    if (done == count) std::fprintf(stderr, "\n");
  };
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
  std::optional<experiments::ExperimentSpec> spec;
  std::vector<std::unique_ptr<std::ifstream>> shard_files;  // [shard - 1]
  std::vector<std::string> shard_paths;
  int shards = 0;
  for (const std::string& dir : vars["dirs"].as<std::vector<std::string>>()) {
    const std::string path = (std::filesystem::path(dir) / "shard.jsonl").string();
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    std::string line;
    if (!*in || !std::getline(*in, line)) throw InputError(path + ": no shard output here");
    int shard = 0, n = 0;
    std::string experiment, sha256;
    try {
      const boost::json::object header = boost::json::parse(line).as_object();
      shard = static_cast<int>(header.at("shard").to_number<std::int64_t>());
      n = static_cast<int>(header.at("shards").to_number<std::int64_t>());
      experiment = header.at("experiment").as_string();
      sha256 = header.at("experiment_sha256").as_string();
    } catch (const std::exception&) {
      throw InputError(path + ": not a shard file");
    }
    if (!spec) {
      spec = experiments::LoadExperimentFile(experiment);
      shards = n;
      shard_files.resize(n);
      shard_paths.resize(n);
    }
    if (sha256 != spec->sha256) throw InputError(path + ": written for another experiment file (or the file changed since)");
    if (n != shards || shard < 1 || shard > n) {
      throw InputError(path + ": shard " + std::to_string(shard) + "/" + std::to_string(n) + " does not fit the others (/" +
                       std::to_string(shards) + ")");
    }
    if (shard_files[shard - 1]) throw InputError(path + ": shard " + std::to_string(shard) + " given twice");
    shard_files[shard - 1] = std::move(in);
    shard_paths[shard - 1] = path;
  }
  for (int k = 1; k <= shards; ++k) {
    if (!shard_files[k - 1]) throw InputError("shard " + std::to_string(k) + "/" + std::to_string(shards) + " is missing");
  }
  // Position t is the next line of shard t mod N + 1: reading the shards in turn streams the runs in order.
  const std::string out = vars["out"].as<std::string>();
  experiments::ExperimentWriter writer(*spec, out);
  const std::int64_t total = experiments::TotalRuns(*spec);
  for (std::int64_t t = 0; t < total; ++t) {
    const int k = static_cast<int>(t % shards);
    std::string line;
    experiments::RunRecord record;
    bool read = std::getline(*shard_files[k], line) && !shard_files[k]->eof();
    if (read) {
      try {
        record = experiments::RunRecordFromJson(line);
      } catch (const std::exception&) {
        read = false;
      }
    }
    const experiments::RunSlot slot = experiments::SlotAt(*spec, t);
    if (!read || record.arm != slot.arm || record.replicate != slot.row) {
      throw InputError(shard_paths[k] + ": run " + std::to_string(t / shards + 1) +
                       " of the shard is missing or damaged (an interrupted shard?)");
    }
    writer.Add(record);
  }
  writer.Finish();
  std::cout << "merged " << shards << " shard(s) of " << spec->source << ": " << total << " runs; outputs in " << out << "/\n";
  return writer.failures() > 0 ? 1 : 0;
}

}  // namespace reesim::cli
