// Builds without MPI (REESIM_WITH_MPI off, or no MPI library found): mpirun cannot split the runs.
#include "experiments/campaign.h"
#include "world/field_error.h"

namespace reesim::experiments {

bool BuiltWithMpi() { return false; }

MpiCampaignResult RunCampaignUnderMpi(const ExperimentSpec&, int, const std::string&,
                                      const std::function<void(std::int64_t, std::int64_t)>&,
                                      const std::function<void(const RunRecord&)>&,
                                      const std::function<std::vector<OutputFile>()>&) {
  throw InputError("this reesim was built without MPI: rebuild with Open MPI installed (libopenmpi-dev), or use --shard K/N and reesim merge");
}

}  // namespace reesim::experiments
