#include "experiments/streaming_statistics.h"

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/extended_p_square.hpp>
#include <boost/accumulators/statistics/stats.hpp>

#include <algorithm>
#include <cmath>

#include "world/check.h"
#include "world/random.h"

namespace reesim::experiments {

namespace acc = boost::accumulators;

double QuantileOf(std::vector<double> values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double position = q * (values.size() - 1);
  const std::size_t low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(values.size() - 1, low + 1);
  return values[low] + (position - low) * (values[high] - values[low]);
}

struct QuantileSketch::Estimator {
  acc::accumulator_set<double, acc::stats<acc::tag::extended_p_square>> set{
      acc::extended_p_square_probabilities = kReportedQuantiles};
};

QuantileSketch::QuantileSketch(std::size_t exact_limit) : exact_limit_(exact_limit) {}
QuantileSketch::QuantileSketch(QuantileSketch&&) noexcept = default;
QuantileSketch& QuantileSketch::operator=(QuantileSketch&&) noexcept = default;
QuantileSketch::~QuantileSketch() = default;

void QuantileSketch::Add(double value) {
  if (estimator_) {
    estimator_->set(value);
    return;
  }
  values_.push_back(value);
  if (values_.size() > exact_limit_) {
    // From here on, the estimate: it sees every value, the kept ones first, in order.
    estimator_ = std::make_unique<Estimator>();
    for (double v : values_) estimator_->set(v);
    std::vector<double>().swap(values_);
  }
}

double QuantileSketch::Quantile(int k) const {
  REESIM_CHECK(k >= 0 && k < static_cast<int>(kReportedQuantiles.size()));
  if (estimator_) return acc::extended_p_square(estimator_->set)[k];
  return QuantileOf(values_, kReportedQuantiles[k]);
}

world::RandomStream PoissonWeights::Stream(std::int64_t index) const {
  return world::RandomStream(seed_, key_, static_cast<std::uint64_t>(index), /*agent=*/0, world::RandomPurpose::kBootstrap);
}

void PoissonWeights::Draw(std::int64_t index, std::array<std::uint8_t, kBootstrapReplicates>& weights) const {
  // Poisson(1) by inversion; the cumulative probabilities e^-1 sum_{j<=k} 1/j!.
  static constexpr double kCumulative[] = {0.36787944117144233, 0.7357588823428847, 0.9196986029286058,
                                           0.9810118431238462,  0.9963401531726563, 0.9994058151824183,
                                           0.9999167588507119,  0.9999897508033253, 0.9999988747974149};
  world::RandomStream random = Stream(index);
  for (std::uint8_t& weight : weights) {
    const double u = random.Uniform();
    std::uint8_t k = 0;
    while (k < std::size(kCumulative) && u >= kCumulative[k]) ++k;
    weight = k;
  }
}

StreamingSample::StreamingSample(std::uint64_t seed, std::uint64_t key, std::size_t exact_limit)
    : weights_(seed, key),
      quantiles_(exact_limit),
      replicate_sum_(kBootstrapReplicates, 0.0),
      replicate_weight_(kBootstrapReplicates, 0.0) {}

void StreamingSample::Add(double value) {
  if (count_ == 0) shift_ = value;
  std::array<std::uint8_t, kBootstrapReplicates> weights;
  weights_.Draw(count_, weights);
  for (int b = 0; b < kBootstrapReplicates; ++b) {
    replicate_sum_[b] += weights[b] * (value - shift_);
    replicate_weight_[b] += weights[b];
  }
  ++count_;
  const double delta = value - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (value - mean_);
  quantiles_.Add(value);
}

double StreamingSample::mean() const { return count_ == 0 ? std::nan("") : mean_; }

double StreamingSample::sd() const { return count_ < 2 ? std::nan("") : std::sqrt(m2_ / static_cast<double>(count_ - 1)); }

std::pair<double, double> StreamingSample::MeanInterval() const {
  std::vector<double> means;
  means.reserve(kBootstrapReplicates);
  for (int b = 0; b < kBootstrapReplicates; ++b) {
    if (replicate_weight_[b] > 0) means.push_back(shift_ + replicate_sum_[b] / replicate_weight_[b]);
  }
  return {QuantileOf(means, 0.025), QuantileOf(means, 0.975)};
}

StreamingSobol::StreamingSobol(int dimensions, std::uint64_t seed, std::uint64_t key)
    : dimensions_(dimensions), weights_(seed, key), sums_(static_cast<std::size_t>(kBootstrapReplicates + 1) * Width(), 0.0) {}

void StreamingSobol::Add(double f_a, double f_b, const std::vector<double>& f_ab) {
  REESIM_CHECK_EQ(static_cast<int>(f_ab.size()), dimensions_);
  if (count_ == 0) shift_ = f_a;
  std::array<std::uint8_t, kBootstrapReplicates> weights;
  weights_.Draw(count_, weights);
  ++count_;
  const double a = f_a - shift_, b = f_b - shift_;
  for (int r = 0; r <= kBootstrapReplicates; ++r) {
    const double w = r < kBootstrapReplicates ? weights[r] : 1.0;
    if (w == 0) continue;
    double* sums = &sums_[static_cast<std::size_t>(r) * Width()];
    sums[0] += w;
    sums[1] += w * a;
    sums[2] += w * a * a;
    sums[3] += w * b;
    sums[4] += w * b * b;
    for (int i = 0; i < dimensions_; ++i) {
      sums[5 + 2 * i] += w * f_b * (f_ab[i] - f_a);
      sums[6 + 2 * i] += w * (f_a - f_ab[i]) * (f_a - f_ab[i]);
    }
  }
}

std::vector<SobolIndex> StreamingSobol::FromSums(const double* sums) const {
  std::vector<SobolIndex> indices(dimensions_);
  const double n = sums[0];
  if (n <= 0) return indices;
  const double total = sums[1] + sums[3];
  const double variance = (sums[2] + sums[4] - total * total / (2 * n)) / (2 * n - 1);
  if (!(variance > 0)) return indices;
  for (int i = 0; i < dimensions_; ++i) {
    indices[i].first = sums[5 + 2 * i] / n / variance;
    indices[i].total = sums[6 + 2 * i] / (2 * n) / variance;
  }
  return indices;
}

std::vector<StreamingSobol::Interval> StreamingSobol::Indices() const {
  std::vector<Interval> out(dimensions_);
  const std::vector<SobolIndex> estimate = FromSums(&sums_[static_cast<std::size_t>(kBootstrapReplicates) * Width()]);
  std::vector<std::vector<double>> first(dimensions_), total(dimensions_);
  for (int r = 0; r < kBootstrapReplicates && count_ > 0; ++r) {
    const std::vector<SobolIndex> draw = FromSums(&sums_[static_cast<std::size_t>(r) * Width()]);
    for (int i = 0; i < dimensions_; ++i) {
      first[i].push_back(draw[i].first);
      total[i].push_back(draw[i].total);
    }
  }
  for (int i = 0; i < dimensions_; ++i) {
    out[i].estimate = estimate[i];
    out[i].low = {QuantileOf(first[i], 0.025), QuantileOf(total[i], 0.025)};
    out[i].high = {QuantileOf(first[i], 0.975), QuantileOf(total[i], 0.975)};
  }
  return out;
}

}  // namespace reesim::experiments
