// Checkpoints and shard files: one header line naming the experiment and shard, then one finished run
// record per line, so an interrupted experiment resumes and shards merge into exactly one process's output.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "experiments/experiment_spec.h"
#include "experiments/runner.h"

namespace reesim::experiments {

// A run record as one line of JSON (numbers round-trip exactly; NaN as null), and back. The reader
// takes nothing on trust, since a checkpoint or shard file may be damaged or edited: it throws
// std::runtime_error saying what is wrong when the line is not JSON, a number is not a number, or the
// record is not the one `spec` runs at `position` (its arm and row, its sampled parameters exactly, one
// outcome and one series per outcome of the spec, series of equal length; a failed run has no series).
std::string RunRecordToJson(const RunRecord& record);
RunRecord RunRecordFromJson(const std::string& line, const ExperimentSpec& spec, std::int64_t position);

// The first line of a checkpoint or shard file: which experiment (by path and SHA-256) and shard.
std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards);

// Reads a checkpoint, whose run lines are a shard's positions first, first + stride, ... in order,
// passing each record to `resumed`. A last line cut off by a kill, or a damaged tail, ends the reading
// and is cut from the file (those runs run again). Returns how many runs it held. Throws InputError if
// there is no checkpoint or it was written for another experiment file or shard.
std::int64_t ResumeCheckpoint(const std::string& path, const std::string& header, const ExperimentSpec& spec,
                              std::int64_t first, std::int64_t stride,
                              const std::function<void(const RunRecord&)>& resumed);

}  // namespace reesim::experiments
