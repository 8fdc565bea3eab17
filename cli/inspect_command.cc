#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "run/csv.h"
#include "run/snapshot_io.h"

namespace po = boost::program_options;

namespace reesim::cli {

namespace {

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

void PrintJsonl(const run::SnapshotFile& file, std::ostream& out) {
  boost::json::object header;
  header["format_version"] = file.format_version;
  header["reesim_version"] = file.reesim_version;
  header["scenario"] = file.scenario_name;
  header["scenario_sha256"] = file.scenario_sha256;
  header["seed"] = file.seed;
  header["run"] = file.run;
  header["rounds"] = file.rounds;
  header["rounds_read"] = file.round_data.size();
  header["complete"] = file.complete;
  if (file.damaged()) {
    boost::json::array problems;
    for (const std::string& problem : file.problems) problems.emplace_back(problem);
    header["damage"] = std::move(problems);
  }
  if (file.complete) header["final_state_fingerprint"] = file.final_fingerprint;
  out << boost::json::serialize(header) << "\n";
  for (const run::SnapshotRound& round : file.round_data) {
    boost::json::object metrics;
    // JSON has no NaN or infinity: a value the round could not define is null.
    for (const auto& [key, value] : round.metrics) {
      metrics[key] = std::isfinite(value) ? boost::json::value(value) : boost::json::value(nullptr);
    }
    boost::json::object line;
    line["round"] = round.round;
    line["period"] = round.period;
    line["metrics"] = std::move(metrics);
    out << boost::json::serialize(line) << "\n";
  }
}

void PrintCsv(const run::SnapshotFile& file, std::ostream& out) {
  out << "round,period,metric,value\n";
  for (const run::SnapshotRound& round : file.round_data) {
    for (const auto& [key, value] : round.metrics) {
      out << round.round << "," << run::CsvCell(round.period) << "," << run::CsvCell(key) << ","
          << (std::isnan(value) ? "" : Number(value)) << "\n";
    }
  }
}

// Metrics of one round named `prefix.ROW.COLUMN`, as a table (rows and columns in first-seen order).
struct MetricTable {
  std::vector<std::string> rows, columns;
  std::map<std::pair<std::string, std::string>, double> values;
};

MetricTable TableOf(const run::SnapshotRound& round, const std::string& prefix) {
  MetricTable table;
  for (const auto& [key, value] : round.metrics) {
    if (!key.starts_with(prefix + ".")) continue;
    const std::string rest = key.substr(prefix.size() + 1);
    const auto dot = rest.find('.');
    if (dot == std::string::npos || rest.find('.', dot + 1) != std::string::npos) continue;
    const std::string row = rest.substr(0, dot), column = rest.substr(dot + 1);
    if (std::find(table.rows.begin(), table.rows.end(), row) == table.rows.end()) table.rows.push_back(row);
    if (std::find(table.columns.begin(), table.columns.end(), column) == table.columns.end()) table.columns.push_back(column);
    table.values[{row, column}] = value;
  }
  return table;
}

void PrintTable(const MetricTable& table, const std::string& title, const char* number_format, std::ostream& out) {
  if (table.rows.empty()) return;
  out << "  " << title << "\n";
  // Columns are 10 wide, or as wide as their longest name (a sector's, "electronics", was cut to 10).
  int width = 10;
  for (const std::string& column : table.columns) width = std::max(width, static_cast<int>(column.size()));
  char cell[64];
  std::snprintf(cell, sizeof cell, "    %-22s", "");
  out << cell;
  for (const std::string& column : table.columns) {
    std::snprintf(cell, sizeof cell, " %*s", width, column.c_str());
    out << cell;
  }
  out << "\n";
  for (const std::string& row : table.rows) {
    std::snprintf(cell, sizeof cell, "    %-22.22s", row.c_str());
    out << cell;
    for (const std::string& column : table.columns) {
      const auto at = table.values.find({row, column});
      char number[48] = ".";
      if (at != table.values.end()) std::snprintf(number, sizeof number, number_format, at->second);
      const char* trimmed = number;
      while (*trimmed == ' ') ++trimmed;
      std::snprintf(cell, sizeof cell, " %*s", width, trimmed);
      out << cell;
    }
    out << "\n";
  }
}

// For people: per round, prices by product and region, shares of each stage's output, unmet demand and
// each actor's payoff (the other metrics: --format csv or jsonl, or --metrics PATTERN).
void PrintTextHeader(const run::SnapshotFile& file, std::ostream& out) {
  out << "scenario " << file.scenario_name << ", seed " << file.seed << ", run " << file.run << ", "
      << file.round_data.size() << " of " << file.rounds << " rounds"
      << (file.damaged() ? " (damaged)" : file.complete ? "" : " (truncated)") << ", format " << file.format_version << ", reesim "
      << file.reesim_version << "\n";
}

void PrintText(const run::SnapshotFile& file, std::ostream& out) {
  PrintTextHeader(file, out);
  for (const run::SnapshotRound& round : file.round_data) {
    out << "\nround " << round.round << " (" << round.period << ")\n";
    MetricTable prices = TableOf(round, "price");
    prices.columns.insert(prices.columns.begin(), "world");
    for (const auto& [key, value] : round.metrics) {
      const std::string_view name(key);
      if (name.starts_with("price.") && name.find('.', 6) == std::string_view::npos) {
        prices.values[{key.substr(6), "world"}] = value;
      }
    }
    PrintTable(prices, "prices, USD/kg (world: the reference price; . = did not clear)", " %10.4g", out);
    PrintTable(TableOf(round, "share"), "shares of world output, by stage or oxide (fraction)", " %10.3f", out);
    PrintTable(TableOf(round, "unmet"), "unmet demand, share of demand at the reference price not served", " %10.3g", out);
    MetricTable payoffs;
    payoffs.columns = {"USD M"};
    for (const auto& [key, value] : round.metrics) {
      if (key.starts_with("payoff.") && key.find('.', 7) == std::string::npos) {
        payoffs.rows.push_back(key.substr(7));
        payoffs.values[{key.substr(7), "USD M"}] = value;
      }
    }
    PrintTable(payoffs, "payoffs, USD million per round (components: --metrics 'payoff.*')", " %10.4g", out);
  }
}

// Every metric of a round matching `patterns` (shell-style: '*' any run of characters, '?' one), flat.
void PrintTextFiltered(const run::SnapshotFile& file, std::ostream& out) {
  PrintTextHeader(file, out);
  for (const run::SnapshotRound& round : file.round_data) {
    out << "\nround " << round.round << " (" << round.period << ")\n";
    for (const auto& [key, value] : round.metrics) {
      char line[160];
      std::snprintf(line, sizeof line, "  %-44s %14.6g\n", key.c_str(), value);
      out << line;
    }
  }
}

bool MatchesAny(const std::string& name, const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim inspect FILE.pbs [--format jsonl|csv|text] [--metrics PATTERN[,PATTERN...]]\n\n"
      "Prints a snapshot file. jsonl: a header line, then one line per round\n"
      "{\"round\":R,\"period\":\"2024Q1\",\"metrics\":{KEY:VALUE,...}}; csv: round,period,metric,value;\n"
      "text: for people, a summary per round (prices by product and region, shares of output, unmet\n"
      "demand, payoffs), or with --metrics the matching metrics.\n\n"
      "A truncated file (a run that did not finish) is read up to its last complete round, with a warning\n"
      "on stderr (exit 0). A damaged file (format 2 checks each record's CRC32C, and every format the\n"
      "order and count of the rounds: a round damaged, duplicated, out of order or renumbered, more rounds\n"
      "than the header says, a footer that does not match, data after the footer, a record length over\n"
      "256 MB) prints every intact round, names each damaged round and what is wrong on stderr, and exits\n"
      "2. Format 1 files (no checksums) are read too.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("format", po::value<std::string>()->default_value("jsonl"), "jsonl, csv or text")
      ("metrics", po::value<std::string>(),
       "only metrics matching these shell-style patterns, comma-separated (e.g. 'price.*,payoff.USA'); "
       "names and units: docs/metrics.md")
      ("file", po::value<std::string>(), "the snapshot file");
  po::variables_map vars;
  if (!ParseOptions(options, args, "file", vars)) return 0;
  if (!vars.count("file")) throw UsageError("inspect needs a snapshot file");
  const std::string format = vars["format"].as<std::string>();
  if (format != "jsonl" && format != "csv" && format != "text") {
    throw UsageError("--format must be jsonl, csv or text, got '" + format + "'");
  }
  const std::string path = vars["file"].as<std::string>();
  run::SnapshotFile file = run::ReadSnapshotFile(path);
  if (vars.count("metrics")) {
    std::vector<std::string> patterns;
    std::istringstream list(vars["metrics"].as<std::string>());
    for (std::string pattern; std::getline(list, pattern, ',');) {
      if (!pattern.empty()) patterns.push_back(pattern);
    }
    if (patterns.empty()) throw UsageError("--metrics needs at least one pattern, e.g. 'price.*'");
    bool any = false;
    for (run::SnapshotRound& round : file.round_data) {
      std::erase_if(round.metrics, [&](const auto& metric) { return !MatchesAny(metric.first, patterns); });
      any = any || !round.metrics.empty();
    }
    if (!any && !file.round_data.empty()) {
      throw UsageError("--metrics '" + vars["metrics"].as<std::string>() + "' matches no metric of " + path +
                       " (names: docs/metrics.md, or reesim inspect --format csv)");
    }
  }
  if (!file.truncation.empty()) {
    std::cerr << "reesim: warning: " << path << ": " << file.truncation << "; showing the "
              << file.round_data.size() << " complete rounds\n";
  }
  if (format == "jsonl") PrintJsonl(file, std::cout);
  if (format == "csv") PrintCsv(file, std::cout);
  if (format == "text") vars.count("metrics") ? PrintTextFiltered(file, std::cout) : PrintText(file, std::cout);
  if (file.damaged()) {
    // What could be read is printed above; the damage goes to stderr and the exit code says it.
    std::cout.flush();
    for (const std::string& problem : file.problems) std::cerr << "reesim: error: " << path << ": damaged: " << problem << "\n";
    std::cerr << "reesim: error: " << path << ": the file is damaged; printed the " << file.round_data.size()
              << " intact rounds it holds\n";
    return 2;
  }
  return 0;
}

}  // namespace reesim::cli
