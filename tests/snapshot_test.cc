// Snapshot files: write/read round trip, truncated, empty and foreign files; format 2's checksums and
// the order and count checks (each damage with its minimal input); format 1 files read as before.
#include <doctest/doctest.h>

#include <fstream>

#include "proto/snapshot.pb.h"
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

// A format-2 file split into its records: message bytes, with the kind its checksum says.
struct Record {
  char kind = 0;
  std::string bytes;
};

std::vector<Record> SplitRecords(const std::string& file) {
  std::vector<Record> records;
  std::size_t at = 0;
  while (at < file.size()) {
    std::uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      const auto c = static_cast<unsigned char>(file.at(at++));
      length |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) break;
    }
    Record record;
    record.bytes = file.substr(at, length);
    at += length + 4;
    for (const char kind : {'H', 'R', 'F'}) {
      const std::string framed = run::FrameSnapshotRecord(kind, record.bytes);
      if (file.compare(at - 4, 4, framed, framed.size() - 4, 4) == 0) record.kind = kind;
    }
    REQUIRE(record.kind != 0);
    records.push_back(std::move(record));
  }
  return records;
}

std::string Join(const std::vector<Record>& records) {
  std::string out;
  for (const Record& record : records) out += run::FrameSnapshotRecord(record.kind, record.bytes);
  return out;
}

std::string Renumbered(const std::string& round_bytes, int round) {
  RoundSnapshot snapshot;
  REQUIRE(snapshot.ParseFromString(round_bytes));
  snapshot.set_round(round);
  return snapshot.SerializeAsString();
}

bool AnyProblemContains(const run::SnapshotFile& file, const std::string& text) {
  for (const std::string& problem : file.problems) {
    if (problem.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Problems(const run::SnapshotFile& file) {
  std::string out;
  for (const std::string& problem : file.problems) out += problem + "\n";
  return out;
}

run::SnapshotFile ReadBytes(const TempDir& dir, const std::string& bytes) {
  WriteBytes(dir.File("damaged.pbs"), bytes);
  return run::ReadSnapshotFile(dir.File("damaged.pbs"));
}

TEST_CASE("Snapshot.Crc32cKnownAnswers") {
  // The check value of CRC-32C (Castagnoli) for "123456789" (RFC 3720 B.4; the CRC catalogue).
  CHECK(run::Crc32c("123456789") == 0xE3069283u);
  CHECK(run::Crc32c("") == 0u);
  // 32 bytes of zeros (RFC 3720 B.4's first test vector).
  CHECK(run::Crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  // Continuing a CRC over pieces gives the CRC of the whole.
  CHECK(run::Crc32c("56789", run::Crc32c("1234")) == 0xE3069283u);
}

TEST_CASE("Snapshot.FormatOneFileReadsAsBefore") {
  // Written by reesim at commit 4e2da63 (format 1, no checksums); the CSV beside it is what that
  // reesim's reader read from it (tests/data/snapshot_v1/README.md).
  const std::string dir = std::string(REESIM_SOURCE_DIR) + "/tests/data/snapshot_v1/";
  const run::SnapshotFile file = run::ReadSnapshotFile(dir + "small-3-rounds.pbs");
  CHECK(file.format_version == 1);
  CHECK(file.complete);
  CHECK(!file.damaged());
  CHECK(file.truncation.empty());
  CHECK(file.rounds == 3);
  CHECK(file.seed == 9);
  CHECK(file.region_ids == std::vector<std::string>{"AAA", "BBB"});
  std::ifstream expected(dir + "small-3-rounds.csv");
  std::string line;
  REQUIRE(std::getline(expected, line));
  CHECK(line == "# format 1 complete 1 rounds 3 seed 9 fingerprint " + file.final_fingerprint);
  std::vector<std::string> read;
  for (const run::SnapshotRound& round : file.round_data) {
    for (const auto& [key, value] : round.metrics) {
      char cell[64];
      std::snprintf(cell, sizeof cell, "%.17g", value);
      read.push_back(std::to_string(round.round) + "," + round.period + "," + key + "," + cell);
    }
  }
  std::vector<std::string> old;
  while (std::getline(expected, line)) old.push_back(line);
  CHECK(old.size() > 100);
  CHECK(read == old);
}

TEST_CASE("Snapshot.FormatOneFooterLengthOfTwoToTheFortyIsRefused") {
  // Format 1's footer read its length as 32 bits: 2^40 became 0, an empty footer, "complete".
  TempDir dir;
  const std::string bytes = FileBytes(std::string(REESIM_SOURCE_DIR) + "/tests/data/snapshot_v1/small-3-rounds.pbs");
  RunFooter footer;
  footer.set_rounds_completed(3);
  footer.set_final_state_fingerprint("3147175c4a16c586");
  const std::string footer_bytes = footer.SerializeAsString();
  const std::string framed = std::string(1, static_cast<char>(footer_bytes.size())) + footer_bytes;
  REQUIRE(bytes.ends_with(framed));
  const std::string huge_length("\x80\x80\x80\x80\x80\x20", 6);  // varint 2^40 (low 32 bits all zero)
  const run::SnapshotFile file = ReadBytes(dir, bytes.substr(0, bytes.size() - framed.size()) + huge_length + footer_bytes);
  CHECK(!file.complete);
  CHECK(file.round_data.size() == 3);
  CHECK(AnyProblemContains(file, "footer: a record length of 1099511627776 bytes"));
  // Format 1 files also get the order and count checks: two of them concatenated.
  const run::SnapshotFile twice = ReadBytes(dir, bytes + bytes);
  CHECK(!twice.complete);
  CHECK(AnyProblemContains(twice, "another snapshot file follows"));
}

TEST_CASE("Snapshot.FormatTwoFramesEveryRecordWithItsKindAndChecksum") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 4);
  const std::vector<Record> records = SplitRecords(FileBytes(run.path));
  REQUIRE(records.size() == 6);
  CHECK(records[0].kind == 'H');
  for (int r = 1; r <= 4; ++r) CHECK(records[r].kind == 'R');
  CHECK(records[5].kind == 'F');
  CHECK(Join(records) == FileBytes(run.path));
}

TEST_CASE("Snapshot.DamagedRoundIsNamedAndTheRestRead") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 4);
  std::vector<Record> records = SplitRecords(FileBytes(run.path));
  const run::SnapshotFile intact = run::ReadSnapshotFile(run.path);
  // One flipped byte inside round 2's message: its checksum no longer matches.
  std::string bytes = run::FrameSnapshotRecord('H', records[0].bytes) + run::FrameSnapshotRecord('R', records[1].bytes) +
                      run::FrameSnapshotRecord('R', records[2].bytes);
  std::string round2 = run::FrameSnapshotRecord('R', records[3].bytes);
  round2[round2.size() / 2] ^= 0x10;
  bytes += round2 + run::FrameSnapshotRecord('R', records[4].bytes) + run::FrameSnapshotRecord('F', records[5].bytes);
  const run::SnapshotFile file = ReadBytes(dir, bytes);
  INFO(Problems(file));
  CHECK(!file.complete);
  CHECK(file.damaged());
  REQUIRE(file.problems.size() == 2);  // the damaged round, and the footer's count that no longer matches
  CHECK(file.problems[0] == "round 2: damaged (checksum mismatch); skipped");
  REQUIRE(file.round_data.size() == 3);
  CHECK(file.round_data[0].round == 0);
  CHECK(file.round_data[1].round == 1);
  CHECK(file.round_data[2].round == 3);
  CHECK(file.round_data[2].metrics == intact.round_data[3].metrics);
}

TEST_CASE("Snapshot.EveryFlippedByteIsReported") {
  // The finding: a third of byte-flipped files read with no warning and different numbers.
  // Every byte of a small file flipped in turn: refused (a header byte), or reported as damaged or cut;
  // every round read is the one written.
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 3);
  const std::string bytes = FileBytes(run.path);
  const run::SnapshotFile intact = run::ReadSnapshotFile(run.path);
  int refused = 0, reported = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::string flipped = bytes;
    flipped[at] ^= static_cast<char>(1 << (at % 8));
    try {
      const run::SnapshotFile file = ReadBytes(dir, flipped);
      CHECK_MESSAGE(!file.complete, "byte " << at << " flipped, read as complete");
      CHECK((file.damaged() || !file.truncation.empty()));
      ++reported;
      for (const run::SnapshotRound& round : file.round_data) {
        REQUIRE(round.round >= 0);
        REQUIRE(round.round < 3);
        CHECK(round.metrics == intact.round_data[round.round].metrics);
        CHECK(round.period == intact.round_data[round.round].period);
      }
    } catch (const InputError&) {
      ++refused;
    }
  }
  CHECK(refused > 0);
  CHECK(reported > 0);
}

TEST_CASE("Snapshot.FooterLengthOfTwoToTheFortyIsRefused") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 3);
  const std::vector<Record> records = SplitRecords(FileBytes(run.path));
  std::string bytes;
  for (int i = 0; i < 4; ++i) bytes += run::FrameSnapshotRecord(records[i].kind, records[i].bytes);
  const std::string footer = run::FrameSnapshotRecord('F', records[4].bytes);
  bytes += std::string("\x80\x80\x80\x80\x80\x20", 6) + footer.substr(1);  // the length varint: 2^40
  const run::SnapshotFile file = ReadBytes(dir, bytes);
  INFO(Problems(file));
  CHECK(!file.complete);
  CHECK(file.round_data.size() == 3);
  CHECK(AnyProblemContains(file, "footer: a record length of 1099511627776 bytes"));
}

TEST_CASE("Snapshot.HeaderRoundsSmallerThanTheRoundsWritten") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 4);
  std::vector<Record> records = SplitRecords(FileBytes(run.path));
  RunHeader header;
  REQUIRE(header.ParseFromString(records[0].bytes));
  header.set_rounds(2);
  records[0].bytes = header.SerializeAsString();
  const run::SnapshotFile file = ReadBytes(dir, Join(records));
  INFO(Problems(file));
  CHECK(!file.complete);
  CHECK(file.round_data.size() == 2);
  CHECK(AnyProblemContains(file, "round 2: beyond the 2 rounds the header says"));
  CHECK(AnyProblemContains(file, "round 3: beyond the 2 rounds the header says"));
  CHECK(AnyProblemContains(file, "footer: it says 4 rounds completed, the header says 2, and the file holds 2 intact"));
}

TEST_CASE("Snapshot.DuplicatedReversedAndRenumberedRoundsAreReported") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 3);
  const std::vector<Record> records = SplitRecords(FileBytes(run.path));
  SUBCASE("duplicated") {
    std::vector<Record> duplicated = records;
    duplicated.insert(duplicated.begin() + 2, records[1]);  // round 0, 0, 1, 2
    const run::SnapshotFile file = ReadBytes(dir, Join(duplicated));
    INFO(Problems(file));
    CHECK(!file.complete);
    CHECK(AnyProblemContains(file, "round 1: the record there holds round 0 again (duplicated or out of order)"));
    CHECK(file.round_data.size() == 3);
  }
  SUBCASE("reversed") {
    std::vector<Record> reversed = records;
    std::reverse(reversed.begin() + 1, reversed.begin() + 4);  // rounds 2, 1, 0
    const run::SnapshotFile file = ReadBytes(dir, Join(reversed));
    INFO(Problems(file));
    CHECK(!file.complete);
    CHECK(AnyProblemContains(file, "round 0: the record there holds round 2 (out of order or renumbered)"));
    CHECK(AnyProblemContains(file, "footer: it says 3 rounds completed"));
  }
  SUBCASE("renumbered") {
    std::vector<Record> renumbered = records;
    renumbered[2].bytes = Renumbered(records[2].bytes, 7);  // rounds 0, 7, 2 with valid checksums
    const run::SnapshotFile file = ReadBytes(dir, Join(renumbered));
    INFO(Problems(file));
    CHECK(!file.complete);
    CHECK(AnyProblemContains(file, "round 1: the record there holds round 7 (out of order or renumbered)"));
    CHECK(AnyProblemContains(file, "round 2: the record there holds round 2 again") == false);
  }
}

TEST_CASE("Snapshot.TwoFilesConcatenatedAreReported") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 2);
  const std::string bytes = FileBytes(run.path);
  const run::SnapshotFile file = ReadBytes(dir, bytes + bytes);
  CHECK(!file.complete);
  CHECK(file.round_data.size() == 2);
  CHECK(AnyProblemContains(file, "after the footer: another snapshot file follows (two files concatenated?)"));
  // Without its footer, the first file runs into the second's header.
  const std::vector<Record> records = SplitRecords(bytes);
  const run::SnapshotFile cut = ReadBytes(dir, bytes.substr(0, bytes.size() - run::FrameSnapshotRecord('F', records.back().bytes).size()) + bytes);
  CHECK(AnyProblemContains(cut, "round 2: another snapshot file's header where this round belongs"));
  // Garbage after the footer.
  CHECK(AnyProblemContains(ReadBytes(dir, bytes + "xyz"), "after the footer: 3 more bytes"));
}

TEST_CASE("Snapshot.DamagedHeaderIsRefused") {
  TempDir dir;
  const WrittenRun run = WriteSmallRun(dir, 2);
  const std::vector<Record> records = SplitRecords(FileBytes(run.path));
  std::string header = run::FrameSnapshotRecord('H', records[0].bytes);
  header[header.size() - 1] ^= 0x01;  // the checksum itself
  WriteBytes(dir.File("h.pbs"), header + run::FrameSnapshotRecord('R', records[1].bytes));
  CHECK_THROWS_WITH_AS(run::ReadSnapshotFile(dir.File("h.pbs")), doctest::Contains("the header is damaged (checksum mismatch)"),
                       InputError);
}

}  // namespace
}  // namespace reesim
