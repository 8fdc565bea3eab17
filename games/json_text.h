// JSON text for the games' outputs, written by hand so the bytes are fixed: numbers as the shortest
// decimal that reads back as the same double (std::to_chars), non-finite numbers as null, strings
// escaped as RFC 8259 requires.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace reesim::games {

// Returns the shortest round-trip decimal of `value` ("0" for either zero, "null" if not finite).
inline std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  if (value == 0) return "0";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Returns `text` as a JSON string literal.
inline std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Returns a JSON array of `values`, each written by `write`.
template <typename T, typename Write>
std::string JsonList(const std::vector<T>& values, Write write) {
  std::string out = "[";
  for (std::size_t k = 0; k < values.size(); ++k) out += (k ? "," : "") + write(values[k]);
  return out + "]";
}

}  // namespace reesim::games
