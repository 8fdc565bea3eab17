#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
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
  if (file.complete) header["final_state_fingerprint"] = file.final_fingerprint;
  out << boost::json::serialize(header) << "\n";
  for (const run::SnapshotRound& round : file.round_data) {
    boost::json::object metrics;
    for (const auto& [key, value] : round.metrics) metrics[key] = value;
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
      out << round.round << "," << round.period << "," << key << "," << Number(value) << "\n";
    }
  }
}

void PrintText(const run::SnapshotFile& file, std::ostream& out) {
  out << "scenario " << file.scenario_name << ", seed " << file.seed << ", run " << file.run << ", "
      << file.round_data.size() << " of " << file.rounds << " rounds"
      << (file.complete ? "" : " (truncated)") << ", format " << file.format_version << ", reesim "
      << file.reesim_version << "\n";
  for (const run::SnapshotRound& round : file.round_data) {
    out << "\nround " << round.round << " (" << round.period << ")\n";
    for (const auto& [key, value] : round.metrics) {
      char line[160];
      std::snprintf(line, sizeof line, "  %-44s %14.6g\n", key.c_str(), value);
      out << line;
    }
  }
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim inspect FILE.pbs [--format jsonl|csv|text]\n\n"
      "Prints a snapshot file. jsonl: a header line, then one line per round\n"
      "{\"round\":R,\"period\":\"2024Q1\",\"metrics\":{KEY:VALUE,...}}; csv: round,period,metric,value;\n"
      "text: for people. A truncated file (a run that did not finish) is read up to its last complete\n"
      "round, with a warning on stderr.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("format", po::value<std::string>()->default_value("jsonl"), "jsonl, csv or text")
      ("file", po::value<std::string>(), "the snapshot file");
  po::variables_map vars;
  if (!ParseOptions(options, args, "file", vars)) return 0;
  if (!vars.count("file")) throw UsageError("inspect needs a snapshot file");
  const std::string format = vars["format"].as<std::string>();
  if (format != "jsonl" && format != "csv" && format != "text") {
    throw UsageError("--format must be jsonl, csv or text, got '" + format + "'");
  }
  const std::string path = vars["file"].as<std::string>();
  const run::SnapshotFile file = run::ReadSnapshotFile(path);
  if (!file.complete) {
    std::cerr << "reesim: warning: " << path << ": " << file.truncation << "; showing the "
              << file.round_data.size() << " complete rounds\n";
  }
  if (format == "jsonl") PrintJsonl(file, std::cout);
  if (format == "csv") PrintCsv(file, std::cout);
  if (format == "text") PrintText(file, std::cout);
  return 0;
}

}  // namespace reesim::cli
