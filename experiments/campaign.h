// An experiment run into a directory, the way `reesim experiment` and `reesim merge` run it: the whole
// experiment or a deterministic shard of it (every N-th run from the K-th), checkpointed run by run so
// that an interrupted campaign resumes with outputs byte-identical to an uninterrupted one, and shards
// merged into exactly what one process writes. Under mpirun the ranks split the runs the same way
// (RunCampaignUnderMpi, in builds with MPI).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/experiment_spec.h"
#include "experiments/run_record.h"
#include "experiments/writer.h"

namespace reesim::experiments {

struct Shard {
  int index = 1;  // K, from 1
  int count = 1;  // N
};

// Parses "K/N" with 1 <= K <= N. Throws InputError naming the text.
Shard ParseShard(const std::string& text);

// For keep SNAPSHOTS: creates out_dir/snapshots and sets spec.snapshot_dir to it (else does nothing).
// Throws InputError if it cannot be created.
void PrepareSnapshotDir(ExperimentSpec& spec, const std::string& out_dir);

struct CampaignOptions {
  std::string out_dir;
  int threads = 0;  // 0 = all cores
  Shard shard;
  bool resume = false;  // continue from out_dir/checkpoint.jsonl
  bool force = false;   // start over even where out_dir holds a checkpoint or finished outputs
  std::function<void(std::int64_t done, std::int64_t total)> progress;  // optional
  // Optional: sees every record of a whole experiment (shard 1/1) in position order, resumed ones
  // included, as the writer does (e.g. the empirical game's payoff table).
  std::function<void(const RunRecord&)> observe;
  // Optional, a whole experiment only: called once every run is recorded, it returns more files (name
  // in out_dir, contents) committed together with the experiment's outputs (the empirical game's), so
  // a failure anywhere leaves none of them and the checkpoint, from which --resume writes them all.
  std::function<std::vector<OutputFile>()> more_outputs;
};

struct CampaignResult {
  std::int64_t runs = 0;     // this process's share of the runs
  std::int64_t resumed = 0;  // of which read back from the checkpoint
  std::int64_t failures = 0;
  bool already_finished = false;  // --resume found this experiment's finished outputs: nothing was done
};

// Runs `spec` (or its shard) into options.out_dir: the outputs of writer.h for a whole experiment, or
// shard.jsonl for `MergeShards`; PrepareSnapshotDir first. Finished work is never discarded unasked:
// without `resume` or `force`, a directory holding a checkpoint or finished outputs is refused
// (InputError saying which flag does what); with `resume` and no checkpoint, the same experiment's
// finished outputs make it a no-op (already_finished). Throws InputError for unwritable outputs or a
// checkpoint or outputs of another experiment.
CampaignResult RunCampaign(ExperimentSpec& spec, const CampaignOptions& options);

struct MergeResult {
  std::string experiment;  // the experiment file the shards were run from
  int shards = 0;
  std::int64_t runs = 0;
  std::int64_t failures = 0;
};

// Merges the shard.jsonl files in `dirs` (every shard 1..N once, of one experiment) into out_dir,
// exactly as one process writes. Each shard carries its experiment's text, so the file need not exist
// where merge runs (a scenario it names by path must). `load` (default LoadExperimentText) loads that
// text under the file's original name; `observe` (optional) sees every record in position order. Throws
// InputError naming the shard at fault.
MergeResult MergeShards(const std::vector<std::string>& dirs, const std::string& out_dir,
                        const std::function<ExperimentSpec(const std::string& path, const std::string& text)>& load = {},
                        const std::function<void(const RunRecord&)>& observe = {},
                        const std::function<std::vector<OutputFile>()>& more_outputs = {});

struct MpiCampaignResult {
  int rank = 0;
  int ranks = 1;
  std::int64_t runs = 0;      // all of them
  std::int64_t failures = 0;  // known on every rank
};

// Runs `spec` under mpirun: rank r runs positions r, r + N, ... and hands its records to rank 0, which
// writes the outputs, byte-identical to one process's (and passes each record to `observe`, if given, in
// position order). Exits the whole job (MPI_Abort) if rank 0 cannot write. Throws InputError in builds
// without MPI.
MpiCampaignResult RunCampaignUnderMpi(const ExperimentSpec& spec, int threads, const std::string& out_dir,
                                      const std::function<void(std::int64_t done, std::int64_t total)>& progress,
                                      const std::function<void(const RunRecord&)>& observe = {},
                                      const std::function<std::vector<OutputFile>()>& more_outputs = {});

// Whether this process was started by mpirun (Open MPI, MPICH or PMIx environment variables).
bool LaunchedByMpirun();

// Whether this build has MPI (REESIM_WITH_MPI and an MPI library found).
bool BuiltWithMpi();

}  // namespace reesim::experiments
