// The classroom's journal: an append-only file of records, each durable (fdatasync) before the server
// acknowledges what it records. Layout: the 8-byte magic "RSJRNL01", then records, each a 4-byte
// little-endian payload length, a 4-byte little-endian CRC-32C (Castagnoli; run::Crc32c, the
// snapshots' checksum) of the payload, and the payload. Opening reads every intact record; the first record that is short or fails its CRC ends the
// journal (a write torn by a crash): it and anything after it are cut off, and a warning says how
// many bytes went. Group commit: Append() many, then one Sync().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reesim::classroom {

inline constexpr char kJournalMagic[] = "RSJRNL01";
inline constexpr std::uint32_t kMaxJournalRecordBytes = 64u << 20;


class Journal {
 public:
  // Opens PATH (creating it, mode 0600, if missing) and reads its records into `records`. A torn or
  // corrupt tail is cut off and described in `warning` (else it is left empty). Throws
  // std::runtime_error if the file cannot be opened or is not a journal.
  Journal(const std::string& path, std::vector<std::string>& records, std::string& warning);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Writes one record (not yet durable). Throws std::runtime_error on a write error, after cutting off
  // whatever part of the record was written; if that fails too, every later Append throws.
  void Append(const std::string& payload);
  // Makes every appended record durable. Throws std::runtime_error on failure.
  void Sync();

  std::uint64_t bytes() const { return bytes_; }
  // A failed write could not be cut off: nothing more can be appended.
  bool broken() const { return broken_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
  bool broken_ = false;
};

// Reads PATH's intact records without changing the file (a replay of a finished game): a torn or
// corrupt tail is left in place and described in `warning`. Throws std::runtime_error if the file cannot
// be read or is not a journal.
std::vector<std::string> ReadJournal(const std::string& path, std::string& warning);

// Frames one record as Append writes it (for tests that tear journals by hand).
std::string FrameRecord(const std::string& payload);

}  // namespace reesim::classroom
