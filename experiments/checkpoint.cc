#include "experiments/checkpoint.h"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

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
    const std::int64_t position = first + held * stride;
    if (position >= TotalRuns(spec)) break;
    RunRecord record;
    try {
      record = RunRecordFromJson(line, spec, position);
    } catch (const std::exception&) {
      break;  // a damaged tail: everything from here runs again
    }
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

RunRecord RunRecordFromJson(const std::string& line, const ExperimentSpec& spec, std::int64_t position) {
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(line, error);
  if (error || !parsed.is_object()) throw std::runtime_error("not a JSON object");
  const boost::json::object& json = parsed.as_object();
  auto field = [&](const char* name) -> const boost::json::value& {
    const boost::json::value* value = json.if_contains(name);
    if (value == nullptr) throw std::runtime_error(std::string("no \"") + name + "\"");
    return *value;
  };
  auto integer = [&](const char* name) {
    const boost::json::value& value = field(name);
    if (!value.is_int64() || value.as_int64() < 0 || value.as_int64() > std::numeric_limits<int>::max()) {
      throw std::runtime_error(std::string("\"") + name + "\" is not a run index");
    }
    return static_cast<int>(value.as_int64());
  };
  // Each number is a hexadecimal floating-point string (as written) or null (NaN), nothing else.
  auto numbers = [](const boost::json::value& value, const char* name) {
    if (!value.is_array()) throw std::runtime_error(std::string("\"") + name + "\" is not a list");
    std::vector<double> out;
    for (const boost::json::value& v : value.as_array()) {
      if (v.is_null()) {
        out.push_back(std::nan(""));
        continue;
      }
      const std::string text = v.is_string() ? std::string(v.as_string()) : std::string();
      char* end = nullptr;
      const double number = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        throw std::runtime_error(std::string("\"") + name + "\" holds " + boost::json::serialize(v).substr(0, 40) +
                                 ", not a number");
      }
      out.push_back(number);
    }
    return out;
  };
  RunRecord record;
  record.arm = integer("arm");
  record.replicate = integer("replicate");
  record.parameters = numbers(field("parameters"), "parameters");
  record.outcomes = numbers(field("outcomes"), "outcomes");
  const boost::json::value& series = field("series");
  if (!series.is_array()) throw std::runtime_error("\"series\" is not a list");
  for (const boost::json::value& s : series.as_array()) record.series.push_back(numbers(s, "series"));
  const boost::json::value& failure = field("failure");
  if (!failure.is_string()) throw std::runtime_error("\"failure\" is not a string");
  record.failure = std::string(failure.as_string());

  const RunSlot slot = SlotAt(spec, position);
  if (record.arm != slot.arm || record.replicate != slot.row) {
    throw std::runtime_error("arm " + std::to_string(record.arm) + ", replicate " + std::to_string(record.replicate) +
                             " where run " + std::to_string(position) + " is arm " + std::to_string(slot.arm) +
                             ", replicate " + std::to_string(slot.row));
  }
  const std::vector<double> sampled = SamplePoint(spec, slot.row);
  if (record.parameters.size() != sampled.size() ||
      !std::equal(sampled.begin(), sampled.end(), record.parameters.begin(),
                  [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); })) {
    throw std::runtime_error("its parameters are not the experiment's sample point for replicate " +
                             std::to_string(slot.row));
  }
  if (record.outcomes.size() != spec.outcomes.size()) {
    throw std::runtime_error(std::to_string(record.outcomes.size()) + " outcomes where the experiment has " +
                             std::to_string(spec.outcomes.size()));
  }
  const std::size_t series_expected = record.failure.empty() ? spec.outcomes.size() : 0;
  if (record.series.size() != series_expected) {
    throw std::runtime_error(std::to_string(record.series.size()) + " series where " +
                             std::to_string(series_expected) + " belong");
  }
  for (const std::vector<double>& s : record.series) {
    if (s.empty() || s.size() != record.series.front().size()) {
      throw std::runtime_error("series of unequal or zero length");
    }
  }
  return record;
}

}  // namespace reesim::experiments
