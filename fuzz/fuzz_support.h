// What the libFuzzer harnesses share: the input as text, a per-process scratch directory for the
// readers that take a path, and the rule every harness follows: an exception that the program reports
// as bad input (exit 2) is a normal outcome; anything else (another exception, an abort, a sanitizer
// report, a hang past -timeout) is a finding. docs/fuzzing.md.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace reesim::fuzz {

inline std::string Text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A directory of this process's own under $TMPDIR (or /tmp), emptied on first use: libFuzzer's
// -jobs/-workers run several processes side by side.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path path = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                                 ("reesim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

// Writes `bytes` to `path` (creating its directory); aborts if it cannot, since then the harness
// would test nothing.
inline void WriteFileOrDie(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size() || std::fclose(file) != 0) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// A finding that is not a crash: the harness's own check of what the reader returned.
[[noreturn]] inline void Finding(const std::string& what) {
  std::fprintf(stderr, "fuzz harness: finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace reesim::fuzz
