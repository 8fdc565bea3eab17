// `reesim experiment` under `mpirun -n N`: rank r runs every N-th run from the r-th (a deterministic
// share, as --shard r+1/N), rank 0 gathers the run records and writes outputs byte-identical to a
// single-process run. Only this file includes MPI.
#include <mpi.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "experiments/experiment.h"

namespace reesim::cli {

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

int RunExperimentUnderMpi(const experiments::ExperimentSpec& spec, int threads, const std::string& out_dir, bool quiet) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int total = static_cast<int>(spec.arm_names.size()) * spec.RunsPerArm();
  std::vector<experiments::RunRecord> runs(total);
  std::vector<int> todo;
  for (int k = rank; k < total; k += size) todo.push_back(k);
  experiments::RunRuns(spec, threads, todo, runs, {}, {});

  std::string lines;
  for (int k : todo) lines += experiments::RunRecordToJson(runs[k]) + "\n";
  int length = static_cast<int>(lines.size());
  std::vector<int> lengths(size), offsets(size);
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string gathered;
  if (rank == 0) {
    int offset = 0;
    for (int r = 0; r < size; ++r) {
      offsets[r] = offset;
      offset += lengths[r];
    }
    gathered.resize(offset);
  }
  MPI_Gatherv(lines.data(), length, MPI_CHAR, gathered.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
              MPI_COMM_WORLD);

  int code = 0;
  if (rank == 0) {
    try {
      std::istringstream in(gathered);
      std::string line;
      while (std::getline(in, line)) {
        experiments::RunRecord record = experiments::RunRecordFromJson(line);
        const int index = record.arm * spec.RunsPerArm() + record.replicate;
        runs[index] = std::move(record);
      }
      const experiments::ExperimentResult result = experiments::Summarize(spec, std::move(runs));
      experiments::WriteExperimentOutputs(spec, result, out_dir);
      if (!quiet) {
        std::cout << "experiment " << spec.name << ": " << total << " runs on " << size << " MPI ranks, "
                  << result.failures << " failed; outputs in " << out_dir << "/\n";
      }
      if (result.failures > 0) {
        std::cerr << "reesim: error: " << result.failures << " run(s) failed; runs.csv lists them with a replay command\n";
        code = 1;
      }
    } catch (const std::exception& error) {
      std::cerr << "reesim: error: " << error.what() << "\n";
      code = 2;
    }
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return code;
}

}  // namespace reesim::cli
