// Loading a scenario file: protobuf text format -> validated world, policy timeline and agents' inputs.
// Errors name the file with line and column (syntax, unknown fields) or the field path and value
// (inconsistent contents), as `reesim: error:` lines expect.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

#include "agents/country.h"
#include "policies/timeline.h"
#include "world/description.h"

namespace google::protobuf {
class Message;
}

namespace reesim {
class Scenario;
}

namespace reesim::run {

// A stylized fact to reproduce (reesim.Check): a window of a metric, optionally relative to another.
struct MetricWindow {
  enum class Aggregate { kMean, kMin, kMax, kSum };
  std::string metric;
  Aggregate aggregate = Aggregate::kMean;
  int from_round = 0;
  int to_round = 0;  // -1: the last round
  bool absent_is_zero = false;  // a flow metric (metric_catalogue.h): a missing value reads as 0
};

struct ScenarioCheck {
  std::string name;
  MetricWindow value;
  bool relative = false;
  MetricWindow relative_to;
  bool difference = false;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string source;
};

// How `reesim validate` reads the whole run besides the checks (reesim.Validation; docs/validation.md).
struct ValidationSettings {
  double max_move = 4.0;           // largest round-to-round price ratio without a policy event
  double pinned_tolerance = 0.005; // relative distance to a demand curve's end that counts as pinned
  std::string history;             // rows of the built-in public price series to compare with; empty: none
  double max_log_rmse = std::numeric_limits<double>::infinity();  // inf: the RMSE is a report only
};

struct LoadedScenario {
  std::string source;                               // file name, or "<built-in baseline_2024>"
  std::string text;                                 // the scenario as written
  std::shared_ptr<const reesim::Scenario> message;  // parsed, for the snapshot header
  world::WorldDescription world;
  policies::PolicyTimeline timeline;
  std::vector<agents::StrategySpec> strategies;     // [actor]
  std::vector<ScenarioCheck> checks;
  ValidationSettings validation;
};

struct BuiltinScenario {
  const char* name;  // the file name without extension, e.g. "baseline_2024"
  const char* text;  // NUL-terminated
  std::size_t size;
};

// Returns the scenario library (scenarios/*.textproto, compiled in), sorted by name.
const std::vector<BuiltinScenario>& BuiltinScenarios();

// Returns the built-in baseline scenario's text (scenarios/baseline_2024.textproto, compiled in).
std::string_view BuiltinBaselineText();
inline constexpr const char* kBuiltinBaselineSource = "<built-in baseline_2024>";

// Parses and validates scenario text. Throws InputError naming `source`.
LoadedScenario LoadScenarioText(std::string text, const std::string& source);

// Parses protobuf text format into `message`. Throws InputError naming `source` with line and column,
// or saying that the file is empty (`what`: "scenario", "experiment").
void ParseTextFormat(const std::string& text, const std::string& source, const char* what,
                     google::protobuf::Message& message);

// Throws InputError naming `source`, the field path, the number and the enum's valid names if any enum
// field of `message` (at any depth) holds a number without a name (proto3 keeps those as unknown values);
// and naming the field if a string is not valid UTF-8, or an `id` is longer than kMaxIdBytes or holds a
// control character.
// ParseTextFormat calls it; call it for messages read in other ways (binary, JSON).
inline constexpr std::size_t kMaxIdBytes = 256;
void RequireWellFormedFields(const google::protobuf::Message& message, const std::string& source);

// Parses scenario text into a message, resolving base_scenario. Throws InputError naming `source`.
std::shared_ptr<reesim::Scenario> ParseScenarioText(const std::string& text, const std::string& source);

// Resolves `name` (a library scenario, or a path relative to `source`) as a base_scenario would be;
// errors name `field` of `source` (e.g. an experiment's "scenario").
std::shared_ptr<reesim::Scenario> ParseScenarioReference(const std::string& name, const std::string& source,
                                                         const std::string& field);

// Validates a parsed scenario; `text` is kept for the snapshot header's hash.
LoadedScenario LoadScenarioMessage(std::shared_ptr<const reesim::Scenario> message, std::string text,
                                   const std::string& source);

// Reads, parses and validates a scenario file, or a library scenario by name (`quota_crisis_2010`)
// when no file of that name exists. Throws InputError for a missing, unreadable, empty or invalid file.
LoadedScenario LoadScenarioFile(const std::string& path);

// The text behind a scenario argument: the file at `path`, or the library scenario of that name when
// no such file exists (a name without '/'). Throws InputError naming the library when neither exists.
struct ScenarioSource {
  std::string text;
  std::string name;  // the path, or "<built-in NAME>"
};
ScenarioSource ReadScenarioSource(const std::string& path);

// The library's scenario names, sorted, joined by ", ".
std::string LibraryNames();

// The largest input file reesim reads (a scenario, experiment or game file, a base scenario): 64 MB,
// a thousand times the largest library scenario.
inline constexpr std::uint64_t kMaxInputFileBytes = std::uint64_t{64} << 20;

// Reads a whole regular file of at most `max_bytes`. Throws InputError if it cannot be opened, is not a
// regular file (a directory, `/dev/zero`, a pipe) or is larger.
std::string ReadFile(const std::string& path, std::uint64_t max_bytes = kMaxInputFileBytes);

// The most of each thing a scenario may hold (after its bases are merged): engineering limits that keep
// a run's memory and time bounded (5,000 regions once needed 8 GB; an alliance of 100,000 members
// took 71 s), far above any real world (the library's largest scenario has tens of each).
inline constexpr int kMaxActors = 256;
inline constexpr int kMaxRegions = 500;
inline constexpr int kMaxProducts = 256;
inline constexpr int kMaxPlants = 100000;  // the bench's largest synthetic world (42 ms a round)
inline constexpr int kMaxDemands = 20000;
inline constexpr int kMaxTransport = 250000;
inline constexpr int kMaxPolicies = 20000;
// Throws InputError naming the field when a scenario exceeds one of these limits (exit 2).
void RequireScenarioSizes(const reesim::Scenario& scenario, const std::string& source);

}  // namespace reesim::run
