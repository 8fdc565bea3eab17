// The snapshot stream (*.pbs, README "Reading a snapshot file"): varint32-length-delimited protobuf messages, one RunHeader,
// one RoundSnapshot per round, one RunFooter. The writer writes to PATH.tmp and renames it to PATH
// when the footer is written, so a failed run never leaves a half-written PATH. The reader reads every
// complete round of a truncated file and says so; an empty file or one that is not a snapshot stream
// raises InputError; it never crashes on bad bytes.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "run/metrics.h"
#include "run/scenario_io.h"
#include "world/round.h"

namespace reesim::run {

inline constexpr const char* kSnapshotMagic = "reesim-snapshots";

class SnapshotWriter {
 public:
  // Creates PATH.tmp and writes the header. Throws InputError if the file cannot be created.
  // `experiment_sha256`: the experiment file's hash when the run is one of an experiment's (provenance).
  SnapshotWriter(const std::string& path, const LoadedScenario& scenario, std::uint64_t seed, std::uint64_t run,
                 int rounds, const std::string& experiment_sha256 = "");
  ~SnapshotWriter();  // removes PATH.tmp unless Finish() succeeded
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  void WriteRound(const world::WorldDescription& world, const world::RoundOutcome& outcome, const Metrics& metrics);
  // Writes the footer, flushes, and renames PATH.tmp to PATH. Throws InputError on I/O failure.
  void Finish(int rounds_completed, const std::string& fingerprint);

  std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  void WriteMessage(const std::string& bytes);

  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
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
  bool complete = false;         // the footer was read
  std::string truncation;        // why reading stopped early, when !complete
  std::string final_fingerprint;
};

// Reads a snapshot file. Throws InputError if the file is missing, empty, or not a snapshot stream.
SnapshotFile ReadSnapshotFile(const std::string& path);

// Returns the SHA-256 of `data` as lowercase hex.
std::string Sha256Hex(const std::string& data);

}  // namespace reesim::run
