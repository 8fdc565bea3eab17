// What an experiment keeps of one run: its arm and row, the sampled parameters, the outcomes and each
// outcome's metric per round (for the fan-chart bands), or why it failed.
#pragma once

#include <string>
#include <vector>

namespace reesim::experiments {

struct RunRecord {
  int arm = 0;
  int replicate = 0;  // the row
  std::vector<double> parameters;
  std::vector<double> outcomes;
  std::vector<std::vector<double>> series;  // [outcome][round]: the outcome's metric each round (bands)
  std::string failure;  // empty when the run succeeded
};

}  // namespace reesim::experiments
