#include "run/scenario_io.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "proto/scenario.pb.h"
#include "world/check.h"
#include "world/field_error.h"
#include "world/world_io.h"
#include "run/metric_catalogue.h"
#include "run/reference_prices.h"

namespace reesim::run {

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

MetricWindow WindowFromProto(const reesim::Window& in, const FieldComplaint& complaint, const std::string& path) {
  MetricWindow window;
  window.metric = in.metric();
  if (window.metric.empty()) complaint.Fail(path + ".metric", "", "name a metric, e.g. \"price.dy_oxide\"");
  if (in.aggregate() > reesim::SUM) {
    complaint.Fail(path + ".aggregate", reesim::Aggregate_Name(in.aggregate()), "checks take MEAN, MIN, MAX or SUM");
  }
  window.aggregate = static_cast<MetricWindow::Aggregate>(static_cast<int>(in.aggregate()));
  if (in.from_round() < 0) complaint.Fail(path + ".from_round", std::to_string(in.from_round()), "must be >= 0");
  window.from_round = in.from_round();
  window.to_round = in.to_round() == 0 ? in.from_round() : in.to_round();
  if (window.to_round != -1 && window.to_round < window.from_round) {
    complaint.Fail(path + ".to_round", std::to_string(in.to_round()), "must be >= from_round (or -1 for the last round)");
  }
  return window;
}

std::vector<ScenarioCheck> ChecksFromProto(const reesim::Scenario& scenario, const std::string& source) {
  const FieldComplaint complaint(source);
  std::vector<ScenarioCheck> checks;
  for (int i = 0; i < scenario.checks_size(); ++i) {
    const reesim::Check& in = scenario.checks(i);
    const std::string path = "checks[" + std::to_string(i) + "]";
    ScenarioCheck check;
    check.name = in.name().empty() ? in.value().metric() : in.name();
    check.value = WindowFromProto(in.value(), complaint, path + ".value");
    check.relative = in.has_relative_to();
    if (check.relative) check.relative_to = WindowFromProto(in.relative_to(), complaint, path + ".relative_to");
    check.difference = in.difference();
    if (in.has_min()) check.min = in.min();
    if (in.has_max()) check.max = in.max();
    if (!in.has_min() && !in.has_max()) complaint.Fail(path, "", "give min, max or both");
    if (check.min > check.max) {
      complaint.Fail(path + ".min", FormatNumber(check.min), "is above max " + FormatNumber(check.max));
    }
    check.source = in.source();
    if (check.source.empty()) complaint.Fail(path + ".source", "", "every check names the public source of its bounds");
    checks.push_back(std::move(check));
  }
  return checks;
}

ValidationSettings ValidationFromProto(const reesim::Scenario& scenario, const std::string& source) {
  const FieldComplaint complaint(source);
  const reesim::Validation& in = scenario.validation();
  ValidationSettings settings;
  if (in.has_max_move()) {
    settings.max_move = in.max_move();
    if (!(settings.max_move > 1)) complaint.Fail("validation.max_move", FormatNumber(settings.max_move), "must be above 1");
  }
  if (in.has_pinned_tolerance()) {
    settings.pinned_tolerance = in.pinned_tolerance();
    if (!(settings.pinned_tolerance >= 0 && settings.pinned_tolerance < 0.5)) {
      complaint.Fail("validation.pinned_tolerance", FormatNumber(settings.pinned_tolerance), "must be in [0, 0.5)");
    }
  }
  settings.history = in.history();
  if (!settings.history.empty() && !HasHistory(settings.history)) {
    complaint.Fail("validation.history", Quoted(settings.history),
                   "no such history in the built-in price series (known: " + KnownHistories() + ")");
  }
  if (in.has_max_log_rmse()) {
    settings.max_log_rmse = in.max_log_rmse();
    if (!(settings.max_log_rmse > 0)) {
      complaint.Fail("validation.max_log_rmse", FormatNumber(settings.max_log_rmse), "must be above 0");
    }
  }
  return settings;
}

// Every metric the scenario names (its checks, its strategies' rules) must be one of its world's, and
// each learns whether an absent value reads as 0.
void CheckMetricNames(LoadedScenario& loaded, const std::string& source) {
  const FieldComplaint complaint(source);
  const MetricCatalogue catalogue(loaded.world);
  auto window = [&](MetricWindow& w, const std::string& path) {
    catalogue.Require(w.metric, complaint, path + ".metric");
    w.absent_is_zero = catalogue.AbsentIsZero(w.metric);
  };
  for (std::size_t i = 0; i < loaded.checks.size(); ++i) {
    const std::string path = "checks[" + std::to_string(i) + "]";
    window(loaded.checks[i].value, path + ".value");
    if (loaded.checks[i].relative) window(loaded.checks[i].relative_to, path + ".relative_to");
  }
  for (std::size_t a = 0; a < loaded.strategies.size(); ++a) {
    std::vector<agents::Rule>& rules = loaded.strategies[a].rules;
    for (std::size_t r = 0; r < rules.size(); ++r) {
      catalogue.Require(rules[r].metric, complaint,
                        "actors[" + std::to_string(a) + "] (" + Quoted(loaded.world.actors[a].id) + ").strategy.rules[" +
                            std::to_string(r) + "].metric");
      rules[r].absent_reads_zero = catalogue.AbsentIsZero(rules[r].metric);
    }
  }
}

// The valid names of an enum, e.g. "MINING, SEPARATION, METAL, MAGNET".
std::string EnumNames(const google::protobuf::EnumDescriptor& type) {
  std::string names;
  for (int v = 0; v < type.value_count(); ++v) names += std::string(names.empty() ? "" : ", ") + type.value(v)->name();
  return names;
}

// proto3 enums are open: the text format accepts any number (`stage: 7`) and keeps it as an unknown
// value, which code that switches over the named values would then meet. Every enum field of every
// message read from outside is checked here, once, so no later code sees a value without a name.
// Strings are checked here too: protobuf's text parser accepts "\377", which the binary writer then
// refuses to read back (a snapshot `inspect` cannot open), so text must be valid UTF-8; ids, which
// end up in metric names, CSV cells and messages, are short and free of control characters.
void RequireWellFormedFields(const google::protobuf::Message& message, const std::string& path,
                       const google::protobuf::TextFormat::ParseInfoTree* tree, const std::string& source) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? reflection.FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      std::string item = (path.empty() ? "" : path + ".") + field->name();
      if (field->is_repeated()) item += "[" + std::to_string(i) + "]";
      const int index = field->is_repeated() ? i : -1;
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        const google::protobuf::Message& nested = field->is_repeated() ? reflection.GetRepeatedMessage(message, field, i)
                                                                       : reflection.GetMessage(message, field);
        RequireWellFormedFields(nested, item, tree ? tree->GetTreeForNested(field, index) : nullptr, source);
      } else if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& value = field->is_repeated()
                                       ? reflection.GetRepeatedStringReference(message, field, i, &scratch)
                                       : reflection.GetStringReference(message, field, &scratch);
        std::string problem;
        if (!IsValidUtf8(value)) {
          problem = "not valid UTF-8 text";
        } else if (field->name() == "id" && value.size() > kMaxIdBytes) {
          problem = "an id longer than " + std::to_string(kMaxIdBytes) + " bytes";
        } else if (field->name() == "id" &&
                   std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
          problem = "an id with a control character (a newline or tab)";
        }
        if (problem.empty()) continue;
        std::string where = source;
        if (tree != nullptr) {
          const auto location = tree->GetLocation(field, index);
          if (location.line >= 0) where += ":" + std::to_string(location.line + 1) + ":" + std::to_string(location.column + 1);
        }
        throw InputError(where + ": " + item + " = " + Quoted(value) + ": " + problem);
      } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
        const int value = field->is_repeated() ? reflection.GetRepeatedEnumValue(message, field, i)
                                               : reflection.GetEnumValue(message, field);
        if (field->enum_type()->FindValueByNumber(value) != nullptr) continue;
        std::string where = source;
        if (tree != nullptr) {
          const auto location = tree->GetLocation(field, index);
          if (location.line >= 0) where += ":" + std::to_string(location.line + 1) + ":" + std::to_string(location.column + 1);
        }
        throw InputError(where + ": " + item + " = " + std::to_string(value) + ": not a " + field->enum_type()->name() +
                         "; give one of its names: " + EnumNames(*field->enum_type()));
      }
    }
  }
}

}  // namespace

void RequireWellFormedFields(const google::protobuf::Message& message, const std::string& source) {
  RequireWellFormedFields(message, "", nullptr, source);
}

std::string_view BuiltinBaselineText() {
  for (const BuiltinScenario& scenario : BuiltinScenarios()) {
    if (std::string_view(scenario.name) == "baseline_2024") return scenario.text;
  }
  REESIM_CHECK(false);
}

std::string ReadFile(const std::string& path, std::uint64_t max_bytes) {
  // Only regular files, and only up to the limit: `/dev/zero` or a pipe would otherwise be read forever.
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    throw InputError(path + ": cannot open file (does it exist and is it readable?)");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw InputError(path + ": not a regular file (a directory, device or pipe); reesim reads input files of at most " +
                     std::to_string(max_bytes >> 20) + " MB");
  }
  const std::uint64_t size = std::filesystem::file_size(path, error);
  if (!error && size > max_bytes) {
    throw InputError(path + ": " + std::to_string(size) + " bytes, over the limit of " + std::to_string(max_bytes >> 20) +
                     " MB for an input file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file (does it exist and is it readable?)");
  std::string contents;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    contents.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (contents.size() > max_bytes) {  // it grew while being read
      throw InputError(path + ": over the limit of " + std::to_string(max_bytes >> 20) + " MB for an input file");
    }
  }
  if (in.bad()) throw InputError(path + ": read error");
  return contents;
}

namespace {

// Alliances anywhere in the message (the timeline, strategies' menus): at most as many members as
// actors may exist.
void RequireAllianceSizes(const google::protobuf::Message& message, const std::string& path, const std::string& source) {
  if (message.GetDescriptor() == reesim::Alliance::descriptor()) {
    const auto& alliance = static_cast<const reesim::Alliance&>(message);
    if (alliance.members_size() > kMaxActors) {
      throw InputError(source + ": " + path + ".members: " + std::to_string(alliance.members_size()) +
                       " members; an alliance has at most " + std::to_string(kMaxActors) + " (the limit on actors)");
    }
    return;
  }
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string item = (path.empty() ? "" : path + ".") + field->name();
    if (!field->is_repeated()) {
      RequireAllianceSizes(reflection.GetMessage(message, field), item, source);
      continue;
    }
    for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
      RequireAllianceSizes(reflection.GetRepeatedMessage(message, field, i), item + "[" + std::to_string(i) + "]", source);
    }
  }
}

}  // namespace

void RequireScenarioSizes(const reesim::Scenario& scenario, const std::string& source) {
  auto limit = [&](const char* field, int count, int max, const char* why) {
    if (count <= max) return;
    throw InputError(source + ": " + field + ": " + std::to_string(count) + " entries; a scenario has at most " +
                     std::to_string(max) + " (" + why + ")");
  };
  limit("actors", scenario.actors_size(), kMaxActors, "each plays every round");
  limit("regions", scenario.regions_size(), kMaxRegions, "the market's memory grows with the square of the regions");
  limit("products", scenario.products_size(), kMaxProducts, "one market per product");
  limit("plants", scenario.plants_size(), kMaxPlants, "each is a node of every round's network");
  limit("demand", scenario.demand_size(), kMaxDemands, "each is a node of every round's network");
  limit("transport", scenario.transport_size(), kMaxTransport, "one per pair of regions and product at most");
  limit("policies", scenario.policies_size(), kMaxPolicies, "each is applied every round");
  RequireAllianceSizes(scenario, "", source);
}

// Parses scenario text, resolving `base_scenario` (library names, or paths relative to `source`).
void ParseTextFormat(const std::string& text, const std::string& source, const char* what,
                     google::protobuf::Message& message) {
  if (IsBlank(text)) throw InputError(source + ": the " + what + " is empty");
  google::protobuf::TextFormat::Parser parser;
  TextErrorCollector errors(source);
  parser.RecordErrorsTo(&errors);
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(text, &message)) {
    throw InputError(errors.first().empty() ? source + ": not a valid " + message.GetTypeName() : errors.first());
  }
  RequireWellFormedFields(message, "", &locations, source);
}

// `field` names the base in messages: "base_scenario", or the field a caller resolved as one.
static std::shared_ptr<reesim::Scenario> ParseScenario(const std::string& text, const std::string& source, int depth,
                                                       const std::string& field = "base_scenario") {
  auto message = std::make_shared<reesim::Scenario>();
  ParseTextFormat(text, source, "scenario", *message);
  if (message->base_scenario().empty()) return message;
  const std::string& base = message->base_scenario();
  if (depth >= 8) throw InputError(source + ": " + field + " = \"" + base + "\": bases nest too deeply (a cycle?)");
  std::shared_ptr<reesim::Scenario> merged;
  for (const BuiltinScenario& builtin : BuiltinScenarios()) {
    if (base == builtin.name) merged = ParseScenario(builtin.text, std::string("<built-in ") + builtin.name + ">", depth + 1);
  }
  if (!merged) {
    const std::filesystem::path path = std::filesystem::path(source).parent_path() / base;
    if (!std::filesystem::exists(path)) {
      throw InputError(source + ": " + field + " = \"" + base + "\": no such library scenario (" + LibraryNames() +
                       ") or file " + path.string());
    }
    merged = ParseScenario(ReadFile(path.string()), path.string(), depth + 1);
  }
  merged->clear_checks();
  merged->clear_validation();
  merged->MergeFrom(*message);
  merged->clear_base_scenario();
  return merged;
}

std::shared_ptr<reesim::Scenario> ParseScenarioText(const std::string& text, const std::string& source) {
  return ParseScenario(text, source, 0);
}

std::shared_ptr<reesim::Scenario> ParseScenarioReference(const std::string& name, const std::string& source,
                                                         const std::string& field) {
  reesim::Scenario reference;
  reference.set_base_scenario(name);
  std::string text;
  google::protobuf::TextFormat::PrintToString(reference, &text);
  return ParseScenario(text, source, 0, field);
}

LoadedScenario LoadScenarioText(std::string text, const std::string& source) {
  std::shared_ptr<reesim::Scenario> message = ParseScenario(text, source, 0);  // before `text` is moved
  return LoadScenarioMessage(std::move(message), std::move(text), source);
}

LoadedScenario LoadScenarioMessage(std::shared_ptr<const reesim::Scenario> message, std::string text,
                                   const std::string& source) {
  RequireScenarioSizes(*message, source);
  LoadedScenario loaded;
  loaded.source = source;
  loaded.world = world::WorldFromProto(*message, source);
  loaded.timeline = policies::TimelineFromProto(*message, loaded.world, source);
  loaded.strategies = agents::StrategiesFromProto(*message, loaded.world, source);
  loaded.checks = ChecksFromProto(*message, source);
  loaded.validation = ValidationFromProto(*message, source);
  CheckMetricNames(loaded, source);
  loaded.text = std::move(text);
  loaded.message = std::move(message);
  return loaded;
}

ScenarioSource ReadScenarioSource(const std::string& path) {
  // A library scenario by name (no '/'), unless a file of that name is there. A directory of that name
  // does not hide it: `reesim run --scenario baseline_2024 --out baseline_2024` run twice must find the
  // library. Anything else that is not a regular file is ReadFile's to report.
  if (path.find('/') == std::string::npos) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(path, error);
    if (!std::filesystem::is_regular_file(status)) {
      for (const BuiltinScenario& builtin : BuiltinScenarios()) {
        if (path == builtin.name) return {builtin.text, std::string("<built-in ") + builtin.name + ">"};
      }
      if (status.type() == std::filesystem::file_type::not_found) {
        throw InputError(path + ": no such file, nor a library scenario of that name (library: " + LibraryNames() + ")");
      }
    }
  }
  return {ReadFile(path), path};
}

LoadedScenario LoadScenarioFile(const std::string& path) {
  const ScenarioSource source = ReadScenarioSource(path);
  return LoadScenarioText(source.text, source.name);
}

std::string LibraryNames() {
  std::string names;
  for (const BuiltinScenario& builtin : BuiltinScenarios()) names += std::string(names.empty() ? "" : ", ") + builtin.name;
  return names;
}

}  // namespace reesim::run
