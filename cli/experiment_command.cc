#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "experiments/experiment.h"

namespace po = boost::program_options;

namespace reesim::cli {

int ExperimentCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim experiment --spec FILE [--threads T] [--out DIR] [--shard K/N] [--resume | --force] [--quiet]\n"
      "       reesim experiment --spec FILE --only-arm ARM --only-replicate R    (replay one run)\n"
      "       mpirun -n N reesim experiment --spec FILE [--threads T] [--out DIR]  (ranks share the runs;\n"
      "                                                                        rank 0 writes the same bytes)\n\n"
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
      ("resume", "continue an interrupted run from DIR/checkpoint.jsonl; the outputs equal an uninterrupted run's "
                 "(on a finished run: nothing to do)")
      ("force", "start over in a DIR that holds a checkpoint or finished outputs (which are discarded); "
                "without it such a DIR is refused");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  if (!vars.count("spec")) throw UsageError("experiment needs --spec FILE");
  experiments::CampaignOptions campaign = CampaignOptionsFrom(vars);
  const int threads = campaign.threads;
  RequireFileKind(vars["spec"].as<std::string>(), FileKind::kExperiment);
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

  const std::string out_dir = campaign.out_dir;
  const bool quiet = vars.count("quiet") > 0;
  const auto progress = campaign.progress;
  if (experiments::LaunchedByMpirun()) {
    if (vars.count("shard") || vars.count("resume")) throw UsageError("--shard and --resume do not combine with mpirun");
    experiments::PrepareSnapshotDir(spec, out_dir);
    const experiments::MpiCampaignResult result = experiments::RunCampaignUnderMpi(spec, threads, out_dir, progress);
    if (result.rank != 0) return result.failures > 0 ? 1 : 0;
    if (!quiet) {
      std::cout << "experiment " << spec.name << ": " << result.runs << " runs on " << result.ranks << " MPI ranks, "
                << result.failures << " failed; outputs in " << out_dir << "/\n";
    }
    return ReportFailedRuns(result.failures);
  }
  const experiments::CampaignResult result = experiments::RunCampaign(spec, campaign);
  if (result.already_finished) {
    std::cout << "experiment " << spec.name << ": already finished in " << out_dir << "/; nothing to do\n";
    return 0;
  }
  if (!quiet) {
    const experiments::Shard shard = campaign.shard;
    std::cout << "experiment " << spec.name << ": " << result.runs - result.resumed << " runs done"
              << (result.resumed > 0 ? " (" + std::to_string(result.resumed) + " resumed)" : std::string())
              << (shard.count > 1 ? " (shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) + ")"
                                  : std::string())
              << ", " << result.failures << " failed; outputs in " << out_dir << "/\n";
  }
  return ReportFailedRuns(result.failures);
}

experiments::CampaignOptions CampaignOptionsFrom(const po::variables_map& vars) {
  experiments::CampaignOptions campaign;
  campaign.threads = vars["threads"].as<int>();
  if (campaign.threads < 0 || campaign.threads > 1024) throw UsageError("--threads must be between 0 and 1024");
  campaign.out_dir = vars["out"].as<std::string>();
  if (vars.count("shard")) campaign.shard = experiments::ParseShard(vars["shard"].as<std::string>());
  campaign.resume = vars.count("resume") > 0;
  campaign.force = vars.count("force") > 0;
  if (campaign.resume && campaign.force) throw UsageError("--resume and --force do not combine: continue, or start over");
  campaign.progress = ProgressPrinter(vars.count("quiet") == 0 && ::isatty(STDERR_FILENO));
  return campaign;
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
      "experiment. Each shard.jsonl carries its experiment file's text and hash, so merge runs anywhere\n"
      "without the file (a scenario the experiment names by path must be found from where merge runs). A\n"
      "shard that is damaged, cut off, of another experiment or holding extra runs is refused with the\n"
      "shard and run named, and a refused merge leaves no output behind.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("out", po::value<std::string>()->default_value("reesim-out"), "output directory")
      ("dirs", po::value<std::vector<std::string>>()->multitoken(), "shard output directories");
  po::variables_map vars;
  if (!ParseOptions(options, args, "dirs", vars, /*positional_count=*/-1)) return 0;
  if (!vars.count("dirs")) throw UsageError("merge needs the shard directories");
  const std::string out = vars["out"].as<std::string>();
  const experiments::MergeResult merged = experiments::MergeShards(vars["dirs"].as<std::vector<std::string>>(), out);
  std::cout << "merged " << merged.shards << " shard(s) of " << merged.experiment << ": " << merged.runs
            << " runs; outputs in " << out << "/\n";
  return merged.failures > 0 ? 1 : 0;
}

}  // namespace reesim::cli
