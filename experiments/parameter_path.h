// Scenario parameters addressed by path, as an experiment names them:
// `demand[1].growth_per_year`, `plants[id=cn_magnets].unit_cost_usd_per_kg`, `market.demand_shock_sd`.
#pragma once

#include <cstddef>
#include <string>

namespace reesim {
class Scenario;
}

namespace reesim::experiments {

// Sets the numeric field at `path` in `scenario`. Throws InputError describing a bad path (one holding
// a control character, or longer than kMaxParameterPathBytes, included).
inline constexpr std::size_t kMaxParameterPathBytes = 1024;
void SetScenarioNumber(reesim::Scenario& scenario, const std::string& path, double value);

}  // namespace reesim::experiments
