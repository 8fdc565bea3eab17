// Public price series that `reesim validate` compares whole runs with: rows of
// run/data/reference_prices.csv (compiled into the program like the scenario library), each a price
// of one product in one region for one period (a quarter, or a year's average), with the public source
// it comes from. A scenario opts in by naming a `history` (reesim.Validation); docs/validation.md
// lists the rows and how they are matched.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace reesim::run {

// A file compiled into the program (cmake/embed_files.cmake).
struct EmbeddedFile {
  const char* name;  // path relative to run/data, e.g. "reference_prices.csv"
  const char* data;  // NUL-terminated
  std::size_t size;
};

// Returns run/data/*, compiled in, sorted by name.
const std::vector<EmbeddedFile>& BuiltinDataFiles();

// One observed price.
struct ReferencePrice {
  std::string history;   // the scenario family it serves, e.g. "quota_crisis_2010"
  std::string period;    // "2011Q4": that quarter; "2014": the mean of that year's rounds
  std::string region;    // a region id (`price.<product>.<REGION>`), or "world": the scenario's world
                         // reference price `price.<product>` (the price outside China in the library)
  std::string product;   // a product id of the scenario
  double usd_per_kg = 0;
  std::string basis;     // what the figure is (grade, market, how a range was reduced to a number)
  std::string source;    // the public source
  int line = 0;          // in the file, for messages
};

// Parses the CSV text: '#' lines and blank lines are skipped; the first other line is the header
// `history,period,region,product,usd_per_kg,basis,source`; `source` is the rest of the line and may
// hold commas, no other field may. Throws InputError naming `source_name` and the line for a bad
// header, a missing field, a price that is not a positive number, an empty source, a period that is
// neither "YYYY" nor "YYYYQn", or a repeated (history, period, region, product).
std::vector<ReferencePrice> ParseReferencePrices(const std::string& text, const std::string& source_name);

// Returns the rows of the built-in run/data/reference_prices.csv (parsed once).
const std::vector<ReferencePrice>& BuiltinReferencePrices();

// Whether some built-in row belongs to `history`; the known histories, sorted, joined by ", ".
bool HasHistory(const std::string& history);
std::string KnownHistories();

}  // namespace reesim::run
