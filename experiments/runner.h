// Running an experiment's runs: one arm at one row, and many in parallel with TBB, delivered one at a
// time in position order whatever the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/experiment_spec.h"
#include "experiments/run_record.h"
#include "experiments/summary.h"
#include "run/run.h"

namespace reesim::experiments {

// Returns the outcome's value from a run's per-round metrics (missing flow metrics read as 0).
// Throws InputError if the metric is missing and not a flow metric.
double Aggregate(const OutcomeSpec& outcome, const run::RunResult& result, int rounds_per_year);


// Runs one arm at one row (the same sample point and seed as in the whole experiment). A run that
// fails is returned with its failure, not thrown.
RunRecord RunOne(const ExperimentSpec& spec, int arm, int row);

// Runs jobs 0 .. count-1 (`run(index)`, independent of one another) in parallel on `threads` threads
// (0 = all cores), calling `finished` with each record one at a time, in index order, and `progress`
// after: what is delivered does not depend on the thread count. An exception from `run` or `finished`
// stops issuing jobs, lets the running ones return, and is rethrown. RunRuns is this over an
// experiment's positions; the classroom's "what if" ensemble (classroom/what_if.h) over its forks.
void RunInOrder(std::int64_t count, int threads, const std::function<RunRecord(std::int64_t)>& run,
                const std::function<void(const RunRecord&)>& finished,
                const std::function<void(std::int64_t done, std::int64_t total)>& progress);

// Runs positions first, first + stride, ... (below TotalRuns) in parallel on `threads` threads (0 = all
// cores), calling `finished` with each record one at a time, in position order, and `progress` after.
void RunRuns(const ExperimentSpec& spec, int threads, std::int64_t first, std::int64_t stride,
             const std::function<void(const RunRecord&)>& finished,
             const std::function<void(std::int64_t done, std::int64_t total)>& progress);

struct ExperimentResult {
  std::vector<RunRecord> runs;  // in position order
  std::vector<SummaryStatistic> summary;
  std::int64_t failures = 0;
};

// Runs the whole experiment in this process, keeping every record in memory (for tests and small
// designs; `reesim experiment` streams instead) and writing the outputs under `out_dir` if given.
ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads, const std::string& out_dir = "");

}  // namespace reesim::experiments
