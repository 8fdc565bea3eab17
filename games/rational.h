// Exact rational numbers for the games library: GMP's mpq_class (always in canonical form), with the
// conversions the solvers and the .nfg reader need.
#pragma once

#include <gmpxx.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reesim::games {

using Rational = mpq_class;

// Parses an exact number as Gambit writes them: an integer ("-3", "+4"), a decimal with an optional
// exponent ("2.5", ".5", "-1.25e-3", "1e3"), or a fraction ("1/3", "-7/2"). Returns nothing if `text` is
// none of these or a fraction has a zero denominator.
std::optional<Rational> ParseRational(std::string_view text);

// Returns "p/q" in lowest terms, or "p" when the denominator is 1 (what ParseRational reads back).
std::string ToString(const Rational& value);

// Returns `value` as an exact decimal ("-0.125", "3") when its denominator divides a power of ten, else
// as ToString does ("1/3"); ParseRational reads either back exactly.
std::string ToDecimalString(const Rational& value);

// Returns the double nearest to `value` (GMP's get_d truncates; this rounds to nearest).
double ToDouble(const Rational& value);

// Returns the element-wise conversion of exact vectors to doubles.
std::vector<double> ToDoubles(const std::vector<Rational>& values);
std::vector<std::vector<double>> ToDoubles(const std::vector<std::vector<Rational>>& values);

}  // namespace reesim::games
