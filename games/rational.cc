#include "games/rational.h"

#include <cctype>
#include <cmath>
#include <algorithm>
#include <cstddef>

namespace reesim::games {

namespace {

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Returns 10^exponent exactly.
Rational PowerOfTen(unsigned long exponent) {
  mpz_class power;
  mpz_ui_pow_ui(power.get_mpz_t(), 10, exponent);
  return Rational(power);
}

}  // namespace

std::optional<Rational> ParseRational(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  Rational value;
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    const std::string_view numerator = text.substr(0, slash);
    const std::string_view denominator = text.substr(slash + 1);
    if (!AllDigits(numerator) || !AllDigits(denominator)) return std::nullopt;
    const mpz_class den(std::string(denominator), 10);
    if (den == 0) return std::nullopt;
    value = Rational(mpz_class(std::string(numerator), 10), den);
    value.canonicalize();
  } else {
    std::string_view mantissa = text;
    long exponent = 0;
    if (const std::size_t e = text.find_first_of("eE"); e != std::string_view::npos) {
      mantissa = text.substr(0, e);
      std::string_view exponent_text = text.substr(e + 1);
      bool exponent_negative = false;
      if (!exponent_text.empty() && (exponent_text[0] == '-' || exponent_text[0] == '+')) {
        exponent_negative = exponent_text[0] == '-';
        exponent_text.remove_prefix(1);
      }
      // Exponents beyond 4 digits would make numbers of thousands of digits: refused as malformed.
      if (!AllDigits(exponent_text) || exponent_text.size() > 4) return std::nullopt;
      exponent = std::stol(std::string(exponent_text));
      if (exponent_negative) exponent = -exponent;
    }
    std::string digits;
    long fraction_digits = 0;
    if (const std::size_t dot = mantissa.find('.'); dot != std::string_view::npos) {
      const std::string_view whole = mantissa.substr(0, dot);
      const std::string_view fraction = mantissa.substr(dot + 1);
      if ((!whole.empty() && !AllDigits(whole)) || (!fraction.empty() && !AllDigits(fraction))) return std::nullopt;
      if (whole.empty() && fraction.empty()) return std::nullopt;
      digits = std::string(whole) + std::string(fraction);
      fraction_digits = static_cast<long>(fraction.size());
    } else {
      if (!AllDigits(mantissa)) return std::nullopt;
      digits = std::string(mantissa);
    }
    value = Rational(mpz_class(digits, 10));
    const long scale = exponent - fraction_digits;
    if (scale > 0) value *= PowerOfTen(static_cast<unsigned long>(scale));
    if (scale < 0) value /= PowerOfTen(static_cast<unsigned long>(-scale));
    value.canonicalize();
  }
  if (negative) value = -value;
  return value;
}

std::string ToString(const Rational& value) {
  Rational canonical = value;
  canonical.canonicalize();
  if (canonical.get_den() == 1) return canonical.get_num().get_str();
  return canonical.get_num().get_str() + "/" + canonical.get_den().get_str();
}

std::string ToDecimalString(const Rational& value) {
  Rational canonical = value;
  canonical.canonicalize();
  if (canonical.get_den() == 1) return canonical.get_num().get_str();
  mpz_class rest = canonical.get_den();
  unsigned long twos = 0, fives = 0;
  while (mpz_divisible_ui_p(rest.get_mpz_t(), 2)) {
    rest /= 2;
    ++twos;
  }
  while (mpz_divisible_ui_p(rest.get_mpz_t(), 5)) {
    rest /= 5;
    ++fives;
  }
  const unsigned long places = std::max(twos, fives);
  if (rest != 1 || places > 4000) return ToString(canonical);
  mpz_class scaled = abs(canonical.get_num()) * PowerOfTen(places).get_num() / canonical.get_den();
  std::string digits = scaled.get_str();
  if (digits.size() <= places) digits.insert(0, places + 1 - digits.size(), '0');
  digits.insert(digits.size() - places, ".");
  return (canonical < 0 ? "-" : "") + digits;
}

double ToDouble(const Rational& value) {
  // get_d truncates toward zero; the nearest double is it or its neighbour away from zero. Doubles
  // convert to rationals exactly, so the comparison is exact.
  const double truncated = value.get_d();
  if (!std::isfinite(truncated)) return truncated;
  const double away = std::nextafter(truncated, value > 0 ? HUGE_VAL : -HUGE_VAL);
  if (!std::isfinite(away)) return truncated;
  const Rational error_truncated = abs(value - Rational(truncated));
  const Rational error_away = abs(value - Rational(away));
  return error_away < error_truncated ? away : truncated;
}

std::vector<double> ToDoubles(const std::vector<Rational>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (const Rational& value : values) out.push_back(ToDouble(value));
  return out;
}

std::vector<std::vector<double>> ToDoubles(const std::vector<std::vector<Rational>>& values) {
  std::vector<std::vector<double>> out;
  out.reserve(values.size());
  for (const auto& row : values) out.push_back(ToDoubles(row));
  return out;
}

}  // namespace reesim::games
