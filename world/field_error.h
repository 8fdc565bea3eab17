// Messages for bad scenario contents, in one shape everywhere: "FILE: field.path = value: why".
#pragma once

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

inline std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

inline std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace reesim
