#include "experiments/experiment.h"

#include <boost/json.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
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
constexpr int kBootstrapResamples = 1000;

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

struct Moments {
  double mean = 0, sd = 0;
};

Moments MomentsOf(const std::vector<double>& values) {
  Moments m;
  if (values.empty()) return m;
  for (double v : values) m.mean += v;  // fixed order: deterministic
  m.mean /= values.size();
  double squares = 0;
  for (double v : values) squares += (v - m.mean) * (v - m.mean);
  m.sd = values.size() > 1 ? std::sqrt(squares / (values.size() - 1)) : 0.0;
  return m;
}

}  // namespace

std::pair<double, double> BootstrapMeanInterval(const std::vector<double>& values, std::uint64_t seed, std::uint64_t key) {
  if (values.empty()) return {std::nan(""), std::nan("")};
  world::RandomStream random(seed, kSamplingPurpose, key, 0, world::RandomPurpose::kPolicyOutcome);
  std::vector<double> means(kBootstrapResamples);
  for (double& mean : means) {
    double sum = 0;
    for (std::size_t k = 0; k < values.size(); ++k) {
      sum += values[std::min(values.size() - 1, static_cast<std::size_t>(random.Uniform() * values.size()))];
    }
    mean = sum / values.size();
  }
  return {QuantileOf(means, 0.025), QuantileOf(means, 0.975)};
}

namespace {

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

std::string QuantileName(double q) {
  std::string name = "q";
  name += std::to_string(static_cast<int>(std::lround(q * 100)));
  return name;
}

// Adds first-order and total Sobol indices of outcome `o` in arm `a`, with bootstrap 95 % intervals
// (resampling the base points). Base points with a failed run in any of their rows are left out.
void AddSobolIndices(const ExperimentSpec& spec, ExperimentResult& result, int a, int o) {
  const int n = spec.replicates;
  const int dims = static_cast<int>(spec.parameters.size());
  const int per_arm = spec.RunsPerArm();
  auto at = [&](int block, int j) -> const RunRecord& { return result.runs[a * per_arm + block * n + j]; };
  std::vector<int> usable;
  for (int j = 0; j < n; ++j) {
    bool ok = true;
    for (int block = 0; block < dims + 2; ++block) ok &= at(block, j).failure.empty();
    if (ok) usable.push_back(j);
  }
  auto indices_of = [&](const std::vector<int>& points) {
    std::vector<double> f_a, f_b;
    std::vector<std::vector<double>> f_ab(dims);
    for (int j : points) {
      f_a.push_back(at(0, j).outcomes[o]);
      f_b.push_back(at(1, j).outcomes[o]);
      for (int i = 0; i < dims; ++i) f_ab[i].push_back(at(2 + i, j).outcomes[o]);
    }
    return SobolIndices(f_a, f_b, f_ab);
  };
  const std::vector<SobolIndex> estimate = indices_of(usable);
  world::RandomStream random(spec.seed, kSamplingPurpose, (3ULL << 40) + (static_cast<std::uint64_t>(a) << 20) + o, 0,
                             world::RandomPurpose::kPolicyOutcome);
  std::vector<std::vector<double>> first(dims), total(dims);
  for (int b = 0; b < kBootstrapResamples && !usable.empty(); ++b) {
    std::vector<int> resample(usable.size());
    for (int& j : resample) j = usable[std::min(usable.size() - 1, static_cast<std::size_t>(random.Uniform() * usable.size()))];
    const std::vector<SobolIndex> draw = indices_of(resample);
    for (int i = 0; i < dims; ++i) {
      first[i].push_back(draw[i].first);
      total[i].push_back(draw[i].total);
    }
  }
  for (int i = 0; i < dims; ++i) {
    const std::string& arm = spec.arm_names[a];
    const std::string& outcome = spec.outcomes[o].name;
    const std::string& parameter = spec.parameters[i].path;
    result.summary.push_back({arm, outcome, "sobol_first." + parameter, estimate[i].first});
    result.summary.push_back({arm, outcome, "sobol_first_ci95_low." + parameter, QuantileOf(first[i], 0.025)});
    result.summary.push_back({arm, outcome, "sobol_first_ci95_high." + parameter, QuantileOf(first[i], 0.975)});
    result.summary.push_back({arm, outcome, "sobol_total." + parameter, estimate[i].total});
    result.summary.push_back({arm, outcome, "sobol_total_ci95_low." + parameter, QuantileOf(total[i], 0.025)});
    result.summary.push_back({arm, outcome, "sobol_total_ci95_high." + parameter, QuantileOf(total[i], 0.975)});
  }
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

double QuantileOf(std::vector<double> values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double position = q * (values.size() - 1);
  const std::size_t low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(values.size() - 1, low + 1);
  return values[low] + (position - low) * (values[high] - values[low]);
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

std::vector<std::vector<double>> SamplePoints(const ExperimentSpec& spec) {
  if (spec.sampler == ExperimentSpec::Sampler::kSobol) {
    const int n = spec.replicates;
    const int dims = static_cast<int>(spec.parameters.size());
    const auto sobol = SobolPoints(n, 2 * dims);
    std::vector<std::vector<double>> rows;
    auto quantiles = [&](const std::vector<double>& u) {
      std::vector<double> row(dims);
      for (int p = 0; p < dims; ++p) row[p] = spec.parameters[p].distribution.Quantile(std::clamp(u[p], 1e-12, 1 - 1e-12));
      return row;
    };
    for (int block = 0; block < dims + 2; ++block) {
      for (int j = 0; j < n; ++j) {
        std::vector<double> u(sobol[j].begin(), sobol[j].begin() + dims);        // A
        if (block == 1) u.assign(sobol[j].begin() + dims, sobol[j].end());       // B
        if (block >= 2) u[block - 2] = sobol[j][dims + block - 2];              // AB_i
        rows.push_back(quantiles(u));
      }
    }
    return rows;
  }
  if (spec.sampler == ExperimentSpec::Sampler::kFullFactorial) {
    // Mixed-radix counting over the levels, the last parameter fastest; each combination repeated.
    std::vector<std::vector<double>> rows;
    const int combinations = spec.RunsPerArm() / spec.replicates;
    for (int c = 0; c < combinations; ++c) {
      std::vector<double> row(spec.parameters.size());
      int rest = c;
      for (int p = static_cast<int>(spec.parameters.size()) - 1; p >= 0; --p) {
        const int size = static_cast<int>(spec.factorial_levels[p].size());
        row[p] = spec.factorial_levels[p][rest % size];
        rest /= size;
      }
      for (int r = 0; r < spec.replicates; ++r) rows.push_back(row);
    }
    return rows;
  }
  const int n = spec.replicates;
  std::vector<std::vector<double>> points(n, std::vector<double>(spec.parameters.size()));
  for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
    // Latin hypercube: one point in each of n equal strata, strata shuffled per parameter.
    std::vector<int> strata(n);
    std::iota(strata.begin(), strata.end(), 0);
    if (spec.sampler == ExperimentSpec::Sampler::kLatinHypercube) {
      world::RandomStream shuffle(spec.seed, kSamplingPurpose, 0, p, world::RandomPurpose::kAgentDecision);
      for (int k = n - 1; k > 0; --k) {
        std::swap(strata[k], strata[static_cast<int>(shuffle.Uniform() * (k + 1))]);
      }
    }
    for (int r = 0; r < n; ++r) {
      world::RandomStream random(spec.seed, kSamplingPurpose, static_cast<std::uint64_t>(r) + 1, p,
                                 world::RandomPurpose::kAgentDecision);
      double u = random.Uniform();
      if (spec.sampler == ExperimentSpec::Sampler::kLatinHypercube) u = (strata[r] + u) / n;
      u = std::clamp(u, 1e-12, 1.0 - 1e-12);
      points[r][p] = spec.parameters[p].distribution.Quantile(u);
    }
  }
  return points;
}

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

void RunRuns(const ExperimentSpec& spec, int threads, const std::vector<int>& todo, std::vector<RunRecord>& runs,
             const std::function<void(int done, int total)>& progress, const std::function<void(int index)>& finished_run) {
  const std::vector<std::vector<double>> points = SamplePoints(spec);
  const int per_arm = spec.RunsPerArm();
  const int total = static_cast<int>(todo.size());
  std::atomic<int> done{0};
  std::mutex progress_mutex;
  std::unique_ptr<tbb::global_control> allow;
  if (threads > 0) {
    allow = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(threads));
  }
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(0, total, [&](int t) {
      const int k = todo[t];
      RunRecord& record = runs[k];
      record.arm = k / per_arm;
      record.replicate = k % per_arm;
      record.parameters = points[record.replicate];
      try {
        auto scenario = std::make_shared<reesim::Scenario>(*spec.scenario);
        scenario->MergeFrom(*spec.arm_overlays[record.arm]);
        for (std::size_t p = 0; p < spec.parameters.size(); ++p) {
          SetNumber(*scenario, spec.parameters[p].path, record.parameters[p]);
        }
        const LoadedScenario loaded = LoadScenarioMessage(scenario, "", spec.source);
        RunOptions options;
        options.seed = spec.seed;
        options.run = static_cast<std::uint64_t>(record.replicate);  // shared by every arm: paired
        options.rounds = spec.rounds;
        options.threads = 0;  // this task's arena: runs are the unit of parallelism
        if (spec.keep == ExperimentSpec::Keep::kSnapshots && !spec.snapshot_dir.empty()) {
          options.snapshot_path = (std::filesystem::path(spec.snapshot_dir) /
                                   (spec.arm_names[record.arm] + "-" + std::to_string(record.replicate) + ".pbs"))
                                      .string();
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
        record.failure = error.what();
      }
      const int finished = ++done;
      if (progress || finished_run) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        if (finished_run) finished_run(k);
        if (progress) progress(finished, total);
      }
    });
  });
}

ExperimentResult Summarize(const ExperimentSpec& spec, std::vector<RunRecord> runs) {
  const int arms = static_cast<int>(spec.arm_names.size());
  const int per_arm = spec.RunsPerArm();
  ExperimentResult result;
  result.runs = std::move(runs);
  // Statistics, in a fixed order (arms, then outcomes) over runs that succeeded.
  for (const RunRecord& record : result.runs) result.failures += !record.failure.empty();
  auto values_of = [&](int arm, int outcome) {
    std::vector<double> values;
    // Summaries use the rows that sample the inputs independently: all, or A and B of a Sobol design.
    const int rows = spec.sampler == ExperimentSpec::Sampler::kSobol ? 2 * spec.replicates : per_arm;
    for (int r = 0; r < rows; ++r) {
      const RunRecord& record = result.runs[arm * per_arm + r];
      if (record.failure.empty()) values.push_back(record.outcomes[outcome]);
    }
    return values;
  };
  for (int a = 0; a < arms; ++a) {
    for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
      const std::string& arm = spec.arm_names[a];
      const std::string& name = spec.outcomes[o].name;
      const std::vector<double> values = values_of(a, static_cast<int>(o));
      if (spec.sampler == ExperimentSpec::Sampler::kSobol) AddSobolIndices(spec, result, a, static_cast<int>(o));
      const Moments m = MomentsOf(values);
      auto add = [&](const std::string& statistic, double value) { result.summary.push_back({arm, name, statistic, value}); };
      add("n", static_cast<double>(values.size()));
      add("mean", m.mean);
      add("sd", m.sd);
      for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) add(QuantileName(q), QuantileOf(values, q));
      const auto [low, high] = BootstrapMeanInterval(values, spec.seed, (static_cast<std::uint64_t>(a) << 20) + o);
      add("mean_ci95_low", low);
      add("mean_ci95_high", high);
      if (a == 0) continue;
      // Paired with the first arm: the same replicates (same sample points and seeds).
      std::vector<double> differences;
      for (int r = 0; r < per_arm; ++r) {
        const RunRecord& mine = result.runs[a * per_arm + r];
        const RunRecord& base = result.runs[r];
        if (mine.failure.empty() && base.failure.empty()) differences.push_back(mine.outcomes[o] - base.outcomes[o]);
      }
      const Moments d = MomentsOf(differences);
      add("diff_vs_" + spec.arm_names[0] + "_mean", d.mean);
      const auto [dlow, dhigh] =
          BootstrapMeanInterval(differences, spec.seed, (1ULL << 40) + (static_cast<std::uint64_t>(a) << 20) + o);
      add("diff_vs_" + spec.arm_names[0] + "_ci95_low", dlow);
      add("diff_vs_" + spec.arm_names[0] + "_ci95_high", dhigh);
      double p_value = std::nan("");
      if (differences.size() > 1 && d.sd > 0) {
        const double t = d.mean / (d.sd / std::sqrt(static_cast<double>(differences.size())));
        const boost::math::students_t student(static_cast<double>(differences.size() - 1));
        p_value = 2 * boost::math::cdf(boost::math::complement(student, std::abs(t)));
      } else if (differences.size() > 1) {
        p_value = d.mean == 0 ? 1.0 : 0.0;
      }
      add("diff_vs_" + spec.arm_names[0] + "_paired_t_p", p_value);
    }
  }
  return result;
}

ExperimentResult RunExperiment(const ExperimentSpec& spec, int threads, const std::function<void(int, int)>& progress) {
  std::vector<RunRecord> runs(spec.arm_names.size() * spec.RunsPerArm());
  std::vector<int> todo(runs.size());
  std::iota(todo.begin(), todo.end(), 0);
  RunRuns(spec, threads, todo, runs, progress, {});
  return Summarize(spec, std::move(runs));
}

std::string CheckpointHeader(const ExperimentSpec& spec, int shard, int shards) {
  boost::json::object header;
  header["experiment"] = spec.source;
  header["experiment_sha256"] = spec.sha256;
  header["shard"] = shard;
  header["shards"] = shards;
  return boost::json::serialize(header);
}

void ReadCheckpoint(const std::string& path, const std::string& header, const ExperimentSpec& spec,
                    std::vector<RunRecord>& runs, std::vector<bool>& have) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw InputError(path + ": no checkpoint to resume from");
  if (line != header) {
    throw InputError(path + ": --resume against a different experiment file or shard (the checkpoint was written for " +
                     line + ")");
  }
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: the line was cut off by the kill
    try {
      RunRecord record = RunRecordFromJson(line);
      const int index = record.arm * spec.RunsPerArm() + record.replicate;
      if (index < 0 || index >= static_cast<int>(runs.size())) break;
      runs[index] = std::move(record);
      have[index] = true;
    } catch (const std::exception&) {
      break;  // a damaged tail: everything after it runs again
    }
  }
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

void WriteExperimentOutputs(const ExperimentSpec& spec, const ExperimentResult& result, const std::string& out_dir) {
  const std::filesystem::path dir(out_dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw InputError(out_dir + ": cannot create the output directory: " + error.message());

  std::string runs = "arm,replicate";
  for (const ParameterSpec& p : spec.parameters) runs += "," + p.path;
  for (const OutcomeSpec& o : spec.outcomes) runs += "," + o.name;
  runs += ",failure,replay\n";
  for (const RunRecord& record : result.runs) {
    runs += spec.arm_names[record.arm] + "," + std::to_string(record.replicate);
    for (double v : record.parameters) AppendCell(runs, v);
    for (double v : record.outcomes) AppendCell(runs, v);
    std::string failure = record.failure;
    std::replace(failure.begin(), failure.end(), ',', ';');
    std::replace(failure.begin(), failure.end(), '\n', ' ');
    runs += "," + failure + ",";
    if (!record.failure.empty()) {
      runs += "reesim experiment --spec " + spec.source + " --only-arm " + spec.arm_names[record.arm] +
              " --only-replicate " + std::to_string(record.replicate);
    }
    runs += "\n";
  }
  std::string summary = "arm,outcome,statistic,value\n";
  boost::json::object json;
  json["reesim_version"] = REESIM_VERSION;
  json["snapshot_format_version"] = REESIM_SNAPSHOT_FORMAT_VERSION;
  json["experiment"] = spec.name;
  json["experiment_sha256"] = spec.sha256;
  json["seed"] = spec.seed;
  json["replicates"] = spec.replicates;
  static constexpr const char* kSamplerNames[] = {"monte_carlo", "latin_hypercube", "sobol", "full_factorial"};
  json["sampler"] = kSamplerNames[static_cast<int>(spec.sampler)];
  json["runs_per_arm"] = spec.RunsPerArm();
  json["failures"] = result.failures;
  boost::json::object arms;
  for (const SummaryStatistic& s : result.summary) {
    summary += s.arm + "," + s.outcome + "," + s.statistic + "," + (std::isnan(s.value) ? std::string() : Number(s.value)) + "\n";
    boost::json::value& arm = arms[s.arm];
    if (!arm.is_object()) arm.emplace_object();
    boost::json::value& slot = arm.as_object()[s.outcome];
    if (!slot.is_object()) slot.emplace_object();
    slot.as_object()[s.statistic] = std::isnan(s.value) ? boost::json::value(nullptr) : boost::json::value(s.value);
  }
  json["arms"] = std::move(arms);
  // Fan-chart bands: per arm, outcome and round, quantiles across the successful replicates.
  std::string bands = "arm,outcome,metric,round,q5,q25,q50,q75,q95\n";
  for (std::size_t a = 0; a < spec.arm_names.size(); ++a) {
    for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
      std::size_t rounds = 0;
      for (int r = 0; r < spec.RunsPerArm(); ++r) {
        const RunRecord& record = result.runs[a * spec.RunsPerArm() + r];
        if (record.failure.empty()) rounds = std::max(rounds, record.series[o].size());
      }
      for (std::size_t round = 0; round < rounds; ++round) {
        std::vector<double> values;
        for (int r = 0; r < spec.RunsPerArm(); ++r) {
          const RunRecord& record = result.runs[a * spec.RunsPerArm() + r];
          if (record.failure.empty() && round < record.series[o].size()) values.push_back(record.series[o][round]);
        }
        bands += spec.arm_names[a] + "," + spec.outcomes[o].name + "," + spec.outcomes[o].metric + "," + std::to_string(round);
        for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) AppendCell(bands, QuantileOf(values, q));
        bands += '\n';
      }
    }
  }
  // EMA Workbench's layout: the experiments table (uncertainties, scenario, policy) and outcomes by name.
  std::string ema_experiments, ema_outcomes;
  for (const ParameterSpec& p : spec.parameters) ema_experiments += p.path + ",";
  ema_experiments += "scenario,policy\n";
  for (std::size_t o = 0; o < spec.outcomes.size(); ++o) ema_outcomes += (o ? "," : "") + spec.outcomes[o].name;
  ema_outcomes += '\n';
  for (const RunRecord& record : result.runs) {
    for (double v : record.parameters) ema_experiments += Number(v) + ",";
    ema_experiments += std::to_string(record.replicate) + "," + spec.arm_names[record.arm] + "\n";
    std::string line;
    for (double v : record.outcomes) AppendCell(line, v);
    ema_outcomes += line.substr(1) + '\n';
  }
  if (spec.keep != ExperimentSpec::Keep::kNothing) WriteAtomically(dir / "runs.csv", runs);
  WriteAtomically(dir / "bands.csv", bands);
  WriteAtomically(dir / "experiments.csv", ema_experiments);
  WriteAtomically(dir / "outcomes.csv", ema_outcomes);
  WriteAtomically(dir / "summary.csv", summary);
  WriteAtomically(dir / "summary.json", boost::json::serialize(json) + "\n");
}

}  // namespace reesim::experiments
