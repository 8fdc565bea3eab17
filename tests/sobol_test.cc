// Sobol sequence against its reference points, and Sobol indices of the Ishigami function.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "experiments/sobol.h"
#include "experiments/streaming_statistics.h"

namespace reesim {
namespace {

TEST_CASE("Sobol.FirstPointsMatchTheReferenceSequence") {
  // Joe & Kuo's sequence as scipy.stats.qmc.Sobol(scramble=False) gives it, after the zero point.
  const std::vector<std::vector<double>> expected = {
      {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}, {0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125}, {0.125, 0.625}};
  const experiments::SobolSequence sequence(2);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(sequence.Point(i) == expected[i]);
  }
  // Every dimension of the first 2^k points hits each of the 2^k equal intervals exactly once.
  const experiments::SobolSequence wide(experiments::kSobolMaxDimensions);
  std::vector<std::vector<double>> many;
  for (int i = 0; i < 255; ++i) many.push_back(wide.Point(i));
  for (int d = 0; d < experiments::kSobolMaxDimensions; ++d) {
    std::vector<int> hits(256, 0);
    hits[0] = 1;  // the skipped zero point
    for (const auto& point : many) ++hits[static_cast<int>(point[d] * 256)];
    CAPTURE(d);
    for (int h : hits) CHECK(h == 1);
  }
}

TEST_CASE("Sobol.IshigamiIndicesWithinTolerance") {
  // f = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1, x ~ U(-pi, pi)^3. Known values (Ishigami & Homma 1990;
  // Saltelli et al. 2008): S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
  const double pi = 3.14159265358979323846;
  auto f = [](double x1, double x2, double x3) {
    return std::sin(x1) + 7 * std::sin(x2) * std::sin(x2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
  };
  const int n = 8192;
  const experiments::SobolSequence sequence(6);
  auto scale = [&](double u) { return -pi + 2 * pi * u; };
  experiments::StreamingSobol sobol(3, 5, 0);
  for (int j = 0; j < n; ++j) {
    const std::vector<double> point = sequence.Point(j);
    double a[3], b[3];
    for (int i = 0; i < 3; ++i) {
      a[i] = scale(point[i]);
      b[i] = scale(point[3 + i]);
    }
    std::vector<double> f_ab(3);
    for (int i = 0; i < 3; ++i) {
      double ab[3] = {a[0], a[1], a[2]};
      ab[i] = b[i];
      f_ab[i] = f(ab[0], ab[1], ab[2]);
    }
    sobol.Add(f(a[0], a[1], a[2]), f(b[0], b[1], b[2]), f_ab);
  }
  const auto indices = sobol.Indices();
  const double first[3] = {0.3139, 0.4424, 0.0}, total[3] = {0.5576, 0.4424, 0.2437};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(std::abs(indices[i].estimate.first - first[i]) < 0.03);
    CHECK(std::abs(indices[i].estimate.total - total[i]) < 0.03);
    // The bootstrap intervals bracket the estimate and are narrow at n = 8192.
    CHECK(indices[i].low.first <= indices[i].estimate.first);
    CHECK(indices[i].estimate.first <= indices[i].high.first);
    CHECK(indices[i].high.total - indices[i].low.total < 0.1);
  }
}

}  // namespace
}  // namespace reesim
