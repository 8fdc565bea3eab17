// Messages for bad scenario contents, in one shape everywhere: "FILE: field.path = value: why".
#pragma once

#include <algorithm>
#include <sstream>
#include <string>

#include "world/check.h"

namespace reesim {

class FieldComplaint {
 public:
  explicit FieldComplaint(std::string source) : source_(std::move(source)) {}

  // Throws InputError naming the file, the field path and (if not empty) the value.
  [[noreturn]] void Fail(const std::string& path, const std::string& value, const std::string& why) const {
    std::ostringstream out;
    out << source_ << ": " << path;
    if (!value.empty()) out << " = " << value;
    out << ": " << why;
    throw InputError(out.str());
  }

 private:
  std::string source_;
};

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
inline bool IsValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int length = 0;
    unsigned int low = 0x80, high = 0xBF;  // the range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (int k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(s[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += length;
  }
  return true;
}

// A string from a file, quoted for a one-line message: control characters escaped (a newline in an
// id must not split the message), every byte above 0x7f too when the text is not valid UTF-8, and
// anything past 80 bytes cut at a character boundary with the length said (a 1 MB id is not echoed in
// full).
inline std::string Quoted(const std::string& s) {
  constexpr std::size_t kShown = 80;
  std::size_t shown = std::min(s.size(), kShown);
  while (shown < s.size() && shown > 0 && (static_cast<unsigned char>(s[shown]) & 0xC0) == 0x80) --shown;
  const bool utf8 = IsValidUtf8(s);
  std::string out = "\"";
  for (std::size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "\"";
  if (shown < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}



inline std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace reesim
