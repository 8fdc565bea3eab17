// The snapshot stream (*.pbs, README "Reading a snapshot file", docs/snapshots.md): varint32-length-
// delimited protobuf messages, one RunHeader, one RoundSnapshot per round, one RunFooter. Format 2 (this
// writer) follows every record with its CRC32C (4 bytes, little-endian) over a one-byte record kind
// ('H', 'R' or 'F') and the message bytes, so a damaged record is found and named and a record of the
// wrong kind (a round where the footer belongs) is told apart; format 1 files (no checksums) are read as
// before. The writer writes to PATH.tmp, fsyncs it and renames it to PATH when the footer is written, so
// a failed run never leaves a half-written PATH. The reader reads every intact round; it reports a
// truncated file (reading stops at the cut) apart from a damaged one (a checksum mismatch, a round out of
// order, duplicated or renumbered, more rounds than the header says, a footer that does not match, data
// after the footer, a record length beyond kMaxSnapshotRecordBytes), naming the round; an empty file or
// one that is not a snapshot stream raises InputError; it never crashes on bad bytes.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "run/metrics.h"
#include "run/output_files.h"
#include "run/scenario_io.h"
#include "world/round.h"

namespace reesim::run {

inline constexpr const char* kSnapshotMagic = "reesim-snapshots";
// A record longer than this is refused as damage (a run's largest record, the header with its scenario,
// is a few MB; scenarios are read up to 64 MB).
inline constexpr std::uint64_t kMaxSnapshotRecordBytes = std::uint64_t{256} << 20;

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, as in iSCSI and ext4), continuing from `crc`
// (0 to start): Crc32c("123456789") == 0xE3069283.
std::uint32_t Crc32c(std::string_view data, std::uint32_t crc = 0);

// One framed record of a format-2 stream: varint32 length, message bytes, CRC32C of kind + bytes.
// Exposed for the tests, which build damaged files from intact records.
std::string FrameSnapshotRecord(char kind, const std::string& message_bytes);

class SnapshotWriter {
 public:
  // Creates PATH.tmp and writes the header. Throws WriteError if the file cannot be created or written.
  // `experiment_sha256`: the experiment file's hash when the run is one of an experiment's (provenance).
  // `outputs`: when given, PATH is one of a command's outputs, renamed by outputs->Commit().
  SnapshotWriter(const std::string& path, const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run,
                 int rounds, const std::string& experiment_sha256 = "", OutputSet* outputs = nullptr);
  ~SnapshotWriter();  // removes PATH.tmp unless Finish() succeeded
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  void WriteRound(const world::WorldDescription& world, const world::RoundOutcome& outcome, const Metrics& metrics);
  // Writes the footer, flushes and fsyncs, and renames PATH.tmp to PATH (or, when an OutputSet was
  // given, leaves PATH.tmp for the set to commit with the command's other outputs). Throws WriteError
  // (the OS's reason) on any write failure.
  void Finish(int rounds_completed, const std::string& fingerprint);

  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  void WriteMessage(char kind, const std::string& bytes);

  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  OutputSet* outputs_ = nullptr;
  std::optional<PendingTemporary> pending_;  // the temporary's registration when no OutputSet holds it
  bool finished_ = false;
  std::uint64_t bytes_written_ = 0;
};

// A snapshot file's contents as plain data.
struct SnapshotPlant {
  int plant = 0;
  double output_tonnes = 0, sales_tonnes = 0, stock_tonnes = 0, revenue_usd = 0, cost_usd = 0;
};
struct SnapshotFlow {
  int product = 0, from_region = 0, to_region = 0;
  double tonnes = 0, price_usd_per_kg = 0;
};
struct SnapshotRound {
  int round = 0;
  std::string period;
  std::vector<std::pair<std::string, double>> metrics;  // sorted by key
  std::vector<SnapshotPlant> plants;
  std::vector<SnapshotFlow> flows;
};
struct SnapshotFile {
  int format_version = 0;
  std::string reesim_version;
  std::string scenario_name;
  std::string scenario_sha256;
  std::string experiment_sha256;  // empty unless the run was one of an experiment's
  std::uint64_t seed = 0;
  std::uint64_t run = 0;
  int rounds = 0;
  std::vector<std::string> region_ids, product_ids, plant_ids;
  std::vector<SnapshotRound> round_data;
  bool complete = false;         // the footer was read and nothing was damaged
  std::string truncation;        // why reading stopped early (a cut file), else empty
  // Damage found, each naming its round and what is wrong; the rounds listed are not in round_data.
  std::vector<std::string> problems;
  std::string final_fingerprint;
  bool damaged() const { return !problems.empty(); }
};

// Reads a snapshot file. Throws InputError if the file is missing, empty, or not a snapshot stream
// (or its header is damaged); otherwise returns every intact round, with `truncation` and `problems`.
SnapshotFile ReadSnapshotFile(const std::string& path);

// Returns the SHA-256 of `data` as lowercase hex.
std::string Sha256Hex(const std::string& data);

}  // namespace reesim::run
