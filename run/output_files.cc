#include "run/output_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
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
  if (dir.empty()) throw InputError("cannot create " + what + ": the path is empty");
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
  // The disk or the system refusing a write is a failed write (exit 1); anything else about the path
  // (a dangling link, a name too long, a place no directory can be made) is bad input (exit 2).
  switch (error.value()) {
    case EROFS: case EACCES: case EPERM: case ENOSPC: case EDQUOT: case EIO:
      ThrowWriteError(dir, "cannot create " + what, error.value());
    default:
      throw InputError(dir + ": cannot create " + what + ": " + error.message());
  }
}

namespace {

// The temporaries being written, for the signal handler: the program's one process-wide state, because
// a handler can reach nothing else. It may neither allocate nor lock, so each name sits in a fixed slot
// that a writer claims (free -> filling -> ready) and frees atomically.
constexpr int kTemporarySlots = 256;
constexpr std::size_t kTemporaryPathBytes = 4096;
// kUnlinking: the handler holds the slot; its owner waits rather than free it under the handler.
enum SlotState : int { kFree = 0, kFilling = 1, kReady = 2, kUnlinking = 3 };
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");
struct TemporarySlot {
  std::atomic<int> state{kFree};
  char path[kTemporaryPathBytes];
};
TemporarySlot pending_temporaries[kTemporarySlots];

extern "C" void RemoveTemporariesAndDie(int signal_number) {
  for (TemporarySlot& slot : pending_temporaries) {
    int expected = kReady;
    if (slot.state.compare_exchange_strong(expected, kUnlinking, std::memory_order_acq_rel)) {
      ::unlink(slot.path);  // async-signal-safe; the slot stays held: the process is about to die
    }
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Frees a slot its owner holds, unless the handler is unlinking it (then the process is dying: wait).
void ReleaseSlot(int slot) {
  int expected = kReady;
  while (!pending_temporaries[slot].state.compare_exchange_weak(expected, kFree, std::memory_order_acq_rel)) {
    expected = kReady;
  }
}

}  // namespace

void RemoveTemporariesOnSignal() {
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    // A signal the process was started ignoring (nohup, `cmd &` in a script) stays ignored: the user
    // asked for the command to outlive it.
    struct sigaction old {};
    if (::sigaction(signal_number, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_handler = RemoveTemporariesAndDie;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, nullptr);
  }
}

PendingTemporary::PendingTemporary(const std::string& path) {
  if (path.size() >= kTemporaryPathBytes) return;
  for (int i = 0; i < kTemporarySlots; ++i) {
    int expected = kFree;
    if (pending_temporaries[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) {
      std::memcpy(pending_temporaries[i].path, path.c_str(), path.size() + 1);
      pending_temporaries[i].state.store(kReady, std::memory_order_release);
      slot_ = i;
      return;
    }
  }
}

PendingTemporary::~PendingTemporary() {
  if (slot_ >= 0) ReleaseSlot(slot_);
}

PendingTemporary& PendingTemporary::operator=(PendingTemporary&& other) noexcept {
  if (this != &other) {
    if (slot_ >= 0) ReleaseSlot(slot_);
    slot_ = other.slot_;
    other.slot_ = -1;
  }
  return *this;
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
  const std::string temp = final_path + ".tmp";
  outputs_.push_back({final_path, temp, PendingTemporary(temp)});
  return temp;
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
