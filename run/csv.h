// Text for CSV files that any reader parses back: names from input files (ids, arm and outcome names)
// may hold commas or quotes.
#pragma once

#include <string>

namespace reesim::run {

// A CSV cell (RFC 4180): quoted, with quotes doubled, when it holds a comma, quote or line break.
inline std::string CsvCell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace reesim::run
