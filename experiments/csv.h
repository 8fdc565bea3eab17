// Number formatting shared by the experiment's CSV outputs (private to experiments/).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace reesim::experiments {

// Returns the shortest text that reads back as exactly `value` (printf's %.17g).
inline std::string Number(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// Appends ",value" (empty for NaN) to a CSV line.
inline void AppendCell(std::string& line, double value) {
  line += ',';
  if (!std::isnan(value)) line += Number(value);
}

}  // namespace reesim::experiments
