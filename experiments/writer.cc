#include "experiments/writer.h"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cerrno>
#include <cmath>

#include "experiments/csv.h"
#include "run/csv.h"
#include "world/field_error.h"

namespace reesim::experiments {

namespace {

// The first line of every CSV output.
std::string ProvenanceLine(const ExperimentSpec& spec) {
  return std::string("# reesim ") + REESIM_VERSION + "; snapshot format " + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) +
         "; experiment " + spec.name + "; experiment_sha256 " + spec.sha256 + "; seed " + std::to_string(spec.seed) + "\n";
}

}  // namespace

struct ExperimentWriter::File {
  std::filesystem::path path;  // the final name; written as path + ".tmp"
  std::ofstream stream;
};

ExperimentWriter::ExperimentWriter(const ExperimentSpec& spec, const std::string& out_dir)
    : spec_(spec), out_dir_(out_dir), summary_(spec) {
  run::CreateOutputDirectory(out_dir);
  std::string runs = "arm,replicate", experiments, outcomes;
  for (const ParameterSpec& p : spec.parameters) {
    runs += "," + run::CsvCell(p.path);
    experiments += run::CsvCell(p.path) + ",";
  }
  for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
    runs += "," + run::CsvCell(spec.outcomes[o].name);
    outcomes += (o ? "," : "") + run::CsvCell(spec.outcomes[o].name);
  }
  runs += ",failure,replay\n";
  experiments += "scenario,policy\n";
  outcomes += "\n";
  const std::vector<std::pair<const char*, std::string>> headers = {
      {"runs.csv", runs}, {"experiments.csv", experiments}, {"outcomes.csv", outcomes}};
  for (const auto& [name, header] : headers) {
    auto file = std::make_unique<File>();
    file->path = std::filesystem::path(out_dir) / name;
    if (name == std::string("runs.csv") && spec.keep == ExperimentSpec::Keep::kNothing) file->path.clear();
    if (!file->path.empty()) {
      const std::string temp = outputs_.Add(file->path.string());
      errno = 0;
      file->stream.open(temp, std::ios::binary | std::ios::trunc);
      if (!file->stream) run::ThrowWriteError(temp, "cannot create file", errno);
      file->stream << ProvenanceLine(spec) << header;
      if (!file->stream) run::ThrowWriteError(temp, "write failed", errno);
    }
    streams_.push_back(std::move(file));
  }
}

ExperimentWriter::~ExperimentWriter() {
  // Close the streams before outputs_ removes their temporaries (unless Finish committed them).
  for (const auto& file : streams_) {
    if (file->stream.is_open()) file->stream.close();
  }
}

void ExperimentWriter::Add(const RunRecord& record) {
  summary_.Add(record);
  errno = 0;
  std::ofstream& runs = streams_[0]->stream;
  if (runs.is_open()) {
    std::string line = run::CsvCell(spec_.arm_names[record.arm]) + "," + std::to_string(record.replicate);
    for (double v : record.parameters) AppendCell(line, v);
    for (double v : record.outcomes) AppendCell(line, v);
    std::string failure = record.failure;
    std::replace(failure.begin(), failure.end(), ',', ';');
    std::replace(failure.begin(), failure.end(), '\n', ' ');
    line += "," + run::CsvCell(failure) + ",";
    if (!record.failure.empty()) {
      line += run::CsvCell("reesim experiment --spec " + spec_.source + " --only-arm " + spec_.arm_names[record.arm] +
                           " --only-replicate " + std::to_string(record.replicate));
    }
    runs << line << '\n';
  }
  std::string experiment;
  for (double v : record.parameters) experiment += Number(v) + ",";
  streams_[1]->stream << experiment << record.replicate << ',' << run::CsvCell(spec_.arm_names[record.arm]) << '\n';
  std::string outcome;
  for (double v : record.outcomes) AppendCell(outcome, v);
  streams_[2]->stream << outcome.substr(1) << '\n';
  // A full disk shows here (when a buffer is flushed) or at Finish.
  for (const auto& file : streams_) {
    if (!file->path.empty() && !file->stream) run::ThrowWriteError(file->path.string() + ".tmp", "write failed", errno);
  }
}

void ExperimentWriter::Finish(const std::vector<OutputFile>& more) {
  const std::filesystem::path dir(out_dir_);
  const std::vector<SummaryStatistic> statistics = summary_.Statistics();
  std::string summary = ProvenanceLine(spec_) + "arm,outcome,statistic,value\n";
  boost::json::object json;
  json["reesim_version"] = REESIM_VERSION;
  json["snapshot_format_version"] = REESIM_SNAPSHOT_FORMAT_VERSION;
  json["experiment"] = spec_.name;
  json["experiment_sha256"] = spec_.sha256;
  json["seed"] = spec_.seed;
  json["replicates"] = spec_.replicates;
  static constexpr const char* kSamplerNames[] = {"monte_carlo", "latin_hypercube", "sobol", "full_factorial"};
  json["sampler"] = kSamplerNames[static_cast<int>(spec_.sampler)];
  json["runs_per_arm"] = spec_.RunsPerArm();
  json["failures"] = summary_.failures();
  json["quantiles"] = summary_.QuantilesExact() ? std::string("exact (type 7)")
                                                : "P-square estimates (more than " + std::to_string(kExactQuantileLimit) +
                                                      " runs per arm)";
  static constexpr const char* kAggregationNames[] = {"mean", "min", "max", "sum", "final", "discounted_sum",
                                                      "first_crossing"};
  boost::json::object outcomes;
  for (const OutcomeSpec& outcome : spec_.outcomes) {
    outcomes[outcome.name] = {{"metric", outcome.metric},
                              {"aggregation", kAggregationNames[static_cast<int>(outcome.aggregation)]},
                              {"unit", OutcomeUnit(outcome)}};
  }
  json["outcomes"] = std::move(outcomes);
  boost::json::object arms;
  for (const SummaryStatistic& s : statistics) {
    summary += run::CsvCell(s.arm) + "," + run::CsvCell(s.outcome) + "," + run::CsvCell(s.statistic) + "," + (std::isnan(s.value) ? std::string() : Number(s.value)) + "\n";
    boost::json::value& arm = arms[s.arm];
    if (!arm.is_object()) arm.emplace_object();
    boost::json::value& slot = arm.as_object()[s.outcome];
    if (!slot.is_object()) slot.emplace_object();
    slot.as_object()[s.statistic] = std::isfinite(s.value) ? boost::json::value(s.value) : boost::json::value(nullptr);
  }
  json["arms"] = std::move(arms);
  const std::string bands = ProvenanceLine(spec_) + "arm,outcome,metric,round,q5,q25,q50,q75,q95\n" + summary_.BandRows();
  for (const auto& file : streams_) {
    if (file->path.empty()) continue;
    errno = 0;
    file->stream.flush();
    if (!file->stream) run::ThrowWriteError(file->path.string() + ".tmp", "write failed", errno);
    file->stream.close();
    if (!file->stream) run::ThrowWriteError(file->path.string() + ".tmp", "write failed (close)", errno);
  }
  outputs_.Write((dir / "bands.csv").string(), bands);
  outputs_.Write((dir / "summary.csv").string(), summary);
  outputs_.Write((dir / "summary.json").string(), boost::json::serialize(json) + "\n");
  for (const OutputFile& file : more) outputs_.Write((dir / file.name).string(), file.contents);
  outputs_.Commit();  // fsyncs the streamed files, then renames them all
  finished_ = true;
}

}  // namespace reesim::experiments
