#include "experiments/campaign.h"

#include <boost/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "experiments/checkpoint.h"
#include "experiments/design.h"
#include "experiments/runner.h"
#include "experiments/writer.h"
#include "run/output_files.h"
#include "run/snapshot_io.h"
#include "world/field_error.h"

namespace reesim::experiments {

Shard ParseShard(const std::string& text) {
  Shard shard;
  char slash = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%n", &shard.index, &slash, &shard.count, &consumed) != 3 || slash != '/' ||
      consumed != static_cast<int>(text.size()) || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw InputError("--shard must be K/N with 1 <= K <= N, got '" + text + "'");
  }
  return shard;
}

void PrepareSnapshotDir(ExperimentSpec& spec, const std::string& out_dir) {
  if (spec.keep != ExperimentSpec::Keep::kSnapshots) return;
  spec.snapshot_dir = (std::filesystem::path(out_dir) / "snapshots").string();
  run::CreateOutputDirectory(spec.snapshot_dir, "the snapshot directory");
}

namespace {

// Records in a checkpoint file: its lines after the header.
std::int64_t CountRecords(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::int64_t lines = 0;
  std::string line;
  while (std::getline(in, line)) lines += !line.empty();
  return lines > 0 ? lines - 1 : 0;
}

// Whether finished outputs were written by `spec` (and, for a shard, the same shard): summary.json's
// experiment_sha256, or shard.jsonl's header line.
bool FinishedOutputsMatch(const std::filesystem::path& path, const ExperimentSpec& spec, const std::string& header_line) {
  std::ifstream in(path, std::ios::binary);
  if (path.filename() == "shard.jsonl") {
    std::string line;
    return std::getline(in, line) && line == header_line;
  }
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code error;
  const boost::json::value summary = boost::json::parse(text.str(), error);
  if (error || !summary.is_object()) return false;
  const boost::json::value* sha256 = summary.as_object().if_contains("experiment_sha256");
  return sha256 != nullptr && sha256->is_string() && sha256->as_string() == spec.sha256;
}

}  // namespace

CampaignResult RunCampaign(ExperimentSpec& spec, const CampaignOptions& options) {
  const std::filesystem::path out_dir = options.out_dir;
  run::CreateOutputDirectory(out_dir.string());
  std::error_code error;
  PrepareSnapshotDir(spec, options.out_dir);
  const Shard shard = options.shard;
  const std::filesystem::path checkpoint_path = out_dir / "checkpoint.jsonl";
  const std::string header_line = CheckpointHeader(spec, shard.index, shard.count);
  // This process runs positions first, first + stride, ...: all, or a shard's share.
  const std::int64_t first = shard.index - 1, stride = shard.count;
  const std::int64_t total = TotalRuns(spec);
  CampaignResult result;
  result.runs = first < total ? (total - first + stride - 1) / stride : 0;

  // A whole experiment streams into its outputs; a shard's records go to its checkpoint, which becomes
  // shard.jsonl for MergeShards.
  // Finished work is kept unless the user says otherwise.
  const std::filesystem::path finished_path = out_dir / (shard.count == 1 ? "summary.json" : "shard.jsonl");
  const bool has_checkpoint = std::filesystem::exists(checkpoint_path);
  const bool has_finished = std::filesystem::exists(finished_path);
  if (options.resume && !has_checkpoint && has_finished) {
    if (!FinishedOutputsMatch(finished_path, spec, header_line)) {
      throw InputError(finished_path.string() + ": the finished outputs of another experiment (or shard); --resume " +
                       "continues only the same one");
    }
    result.already_finished = true;
    return result;
  }
  if (!options.resume && !options.force) {
    if (has_checkpoint) {
      throw InputError(out_dir.string() + ": holds the checkpoint of an interrupted run (" +
                       std::to_string(CountRecords(checkpoint_path)) +
                       " runs finished): continue it with --resume, or start over with --force, which discards them");
    }
    if (has_finished) {
      throw InputError(out_dir.string() + ": holds the outputs of a finished run (" + finished_path.filename().string() +
                       "): choose another --out, or give --force to overwrite them");
    }
  }

  std::unique_ptr<ExperimentWriter> writer;
  if (shard.count == 1) writer = std::make_unique<ExperimentWriter>(spec, out_dir.string());
  auto take = [&](const RunRecord& record) {
    result.failures += !record.failure.empty();
    if (writer) writer->Add(record);
    if (writer && options.observe) options.observe(record);
  };
  if (options.resume) {
    result.resumed = ResumeCheckpoint(checkpoint_path.string(), header_line, spec, first, stride, take);
  } else {
    errno = 0;
    std::ofstream fresh(checkpoint_path, std::ios::binary | std::ios::trunc);
    fresh << header_line << "\n" << std::flush;
    if (!fresh) {  // a checkpoint without its header line could not be resumed: none is left
      const int reason = errno;
      fresh.close();
      std::filesystem::remove(checkpoint_path, error);
      run::ThrowWriteError(checkpoint_path.string(), "cannot write the checkpoint", reason);
    }
  }
  errno = 0;
  std::ofstream checkpoint(checkpoint_path, std::ios::binary | std::ios::app);
  if (!checkpoint) run::ThrowWriteError(checkpoint_path.string(), "cannot write the checkpoint", errno);

  const std::int64_t resumed = result.resumed;
  RunRuns(
      spec, options.threads, first + resumed * stride, stride,
      [&](const RunRecord& record) {
        take(record);
        errno = 0;
        checkpoint << RunRecordToJson(record) << "\n" << std::flush;
        if (!checkpoint) run::ThrowWriteError(checkpoint_path.string(), "cannot write the checkpoint", errno);
      },
      options.progress ? [&](std::int64_t done, std::int64_t) { options.progress(resumed + done, result.runs); }
                       : std::function<void(std::int64_t, std::int64_t)>());
  checkpoint.close();
  if (!checkpoint) run::ThrowWriteError(checkpoint_path.string(), "cannot write the checkpoint (close)", errno);

  if (writer) {
    writer->Finish(options.more_outputs ? options.more_outputs() : std::vector<OutputFile>{});
    std::filesystem::remove(checkpoint_path, error);
  } else {
    run::SyncFile(checkpoint_path.string());
    if (std::rename(checkpoint_path.c_str(), (out_dir / "shard.jsonl").c_str()) != 0) {
      run::ThrowWriteError((out_dir / "shard.jsonl").string(), "cannot rename from " + checkpoint_path.string(), errno);
    }
  }
  return result;
}

namespace {

// A shard file's line: its header carries the experiment's text (at most an input file), a record line
// less. A longer line is damage (or `/dev/zero` behind a symbolic link), refused before it fills memory.
constexpr std::size_t kMaxShardLineBytes = run::kMaxInputFileBytes + (1 << 20);

bool GetShardLine(std::istream& in, std::string& line, const std::string& path) {
  line.clear();
  for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
    if (c == '\n') return true;
    line += static_cast<char>(c);
    if (line.size() > kMaxShardLineBytes) {
      throw InputError(path + ": a line longer than " + std::to_string(kMaxShardLineBytes >> 20) + " MB (not a shard file)");
    }
  }
  return !line.empty();
}

}  // namespace

MergeResult MergeShards(const std::vector<std::string>& dirs, const std::string& out_dir,
                        const std::function<ExperimentSpec(const std::string& path, const std::string& text)>& load,
                        const std::function<void(const RunRecord&)>& observe,
                        const std::function<std::vector<OutputFile>()>& more_outputs) {
  std::optional<ExperimentSpec> spec;
  std::vector<std::unique_ptr<std::ifstream>> shard_files;  // [shard - 1]
  std::vector<std::string> shard_paths;
  int shards = 0;
  for (const std::string& dir : dirs) {
    const std::string path = (std::filesystem::path(dir) / "shard.jsonl").string();
    std::error_code status_error;
    if (std::filesystem::exists(path, status_error) && !std::filesystem::is_regular_file(path, status_error)) {
      throw InputError(path + ": not a regular file (a directory, device or pipe)");
    }
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    std::string line;
    if (!*in || !GetShardLine(*in, line, path)) throw InputError(path + ": no shard output here");
    int shard = 0, n = 0;
    std::string experiment, sha256, text;
    try {
      const boost::json::object header = boost::json::parse(line).as_object();
      shard = static_cast<int>(header.at("shard").to_number<std::int64_t>());
      n = static_cast<int>(header.at("shards").to_number<std::int64_t>());
      experiment = header.at("experiment").as_string();
      sha256 = header.at("experiment_sha256").as_string();
      text = header.at("experiment_text").as_string();
    } catch (const std::exception&) {
      throw InputError(path + ": not a shard file (or one written by an older reesim, without its experiment's text)");
    }
    if (run::Sha256Hex(text) != sha256) throw InputError(path + ": damaged: the experiment's text does not match its hash");
    if (!spec) {
      if (!load && !LooksLikeExperiment(text)) {
        throw InputError(path + ": not the shard of an experiment (a game's shards merge with reesim game --merge)");
      }
      spec = load ? load(experiment, text) : LoadExperimentText(text, experiment);
      // Every shard 1..n must be given, so n is at most the directories given: a damaged header
      // claiming millions of shards is refused before anything is allocated for them.
      if (n < 1 || n > static_cast<int>(dirs.size())) {
        throw InputError(path + ": claims to be one of " + std::to_string(n) + " shards, but " +
                         std::to_string(dirs.size()) + " shard director" + (dirs.size() == 1 ? "y was" : "ies were") +
                         " given (every shard 1..N must be)");
      }
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
  if (!spec) throw InputError("merge needs the shard directories");
  for (int k = 1; k <= shards; ++k) {
    if (!shard_files[k - 1]) throw InputError("shard " + std::to_string(k) + "/" + std::to_string(shards) + " is missing");
  }
  // Position t is the next line of shard t mod N + 1: reading the shards in turn streams the runs in order.
  // A refused merge leaves nothing behind: the writer removes its temporaries, and an output directory
  // this merge created goes too.
  const std::filesystem::path out_path(out_dir);
  const bool out_existed = std::filesystem::exists(out_path);
  try {
    ExperimentWriter writer(*spec, out_dir);
    const std::int64_t total = TotalRuns(*spec);
    for (std::int64_t t = 0; t < total; ++t) {
      const int k = static_cast<int>(t % shards);
      const std::string where = shard_paths[k] + ": run " + std::to_string(t / shards + 1) + " of the shard";
      std::string line;
      if (!GetShardLine(*shard_files[k], line, shard_paths[k]) || shard_files[k]->eof()) {
        throw InputError(where + " is missing or cut off (an interrupted shard?)");
      }
      RunRecord record;
      try {
        record = RunRecordFromJson(line, *spec, t);
      } catch (const std::exception& error) {
        throw InputError(where + " is damaged: " + error.what());
      }
      writer.Add(record);
      if (observe) observe(record);
    }
    for (int k = 0; k < shards; ++k) {
      std::string line;
      while (GetShardLine(*shard_files[k], line, shard_paths[k])) {
        if (!line.empty()) throw InputError(shard_paths[k] + ": holds more than its share of the experiment's runs (damaged?)");
      }
    }
    writer.Finish(more_outputs ? more_outputs() : std::vector<OutputFile>{});
    return MergeResult{spec->source, shards, total, writer.failures()};
  } catch (...) {
    std::error_code ignored;
    if (!out_existed && std::filesystem::is_empty(out_path, ignored)) std::filesystem::remove(out_path, ignored);
    throw;
  }
}

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

}  // namespace reesim::experiments
