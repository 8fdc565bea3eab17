// Helpers for the tests that run the real `reesim` program (cli_test, robustness_test).
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_support.h"

namespace reesim::testing {

struct ProgramResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs `program args` through the shell and collects its output.
inline ProgramResult RunProgram(const std::string& program, const std::string& args) {
  const std::string command = program + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  ProgramResult result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

#ifdef REESIM_BINARY
// Runs the reesim program built beside the test (REESIM_BINARY, set by tests/CMakeLists.txt).
inline ProgramResult Reesim(const std::string& args) { return RunProgram(REESIM_BINARY, args); }
#endif

// SmallWorldText() with its first `from` replaced by `to` (which must occur).
inline std::string SmallWorldWith(const std::string& from, const std::string& to) {
  std::string text = SmallWorldText();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace reesim::testing
