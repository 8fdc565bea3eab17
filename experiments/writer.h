// An experiment's output files, written as its records arrive.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "experiments/experiment_spec.h"
#include "experiments/run_record.h"
#include "experiments/summary.h"
#include "run/output_files.h"

namespace reesim::experiments {

// Writes an experiment's outputs under `out_dir` as its records arrive (in position order): runs.csv
// (unless keep is NOTHING) and, in EMA Workbench's layout, experiments.csv (uncertainties, `scenario`
// = the replicate, `policy` = the arm) and outcomes.csv; at Finish, summary.csv, summary.json and
// bands.csv. Every file is written under a temporary name, fsynced and renamed at Finish (run::OutputSet),
// so a directory holds all of the outputs or none, never a half-written one; a write failure (a full
// disk) throws run::WriteError with the OS's reason and the temporaries are removed. Each CSV file opens with a `#` line of provenance (reesim version,
// snapshot format, experiment file hash, seed): read them with pandas' `skiprows=1`.
// A file to write into an output directory: its name there and its contents.
struct OutputFile {
  std::string name;
  std::string contents;
};

class ExperimentWriter {
 public:
  ExperimentWriter(const ExperimentSpec& spec, const std::string& out_dir);
  ~ExperimentWriter();  // removes the temporaries unless finished
  void Add(const RunRecord& record);
  // Writes the summaries and `more` (files in out_dir), then commits them all with the streamed ones.
  void Finish(const std::vector<OutputFile>& more = {});
  std::int64_t failures() const { return summary_.failures(); }
  const ExperimentSummary& summary() const { return summary_; }

 private:
  struct File;
  const ExperimentSpec& spec_;
  std::string out_dir_;
  ExperimentSummary summary_;
  std::vector<std::unique_ptr<File>> streams_;  // runs, experiments, outcomes
  run::OutputSet outputs_;  // declared after streams_: destroyed (temporaries removed) once they are closed
  bool finished_ = false;
};

}  // namespace reesim::experiments
