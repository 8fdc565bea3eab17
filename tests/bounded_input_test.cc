// Bounded reading (issue 19, item 4), through the real program: input files are read only when regular
// and at most 64 MB, and a scenario's counts are limited; each refusal is exit 2 with a clear message,
// within seconds (these once read `/dev/zero` forever, or needed 8 GB).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "cli_support.h"
#include "run/scenario_io.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;
using Result = testing::ProgramResult;

Result Reesim(const std::string& args) { return testing::RunProgram("timeout 60 " REESIM_BINARY, args); }

TEST_CASE("Input.DevicesAndHugeFilesAreRefused") {
  const Result check = Reesim("check /dev/zero");
  CHECK(check.exit_code == 2);
  CHECK(check.out.find("/dev/zero: not a regular file") != std::string::npos);
  CHECK(Reesim("run --scenario /dev/zero --out /nonexistent-dir").exit_code == 2);
  CHECK(Reesim("experiment --spec /dev/zero").exit_code == 2);
  TempDir dir;
  // base_scenario naming a device.
  WriteBytes(dir.File("s.textproto"), "base_scenario: \"/dev/zero\"\n");
  const Result base = Reesim("check " + dir.File("s.textproto"));
  CHECK(base.exit_code == 2);
  CHECK(base.out.find("not a regular file") != std::string::npos);
  // A file just over the limit (sparse: no disk is used).
  {
    std::ofstream big(dir.File("big.textproto"), std::ios::binary);
    big.seekp(static_cast<std::streamoff>(run::kMaxInputFileBytes));
    big << ' ';
  }
  const Result huge = Reesim("check " + dir.File("big.textproto"));
  CHECK(huge.exit_code == 2);
  CHECK(huge.out.find("over the limit of 64 MB for an input file") != std::string::npos);
  // A directory.
  CHECK(Reesim("check " + dir.path().string()).out.find("not a regular file") != std::string::npos);
  // A shard file that is a device (behind a symbolic link).
  std::filesystem::create_directories(dir.File("shard"));
  std::filesystem::create_symlink("/dev/zero", dir.File("shard/shard.jsonl"));
  const Result merge = Reesim("merge " + dir.File("shard") + " --out " + dir.File("merged"));
  CHECK(merge.exit_code == 2);
  CHECK(merge.out.find("not a regular file") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.File("merged")));
  // --help states the limit.
  CHECK(Reesim("check --help").out.find("64 MB") != std::string::npos);
}

TEST_CASE("Input.ScenarioCountsAreLimited") {
  TempDir dir;
  std::string regions;
  for (int r = 0; r <= run::kMaxRegions; ++r) regions += "regions { id: \"R" + std::to_string(r) + "\" actor: \"A\" }\n";
  WriteBytes(dir.File("regions.textproto"), testing::SmallWorldText(regions));
  const Result many = Reesim("check " + dir.File("regions.textproto"));
  CHECK(many.exit_code == 2);
  CHECK(many.out.find("regions: 503 entries; a scenario has at most 500") != std::string::npos);
  std::string members;
  for (int m = 0; m <= run::kMaxActors; ++m) members += "members: \"A\" ";
  WriteBytes(dir.File("alliance.textproto"),
             testing::SmallWorldText("policies { actor: \"A\" alliance { " + members + "} }\n"));
  const Result alliance = Reesim("check " + dir.File("alliance.textproto"));
  CHECK(alliance.exit_code == 2);
  CHECK(alliance.out.find("policies[0].alliance.members: 257 members; an alliance has at most 256") != std::string::npos);
}

}  // namespace
}  // namespace reesim
