#include "experiments/experiment.h"

#include <boost/json.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "experiments/snapshot_io.h"
#include "experiments/sobol.h"
#include "proto/experiment.pb.h"
#include "proto/scenario.pb.h"
#include "world/field_error.h"
#include "world/random.h"

namespace reesim::experiments {

namespace {

constexpr std::uint64_t kSamplingPurpose = 0x5a3b;   // the sampling stream's run key, apart from simulations

double StandardNormalQuantile(double u) { return boost::math::quantile(boost::math::normal(), u); }
double StandardNormalCdf(double x) { return boost::math::cdf(boost::math::normal(), x); }

Distribution Make(Distribution::Kind kind, double a, double b, double c = 0, double d = 0) {
  Distribution distribution;
  distribution.kind = kind;
  distribution.a = a;
  distribution.b = b;
  distribution.c = c;
  distribution.d = d;
  return distribution;
}

Distribution DistributionFromProto(const reesim::Parameter& in, const FieldComplaint& complaint, const std::string& path) {
  Distribution d;
  auto require = [&](bool ok, const std::string& field, double value, const std::string& why) {
    if (!ok) complaint.Fail(path + "." + field, FormatNumber(value), why);
  };
  switch (in.distribution_case()) {
    case reesim::Parameter::kUniform:
      d = Make(Distribution::Kind::kUniform, in.uniform().min(), in.uniform().max());
      require(d.a < d.b, "uniform.min", d.a, "must be below max " + FormatNumber(d.b));
      break;
    case reesim::Parameter::kNormal:
      d = Make(Distribution::Kind::kNormal, in.normal().mean(), in.normal().sd());
      require(d.b > 0, "normal.sd", d.b, "must be > 0");
      break;
    case reesim::Parameter::kTruncatedNormal: {
      const reesim::TruncatedNormal& t = in.truncated_normal();
      d = Make(Distribution::Kind::kTruncatedNormal, t.mean(), t.sd(), t.min(), t.max());
      require(d.b > 0, "truncated_normal.sd", d.b, "must be > 0");
      require(d.c < d.d, "truncated_normal.min", d.c, "must be below max " + FormatNumber(d.d));
      break;
    }
    case reesim::Parameter::kTriangular: {
      const reesim::Triangular& t = in.triangular();
      d = Make(Distribution::Kind::kTriangular, t.min(), t.mode(), t.max());
      require(d.a < d.c, "triangular.min", d.a, "must be below max " + FormatNumber(d.c));
      require(d.b >= d.a && d.b <= d.c, "triangular.mode", d.b, "must lie between min and max");
      break;
    }
    case reesim::Parameter::kLognormal:
      d = Make(Distribution::Kind::kLogNormal, in.lognormal().mu(), in.lognormal().sigma());
      require(d.b > 0, "lognormal.sigma", d.b, "must be > 0");
      break;
    case reesim::Parameter::kDiscrete: {
      const reesim::Discrete& t = in.discrete();
      d.kind = Distribution::Kind::kDiscrete;
      d.values.assign(t.values().begin(), t.values().end());
      if (d.values.empty()) complaint.Fail(path + ".discrete.values", "", "give at least one value");
      if (t.weights_size() != 0 && t.weights_size() != t.values_size()) {
        complaint.Fail(path + ".discrete.weights", std::to_string(t.weights_size()) + " weights",
                       "give one weight per value, or none");
      }
      double total = 0;
      for (int k = 0; k < t.values_size(); ++k) {
        const double w = t.weights_size() ? t.weights(k) : 1.0;
        require(w >= 0, "discrete.weights[" + std::to_string(k) + "]", w, "must be >= 0");
        total += w;
        d.cumulative.push_back(total);
      }
      require(total > 0, "discrete.weights", total, "must not all be 0");
      for (double& c : d.cumulative) c /= total;
      break;
    }
    case reesim::Parameter::DISTRIBUTION_NOT_SET:
      complaint.Fail(path, "", "give a distribution (uniform, normal, truncated_normal, triangular, lognormal, discrete)");
  }
  return d;
}

// Walks a path like "plants[id=mt_weld].unit_cost_usd_per_kg" and sets the number.
void SetNumber(google::protobuf::Message& root, const std::string& path, double value) {
  using google::protobuf::FieldDescriptor;
  google::protobuf::Message* message = &root;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    std::string token = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::string selector;
    if (const std::size_t open = token.find('['); open != std::string::npos) {
      if (token.back() != ']') throw InputError("'" + token + "' has an unclosed [");
      selector = token.substr(open + 1, token.size() - open - 2);
      token = token.substr(0, open);
    }
    const google::protobuf::Descriptor* type = message->GetDescriptor();
    const FieldDescriptor* field = type->FindFieldByName(token);
    if (field == nullptr) throw InputError("no field '" + token + "' in " + type->full_name());
    const google::protobuf::Reflection* reflection = message->GetReflection();
    const bool last = dot == std::string::npos;
    if (field->is_repeated()) {
      if (selector.empty()) throw InputError("'" + token + "' is repeated: add [index] or [id=VALUE]");
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || last) {
        throw InputError("'" + token + "' is not a list of messages with numbers in them");
      }
      const int size = reflection->FieldSize(*message, field);
      int index = -1;
      if (selector.rfind("id=", 0) == 0) {
        const std::string id = selector.substr(3);
        for (int k = 0; k < size && index < 0; ++k) {
          const google::protobuf::Message& item = reflection->GetRepeatedMessage(*message, field, k);
          const FieldDescriptor* id_field = item.GetDescriptor()->FindFieldByName("id");
          if (id_field != nullptr && item.GetReflection()->GetString(item, id_field) == id) index = k;
        }
        if (index < 0) throw InputError("no " + token + " with id " + id);
      } else {
        char* end = nullptr;
        index = static_cast<int>(std::strtol(selector.c_str(), &end, 10));
        if (end == selector.c_str() || *end != '\0' || index < 0 || index >= size) {
          throw InputError("'" + token + "[" + selector + "]': index out of range (" + std::to_string(size) + " items)");
        }
      }
      message = reflection->MutableRepeatedMessage(message, field, index);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) throw InputError("'" + token + "' is a message, not a number");
      message = reflection->MutableMessage(message, field);
    } else {
      if (!last) throw InputError("'" + token + "' is a number: nothing follows it");
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_DOUBLE: reflection->SetDouble(message, field, value); return;
        case FieldDescriptor::CPPTYPE_FLOAT: reflection->SetFloat(message, field, static_cast<float>(value)); return;
        case FieldDescriptor::CPPTYPE_INT32: reflection->SetInt32(message, field, static_cast<std::int32_t>(std::lround(value))); return;
        case FieldDescriptor::CPPTYPE_INT64: reflection->SetInt64(message, field, std::llround(value)); return;
        case FieldDescriptor::CPPTYPE_UINT32: reflection->SetUInt32(message, field, static_cast<std::uint32_t>(std::lround(value))); return;
        case FieldDescriptor::CPPTYPE_UINT64: reflection->SetUInt64(message, field, static_cast<std::uint64_t>(std::llround(value))); return;
        default: throw InputError("'" + token + "' is not a number");
      }
    }
    start = dot + 1;
  }
}

void WriteAtomically(const std::filesystem::path& path, const std::string& contents) {
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) throw InputError(temp.string() + ": cannot write");
  }
  std::filesystem::rename(temp, path);
}

std::string Number(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// Appends ",value" (empty for NaN) to a CSV line.
void AppendCell(std::string& line, double value) {
  line += ',';
  if (!std::isnan(value)) line += Number(value);
}

std::string QuantileName(double q) { return "q" + std::to_string(static_cast<int>(std::lround(q * 100))); }

// The first line of every CSV output.
std::string ProvenanceLine(const ExperimentSpec& spec) {
  return std::string("# reesim ") + REESIM_VERSION + "; snapshot format " + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) +
         "; experiment " + spec.name + "; experiment_sha256 " + spec.sha256 + "; seed " + std::to_string(spec.seed) + "\n";
}

// A keyed permutation of [0, n): a 4-round Feistel network on the smallest power of two (with an even
// number of bits) at or above n, walking the cycle back into range. A Latin hypercube of any size
// then needs no table of strata.
std::int64_t PermuteIndex(std::int64_t index, std::int64_t n, std::uint64_t key) {
  int bits = 2;
  while ((std::int64_t{1} << bits) < n) bits += 2;
  const int half = bits / 2;
  const std::uint64_t mask = (std::uint64_t{1} << half) - 1;
  std::uint64_t x = static_cast<std::uint64_t>(index);
  do {
    std::uint64_t left = x >> half, right = x & mask;
    for (std::uint64_t round = 0; round < 4; ++round) {
      const std::uint64_t next = left ^ (world::SplitMix64(key ^ (round << 56) ^ right) & mask);
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<std::uint64_t>(n));
  return static_cast<std::int64_t>(x);
}

}  // namespace

double Distribution::Quantile(double u) const {
  switch (kind) {
    case Kind::kUniform: return a + u * (b - a);
    case Kind::kNormal: return a + b * StandardNormalQuantile(u);
    case Kind::kTruncatedNormal: {
      const double low = StandardNormalCdf((c - a) / b), high = StandardNormalCdf((d - a) / b);
      return std::clamp(a + b * StandardNormalQuantile(low + u * (high - low)), c, d);
    }
    case Kind::kTriangular: {
      const double split = (b - a) / (c - a);
      return u < split ? a + std::sqrt(u * (c - a) * (b - a)) : c - std::sqrt((1 - u) * (c - a) * (c - b));
    }
    case Kind::kLogNormal: return std::exp(a + b * StandardNormalQuantile(u));
    case Kind::kDiscrete:
      for (std::size_t k = 0; k < values.size(); ++k) {
        if (u < cumulative[k]) return values[k];
      }
      return values.back();
  }
  return std::nan("");
}

void SetScenarioNumber(reesim::Scenario& scenario, const std::string& path, double value) {
  SetNumber(scenario, path, value);
}

ExperimentSpec LoadExperimentText(const std::string& text, const std::string& source) {
  reesim::Experiment in;
  ParseTextFormat(text, source, "experiment", in);

  const FieldComplaint complaint(source);
  ExperimentSpec spec;
  spec.source = source;
  spec.sha256 = Sha256Hex(text);
  spec.name = in.name();
  if (in.scenario().empty()) complaint.Fail("scenario", "", "name a library scenario or a scenario file");
  // The scenario: resolved like a base_scenario, relative to the experiment file.
  spec.scenario = ParseScenarioText("base_scenario: \"" + in.scenario() + "\"", source);
  if (in.replicates() < 1) complaint.Fail("replicates", std::to_string(in.replicates()), "must be at least 1");
  spec.replicates = in.replicates();
  if (in.rounds() < 0) complaint.Fail("rounds", std::to_string(in.rounds()), "must be >= 1");
  spec.rounds = in.rounds();
  spec.seed = in.seed() == 0 ? 1 : in.seed();
  spec.sampler = static_cast<ExperimentSpec::Sampler>(static_cast<int>(in.sampler()));
  spec.keep = static_cast<ExperimentSpec::Keep>(static_cast<int>(in.keep()));
  for (int i = 0; i < in.parameters_size(); ++i) {
    const std::string path = "parameters[" + std::to_string(i) + "]";
    ParameterSpec parameter{in.parameters(i).path(), DistributionFromProto(in.parameters(i), complaint, path)};
    reesim::Scenario probe = *spec.scenario;
    try {
      SetNumber(probe, parameter.path, parameter.distribution.Quantile(0.5));
    } catch (const InputError& error) {
      complaint.Fail(path + ".path", Quoted(parameter.path), error.what());
    }
    spec.parameters.push_back(std::move(parameter));
  }
  if (spec.sampler == ExperimentSpec::Sampler::kSobol &&
      (spec.parameters.empty() || 2 * spec.parameters.size() > static_cast<std::size_t>(kSobolMaxDimensions))) {
    complaint.Fail("parameters", std::to_string(spec.parameters.size()) + " parameter(s)",
                   "the SOBOL sampler takes 1 to " + std::to_string(kSobolMaxDimensions / 2) + " parameters");
  }
  if (spec.sampler == ExperimentSpec::Sampler::kFullFactorial) {
    const int levels = in.factorial_levels() == 0 ? 3 : in.factorial_levels();
    if (levels < 1 || levels > 1000) complaint.Fail("factorial_levels", std::to_string(levels), "must be between 1 and 1000");
    double combinations = 1;
    for (const ParameterSpec& parameter : spec.parameters) {
      std::vector<double> values = parameter.distribution.values;
      if (parameter.distribution.kind != Distribution::Kind::kDiscrete) {
        for (int k = 0; k < levels; ++k) values.push_back(parameter.distribution.Quantile((k + 0.5) / levels));
      }
      combinations *= static_cast<double>(values.size());
      spec.factorial_levels.push_back(std::move(values));
    }
    if (combinations * spec.replicates > 1e7) {
      complaint.Fail("sampler", "FULL_FACTORIAL", "the design has more than 10 million runs per arm");
    }
  }
  if (in.arms_size() == 0) {
    spec.arm_names.push_back("baseline");
    spec.arm_overlays.push_back(std::make_shared<reesim::Scenario>());
  }
  for (int a = 0; a < in.arms_size(); ++a) {
    const std::string name = in.arms(a).name();
    if (name.empty()) complaint.Fail("arms[" + std::to_string(a) + "].name", "", "every arm needs a name");
    if (std::find(spec.arm_names.begin(), spec.arm_names.end(), name) != spec.arm_names.end()) {
      complaint.Fail("arms[" + std::to_string(a) + "].name", Quoted(name), "duplicate arm name");
    }
    spec.arm_names.push_back(name);
    spec.arm_overlays.push_back(std::make_shared<reesim::Scenario>(in.arms(a).overlay()));
  }
  if (in.outcomes_size() == 0) complaint.Fail("outcomes", "", "name at least one outcome");
  for (int o = 0; o < in.outcomes_size(); ++o) {
    const reesim::Outcome& out = in.outcomes(o);
    OutcomeSpec outcome;
    outcome.metric = out.metric();
    if (outcome.metric.empty()) complaint.Fail("outcomes[" + std::to_string(o) + "].metric", "", "name a metric");
    outcome.name = out.name().empty() ? out.metric() : out.name();
    outcome.aggregation = static_cast<OutcomeSpec::Aggregation>(static_cast<int>(out.aggregation()));
    outcome.discount_rate = out.discount_rate();
    outcome.threshold = out.threshold();
    spec.outcomes.push_back(std::move(outcome));
  }
  // Every arm must load: catch bad overlays now, not in the middle of the runs.
  for (std::size_t a = 0; a < spec.arm_names.size(); ++a) {
    reesim::Scenario merged = *spec.scenario;
    merged.MergeFrom(*spec.arm_overlays[a]);
    LoadScenarioMessage(std::make_shared<reesim::Scenario>(merged), "", source + " (arm " + spec.arm_names[a] + ")");
  }
  return spec;
}

bool LooksLikeExperiment(const std::string& text) {
  reesim::Experiment experiment;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  struct Silent : google::protobuf::io::ErrorCollector {
    void AddError(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  } silent;
  parser.RecordErrorsTo(&silent);
  return parser.ParseFromString(text, &experiment) && !experiment.scenario().empty();
}

ExperimentSpec LoadExperimentFile(const std::string& path) { return LoadExperimentText(ReadFile(path), path); }

double Aggregate(const OutcomeSpec& outcome, const RunResult& run, int rounds_per_year) {
  std::vector<double> series;
  for (std::size_t r = 0; r < run.metrics.size(); ++r) {
    const auto it = run.metrics[r].find(outcome.metric);
    if (it != run.metrics[r].end()) {
      series.push_back(it->second);
    } else if (IsFlowMetric(outcome.metric)) {
      series.push_back(0.0);
    } else {
      throw InputError("no metric " + outcome.metric + " in round " + std::to_string(r));
    }
  }
  if (series.empty()) throw InputError("the run has no rounds");
  switch (outcome.aggregation) {
    case OutcomeSpec::Aggregation::kFinal: return series.back();
    case OutcomeSpec::Aggregation::kMean: return std::accumulate(series.begin(), series.end(), 0.0) / series.size();
    case OutcomeSpec::Aggregation::kMax: return *std::max_element(series.begin(), series.end());
    case OutcomeSpec::Aggregation::kMin: return *std::min_element(series.begin(), series.end());
    case OutcomeSpec::Aggregation::kSum: return std::accumulate(series.begin(), series.end(), 0.0);
    case OutcomeSpec::Aggregation::kDiscountedSum: {
      double sum = 0;
      for (std::size_t r = 0; r < series.size(); ++r) {
        sum += series[r] / std::pow(1.0 + outcome.discount_rate, static_cast<double>(r) / rounds_per_year);
      }
      return sum;
    }
    case OutcomeSpec::Aggregation::kFirstCrossing:
      for (std::size_t r = 0; r < series.size(); ++r) {
        if (series[r] >= outcome.threshold) return static_cast<double>(r);
      }
      return static_cast<double>(series.size());
  }
  return std::nan("");
}

std::int64_t TotalRuns(const ExperimentSpec& spec) {
  return static_cast<std::int64_t>(spec.arm_names.size()) * spec.RunsPerArm();
}

RunSlot SlotAt(const ExperimentSpec& spec, std::int64_t position) {
  const std::int64_t arms = static_cast<std::int64_t>(spec.arm_names.size());
  const std::int64_t point = position / arms;
  RunSlot slot;
  slot.arm = static_cast<int>(position % arms);
  slot.row = static_cast<int>(point);
  if (spec.sampler == ExperimentSpec::Sampler::kSobol) {
    // Design point j's rows A, B, AB_1.. are consecutive positions; row = block x replicates + j.
    const std::int64_t blocks = static_cast<std::int64_t>(spec.parameters.size()) + 2;
    slot.row = static_cast<int>((point % blocks) * spec.replicates + point / blocks);
  }
  return slot;
}

std::vector<double> SamplePoint(const ExperimentSpec& spec, int row) {
  const int dims = static_cast<int>(spec.parameters.size());
  std::vector<double> point(dims);
  if (spec.sampler == ExperimentSpec::Sampler::kSobol) {
    const int block = row / spec.replicates, j = row % spec.replicates;
    const std::vector<double> u = SobolSequence(2 * dims).Point(j);
    for (int p = 0; p < dims; ++p) {
      double value = u[p];                               // A
      if (block == 1 || block == p + 2) value = u[dims + p];  // B, or this input's column of AB_i from B
      point[p] = spec.parameters[p].distribution.Quantile(std::clamp(value, 1e-12, 1 - 1e-12));
    }
    return point;
  }
  if (spec.sampler == ExperimentSpec::Sampler::kFullFactorial) {
    // Mixed-radix counting over the levels, the last parameter fastest; each combination repeated.
    int rest = row / spec.replicates;
    for (int p = dims - 1; p >= 0; --p) {
      const int size = static_cast<int>(spec.factorial_levels[p].size());
      point[p] = spec.factorial_levels[p][rest % size];
      rest /= size;
    }
    return point;
  }
  const int n = spec.replicates;
  for (int p = 0; p < dims; ++p) {
    world::RandomStream random(spec.seed, kSamplingPurpose, static_cast<std::uint64_t>(row) + 1, p,
                               world::RandomPurpose::kAgentDecision);
    double u = random.Uniform();
    if (spec.sampler == ExperimentSpec::Sampler::kLatinHypercube) {
      // One point in each of n equal strata; the strata permuted per parameter.
      const std::uint64_t key =
          world::RandomStream(spec.seed, kSamplingPurpose, 0, p, world::RandomPurpose::kAgentDecision).NextBits();
      u = (static_cast<double>(PermuteIndex(row, n, key)) + u) / n;
    }
    point[p] = spec.parameters[p].distribution.Quantile(std::clamp(u, 1e-12, 1.0 - 1e-12));
  }
  return point;
}

RunRecord RunOne(const ExperimentSpec& spec, int arm, int row) {
  RunRecord record;
  record.arm = arm;
  record.replicate = row;
  record.parameters = SamplePoint(spec, row);
  try {
    auto scenario = std::make_shared<reesim::Scenario>(*spec.scenario);
    scenario->MergeFrom(*spec.arm_overlays[arm]);
    for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
      SetNumber(*scenario, spec.parameters[p].path, record.parameters[p]);
    }
    const LoadedScenario loaded = LoadScenarioMessage(scenario, "", spec.source);
    RunOptions options;
    options.seed = spec.seed;
    options.run = static_cast<std::uint64_t>(row);  // shared by every arm: paired
    options.rounds = spec.rounds;
    options.threads = 0;  // the calling task's arena: runs are the unit of parallelism
    options.experiment_sha256 = spec.sha256;
    for (const OutcomeSpec& outcome : spec.outcomes) options.kept_metrics.push_back(outcome.metric);
    if (spec.keep == ExperimentSpec::Keep::kSnapshots && !spec.snapshot_dir.empty()) {
      options.snapshot_path =
          (std::filesystem::path(spec.snapshot_dir) / (spec.arm_names[arm] + "-" + std::to_string(row) + ".pbs")).string();
    }
    const RunResult run = RunScenario(loaded, options);
    for (const OutcomeSpec& outcome : spec.outcomes) {
      record.outcomes.push_back(Aggregate(outcome, run, loaded.world.rounds_per_year));
      std::vector<double> series;
      for (const Metrics& metrics : run.metrics) {
        const auto it = metrics.find(outcome.metric);
        series.push_back(it == metrics.end() ? 0.0 : it->second);
      }
      record.series.push_back(std::move(series));
    }
  } catch (const std::exception& error) {
    record.outcomes.assign(spec.outcomes.size(), std::nan(""));
    record.series.clear();
    record.failure = error.what();
  }
  return record;
}

void RunRuns(const ExperimentSpec& spec, int threads, std::int64_t first, std::int64_t stride,
             const std::function<void(const RunRecord&)>& finished,
             const std::function<void(std::int64_t done, std::int64_t total)>& progress) {
  REESIM_CHECK(first >= 0 && stride >= 1);
  const std::int64_t total = TotalRuns(spec);
  const std::int64_t count = first < total ? (total - first + stride - 1) / stride : 0;
  std::unique_ptr<tbb::global_control> allow;
  if (threads > 0) {
    allow = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    std::int64_t issued = 0, done = 0;
    // A few runs in flight per thread keep the threads busy while the in-order stage waits for a slow
    // run; they bound the records held at once.
    const std::size_t tokens = 4 * static_cast<std::size_t>(arena.max_concurrency());
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, std::int64_t>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& control) -> std::int64_t {
                                               if (issued == count) {
                                                 control.stop();
                                                 return 0;
                                               }
                                               return first + stride * issued++;
                                             }) &
            tbb::make_filter<std::int64_t, RunRecord>(tbb::filter_mode::parallel,
                                                      [&](std::int64_t position) {
                                                        const RunSlot slot = SlotAt(spec, position);
                                                        return RunOne(spec, slot.arm, slot.row);
                                                      }) &
            tbb::make_filter<RunRecord, void>(tbb::filter_mode::serial_in_order, [&](const RunRecord& record) {
              if (finished) finished(record);
              ++done;
              if (progress) progress(done, count);
            }));
  });
}

// What the summary accumulates, per arm and outcome.
struct ExperimentSummary::State {
  std::vector<std::vector<StreamingSample>> values;       // [arm][outcome]: the independently sampled rows
  std::vector<std::vector<StreamingSample>> differences;  // [arm][outcome]: paired with arm 0 (arm 0 unused)
  std::vector<std::vector<StreamingSobol>> sobol;          // [arm][outcome], Sobol designs only
  std::vector<std::vector<std::vector<QuantileSketch>>> bands;  // [arm][outcome][round]
  std::vector<double> first_arm_outcomes;                   // arm 0's at the current row ...
  bool first_arm_ok = false;                                // ... and whether that run succeeded
  std::vector<std::vector<std::vector<double>>> design_outcomes;  // [arm][block]: a Sobol design point's
  std::vector<std::uint8_t> design_ok;                      // [arm]: no run of that point failed so far
};

// Quantiles are exact up to these many values (then P-square estimates): per arm and outcome, and per
// arm, outcome and round for the fan-chart bands, of which there are many more.
constexpr std::size_t kExactQuantileLimit = 10000;
constexpr std::size_t kExactBandLimit = 1000;

ExperimentSummary::ExperimentSummary(const ExperimentSpec& spec) : spec_(spec), state_(std::make_unique<State>()) {
  const int arms = static_cast<int>(spec.arm_names.size());
  const int outcomes = static_cast<int>(spec.outcomes.size());
  const int dims = static_cast<int>(spec.parameters.size());
  state_->values.resize(arms);
  state_->differences.resize(arms);
  state_->sobol.resize(arms);
  state_->bands.resize(arms);
  for (auto& arm : state_->bands) arm.resize(outcomes);
  state_->design_outcomes.resize(arms, std::vector<std::vector<double>>(dims + 2));
  state_->design_ok.assign(arms, 1);
  for (int a = 0; a < arms; ++a) {
    for (int o = 0; o < outcomes; ++o) {
      const std::uint64_t key = (static_cast<std::uint64_t>(a) << 20) + o;
      state_->values[a].emplace_back(spec.seed, key, kExactQuantileLimit);
      state_->differences[a].emplace_back(spec.seed, (1ULL << 40) + key, kExactQuantileLimit);
      if (spec.sampler == ExperimentSpec::Sampler::kSobol) state_->sobol[a].emplace_back(dims, spec.seed, (3ULL << 40) + key);
    }
  }
}

ExperimentSummary::~ExperimentSummary() = default;

void ExperimentSummary::Add(const RunRecord& record) {
  const RunSlot slot = SlotAt(spec_, next_position_);
  // Records arrive in position order (the runner's in-order stage, a checkpoint or the shards).
  REESIM_CHECK_EQ(record.arm, slot.arm);
  REESIM_CHECK_EQ(record.replicate, slot.row);
  ++next_position_;
  const bool ok = record.failure.empty();
  failures_ += !ok;
  State& s = *state_;
  const int a = record.arm;
  const bool sobol = spec_.sampler == ExperimentSpec::Sampler::kSobol;
  // Summaries use the rows that sample the inputs independently: all, or A and B of a Sobol design.
  const bool independent = !sobol || record.replicate < 2 * spec_.replicates;
  if (a == 0) {
    s.first_arm_ok = ok;
    s.first_arm_outcomes = record.outcomes;
  }
  for (std::size_t o = 0; o < spec_.outcomes.size() && ok; ++o) {
    if (independent) s.values[a][o].Add(record.outcomes[o]);
    if (a > 0 && s.first_arm_ok) s.differences[a][o].Add(record.outcomes[o] - s.first_arm_outcomes[o]);
    std::vector<QuantileSketch>& rounds = s.bands[a][o];
    while (rounds.size() < record.series[o].size()) rounds.emplace_back(kExactBandLimit);
    for (std::size_t r = 0; r < record.series[o].size(); ++r) rounds[r].Add(record.series[o][r]);
  }
  if (sobol) {
    const int dims = static_cast<int>(spec_.parameters.size());
    // A design point's rows (A, B, AB_1..) arrive in turn; it counts if none of its runs failed.
    const int block = record.replicate / spec_.replicates;
    std::vector<std::vector<double>>& point = s.design_outcomes[a];
    point[block] = record.outcomes;
    s.design_ok[a] = (block == 0 || s.design_ok[a]) && ok;
    for (std::size_t o = 0; o < spec_.outcomes.size() && block == dims + 1 && s.design_ok[a]; ++o) {
      std::vector<double> f_ab(dims);
      for (int i = 0; i < dims; ++i) f_ab[i] = point[2 + i][o];
      s.sobol[a][o].Add(point[0][o], point[1][o], f_ab);
    }
  }
}

bool ExperimentSummary::QuantilesExact() const {
  for (const auto& arm : state_->values) {
    for (const StreamingSample& sample : arm) {
      if (!sample.quantiles_exact()) return false;
    }
  }
  return true;
}

std::vector<SummaryStatistic> ExperimentSummary::Statistics() const {
  std::vector<SummaryStatistic> out;
  const State& s = *state_;
  for (std::size_t a = 0; a < spec_.arm_names.size(); ++a) {
    for (std::size_t o = 0; o < spec_.outcomes.size(); ++o) {
      const std::string& arm = spec_.arm_names[a];
      const std::string& outcome = spec_.outcomes[o].name;
      auto add = [&](const std::string& statistic, double value) { out.push_back({arm, outcome, statistic, value}); };
      if (spec_.sampler == ExperimentSpec::Sampler::kSobol) {
        const std::vector<StreamingSobol::Interval> indices = s.sobol[a][o].Indices();
        for (std::size_t i = 0; i < indices.size(); ++i) {
          const std::string& parameter = spec_.parameters[i].path;
          add("sobol_first." + parameter, indices[i].estimate.first);
          add("sobol_first_ci95_low." + parameter, indices[i].low.first);
          add("sobol_first_ci95_high." + parameter, indices[i].high.first);
          add("sobol_total." + parameter, indices[i].estimate.total);
          add("sobol_total_ci95_low." + parameter, indices[i].low.total);
          add("sobol_total_ci95_high." + parameter, indices[i].high.total);
        }
      }
      const StreamingSample& values = s.values[a][o];
      add("n", static_cast<double>(values.count()));
      add("mean", values.mean());
      add("sd", values.sd());
      for (std::size_t k = 0; k < kReportedQuantiles.size(); ++k) add(QuantileName(kReportedQuantiles[k]), values.Quantile(k));
      const auto [low, high] = values.MeanInterval();
      add("mean_ci95_low", low);
      add("mean_ci95_high", high);
      if (a == 0) continue;
      const StreamingSample& d = s.differences[a][o];
      const std::string prefix = "diff_vs_" + spec_.arm_names[0] + "_";
      add(prefix + "mean", d.mean());
      const auto [dlow, dhigh] = d.MeanInterval();
      add(prefix + "ci95_low", dlow);
      add(prefix + "ci95_high", dhigh);
      double p_value = std::nan("");
      if (d.count() > 1 && d.sd() > 0) {
        const double t = d.mean() / (d.sd() / std::sqrt(static_cast<double>(d.count())));
        const boost::math::students_t student(static_cast<double>(d.count() - 1));
        p_value = 2 * boost::math::cdf(boost::math::complement(student, std::abs(t)));
      } else if (d.count() > 1) {
        p_value = d.mean() == 0 ? 1.0 : 0.0;
      }
      add(prefix + "paired_t_p", p_value);
    }
  }
  return out;
}

std::string ExperimentSummary::BandRows() const {
  std::string rows;
  for (std::size_t a = 0; a < spec_.arm_names.size(); ++a) {
    for (std::size_t o = 0; o < spec_.outcomes.size(); ++o) {
      const std::vector<QuantileSketch>& rounds = state_->bands[a][o];
      for (std::size_t round = 0; round < rounds.size(); ++round) {
        rows += spec_.arm_names[a] + "," + spec_.outcomes[o].name + "," + spec_.outcomes[o].metric + "," + std::to_string(round);
        for (std::size_t k = 0; k < kReportedQuantiles.size(); ++k) AppendCell(rows, rounds[round].Quantile(k));
        rows += '\n';
      }
    }
  }
  return rows;
}

struct ExperimentWriter::File {
  std::filesystem::path path;  // the final name; written as path + ".tmp"
  std::ofstream stream;
};

ExperimentWriter::ExperimentWriter(const ExperimentSpec& spec, const std::string& out_dir)
    : spec_(spec), out_dir_(out_dir), summary_(spec) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw InputError(out_dir + ": cannot create the output directory: " + error.message());
  std::string runs = "arm,replicate", experiments, outcomes;
  for (const ParameterSpec& p : spec.parameters) {
    runs += "," + p.path;
    experiments += p.path + ",";
  }
  for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
    runs += "," + spec.outcomes[o].name;
    outcomes += (o ? "," : "") + spec.outcomes[o].name;
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
      file->stream.open(file->path.string() + ".tmp", std::ios::binary | std::ios::trunc);
      file->stream << ProvenanceLine(spec) << header;
      if (!file->stream) throw InputError(file->path.string() + ".tmp: cannot write");
    }
    streams_.push_back(std::move(file));
  }
}

ExperimentWriter::~ExperimentWriter() {
  if (finished_) return;
  std::error_code ignored;
  for (const auto& file : streams_) {
    if (file->path.empty()) continue;
    file->stream.close();
    std::filesystem::remove(file->path.string() + ".tmp", ignored);
  }
}

void ExperimentWriter::Add(const RunRecord& record) {
  summary_.Add(record);
  std::ofstream& runs = streams_[0]->stream;
  if (runs.is_open()) {
    std::string line = spec_.arm_names[record.arm] + "," + std::to_string(record.replicate);
    for (double v : record.parameters) AppendCell(line, v);
    for (double v : record.outcomes) AppendCell(line, v);
    std::string failure = record.failure;
    std::replace(failure.begin(), failure.end(), ',', ';');
    std::replace(failure.begin(), failure.end(), '\n', ' ');
    line += "," + failure + ",";
    if (!record.failure.empty()) {
      line += "reesim experiment --spec " + spec_.source + " --only-arm " + spec_.arm_names[record.arm] +
              " --only-replicate " + std::to_string(record.replicate);
    }
    runs << line << '\n';
  }
  std::string experiment;
  for (double v : record.parameters) experiment += Number(v) + ",";
  streams_[1]->stream << experiment << record.replicate << ',' << spec_.arm_names[record.arm] << '\n';
  std::string outcome;
  for (double v : record.outcomes) AppendCell(outcome, v);
  streams_[2]->stream << outcome.substr(1) << '\n';
}

void ExperimentWriter::Finish() {
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
  boost::json::object arms;
  for (const SummaryStatistic& s : statistics) {
    summary += s.arm + "," + s.outcome + "," + s.statistic + "," + (std::isnan(s.value) ? std::string() : Number(s.value)) + "\n";
    boost::json::value& arm = arms[s.arm];
    if (!arm.is_object()) arm.emplace_object();
    boost::json::value& slot = arm.as_object()[s.outcome];
    if (!slot.is_object()) slot.emplace_object();
    slot.as_object()[s.statistic] = std::isnan(s.value) ? boost::json::value(nullptr) : boost::json::value(s.value);
  }
  json["arms"] = std::move(arms);
  const std::string bands = ProvenanceLine(spec_) + "arm,outcome,metric,round,q5,q25,q50,q75,q95\n" + summary_.BandRows();
  for (const auto& file : streams_) {
    if (file->path.empty()) continue;
    file->stream.close();
    if (!file->stream) throw InputError(file->path.string() + ".tmp: cannot write");
  }
  WriteAtomically(dir / "bands.csv", bands);
  WriteAtomically(dir / "summary.csv", summary);
  WriteAtomically(dir / "summary.json", boost::json::serialize(json) + "\n");
  for (const auto& file : streams_) {
    if (!file->path.empty()) std::filesystem::rename(file->path.string() + ".tmp", file->path);
  }
  finished_ = true;
}

ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads, const std::string& out_dir) {
  ExperimentResult result;
  // The writer keeps the summary when there are outputs to write; else a summary alone.
  std::unique_ptr<ExperimentWriter> writer;
  std::unique_ptr<ExperimentSummary> alone;
  if (out_dir.empty()) {
    alone = std::make_unique<ExperimentSummary>(spec);
  } else {
    writer = std::make_unique<ExperimentWriter>(spec, out_dir);
  }
  RunRuns(spec, threads, 0, 1,
          [&](const RunRecord& record) {
            if (writer) {
              writer->Add(record);
            } else {
              alone->Add(record);
            }
            result.runs.push_back(record);
          },
          {});
  if (writer) writer->Finish();
  const ExperimentSummary& summary = writer ? writer->summary() : *alone;
  result.summary = summary.Statistics();
  result.failures = summary.failures();
  return result;
}

std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards) {
  boost::json::object header;
  header["experiment"] = spec.source;
  header["experiment_sha256"] = spec.sha256;
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
