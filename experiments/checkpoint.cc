#include "experiments/checkpoint.h"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "experiments/design.h"
#include "world/field_error.h"

namespace reesim::experiments {

std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards) {
  boost::json::object header;
  header["experiment"] = spec.source;
  header["experiment_sha256"] = spec.sha256;
  header["experiment_text"] = spec.text;
  header["shard"] = shard;
  header["shards"] = shards;
  return boost::json::serialize(header);
}

std::int64_t ResumeCheckpoint(const std::string& path, const std::string& header, const ExperimentSpec& spec,
                              std::int64_t first, std::int64_t stride,
                              const std::function<void(const RunRecord&)>& resumed) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) throw InputError(path + ": no checkpoint to resume from");
  if (line != header) {
    throw InputError(path + ": --resume against a different experiment file or shard (the checkpoint was written for " +
                     line + ")");
  }
  std::uintmax_t intact_bytes = line.size() + 1;
  std::int64_t held = 0;
  while (std::getline(in, line) && !in.eof()) {  // at eof: no newline, the line was cut off by the kill
    RunRecord record;
    try {
      record = RunRecordFromJson(line);
    } catch (const std::exception&) {
      break;  // a damaged tail: everything from here runs again
    }
    const RunSlot slot = SlotAt(spec, first + held * stride);
    if (first + held * stride >= TotalRuns(spec) || record.arm != slot.arm || record.replicate != slot.row) break;
    resumed(record);
    ++held;
    intact_bytes += line.size() + 1;
  }
  in.close();
  std::filesystem::resize_file(path, intact_bytes);
  return held;
}

std::string RunRecordToJson(const RunRecord& record) {

  // Numbers as hexadecimal floating-point strings: exact both ways (Boost.JSON 1.81 parses decimal
  // numbers to within one ulp only).
  auto numbers = [](const std::vector<double>& values) {
    boost::json::array array;
    for (double v : values) {
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%a", v);
      array.emplace_back(std::isnan(v) ? boost::json::value(nullptr) : boost::json::value(buffer));
    }
    return array;
  };
  boost::json::object json;
  json["arm"] = record.arm;
  json["replicate"] = record.replicate;
  json["parameters"] = numbers(record.parameters);
  json["outcomes"] = numbers(record.outcomes);
  boost::json::array series;
  for (const auto& s : record.series) series.emplace_back(numbers(s));
  json["series"] = std::move(series);
  json["failure"] = record.failure;
  return boost::json::serialize(json);
}

RunRecord RunRecordFromJson(const std::string& line) {
  const boost::json::object json = boost::json::parse(line).as_object();
  auto numbers = [](const boost::json::value& value) {
    std::vector<double> out;
    for (const boost::json::value& v : value.as_array()) {
      out.push_back(v.is_null() ? std::nan("") : std::strtod(std::string(v.as_string()).c_str(), nullptr));
    }
    return out;
  };
  RunRecord record;
  record.arm = static_cast<int>(json.at("arm").to_number<std::int64_t>());
  record.replicate = static_cast<int>(json.at("replicate").to_number<std::int64_t>());
  record.parameters = numbers(json.at("parameters"));
  record.outcomes = numbers(json.at("outcomes"));
  for (const boost::json::value& s : json.at("series").as_array()) record.series.push_back(numbers(s));
  record.failure = std::string(json.at("failure").as_string());
  return record;
}

}  // namespace reesim::experiments
