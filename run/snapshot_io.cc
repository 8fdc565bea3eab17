#include "run/snapshot_io.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include "proto/snapshot.pb.h"
#include "world/check.h"

namespace reesim::run {

namespace {

std::string Serialize(const google::protobuf::MessageLite& message) {
  // Deterministic serialization: map entries in key order, so equal runs give equal bytes.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }
  return bytes;
}

// Record kinds, mixed into each record's checksum (format 2).
constexpr char kHeaderKind = 'H', kRoundKind = 'R', kFooterKind = 'F';

std::uint32_t RecordChecksum(char kind, std::string_view bytes) {
  return Crc32c(bytes, Crc32c(std::string_view(&kind, 1)));
}

std::string Varint(std::uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

std::string LittleEndian32(std::uint32_t value) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

// Reads the records of a snapshot stream: a varint length (read as 64 bits, so a length of 2^40 is seen
// as such and refused, not cut to its low 32 bits), the bytes, and in format 2 a 4-byte checksum. Bytes
// are read in chunks as they arrive, so a length beyond the file allocates nothing for it.
class RecordReader {
 public:
  enum class Status { kRecord, kEnd, kCut, kTooLong };
  explicit RecordReader(std::istream& in) : in_(in) {}

  Status Next(bool with_checksum, std::string* bytes, std::uint32_t* checksum, std::uint64_t* length) {
    *length = 0;
    bytes->clear();
    int c = in_.get();
    if (c == EOF) return Status::kEnd;
    for (int shift = 0;; shift += 7) {
      if (shift > 63) return Status::kTooLong;  // more than 10 bytes: no varint
      *length |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if ((c & 0x80) == 0) break;
      c = in_.get();
      if (c == EOF) return Status::kCut;
    }
    if (*length > kMaxSnapshotRecordBytes) return Status::kTooLong;
    constexpr std::size_t kChunk = 1 << 20;
    while (bytes->size() < *length) {
      const std::size_t old = bytes->size();
      const std::size_t want = std::min<std::size_t>(kChunk, *length - old);
      bytes->resize(old + want);
      in_.read(bytes->data() + old, static_cast<std::streamsize>(want));
      if (static_cast<std::size_t>(in_.gcount()) != want) return Status::kCut;
    }
    if (with_checksum) {
      unsigned char raw[4];
      in_.read(reinterpret_cast<char*>(raw), 4);
      if (in_.gcount() != 4) return Status::kCut;
      *checksum = raw[0] | (raw[1] << 8) | (raw[2] << 16) | (static_cast<std::uint32_t>(raw[3]) << 24);
    }
    return Status::kRecord;
  }

  // Bytes left after the current position (the position is kept).
  std::uint64_t Remaining() {
    const std::streampos here = in_.tellg();
    if (here < 0) return 0;
    in_.seekg(0, std::ios::end);
    const std::streampos end = in_.tellg();
    in_.seekg(here);
    return end > here ? static_cast<std::uint64_t>(end - here) : 0;
  }

 private:
  std::istream& in_;
};

}  // namespace

std::uint32_t Crc32c(std::string_view data, std::uint32_t crc) {
  // Tables for the reflected polynomial 0x82F63B78 (Castagnoli 1993; RFC 3720 section B.4), built once:
  // table[0] is the byte-at-a-time table, table[k] advances a byte that is k bytes further on, so eight
  // bytes are folded with eight lookups ("slicing-by-8", Kounavis & Berry 2005). A run writes every
  // round's snapshot through this, so it is on the round's path.
  static const auto table = [] {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i) {
      for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    }
    return t;
  }();
  crc = ~crc;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t size = data.size();
  for (; size >= 8; size -= 8, bytes += 8) {
    // Little-endian assembly by shifts, so the result does not depend on the machine's byte order.
    const std::uint32_t low = crc ^ (static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
                                     static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24);
    crc = table[7][low & 0xFF] ^ table[6][(low >> 8) & 0xFF] ^ table[5][(low >> 16) & 0xFF] ^ table[4][low >> 24] ^
          table[3][bytes[4]] ^ table[2][bytes[5]] ^ table[1][bytes[6]] ^ table[0][bytes[7]];
  }
  for (; size > 0; --size, ++bytes) crc = table[0][(crc ^ *bytes) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string FrameSnapshotRecord(char kind, const std::string& message_bytes) {
  return Varint(message_bytes.size()) + message_bytes + LittleEndian32(RecordChecksum(kind, message_bytes));
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REESIM_CHECK(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

SnapshotWriter::SnapshotWriter(const std::string& path, const LoadedScenario& scenario, std::uint64_t seed,
                               std::uint64_t run, int rounds, const std::string& experiment_sha256, OutputSet* outputs)
    : path_(path), temp_path_(path + ".tmp"), outputs_(outputs) {
  if (outputs_) {
    outputs_->Add(path_);
  } else {
    pending_.emplace(temp_path_);
  }
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) ThrowWriteError(temp_path_, "cannot create file", errno);
  reesim::RunHeader header;
  header.set_magic(kSnapshotMagic);
  header.set_format_version(REESIM_SNAPSHOT_FORMAT_VERSION);
  header.set_reesim_version(REESIM_VERSION);
  header.set_scenario_name(scenario.world.name);
  header.set_seed(seed);
  header.set_run(run);
  header.set_rounds(rounds);
  header.set_scenario_sha256(Sha256Hex(scenario.text));
  header.set_experiment_sha256(experiment_sha256);
  for (const auto& region : scenario.world.regions) header.add_region_ids(region.id);
  for (const auto& product : scenario.world.products) header.add_product_ids(product.id);
  for (const auto& plant : scenario.world.plants) header.add_plant_ids(plant.id);
  *header.mutable_scenario() = *scenario.message;
  header.ByteSizeLong();
  try {
    WriteMessage(kHeaderKind, Serialize(header));
  } catch (...) {  // the destructor does not run for a constructor that throws
    out_.close();
    std::remove(temp_path_.c_str());
    throw;
  }
}

SnapshotWriter::~SnapshotWriter() {
  if (finished_) return;
  out_.close();
  std::remove(temp_path_.c_str());
}

void SnapshotWriter::WriteMessage(char kind, const std::string& bytes) {
  const std::string framed = FrameSnapshotRecord(kind, bytes);
  errno = 0;
  out_.write(framed.data(), static_cast<std::streamsize>(framed.size()));
  if (!out_) ThrowWriteError(temp_path_, "write failed", errno);
  bytes_written_ += framed.size();
}
void SnapshotWriter::WriteRound(const world::WorldDescription& world, const world::RoundOutcome& outcome,
                                const Metrics& metrics) {
  reesim::RoundSnapshot snapshot;
  snapshot.set_round(outcome.round);
  snapshot.set_period(world.PeriodLabel(outcome.round));
  auto& map = *snapshot.mutable_metrics();
  for (const auto& [key, value] : metrics) map[key] = value;
  for (int i = 0; i < world.PlantCount(); ++i) {
    const world::PlantOutcome& plant = outcome.plants[i];
    reesim::PlantRound* out = snapshot.add_plants();
    out->set_plant(i);
    out->set_output_tonnes(plant.output_tonnes);
    out->set_sales_tonnes(plant.sales_tonnes);
    out->set_revenue_usd(plant.revenue_usd);
    out->set_cost_usd(plant.cost_usd);
    out->set_stock_tonnes(plant.stock_tonnes);
  }
  for (const world::FlowOutcome& flow : outcome.flows) {
    reesim::Flow* out = snapshot.add_flows();
    out->set_product(flow.product);
    out->set_from_region(flow.from);
    out->set_to_region(flow.to);
    out->set_tonnes(flow.tonnes);
    out->set_price_usd_per_kg(flow.price_usd_per_kg);
  }
  snapshot.ByteSizeLong();
  WriteMessage(kRoundKind, Serialize(snapshot));
}

void SnapshotWriter::Finish(int rounds_completed, const std::string& fingerprint) {
  reesim::RunFooter footer;
  footer.set_rounds_completed(rounds_completed);
  footer.set_final_state_fingerprint(fingerprint);
  footer.ByteSizeLong();
  WriteMessage(kFooterKind, Serialize(footer));
  errno = 0;
  out_.flush();
  if (!out_) ThrowWriteError(temp_path_, "write failed", errno);
  out_.close();
  if (!out_) ThrowWriteError(temp_path_, "write failed (close)", errno);
  SyncFile(temp_path_);
  if (outputs_) {
    outputs_->MarkSynced(path_);
  } else if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    ThrowWriteError(path_, "cannot rename from " + temp_path_, errno);
  }
  pending_.reset();
  finished_ = true;  // the temporary, if any, is now the OutputSet's
}

namespace {

std::string RoundsText(std::int64_t n) { return std::to_string(n) + (n == 1 ? " round" : " rounds"); }

SnapshotRound ToRound(const reesim::RoundSnapshot& snapshot) {
  SnapshotRound round;
  round.round = snapshot.round();
  round.period = snapshot.period();
  round.metrics.assign(snapshot.metrics().begin(), snapshot.metrics().end());
  std::sort(round.metrics.begin(), round.metrics.end());
  for (const reesim::PlantRound& plant : snapshot.plants()) {
    round.plants.push_back({plant.plant(), plant.output_tonnes(), plant.sales_tonnes(), plant.stock_tonnes(),
                            plant.revenue_usd(), plant.cost_usd()});
  }
  for (const reesim::Flow& flow : snapshot.flows()) {
    round.flows.push_back({flow.product(), flow.from_region(), flow.to_region(), flow.tonnes(), flow.price_usd_per_kg()});
  }
  return round;
}

std::string TooLong(const std::string& where, std::uint64_t length) {
  return where + ": a record length of " + std::to_string(length) + " bytes (the limit is " +
         std::to_string(kMaxSnapshotRecordBytes) + "): the length is damaged; the rest of the file cannot be read";
}

// Accepts a round read at `expected` (the next round due) or names what is wrong with it.
bool AcceptRound(const reesim::RoundSnapshot& snapshot, int& expected, SnapshotFile& file) {
  const int round = snapshot.round();
  if (round != expected) {
    file.problems.push_back("round " + std::to_string(expected) + ": the record there holds round " + std::to_string(round) +
                            (round < expected ? " again (duplicated or out of order)" : " (out of order or renumbered)") +
                            "; skipped");
    return false;
  }
  file.round_data.push_back(ToRound(snapshot));
  ++expected;
  return true;
}

// The footer's checks: its count against the header's and the rounds read; nothing after it.
void CheckFooter(const reesim::RunFooter& footer, RecordReader& reader, bool checksums, SnapshotFile& file) {
  const int intact = static_cast<int>(file.round_data.size());
  if (footer.rounds_completed() != file.rounds || intact != file.rounds) {
    file.problems.push_back("footer: it says " + RoundsText(footer.rounds_completed()) + " completed, the header says " +
                            std::to_string(file.rounds) + ", and the file holds " + std::to_string(intact) + " intact");
  }
  if (footer.final_state_fingerprint().empty()) file.problems.push_back("footer: no final state fingerprint (damaged)");
  std::string bytes;
  std::uint32_t checksum = 0;
  std::uint64_t length = 0;
  const std::uint64_t rest = reader.Remaining();
  const RecordReader::Status status = reader.Next(checksums, &bytes, &checksum, &length);
  if (status == RecordReader::Status::kEnd) return;
  reesim::RunHeader header;
  const bool another_file = status == RecordReader::Status::kRecord &&
                            (checksums ? checksum == RecordChecksum(kHeaderKind, bytes)
                                       : header.ParseFromString(bytes) && header.magic() == kSnapshotMagic);
  file.problems.push_back(another_file ? "after the footer: another snapshot file follows (two files concatenated?); it is not read"
                                       : "after the footer: " + std::to_string(rest) +
                                             " more bytes (damaged, or files concatenated); not read");
}

}  // namespace

SnapshotFile ReadSnapshotFile(const std::string& path) {
  std::error_code status_error;
  if (std::filesystem::is_directory(path, status_error)) {
    throw InputError(path + ": a directory, not a snapshot file (a run's snapshots are DIR/run.pbs)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file: " + std::strerror(errno));
  RecordReader reader(in);
  std::string bytes;
  std::uint32_t checksum = 0;
  std::uint64_t length = 0;

  // Bad bytes are reported here, in the file's terms: protobuf's own log lines (invalid UTF-8 in a
  // damaged string) would only repeat them.
  const google::protobuf::LogSilencer quiet;
  reesim::RunHeader header;
  const RecordReader::Status header_status = reader.Next(false, &bytes, &checksum, &length);
  if (header_status == RecordReader::Status::kEnd) throw InputError(path + ": the file is empty (not a snapshot file)");
  if (header_status != RecordReader::Status::kRecord || !header.ParseFromString(bytes)) {
    throw InputError(path + ": not a reesim snapshot file (no readable header)");
  }
  if (header.magic() != kSnapshotMagic) throw InputError(path + ": not a reesim snapshot file (wrong magic)");
  if (header.format_version() > REESIM_SNAPSHOT_FORMAT_VERSION) {
    throw InputError(path + ": snapshot format version " + std::to_string(header.format_version()) +
                     " is newer than this reesim reads (" + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) + ")");
  }
  // Format 1 (reesim before the checksums): the same records without them.
  const bool checksums = header.format_version() >= 2;
  if (checksums) {
    unsigned char raw[4];
    in.read(reinterpret_cast<char*>(raw), 4);
    if (in.gcount() != 4) throw InputError(path + ": the file ends inside its header (not a complete snapshot file)");
    checksum = raw[0] | (raw[1] << 8) | (raw[2] << 16) | (static_cast<std::uint32_t>(raw[3]) << 24);
    if (checksum != RecordChecksum(kHeaderKind, bytes)) {
      throw InputError(path + ": the header is damaged (checksum mismatch): its region, product and plant ids "
                       "cannot be trusted, so no round is read");
    }
  }
  SnapshotFile file_data;
  file_data.format_version = header.format_version();
  file_data.reesim_version = header.reesim_version();
  file_data.scenario_name = header.scenario_name();
  file_data.scenario_sha256 = header.scenario_sha256();
  file_data.experiment_sha256 = header.experiment_sha256();
  file_data.seed = header.seed();
  file_data.run = header.run();
  file_data.rounds = header.rounds();
  file_data.region_ids.assign(header.region_ids().begin(), header.region_ids().end());
  file_data.product_ids.assign(header.product_ids().begin(), header.product_ids().end());
  file_data.plant_ids.assign(header.plant_ids().begin(), header.plant_ids().end());
  if (header.rounds() < 0) file_data.problems.push_back("header: a negative round count (" + std::to_string(header.rounds()) + ")");

  int expected = 0;  // the next round due
  int records = 0;   // round records read, intact or not
  if (!checksums) {
    // Format 1: header.rounds round records, then the footer; a record that does not parse is a cut.
    for (int r = 0; r < header.rounds(); ++r) {
      const RecordReader::Status status = reader.Next(false, &bytes, &checksum, &length);
      reesim::RoundSnapshot snapshot;
      if (status == RecordReader::Status::kTooLong) {
        file_data.problems.push_back(TooLong("round " + std::to_string(r), length));
        return file_data;
      }
      if (status == RecordReader::Status::kEnd) {
        file_data.truncation = "the file ends after " + std::to_string(r) + " of " + std::to_string(header.rounds()) +
                               " rounds (truncated run)";
        return file_data;
      }
      if (status == RecordReader::Status::kCut || !snapshot.ParseFromString(bytes)) {
        file_data.truncation = "round " + std::to_string(r) + " is incomplete or corrupt (truncated run)";
        return file_data;
      }
      ++records;
      if (!AcceptRound(snapshot, expected, file_data)) expected = std::max(expected, r + 1);
    }
    const RecordReader::Status status = reader.Next(false, &bytes, &checksum, &length);
    reesim::RunFooter footer;
    if (status == RecordReader::Status::kTooLong) {
      file_data.problems.push_back(TooLong("footer", length));
      return file_data;
    }
    if (status != RecordReader::Status::kRecord || !footer.ParseFromString(bytes)) {
      file_data.truncation = "the run's footer is missing (truncated run)";
      return file_data;
    }
    CheckFooter(footer, reader, false, file_data);
    file_data.final_fingerprint = footer.final_state_fingerprint();
    file_data.complete = file_data.problems.empty();
    return file_data;
  }

  // Format 2: each record's checksum says whether it is intact and which kind it is.
  int damaged_in_a_row = 0;
  for (;;) {
    const RecordReader::Status status = reader.Next(true, &bytes, &checksum, &length);
    const std::string where = "round " + std::to_string(expected);
    if (status == RecordReader::Status::kEnd) {
      file_data.truncation = "the file ends after " + RoundsText(records) + " of " + std::to_string(header.rounds()) +
                             ", without its footer (truncated run)";
      return file_data;
    }
    if (status == RecordReader::Status::kCut) {
      file_data.truncation = "the file ends inside the record after " + RoundsText(records) + " (truncated run)";
      return file_data;
    }
    if (status == RecordReader::Status::kTooLong) {
      file_data.problems.push_back(TooLong(records < header.rounds() ? where : "footer", length));
      return file_data;
    }
    if (checksum == RecordChecksum(kRoundKind, bytes)) {
      damaged_in_a_row = 0;
      reesim::RoundSnapshot snapshot;
      if (!snapshot.ParseFromString(bytes)) {
        file_data.problems.push_back(where + ": its checksum matches but it does not parse (written damaged); skipped");
        ++expected;
      } else if (snapshot.round() == expected && expected >= header.rounds()) {
        file_data.problems.push_back("round " + std::to_string(expected) + ": beyond the " +
                                     RoundsText(header.rounds()) + " the header says (header.rounds too small?); skipped");
        ++expected;
      } else {
        AcceptRound(snapshot, expected, file_data);
      }
      ++records;
      continue;
    }
    if (checksum == RecordChecksum(kFooterKind, bytes)) {
      reesim::RunFooter footer;
      if (!footer.ParseFromString(bytes)) {
        file_data.problems.push_back("footer: its checksum matches but it does not parse (written damaged)");
        return file_data;
      }
      CheckFooter(footer, reader, true, file_data);
      file_data.final_fingerprint = footer.final_state_fingerprint();
      file_data.complete = file_data.problems.empty();
      return file_data;
    }
    if (checksum == RecordChecksum(kHeaderKind, bytes)) {
      file_data.problems.push_back(where + ": another snapshot file's header where this round belongs (two files "
                                   "concatenated?); reading stopped");
      return file_data;
    }
    // A damaged record: skip it (its length may be intact) and read on, unless the next one is damaged
    // too, when the lengths themselves can no longer be trusted.
    ++records;
    ++expected;
    if (++damaged_in_a_row == 2) {
      file_data.problems.push_back(where + ": damaged too; the records cannot be framed any more, reading stopped");
      return file_data;
    }
    file_data.problems.push_back((records <= header.rounds() ? where : "the record after the last round") +
                                 ": damaged (checksum mismatch); skipped");
  }
}

}  // namespace reesim::run
