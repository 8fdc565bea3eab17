#include "run/output_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "world/check.h"

namespace reesim::run {

namespace {

// Flushes a directory's entries (the renames) to the disk; best effort: some filesystems refuse it.
void SyncDirectory(const std::string& file_in_it) {
  const std::filesystem::path parent = std::filesystem::path(file_in_it).parent_path();
  const int fd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void ThrowWriteError(const std::string& path, const std::string& what, int error_number) {
  throw WriteError(path + ": " + what + ": " + (error_number != 0 ? std::strerror(error_number) : "unknown error"));
}

void CreateOutputDirectory(const std::string& dir, const std::string& what) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (!error) return;
  // The path itself, or the nearest part of it that exists, being a file is the user's to fix.
  std::error_code ignored;
  std::filesystem::path existing(dir);
  while (!existing.empty() && !std::filesystem::exists(existing, ignored)) existing = existing.parent_path();
  if (!existing.empty() && !std::filesystem::is_directory(existing, ignored)) {
    throw InputError(dir + ": cannot create " + what + ": " + existing.string() + " exists and is not a directory");
  }
  ThrowWriteError(dir, "cannot create " + what, error.value());
}

void WriteFileSynced(const std::string& path, const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ThrowWriteError(path, "cannot create file", errno);
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      ThrowWriteError(path, "write failed", error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ThrowWriteError(path, "write failed (fsync)", error);
  }
  if (::close(fd) != 0) ThrowWriteError(path, "write failed (close)", errno);
}

void SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowWriteError(path, "cannot open to flush", errno);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ThrowWriteError(path, "write failed (fsync)", error);
  }
  ::close(fd);
}

OutputSet::~OutputSet() {
  if (committed_) return;
  for (const Output& output : outputs_) {
    std::remove(output.renamed ? output.final_path.c_str() : output.temp_path.c_str());
  }
}

std::string OutputSet::Add(const std::string& final_path) {
  outputs_.push_back({final_path, final_path + ".tmp"});
  return outputs_.back().temp_path;
}

void OutputSet::Write(const std::string& final_path, const std::string& contents) {
  const std::string temp = Add(final_path);
  WriteFileSynced(temp, contents);
  outputs_.back().synced = true;
}

void OutputSet::MarkSynced(const std::string& final_path) {
  for (Output& output : outputs_) {
    if (output.final_path == final_path) output.synced = true;
  }
}

void OutputSet::Commit() {
  for (Output& output : outputs_) {
    if (!output.synced) SyncFile(output.temp_path);
    output.synced = true;
  }
  for (Output& output : outputs_) {
    if (std::rename(output.temp_path.c_str(), output.final_path.c_str()) != 0) {
      ThrowWriteError(output.final_path, "cannot rename from " + output.temp_path, errno);
    }
    output.renamed = true;
  }
  if (!outputs_.empty()) SyncDirectory(outputs_.front().final_path);
  committed_ = true;
}

}  // namespace reesim::run
