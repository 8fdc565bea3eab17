#include "experiments/runner.h"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "experiments/design.h"
#include "experiments/parameter_path.h"
#include "experiments/writer.h"
#include "run/output_files.h"
#include "proto/scenario.pb.h"
#include "world/check.h"
#include "world/field_error.h"

namespace reesim::experiments {

double Aggregate(const OutcomeSpec& outcome, const run::RunResult& result, int rounds_per_year) {
  std::vector<double> series;
  for (std::size_t r = 0; r < result.metrics.size(); ++r) {
    const auto it = result.metrics[r].find(outcome.metric);
    if (it != result.metrics[r].end()) {
      series.push_back(it->second);
    } else if (outcome.absent_is_zero) {
      series.push_back(0.0);
    } else {
      throw InputError("no metric " + outcome.metric + " in round " + std::to_string(r));
    }
  }
  if (series.empty()) throw InputError("the run has no rounds");
  switch (outcome.aggregation) {
    case OutcomeSpec::Aggregation::kFinal: return series.back();
    case OutcomeSpec::Aggregation::kMean: return std::accumulate(series.begin(), series.end(), 0.0) / series.size();
    case OutcomeSpec::Aggregation::kMax: return *std::max_element(series.begin(), series.end());
    case OutcomeSpec::Aggregation::kMin: return *std::min_element(series.begin(), series.end());
    case OutcomeSpec::Aggregation::kSum: return std::accumulate(series.begin(), series.end(), 0.0);
    case OutcomeSpec::Aggregation::kDiscountedSum: {
      double sum = 0;
      for (std::size_t r = 0; r < series.size(); ++r) {
        sum += series[r] / std::pow(1.0 + outcome.discount_rate, static_cast<double>(r) / rounds_per_year);
      }
      return sum;
    }
    case OutcomeSpec::Aggregation::kFirstCrossing:
      for (std::size_t r = 0; r < series.size(); ++r) {
        if (series[r] >= outcome.threshold) return static_cast<double>(r);
      }
      return static_cast<double>(series.size());
  }
  return std::nan("");
}

RunRecord RunOne(const ExperimentSpec& spec, int arm, int row) {
  RunRecord record;
  record.arm = arm;
  record.replicate = row;
  record.parameters = SamplePoint(spec, row);
  try {
    auto scenario = std::make_shared<reesim::Scenario>(*spec.scenario);
    scenario->MergeFrom(*spec.arm_overlays[arm]);
    for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
      SetScenarioNumber(*scenario, spec.parameters[p].path, record.parameters[p]);
    }
    const run::LoadedScenario loaded = run::LoadScenarioMessage(scenario, "", spec.source);
    run::RunOptions options;
    options.seed = spec.seed;
    options.run = static_cast<std::uint64_t>(row);  // shared by every arm: paired
    options.rounds = spec.rounds;
    options.threads = 0;  // the calling task's arena: runs are the unit of parallelism
    options.experiment_sha256 = spec.sha256;
    for (const OutcomeSpec& outcome : spec.outcomes) options.kept_metrics.push_back(outcome.metric);
    if (spec.keep == ExperimentSpec::Keep::kSnapshots && !spec.snapshot_dir.empty()) {
      options.snapshot_path =
          (std::filesystem::path(spec.snapshot_dir) / (spec.arm_names[arm] + "-" + std::to_string(row) + ".pbs")).string();
    }
    const run::RunResult result = run::RunScenario(loaded, options);
    for (const OutcomeSpec& outcome : spec.outcomes) {
      record.outcomes.push_back(Aggregate(outcome, result, loaded.world.rounds_per_year));
      std::vector<double> series;
      for (const run::Metrics& metrics : result.metrics) {
        const auto it = metrics.find(outcome.metric);
        series.push_back(it == metrics.end() ? 0.0 : it->second);
      }
      record.series.push_back(std::move(series));
    }
  } catch (const run::WriteError&) {
    throw;  // a full disk is the experiment's failure, not the run's
  } catch (const std::exception& error) {
    record.outcomes.assign(spec.outcomes.size(), std::nan(""));
    record.series.clear();
    record.failure = error.what();
  }
  return record;
}

void RunInOrder(std::int64_t count, int threads, const std::function<RunRecord(std::int64_t)>& run,
                const std::function<void(const RunRecord&)>& finished,
                const std::function<void(std::int64_t done, std::int64_t total)>& progress) {
  std::unique_ptr<tbb::global_control> allow;
  if (threads > 0) {
    allow = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  // A failure in the in-order stage (the writer on a full disk) must not unwind through the pipeline
  // while runs are in flight on other threads: it is kept, the pipeline is drained (no new run is
  // issued, runs not yet started are skipped, later records are dropped), and it is rethrown only once
  // every worker has returned, so no worker touches state the unwinding frees.
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::atomic<bool> cancelled{false};
  arena.execute([&] {
    std::int64_t issued = 0, done = 0;
    // A few runs in flight per thread keep the threads busy while the in-order stage waits for a slow
    // run; they bound the records held at once.
    const std::size_t tokens = 4 * static_cast<std::size_t>(arena.max_concurrency());
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& control) -> std::int64_t {
                                               if (issued == count || cancelled.load()) {
                                                 control.stop();
                                                 return 0;
                                               }
                                               return issued++;
                                             }) &
            tbb::make_filter<std::int64_t, RunRecord>(tbb::filter_mode::parallel,
                                                      [&](std::int64_t index) {
                                                        if (cancelled.load()) return RunRecord{};
                                                        try {
                                                          return run(index);
                                                        } catch (...) {  // a snapshot write failed
                                                          const std::lock_guard<std::mutex> lock(failure_mutex);
                                                          if (!failure) failure = std::current_exception();
                                                          cancelled.store(true);
                                                          return RunRecord{};
                                                        }
                                                      }) &
            tbb::make_filter<RunRecord, void>(tbb::filter_mode::serial_in_order, [&](const RunRecord& record) {
              if (cancelled.load()) return;
              try {
                if (finished) finished(record);
                ++done;
                if (progress) progress(done, count);
              } catch (...) {
                const std::lock_guard<std::mutex> lock(failure_mutex);
                if (!failure) failure = std::current_exception();
                cancelled.store(true);
              }
            }));
  });
  if (failure) std::rethrow_exception(failure);
}

void RunRuns(const ExperimentSpec& spec, int threads, std::int64_t first, std::int64_t stride,
             const std::function<void(const RunRecord&)>& finished,
             const std::function<void(std::int64_t done, std::int64_t total)>& progress) {
  REESIM_CHECK(first >= 0 && stride >= 1);
  const std::int64_t total = TotalRuns(spec);
  const std::int64_t count = first < total ? (total - first + stride - 1) / stride : 0;
  RunInOrder(
      count, threads,
      [&](std::int64_t index) {
        const RunSlot slot = SlotAt(spec, first + stride * index);
        return RunOne(spec, slot.arm, slot.row);
      },
      finished, progress);
}

ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads, const std::string& out_dir) {
  ExperimentResult result;
  // The writer keeps the summary when there are outputs to write; else a summary alone.
  std::unique_ptr<ExperimentWriter> writer;
  std::unique_ptr<ExperimentSummary> alone;
  if (out_dir.empty()) {
    alone = std::make_unique<ExperimentSummary>(spec);
  } else {
    writer = std::make_unique<ExperimentWriter>(spec, out_dir);
  }
  RunRuns(spec, threads, 0, 1,
          [&](const RunRecord& record) {
            if (writer) {
              writer->Add(record);
            } else {
              alone->Add(record);
            }
            result.runs.push_back(record);
          },
          {});
  if (writer) writer->Finish();
  const ExperimentSummary& summary = writer ? writer->summary() : *alone;
  result.summary = summary.Statistics();
  result.failures = summary.failures();
  return result;
}

}  // namespace reesim::experiments
