// The `reesim` program's subcommands. Each takes its arguments (without the subcommand name), prints
// its own --help, and returns the exit code: 0 success, 1 the run failed, 2 bad usage or bad input.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options/variables_map.hpp>

#include "experiments/campaign.h"

namespace reesim::cli {

int RunCommand(const std::vector<std::string>& args);
int InspectCommand(const std::vector<std::string>& args);
int CheckCommand(const std::vector<std::string>& args);
int MetricsCommand(const std::vector<std::string>& args);
int ValidateCommand(const std::vector<std::string>& args);
int ExperimentCommand(const std::vector<std::string>& args);
int MergeCommand(const std::vector<std::string>& args);
int BenchCommand(const std::vector<std::string>& args);
int GameCommand(const std::vector<std::string>& args);
int ServeCommand(const std::vector<std::string>& args);

// Returns the exit code of an experiment with `failures` failed runs (1 if any, said on stderr; else 0).
int ReportFailedRuns(std::int64_t failures);

// Returns a progress bar for stderr (runs done of a total, runs/s, ETA), or nothing when !show.
std::function<void(std::int64_t done, std::int64_t total)> ProgressPrinter(bool show);

// Returns the campaign options of --out, --threads, --shard, --resume (and a progress bar unless
// --quiet or stderr is not a terminal), as `reesim experiment` and `reesim game` take them. Throws
// UsageError or InputError for bad values.
experiments::CampaignOptions CampaignOptionsFrom(const boost::program_options::variables_map& vars);

// The three kinds of input file, told apart as `reesim check` tells them (a game has `players`, an
// experiment `scenario:` and `replicates:`, anything else is a scenario).
enum class FileKind { kScenario, kExperiment, kGame };
// Throws InputError naming the kind and the command that takes it when the file at `path` (or the
// library scenario of that name) is readable and of another kind than `expected`; otherwise does
// nothing, and the command's own loader reports what is wrong with it.
void RequireFileKind(const std::string& path, FileKind expected);

// Thrown for bad usage (unknown flags, missing arguments); main prints it and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace reesim::cli
