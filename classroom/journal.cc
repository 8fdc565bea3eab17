#include "classroom/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "run/snapshot_io.h"

namespace reesim::classroom {

namespace {

constexpr std::size_t kMagicSize = sizeof kJournalMagic - 1;

std::runtime_error SystemError(const std::string& what, const std::string& path) {
  return std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

void PutLittleEndian(std::uint32_t value, std::string& out) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint32_t GetLittleEndian(const std::string& data, std::size_t at) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
  return value;
}

void WriteAll(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t wrote = ::write(fd, data.data() + done, data.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) throw SystemError("cannot write the journal", path);
    done += static_cast<std::size_t>(wrote);
  }
}

void SyncDirectory(const std::string& path) {
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string FrameRecord(const std::string& payload) {
  std::string framed;
  framed.reserve(payload.size() + 8);
  PutLittleEndian(static_cast<std::uint32_t>(payload.size()), framed);
  PutLittleEndian(run::Crc32c(payload), framed);
  framed += payload;
  return framed;
}

namespace {

// Reads the intact records after the magic; returns the offset where they end.
std::size_t ReadRecords(const std::string& data, std::vector<std::string>& records) {
  std::size_t good = kMagicSize;
  while (good + 8 <= data.size()) {
    const std::uint32_t size = GetLittleEndian(data, good);
    const std::uint32_t crc = GetLittleEndian(data, good + 4);
    if (size > kMaxJournalRecordBytes || good + 8 + size > data.size()) break;
    std::string payload = data.substr(good + 8, size);
    if (run::Crc32c(payload) != crc) break;
    records.push_back(std::move(payload));
    good += 8 + size;
  }
  return good;
}

}  // namespace

std::vector<std::string> ReadJournal(const std::string& path, std::string& warning) {
  warning.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the journal (no classroom game there?)");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read the journal");
  if (data.size() < kMagicSize || data.compare(0, kMagicSize, kJournalMagic) != 0) {
    throw std::runtime_error(path + ": not a reesim classroom journal");
  }
  std::vector<std::string> records;
  const std::size_t good = ReadRecords(data, records);
  if (good < data.size()) {
    warning = path + ": ignored a torn or corrupt last record (" + std::to_string(data.size() - good) +
              " bytes at offset " + std::to_string(good) + ")";
  }
  return records;
}

Journal::Journal(const std::string& path, std::vector<std::string>& records, std::string& warning) : path_(path) {
  records.clear();
  warning.clear();
  const bool existed = std::filesystem::exists(path);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw SystemError("cannot open the journal", path);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw SystemError("cannot read the journal", path);
    if (got == 0) break;
    data.append(buffer, static_cast<std::size_t>(got));
  }
  std::size_t good = 0;
  if (data.empty()) {
    WriteAll(fd_, kJournalMagic, path);
    if (::fdatasync(fd_) != 0) throw SystemError("cannot sync the journal", path);
    if (!existed) SyncDirectory(path);
    bytes_ = kMagicSize;
    return;
  }
  if (data.size() < kMagicSize || data.compare(0, kMagicSize, kJournalMagic) != 0) {
    if (data.size() < kMagicSize && std::string(kJournalMagic).compare(0, data.size(), data) == 0) {
      good = 0;  // a magic torn on creation: start again
    } else {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(path + ": not a reesim classroom journal");
    }
  } else {
    good = ReadRecords(data, records);
  }
  if (good < data.size()) {
    warning = path + ": dropped a torn or corrupt last record (" + std::to_string(data.size() - good) +
              " bytes at offset " + std::to_string(good) + ")";
    if (::ftruncate(fd_, static_cast<off_t>(good)) != 0) throw SystemError("cannot cut the journal's torn tail", path);
    if (good == 0) {
      if (::lseek(fd_, 0, SEEK_SET) < 0) throw SystemError("cannot seek in the journal", path);
      WriteAll(fd_, kJournalMagic, path);
      good = kMagicSize;
    }
    if (::fdatasync(fd_) != 0) throw SystemError("cannot sync the journal", path);
  }
  if (::lseek(fd_, static_cast<off_t>(good), SEEK_SET) < 0) throw SystemError("cannot seek in the journal", path);
  bytes_ = good;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::Append(const std::string& payload) {
  if (payload.size() > kMaxJournalRecordBytes) throw std::runtime_error(path_ + ": journal record too large");
  if (broken_) throw std::runtime_error(path_ + ": the journal could not be repaired after a failed write");
  const std::string framed = FrameRecord(payload);
  try {
    WriteAll(fd_, framed, path_);
  } catch (const std::runtime_error&) {
    // Part of the record may be on disk: cut it off, so that a later record does not follow torn bytes
    // (a restart reads up to the first bad record and would drop everything after it).
    if (::ftruncate(fd_, static_cast<off_t>(bytes_)) != 0 || ::lseek(fd_, static_cast<off_t>(bytes_), SEEK_SET) < 0) {
      broken_ = true;
    }
    throw;
  }
  bytes_ += framed.size();
}

void Journal::Sync() {
  if (::fdatasync(fd_) != 0) throw SystemError("cannot sync the journal", path_);
}

}  // namespace reesim::classroom
