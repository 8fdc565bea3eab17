#include "run/reference_prices.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <tuple>

#include "world/check.h"

namespace reesim::run {

namespace {

std::string Trim(const std::string& text) {
  const auto start = text.find_first_not_of(" \t\r");
  if (start == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(start, end - start + 1);
}

bool IsDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2014" or "2014Q1".."2014Q4".
bool IsPeriod(const std::string& period) {
  if (period.size() == 4) return IsDigits(period);
  return period.size() == 6 && IsDigits(period.substr(0, 4)) && period[4] == 'Q' && period[5] >= '1' &&
         period[5] <= '4';
}

constexpr const char* kHeader = "history,period,region,product,usd_per_kg,basis,source";

}  // namespace

std::vector<ReferencePrice> ParseReferencePrices(const std::string& text, const std::string& source_name) {
  std::vector<ReferencePrice> rows;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool header = false;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  while (std::getline(lines, line)) {
    ++number;
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const std::string where = source_name + ":" + std::to_string(number) + ": ";
    if (!header) {
      if (trimmed != kHeader) throw InputError(where + "the header must be `" + std::string(kHeader) + "`");
      header = true;
      continue;
    }
    // Six commas split the first six fields; the source is the rest of the line.
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (int f = 0; f < 6; ++f) {
      const std::size_t comma = trimmed.find(',', start);
      if (comma == std::string::npos) {
        throw InputError(where + "7 fields expected (" + kHeader + "), found " + std::to_string(f + 1));
      }
      fields.push_back(Trim(trimmed.substr(start, comma - start)));
      start = comma + 1;
    }
    fields.push_back(Trim(trimmed.substr(start)));
    ReferencePrice row;
    row.history = fields[0];
    row.period = fields[1];
    row.region = fields[2];
    row.product = fields[3];
    row.basis = fields[5];
    row.source = fields[6];
    row.line = number;
    for (int f : {0, 2, 3}) {
      if (fields[f].empty()) throw InputError(where + "field " + std::to_string(f + 1) + " is empty");
    }
    if (!IsPeriod(row.period)) {
      throw InputError(where + "period \"" + row.period + "\": give a year (2014) or a quarter (2014Q3)");
    }
    char* end = nullptr;
    row.usd_per_kg = std::strtod(fields[4].c_str(), &end);
    if (fields[4].empty() || *end != '\0' || !std::isfinite(row.usd_per_kg) || row.usd_per_kg <= 0) {
      throw InputError(where + "usd_per_kg \"" + fields[4] + "\": must be a positive number");
    }
    if (row.source.empty()) throw InputError(where + "every row names its public source (the last field)");
    if (!seen.insert({row.history, row.period, row.region, row.product}).second) {
      throw InputError(where + "a second row for " + row.history + " " + row.period + " " + row.region + " " +
                       row.product);
    }
    rows.push_back(std::move(row));
  }
  if (!header) throw InputError(source_name + ": no header line `" + std::string(kHeader) + "`");
  return rows;
}

const std::vector<ReferencePrice>& BuiltinReferencePrices() {
  static const std::vector<ReferencePrice> kRows = [] {
    for (const EmbeddedFile& file : BuiltinDataFiles()) {
      if (std::string(file.name) == "reference_prices.csv") {
        return ParseReferencePrices(std::string(file.data, file.size), "<built-in run/data/reference_prices.csv>");
      }
    }
    throw InputError("run/data/reference_prices.csv is not compiled into this program");
  }();
  return kRows;
}

bool HasHistory(const std::string& history) {
  const auto& rows = BuiltinReferencePrices();
  return std::any_of(rows.begin(), rows.end(), [&](const ReferencePrice& row) { return row.history == history; });
}

std::string KnownHistories() {
  std::set<std::string> names;
  for (const ReferencePrice& row : BuiltinReferencePrices()) names.insert(row.history);
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

}  // namespace reesim::run
