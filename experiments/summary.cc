#include "experiments/summary.h"

#include <boost/math/distributions/students_t.hpp>

#include <cmath>

#include "experiments/csv.h"
#include "experiments/design.h"
#include "run/csv.h"
#include "world/check.h"

namespace reesim::experiments {

namespace {

std::string QuantileName(double q) { return "q" + std::to_string(static_cast<int>(std::lround(q * 100))); }

}  // namespace

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
        rows += run::CsvCell(spec_.arm_names[a]) + "," + run::CsvCell(spec_.outcomes[o].name) + "," +
                run::CsvCell(spec_.outcomes[o].metric) + "," + std::to_string(round);
        for (std::size_t k = 0; k < kReportedQuantiles.size(); ++k) AppendCell(rows, rounds[round].Quantile(k));
        rows += '\n';
      }
    }
  }
  return rows;
}

}  // namespace reesim::experiments
