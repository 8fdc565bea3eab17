// Issue 19: bad input and bad luck never crash reesim or leave wrong files. Each case holds the minimal
// input that once crashed or gave a wrong answer, run through the real program.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "test_support.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

Result Reesim(const std::string& args) {
  const std::string command = std::string(REESIM_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Result result;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string SmallWorld(const std::string& from, const std::string& to) {
  std::string text = testing::SmallWorldText();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

// A one-arm experiment over the small world in the same directory.
std::string Experiment(const std::string& extra) {
  return "name: \"e\" scenario: \"small.textproto\" rounds: 2 replicates: 2\n"
         "outcomes { metric: \"price.magnet\" }\n" + extra;
}

void ExpectRefused(const std::string& command, const std::string& expected) {
  const Result result = Reesim(command);
  CAPTURE(command);
  CAPTURE(result.out);
  CHECK(result.exit_code == 2);
  CHECK(result.out.find(expected) != std::string::npos);
  CHECK(result.out.find('\n') == result.out.size() - 1);  // one line
}

TEST_CASE("Robustness.EnumsGivenAsNumbersAreRefusedAtLoad") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::string expected;
  };
  const std::vector<Case> scenarios = {
      {"product stage", SmallWorld("products { id: \"ox\" stage: SEPARATION", "products { id: \"ox\" stage: 7"),
       "bad.textproto:11:21: products[1].stage = 7: not a Stage; give one of its names: STAGE_UNSPECIFIED, MINING, "
       "SEPARATION, METAL, MAGNET"},
      {"demand sector", SmallWorld("sector: DEFENCE", "sector: 99"), "demand[2].sector = 99: not a Sector; give one of its names:"},
      {"check aggregate", testing::SmallWorldText("checks { value { metric: \"price.ox\" aggregate: -3 } min: 0 source: \"s\" }"),
       "checks[0].value.aggregate = -3: not a Aggregate"},
  };
  for (const Case& c : scenarios) {
    CAPTURE(c.name);
    WriteBytes(dir.File("bad.textproto"), c.text);
    ExpectRefused("check " + dir.File("bad.textproto"), c.expected);
    ExpectRefused("run --scenario " + dir.File("bad.textproto") + " --out " + dir.File("out"), c.expected);
    CHECK(!std::filesystem::exists(dir.File("out")));
  }

  WriteBytes(dir.File("small.textproto"), testing::SmallWorldText());
  const std::vector<Case> experiments = {
      {"sampler", Experiment("sampler: 4"), "sampler = 4: not a Sampler; give one of its names: MONTE_CARLO,"},
      {"huge sampler", Experiment("sampler: 1000000"), "sampler = 1000000: not a Sampler"},
      {"aggregation", Experiment("outcomes { metric: \"price.ox\" aggregation: 7 }"),
       "outcomes[1].aggregation = 7: not a Aggregate"},
      {"keep", Experiment("keep: 9"), "keep = 9: not a Keep"},
      {"enum inside an arm's overlay",
       Experiment("arms { name: \"x\" overlay { demand { region: \"AAA\" sector: 99 product: \"magnet\" } } }"),
       "arms[0].overlay.demand[0].sector = 99: not a Sector"},
  };
  for (const Case& c : experiments) {
    CAPTURE(c.name);
    WriteBytes(dir.File("bad.textproto"), c.text);
    ExpectRefused("experiment --spec " + dir.File("bad.textproto") + " --out " + dir.File("exp"), c.expected);
    CHECK(!std::filesystem::exists(dir.File("exp")));
  }
}

}  // namespace
}  // namespace reesim
