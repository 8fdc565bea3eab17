#include "experiments/experiment_spec.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>

#include "experiments/parameter_path.h"
#include "run/metric_catalogue.h"
#include "run/scenario_io.h"
#include "run/snapshot_io.h"
#include "experiments/sobol.h"
#include "proto/experiment.pb.h"
#include "proto/scenario.pb.h"
#include "world/field_error.h"

namespace reesim::experiments {

namespace {

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
  auto finite = [&](const std::string& field, double value) { require(std::isfinite(value), field, value, "must be a finite number"); };
  switch (in.distribution_case()) {
    case reesim::Parameter::kUniform:
      d = Make(Distribution::Kind::kUniform, in.uniform().min(), in.uniform().max());
      finite("uniform.min", d.a);
      finite("uniform.max", d.b);
      require(d.a < d.b, "uniform.min", d.a, "must be below max " + FormatNumber(d.b));
      break;
    case reesim::Parameter::kNormal:
      d = Make(Distribution::Kind::kNormal, in.normal().mean(), in.normal().sd());
      finite("normal.mean", d.a);
      finite("normal.sd", d.b);
      require(d.b > 0, "normal.sd", d.b, "must be > 0");
      break;
    case reesim::Parameter::kTruncatedNormal: {
      const reesim::TruncatedNormal& t = in.truncated_normal();
      d = Make(Distribution::Kind::kTruncatedNormal, t.mean(), t.sd(), t.min(), t.max());
      finite("truncated_normal.mean", d.a);
      finite("truncated_normal.sd", d.b);
      finite("truncated_normal.min", d.c);
      finite("truncated_normal.max", d.d);
      require(d.b > 0, "truncated_normal.sd", d.b, "must be > 0");
      require(d.c < d.d, "truncated_normal.min", d.c, "must be below max " + FormatNumber(d.d));
      // Sampling works in standard units: (min - mean) / sd must be a finite number.
      require(std::isfinite((d.c - d.a) / d.b) && std::isfinite((d.d - d.a) / d.b), "truncated_normal.sd", d.b,
              "is too small for min and max so far from the mean: (max - mean) / sd overflows");
      break;
    }
    case reesim::Parameter::kTriangular: {
      const reesim::Triangular& t = in.triangular();
      d = Make(Distribution::Kind::kTriangular, t.min(), t.mode(), t.max());
      finite("triangular.min", d.a);
      finite("triangular.mode", d.b);
      finite("triangular.max", d.c);
      require(d.a < d.c, "triangular.min", d.a, "must be below max " + FormatNumber(d.c));
      require(d.b >= d.a && d.b <= d.c, "triangular.mode", d.b, "must lie between min and max");
      break;
    }
    case reesim::Parameter::kLognormal:
      d = Make(Distribution::Kind::kLogNormal, in.lognormal().mu(), in.lognormal().sigma());
      finite("lognormal.mu", d.a);
      finite("lognormal.sigma", d.b);
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
        finite("discrete.values[" + std::to_string(k) + "]", t.values(k));
        const double w = t.weights_size() ? t.weights(k) : 1.0;
        require(std::isfinite(w) && w >= 0, "discrete.weights[" + std::to_string(k) + "]", w, "must be >= 0");
        total += w;
        d.cumulative.push_back(total);
      }
      require(total > 0 && std::isfinite(total), "discrete.weights", total, "must not all be 0, and must sum to a finite number");
      for (double& c : d.cumulative) c /= total;
      break;
    }
    case reesim::Parameter::DISTRIBUTION_NOT_SET:
      complaint.Fail(path, "", "give a distribution (uniform, normal, truncated_normal, triangular, lognormal, discrete)");
  }
  return d;
}

}  // namespace

ParameterSpec LoadParameter(const reesim::Parameter& in, const reesim::Scenario& scenario, const std::string& source,
                            const std::string& path) {
  const FieldComplaint complaint(source);
  ParameterSpec parameter{in.path(), DistributionFromProto(in, complaint, path)};
  reesim::Scenario probe = scenario;
  try {
    SetScenarioNumber(probe, parameter.path, parameter.distribution.Quantile(0.5));
  } catch (const InputError& error) {
    complaint.Fail(path + ".path", Quoted(parameter.path), error.what());
  }
  return parameter;
}

ExperimentSpec LoadExperimentText(const std::string& text, const std::string& source) {
  reesim::Experiment in;
  run::ParseTextFormat(text, source, "experiment", in);
  ExperimentSpec spec = LoadExperimentMessage(in, source, run::Sha256Hex(text));
  spec.text = text;
  return spec;
}

ExperimentSpec LoadExperimentMessage(const reesim::Experiment& in, const std::string& source, const std::string& sha256) {
  const FieldComplaint complaint(source);
  ExperimentSpec spec;
  spec.source = source;
  spec.sha256 = sha256;
  spec.name = in.name();
  if (in.scenario().empty()) complaint.Fail("scenario", "", "name a library scenario or a scenario file");
  // The scenario: resolved like a base_scenario, relative to the experiment file.
  spec.scenario = run::ParseScenarioReference(in.scenario(), source, "scenario");
  if (in.replicates() < 1) complaint.Fail("replicates", std::to_string(in.replicates()), "must be at least 1");
  spec.replicates = in.replicates();
  if (in.rounds() < 0) complaint.Fail("rounds", std::to_string(in.rounds()), "must be >= 1");
  spec.rounds = in.rounds();
  spec.seed = in.seed() == 0 ? 1 : in.seed();
  spec.sampler = static_cast<ExperimentSpec::Sampler>(static_cast<int>(in.sampler()));
  spec.keep = static_cast<ExperimentSpec::Keep>(static_cast<int>(in.keep()));
  for (int i = 0; i < in.parameters_size(); ++i) {
    spec.parameters.push_back(LoadParameter(in.parameters(i), *spec.scenario, source, "parameters[" + std::to_string(i) + "]"));
  }
  if (spec.sampler == ExperimentSpec::Sampler::kSobol &&
      (spec.parameters.empty() || 2 * spec.parameters.size() > static_cast<std::size_t>(kSobolMaxDimensions))) {
    complaint.Fail("parameters", std::to_string(spec.parameters.size()) + " parameter(s)",
                   "the SOBOL sampler takes 1 to " + std::to_string(kSobolMaxDimensions / 2) + " parameters");
  }
  // The Saltelli design runs replicates x (parameters + 2) rows per arm, counted in an int
  // (ExperimentSpec::RunsPerArm): bounded as a full factorial design is, so the count cannot overflow
  // (2^30 replicates of 2 parameters once made "0 runs per arm").
  if (spec.sampler == ExperimentSpec::Sampler::kSobol &&
      static_cast<double>(spec.replicates) * (static_cast<double>(spec.parameters.size()) + 2) > 1e7) {
    complaint.Fail("replicates", std::to_string(spec.replicates),
                   "the SOBOL design (replicates x (parameters + 2)) has more than 10 million runs per arm");
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
    const run::LoadedScenario arm = run::LoadScenarioMessage(std::make_shared<reesim::Scenario>(merged), "",
                                                              source + " (arm " + spec.arm_names[a] + ")");
    // Every outcome names a metric of the arm's world.
    const run::MetricCatalogue catalogue(arm.world);
    for (std::size_t o = 0; o < spec.outcomes.size(); ++o) {
      catalogue.Require(spec.outcomes[o].metric, complaint, "outcomes[" + std::to_string(o) + "].metric");
      spec.outcomes[o].absent_is_zero = catalogue.AbsentIsZero(spec.outcomes[o].metric);
      spec.outcomes[o].metric_unit = catalogue.Unit(spec.outcomes[o].metric);
    }
  }
  return spec;
}

std::string OutcomeUnit(const OutcomeSpec& outcome) {
  using A = OutcomeSpec::Aggregation;
  if (outcome.aggregation == A::kFirstCrossing) return "round";
  if (outcome.aggregation != A::kSum && outcome.aggregation != A::kDiscountedSum) return outcome.metric_unit;
  std::string unit = outcome.metric_unit;
  constexpr std::string_view kPerRound = " per round";
  if (unit.ends_with(kPerRound)) unit.resize(unit.size() - kPerRound.size());
  return unit + (outcome.aggregation == A::kSum ? " summed over rounds" : " discounted, summed over rounds");
}

bool ParsesQuietly(const std::string& text, google::protobuf::Message& message) {
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  struct Silent : google::protobuf::io::ErrorCollector {
    void AddError(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  } silent;
  parser.RecordErrorsTo(&silent);
  return parser.ParseFromString(text, &message);
}

bool LooksLikeExperiment(const std::string& text) {
  reesim::Experiment experiment;
  return ParsesQuietly(text, experiment) && !experiment.scenario().empty();
}

ExperimentSpec LoadExperimentFile(const std::string& path) { return LoadExperimentText(run::ReadFile(path), path); }

}  // namespace reesim::experiments
