// Snapshot files: write/read round trip, truncated, empty and foreign files.
#include <doctest/doctest.h>

#include "run/run.h"
#include "run/snapshot_io.h"
#include "test_support.h"
#include "world/check.h"

namespace reesim {
namespace {

using testing::FileBytes;
using testing::TempDir;
using testing::WriteBytes;

struct WrittenRun {
  run::RunResult result;
  std::string path;
};

WrittenRun WriteSmallRun(const TempDir& dir, int rounds) {
  static const run::LoadedScenario scenario =
      run::LoadScenarioText(testing::SmallWorldText(), "small");
  run::RunOptions options;
  options.rounds = rounds;
  options.seed = 9;
  options.snapshot_path = dir.File("run.pbs");
  return {run::RunScenario(scenario, options), options.snapshot_path};
}

TEST_CASE("Snapshot.RoundTripKeepsEveryMetric") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 5);
  const run::SnapshotFile file = run::ReadSnapshotFile(run.path);
  CHECK(file.complete);
  CHECK(file.seed == 9);
  CHECK(file.rounds == 5);
  CHECK(file.format_version == REESIM_SNAPSHOT_FORMAT_VERSION);
  CHECK(file.final_fingerprint == run.result.final_fingerprint);
  CHECK(file.region_ids == std::vector<std::string>{"AAA", "BBB"});
  REQUIRE(file.round_data.size() == 5);
  for (int r = 0; r < 5; ++r) {
    const auto& written = run.result.metrics[r];
    const auto& read = file.round_data[r].metrics;
    CHECK(file.round_data[r].period == run.result.periods[r]);
    REQUIRE(read.size() == written.size());
    for (const auto& [key, value] : read) CHECK(written.at(key) == value);  // bit-exact
    CHECK(file.round_data[r].plants.size() == 4);
    CHECK(!file.round_data[r].flows.empty());
  }
  CHECK(file.round_data[1].period == "2030Q2");
  // No temporary file is left behind.
  CHECK(!std::filesystem::exists(run.path + ".tmp"));
}

TEST_CASE("Snapshot.TruncatedFileReadsEveryCompleteRound") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 4);
  const std::string bytes = FileBytes(run.path);
  const std::size_t full_rounds = run::ReadSnapshotFile(run.path).round_data.size();
  REQUIRE(full_rounds == 4);
  // Cut the file at many points: the reader never crashes, never invents rounds, and reports the cut.
  std::size_t previous = 0;
  for (std::size_t cut = bytes.size() - 1; cut > bytes.size() / 3; cut -= 97) {
    WriteBytes(dir.File("cut.pbs"), bytes.substr(0, cut));
    try {
      const run::SnapshotFile file = run::ReadSnapshotFile(dir.File("cut.pbs"));
      CHECK(!file.complete);
      CHECK(file.truncation.find("truncated") != std::string::npos);
      CHECK(file.round_data.size() <= 4);
      if (previous != 0) CHECK(file.round_data.size() <= previous);
      previous = file.round_data.size();
    } catch (const InputError& error) {
      // Only a cut inside the header may refuse the file.
      CHECK(std::string(error.what()).find("not a reesim snapshot file") != std::string::npos);
    }
  }
  // A cut inside the footer loses no round.
  WriteBytes(dir.File("cut.pbs"), bytes.substr(0, bytes.size() - 1));
  CHECK(run::ReadSnapshotFile(dir.File("cut.pbs")).round_data.size() == 4);
}

TEST_CASE("Snapshot.EmptyMissingAndForeignFilesAreRefused") {
  TempDir dir;
  WriteBytes(dir.File("empty.pbs"), "");
  CHECK_THROWS_WITH_AS(run::ReadSnapshotFile(dir.File("empty.pbs")),
                       doctest::Contains("empty"), InputError);
  CHECK_THROWS_WITH_AS(run::ReadSnapshotFile(dir.File("missing.pbs")),
                       doctest::Contains("cannot open"), InputError);
  WriteBytes(dir.File("text.pbs"), "name: \"not a snapshot\"\nregions { id: \"X\" }\n");
  CHECK_THROWS_WITH_AS(run::ReadSnapshotFile(dir.File("text.pbs")),
                       doctest::Contains("not a reesim snapshot file"), InputError);
  // Random bytes: refused or read as truncated, never a crash.
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    world::RandomStream random(seed, 0, 0, 0, world::RandomPurpose::kAgentDecision);
    std::string junk(64 + seed * 13, '\0');
    for (char& c : junk) c = static_cast<char>(random.NextBits() & 0xFF);
    WriteBytes(dir.File("junk.pbs"), junk);
    try {
      const run::SnapshotFile file = run::ReadSnapshotFile(dir.File("junk.pbs"));
      CHECK(!file.complete);
    } catch (const InputError&) {
    }
  }
}

TEST_CASE("Snapshot.FailedRunLeavesNoFile") {
  TempDir dir;
  const std::string path = dir.File("run.pbs");
  {
    static const run::LoadedScenario scenario =
        run::LoadScenarioText(testing::SmallWorldText(), "small");
    run::SnapshotWriter writer(path, scenario, 1, 0, 3);
    CHECK(std::filesystem::exists(path + ".tmp"));
    // Destroyed without Finish(), as when a run throws.
  }
  CHECK(!std::filesystem::exists(path));
  CHECK(!std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace reesim
