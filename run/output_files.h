// A command's output files, which appear all together or not at all. Each is written under a temporary
// name (PATH.tmp) and flushed to the disk (fsync); only when every one is written are they renamed to
// their final names. A failure to write (a full disk, a read-only directory) is a WriteError carrying the
// operating system's reason (strerror); the command exits 1 (the run failed; 2 is for bad input) and the
// temporaries are removed, so a directory never holds a half-written or a partial set of outputs.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace reesim::run {

// An output could not be written. main() reports it and exits 1.
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws WriteError "PATH: WHAT: REASON", REASON being strerror(error_number) (or "unknown error" for 0).
[[noreturn]] void ThrowWriteError(const std::string& path, const std::string& what, int error_number);

// Creates `dir` (and its parents) for outputs. The disk or the system refusing the write (a read-only
// file system, no permission, a full disk, an I/O error) is a WriteError with the OS's reason (exit 1),
// as a failed write is; anything else about the path (empty, a file in the way, a dangling link, a
// name too long) is bad input (InputError, exit 2: choose another).
void CreateOutputDirectory(const std::string& dir, const std::string& what = "the output directory");

// Writes `contents` to `path` (created or truncated) with POSIX write(2), then fsync(2): throws
// WriteError with the OS's reason on any failure.
void WriteFileSynced(const std::string& path, const std::string& contents);

// Flushes a written file to the disk (fsync); throws WriteError with the OS's reason.
void SyncFile(const std::string& path);

// Makes SIGINT, SIGTERM and SIGHUP remove every temporary still registered (PendingTemporary: each
// OutputSet's, a snapshot writer's) before the process dies of the signal as it would have, so an
// interrupted command leaves no NAME.tmp behind (a checkpoint is not a temporary: --resume continues
// from it). Call once, early in main.
void RemoveTemporariesOnSignal();

// Registers a temporary file's name, for RemoveTemporariesOnSignal, while it lives. At most 256 at once
// and names under 4,096 bytes (beyond that a name goes unregistered: it is then only left behind on a
// signal, as it was before).
class PendingTemporary {
 public:
  explicit PendingTemporary(const std::string& path);
  ~PendingTemporary();
  PendingTemporary(PendingTemporary&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }
  PendingTemporary& operator=(PendingTemporary&& other) noexcept;
  PendingTemporary(const PendingTemporary&) = delete;
  PendingTemporary& operator=(const PendingTemporary&) = delete;

 private:
  int slot_ = -1;
};

// One command's outputs. Add(FINAL) names an output and returns the temporary path to write it under;
// Commit() fsyncs every temporary, then renames each to its final name. Until Commit() succeeds the
// destructor removes every temporary (and any output Commit() had already renamed when a later rename
// failed), so the outputs appear together or not at all.
class OutputSet {
 public:
  OutputSet() = default;
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  std::string Add(const std::string& final_path);
  // Add(final_path), then writes `contents` there with WriteFileSynced.
  void Write(const std::string& final_path, const std::string& contents);
  // Marks an output whose temporary another writer has already written and synced (no second fsync).
  void MarkSynced(const std::string& final_path);
  void Commit();
  bool committed() const { return committed_; }

 private:
  struct Output {
    std::string final_path, temp_path;
    PendingTemporary pending;
    bool synced = false;
    bool renamed = false;
  };
  std::vector<Output> outputs_;
  bool committed_ = false;
};

}  // namespace reesim::run
