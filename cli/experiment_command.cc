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
      "usage: reesim experiment --spec FILE [--threads T] [--out DIR] [--quiet]\n\n"
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
      ("only-replicate", po::value<int>(), "... and this replicate (prints its outcomes)");
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
    // Keep only that arm, and run every replicate up to it so the sample point is the same.
    spec.arm_names = {spec.arm_names[index]};
    spec.arm_overlays = {spec.arm_overlays[index]};
    const experiments::ExperimentResult result = experiments::RunExperiment(spec, threads);
    const experiments::RunRecord& record = result.runs[replicate];
    if (!record.failure.empty()) {
      std::cerr << "reesim: error: the run failed: " << record.failure << "\n";
      return 1;
    }
    for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
      std::cout << spec.outcomes[o].name << " = " << record.outcomes[o] << "\n";
    }
    return 0;
  }

  const bool show_progress = !vars.count("quiet") && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto progress = [&](int done, int total) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? done / seconds : 0.0;
    std::fprintf(stderr, "\r%d/%d runs, %.1f runs/s, ETA %.0f s   ", done, total, rate,
                 rate > 0 ? (total - done) / rate : 0.0);
    if (done == total) std::fprintf(stderr, "\n");
  };
  const experiments::ExperimentResult result =
      experiments::RunExperiment(spec, threads, show_progress ? std::function<void(int, int)>(progress) : nullptr);
  experiments::WriteExperimentOutputs(spec, result, vars["out"].as<std::string>());
  if (!vars.count("quiet")) {
    std::cout << "experiment " << spec.name << ": " << result.runs.size() << " runs (" << spec.arm_names.size()
              << " arms x " << spec.RunsPerArm() << " runs), " << result.failures << " failed; outputs in "
              << vars["out"].as<std::string>() << "/\n";
  }
  if (result.failures > 0) {
    std::cerr << "reesim: error: " << result.failures << " run(s) failed; runs.csv lists them with a replay command\n";
    return 1;
  }
  return 0;
}

}  // namespace reesim::cli
