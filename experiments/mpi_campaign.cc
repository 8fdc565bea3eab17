// `reesim experiment` under `mpirun -n N`: rank r runs positions r, r + N, ... (a deterministic share,
// as --shard r+1/N) and sends each record to rank 0 as it finishes, in order; rank 0 interleaves them
// with its own, in position order, into the same streaming outputs as a single process, so the bytes
// are identical and no rank holds more than a few records. Only this file includes MPI.
#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "experiments/campaign.h"
#include "experiments/checkpoint.h"
#include "experiments/design.h"
#include "experiments/runner.h"
#include "experiments/writer.h"
#include "run/output_files.h"
#include "world/field_error.h"

namespace reesim::experiments {

namespace {

constexpr int kRecordTag = 7;

}  // namespace

bool BuiltWithMpi() { return true; }

MpiCampaignResult RunCampaignUnderMpi(const ExperimentSpec& spec, int threads, const std::string& out_dir,
                                      const std::function<void(std::int64_t done, std::int64_t total)>& progress,
                                      const std::function<void(const RunRecord&)>& observe,
                                      const std::function<std::vector<OutputFile>()>& more_outputs) {
  // Records are sent and received from the pipeline's in-order stage, which runs on whichever TBB
  // thread is free, one call at a time.
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw InputError("this MPI library cannot be called from worker threads (MPI_THREAD_SERIALIZED)");
  }
  const std::int64_t total = TotalRuns(spec);
  std::int64_t failures = 0;
  if (rank != 0) {
    RunRuns(spec, threads, rank, size,
                         [&](const RunRecord& record) {
                           const std::string line = RunRecordToJson(record);
                           MPI_Send(line.data(), static_cast<int>(line.size()), MPI_CHAR, 0, kRecordTag, MPI_COMM_WORLD);
                         },
                         {});
  } else {
    try {
      ExperimentWriter writer(spec, out_dir);
      std::int64_t next = 0;  // the next position to write
      // Writes positions up to `end` that other ranks ran, receiving them in order.
      auto receive_until = [&](std::int64_t end) {
        for (; next < end; ++next) {
          MPI_Status status;
          MPI_Probe(static_cast<int>(next % size), kRecordTag, MPI_COMM_WORLD, &status);
          int length = 0;
          MPI_Get_count(&status, MPI_CHAR, &length);
          std::string line(static_cast<std::size_t>(length), '\0');
          MPI_Recv(line.data(), length, MPI_CHAR, status.MPI_SOURCE, kRecordTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          const RunRecord record = RunRecordFromJson(line, spec, next);
          writer.Add(record);
          if (observe) observe(record);
          if (progress) progress(next + 1, total);
        }
      };
      RunRuns(spec, threads, 0, size,
                           [&](const RunRecord& record) {
                             const std::int64_t position = next + (size - next % size) % size;  // rank 0's next
                             receive_until(position);
                             writer.Add(record);
                             if (observe) observe(record);
                             ++next;
                             if (progress) progress(next, total);
                           },
                           {});
      receive_until(total);
      writer.Finish(more_outputs ? more_outputs() : std::vector<OutputFile>{});
      failures = writer.failures();
    } catch (const run::WriteError& error) {
      // The other ranks would wait forever to hand over their records. A failed write exits 1, as
      // without MPI; anything else here is bad input (2).
      std::cerr << "reesim: error: cannot write the outputs: " << error.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, 1);
    } catch (const std::exception& error) {
      std::cerr << "reesim: error: " << error.what() << "\n";
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }
  MPI_Bcast(&failures, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return MpiCampaignResult{rank, size, total, failures};
}

}  // namespace reesim::experiments
