#include "experiments/scenario_io.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <sstream>

#include "proto/scenario.pb.h"
#include "world/check.h"
#include "world/world_io.h"

namespace reesim::experiments {

extern const char kBaselineScenarioText[];  // generated from scenarios/baseline_2024.textproto

namespace {

class TextErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit TextErrorCollector(const std::string& source) : source_(source) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!first_.empty()) return;
    std::ostringstream out;
    // The parser counts from 0; editors count from 1.
    out << source_ << ":" << line + 1 << ":" << column + 1 << ": " << message;
    first_ = out.str();
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string source_;
  std::string first_;
};

bool IsBlank(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start != std::string::npos && line[start] != '#') return false;
  }
  return true;
}

}  // namespace

std::string_view BuiltinBaselineText() { return kBaselineScenarioText; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (does it exist and is it readable?)");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw InputError(path + ": read error");
  return contents.str();
}

LoadedScenario LoadScenarioText(std::string text, const std::string& source) {
  if (IsBlank(text)) throw InputError(source + ": the scenario is empty");
  auto message = std::make_shared<reesim::Scenario>();
  google::protobuf::TextFormat::Parser parser;
  TextErrorCollector errors(source);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, message.get())) {
    throw InputError(errors.first().empty() ? source + ": not a valid reesim.Scenario" : errors.first());
  }
  LoadedScenario loaded;
  loaded.source = source;
  loaded.world = world::WorldFromProto(*message, source);
  loaded.timeline = policies::TimelineFromProto(*message, loaded.world, source);
  loaded.strategies = agents::StrategiesFromProto(*message, loaded.world, source);
  loaded.text = std::move(text);
  loaded.message = std::move(message);
  return loaded;
}

LoadedScenario LoadScenarioFile(const std::string& path) { return LoadScenarioText(ReadFile(path), path); }

}  // namespace reesim::experiments
