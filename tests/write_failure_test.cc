// Full disks and damaged snapshot files, through the real program (issue 19, items 6 and 8): a write
// failure exits 1 with the OS's reason and leaves no output under its final name and no temporary; a
// damaged snapshot is printed as far as it can be read and `inspect` exits 2 naming the damaged round.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli_support.h"
#include "run/snapshot_io.h"

namespace reesim {
namespace {

using testing::TempDir;
using testing::WriteBytes;
using Result = testing::ProgramResult;

using testing::Reesim;

// A tmpfs of `bytes` mounted in a fresh directory (root only; where mounting is not allowed the tests
// that need one say so and are skipped).
class SmallFilesystem {
 public:
  explicit SmallFilesystem(std::size_t bytes, bool read_only = false) {
    std::filesystem::create_directories(dir_.path() / "mnt");
    const std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", path().c_str(), "tmpfs", read_only ? MS_RDONLY : 0, options.c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount(path().c_str());
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;
  bool mounted() const { return mounted_; }
  std::string path() const { return (dir_.path() / "mnt").string(); }
  std::string File(const std::string& name) const { return path() + "/" + name; }
  // Empties it, then fills all but `free_bytes` of it.
  void LeaveFree(std::size_t total, std::size_t free_bytes) {
    for (const auto& entry : std::filesystem::directory_iterator(path())) std::filesystem::remove_all(entry.path());
    if (free_bytes < total) std::ofstream(File("filler"), std::ios::binary) << std::string(total - free_bytes, 'x');
  }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

// Names under `dir` ending in ".tmp".
std::vector<std::string> Temporaries(const std::string& dir) {
  std::vector<std::string> found;
  if (!std::filesystem::exists(dir)) return found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".tmp") found.push_back(entry.path().string());
  }
  return found;
}

constexpr std::size_t kFilesystemBytes = 64 * 1024;

TEST_CASE("WriteFailure.RunOnAFullDiskExits1WithTheReasonAndLeavesNeitherOutput") {
  SmallFilesystem disk(kFilesystemBytes);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs is not allowed here (needs root)");
    return;
  }
  // A 2-round run writes a run.pbs of about 51 KB and a run-info.json of 200 bytes. From 0 to 16 pages
  // free: every failure is exit 1 with the OS's reason and nothing left; every success has both files.
  int failed = 0, succeeded = 0;
  for (std::size_t pages = 0; pages <= 16; ++pages) {
    CAPTURE(pages);
    disk.LeaveFree(kFilesystemBytes, pages * 4096);
    const std::string out = disk.File("r");
    const Result run = Reesim("run --quiet --rounds 2 --out " + out);
    CAPTURE(run.out);
    if (run.exit_code == 0) {
      ++succeeded;
      CHECK(std::filesystem::file_size(out + "/run-info.json") > 100);
      CHECK(run::ReadSnapshotFile(out + "/run.pbs").complete);
    } else {
      ++failed;
      CHECK(run.exit_code == 1);
      CHECK(run.out.find("No space left on device") != std::string::npos);
      CHECK(!std::filesystem::exists(out + "/run.pbs"));
      CHECK(!std::filesystem::exists(out + "/run-info.json"));
    }
    CHECK(Temporaries(out).empty());
  }
  CHECK(failed > 0);
  CHECK(succeeded > 0);
}

// Runs `command` (experiment or game, with its --spec) on the small disk with 0, 1, ... `max_pages`
// pages free: a success writes `outputs` with the bytes of the run in `dir`/fresh; a failure exits 1
// with the OS's reason and leaves none of them and no temporary, and where it leaves a checkpoint,
// --resume with space again writes them all with the same bytes. Returns how many runs failed,
// succeeded and were resumed.
struct FullDiskTally {
  int failed = 0, succeeded = 0, resumed = 0;
};
FullDiskTally RunOnAFillingDisk(SmallFilesystem& disk, const TempDir& dir, const std::string& command,
                                const std::vector<std::string>& outputs, std::size_t max_pages) {
  REQUIRE(Reesim(command + " --out " + dir.File("fresh")).exit_code == 0);
  FullDiskTally tally;
  for (std::size_t pages = 0; pages <= max_pages; ++pages) {
    CAPTURE(pages);
    disk.LeaveFree(kFilesystemBytes, pages * 4096);
    const std::string out = disk.File("out");
    const Result run = Reesim(command + " --out " + out);
    CAPTURE(run.out);
    if (run.exit_code == 0) {
      ++tally.succeeded;
      for (const std::string& file : outputs) CHECK(testing::FileBytes(out + "/" + file) == testing::FileBytes(dir.File("fresh/" + file)));
    } else {
      ++tally.failed;
      CHECK(run.exit_code == 1);
      CHECK(run.out.find("No space left on device") != std::string::npos);
      for (const std::string& file : outputs) CHECK(!std::filesystem::exists(out + "/" + file));
      if (std::filesystem::exists(out + "/checkpoint.jsonl")) {
        ++tally.resumed;
        std::filesystem::remove_all(dir.File("resumed"));
        std::filesystem::copy(out, dir.File("resumed"));
        REQUIRE(Reesim(command + " --resume --out " + dir.File("resumed")).exit_code == 0);
        for (const std::string& file : outputs) {
          CAPTURE(file);
          CHECK(testing::FileBytes(dir.File("resumed/" + file)) == testing::FileBytes(dir.File("fresh/" + file)));
        }
      }
    }
    CHECK(Temporaries(out).empty());
  }
  return tally;
}

TEST_CASE("WriteFailure.ExperimentOnAFullDiskExits1LeavesNoOutputAndResumes") {
  SmallFilesystem disk(kFilesystemBytes);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs is not allowed here (needs root)");
    return;
  }
  TempDir dir;
  WriteBytes(dir.File("exp.textproto"),
             "scenario: \"baseline_2024\" rounds: 2 replicates: 20\n"
             "parameters { path: \"market.default_transport_usd_per_kg\" uniform { min: 0.5 max: 2 } }\n"
             "outcomes { metric: \"payoff.USA\" }\n");
  // Six outputs of a page each and a checkpoint: from 0 to 12 pages free, some fail in the middle of
  // the runs, some at the end (where bands.csv and summary.csv were once left under their final names).
  const FullDiskTally tally = RunOnAFillingDisk(disk, dir, "experiment --spec " + dir.File("exp.textproto") + " --threads 2",
                                                {"runs.csv", "summary.csv", "summary.json", "bands.csv", "experiments.csv", "outcomes.csv"}, 12);
  CHECK(tally.failed > 0);
  CHECK(tally.succeeded > 0);
}

TEST_CASE("WriteFailure.GameOnAFullDiskExits1AndResumesToEveryFile") {
  SmallFilesystem disk(kFilesystemBytes);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs is not allowed here (needs root)");
    return;
  }
  TempDir dir;
  WriteBytes(dir.File("game.textproto"),
             "name: \"tiny\" scenario: \"baseline_2024\" rounds: 2 replicates: 3 seed: 2\n"
             "players { actor: \"CHN\" strategies { name: \"open\" }\n"
             "  strategies { name: \"licensing\" overlay { policies { export_control { products: \"dy_oxide\" approval_share: 0.5 } } } } }\n"
             "players { actor: \"USA\" strategies { name: \"none\" }\n"
             "  strategies { name: \"tariff\" overlay { policies { import_tariff { ad_valorem: 0.25 from: \"CHN\" } } } } }\n"
             "analyses { bootstrap_resamples: 50 }\n");
  // The experiment's files and the game's are committed together: a failure at any point leaves none
  // of them, and the checkpoint, from which --resume writes them all (the game's were once lost: the
  // experiment's were committed first and --resume then found a finished run).
  const FullDiskTally tally = RunOnAFillingDisk(disk, dir, "game --quiet --spec " + dir.File("game.textproto") + " --threads 2",
                                                {"game.json", "game.nfg", "profiles.csv", "runs.csv", "summary.json", "outcomes.csv"}, 14);
  CHECK(tally.failed > 0);
  CHECK(tally.succeeded > 0);
  CHECK(tally.resumed > 0);
}

TEST_CASE("WriteFailure.AnOutputDirectoryOnAReadOnlyDiskExits1AndOneUnderAFileExits2") {
  // Creating the output directory is the first write: where the disk refuses it, exit 1 with the OS's
  // reason, as any failed write (it was 2, bad input); where a file stands in its path, exit 2.
  SmallFilesystem disk(kFilesystemBytes, /*read_only=*/true);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs is not allowed here (needs root)");
    return;
  }
  TempDir dir;
  WriteBytes(dir.File("exp.textproto"), "scenario: \"baseline_2024\" rounds: 1 replicates: 1\noutcomes { metric: \"payoff.USA\" }\n");
  WriteBytes(dir.File("a-file"), "x");
  for (const std::string& command : {std::string("run --quiet --rounds 1"), "experiment --quiet --spec " + dir.File("exp.textproto")}) {
    CAPTURE(command);
    const Result refused = Reesim(command + " --out " + disk.File("out"));
    CAPTURE(refused.out);
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find("Read-only file system") != std::string::npos);
    const Result in_the_way = Reesim(command + " --out " + dir.File("a-file/out"));
    CAPTURE(in_the_way.out);
    CHECK(in_the_way.exit_code == 2);
    CHECK(in_the_way.out.find("exists and is not a directory") != std::string::npos);
  }
}

// Starts reesim with `args`, waits until `file` exists (at most 60 s), then sends `signal`; with
// `ignore_first`, the child starts with that signal ignored (as under nohup) and gets SIGTERM once it
// has shown it lives on. Returns whether the file appeared, whether the child outlived the first
// signal, and its wait status.
struct Interrupted {
  bool appeared = false;
  bool survived = false;
  int status = 0;
};
Interrupted InterruptOnceExists(const std::vector<std::string>& args, const std::string& file, int signal, bool ignore_first = false) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    if (ignore_first) std::signal(signal, SIG_IGN);
    std::vector<char*> argv{const_cast<char*>(REESIM_BINARY)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(REESIM_BINARY, argv.data());
    ::_exit(127);
  }
  Interrupted result;
  for (int i = 0; i < 12000 && !result.appeared; ++i) {
    result.appeared = std::filesystem::exists(file);
    if (!result.appeared) ::usleep(5000);
  }
  ::kill(pid, signal);
  if (ignore_first) {
    ::usleep(200000);
    result.survived = ::waitpid(pid, &result.status, WNOHANG) == 0;
    ::kill(pid, SIGTERM);
  }
  ::waitpid(pid, &result.status, 0);
  return result;
}

TEST_CASE("WriteFailure.AnInterruptedCommandLeavesNoTemporaries") {
  // SIGINT or SIGTERM while the outputs are being written: the temporaries are removed and the
  // process dies of the signal (a new user's Ctrl-C left run.pbs.tmp, runs.csv.tmp, ...); an experiment
  // keeps its checkpoint for --resume. A signal the command was started ignoring (nohup) stays ignored.
  TempDir dir;
  WriteBytes(dir.File("exp.textproto"), "scenario: \"baseline_2024\" rounds: 8 replicates: 20000\noutcomes { metric: \"payoff.USA\" }\n");
  // The experiment's temporaries (runs.csv.tmp, ...) are opened before its checkpoint: once the
  // checkpoint exists they do too (waiting for runs.csv.tmp alone raced with the checkpoint's creation
  // on a loaded machine).
  const Interrupted experiment = InterruptOnceExists(
      {"experiment", "--quiet", "--threads", "2", "--spec", dir.File("exp.textproto"), "--out", dir.File("e")}, dir.File("e/checkpoint.jsonl"), SIGINT);
  CHECK(experiment.appeared);
  CHECK(WIFSIGNALED(experiment.status));
  CHECK(WTERMSIG(experiment.status) == SIGINT);
  CHECK(std::filesystem::exists(dir.File("e/checkpoint.jsonl")));
  CHECK(!std::filesystem::exists(dir.File("e/summary.json")));
  CHECK(Temporaries(dir.File("e")).empty());
  const Interrupted run = InterruptOnceExists({"run", "--quiet", "--rounds", "1000", "--out", dir.File("r")}, dir.File("r/run.pbs.tmp"), SIGTERM);
  CHECK(run.appeared);
  CHECK(WIFSIGNALED(run.status));
  CHECK(WTERMSIG(run.status) == SIGTERM);
  CHECK(!std::filesystem::exists(dir.File("r/run.pbs")));
  CHECK(Temporaries(dir.File("r")).empty());
  const Interrupted under_nohup = InterruptOnceExists(
      {"experiment", "--quiet", "--threads", "2", "--spec", dir.File("exp.textproto"), "--out", dir.File("n")}, dir.File("n/checkpoint.jsonl"), SIGHUP,
      /*ignore_first=*/true);
  CHECK(under_nohup.appeared);
  CHECK(under_nohup.survived);
  CHECK(WTERMSIG(under_nohup.status) == SIGTERM);
  CHECK(Temporaries(dir.File("n")).empty());
}

TEST_CASE("WriteFailure.ExperimentKeepingSnapshotsStopsItsWorkersCleanly") {
  // Snapshots written by the worker threads fill the disk while other runs are in flight: the
  // experiment stops issuing runs, lets the running ones return, then exits 1 (this once segfaulted in
  // a worker while the main thread reported the error).
  SmallFilesystem disk(1 << 20);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs is not allowed here (needs root)");
    return;
  }
  TempDir dir;
  WriteBytes(dir.File("exp.textproto"),
             "scenario: \"baseline_2024\" rounds: 4 replicates: 40 keep: SNAPSHOTS\n"
             "parameters { path: \"market.default_transport_usd_per_kg\" uniform { min: 0.5 max: 2 } }\n"
             "outcomes { metric: \"payoff.USA\" }\n");
  for (int attempt = 0; attempt < 4; ++attempt) {
    CAPTURE(attempt);
    disk.LeaveFree(1 << 20, 1 << 20);
    const Result run = Reesim("experiment --spec " + dir.File("exp.textproto") + " --threads 2 --out " + disk.File("e"));
    CAPTURE(run.out);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("No space left on device") != std::string::npos);
    CHECK(!std::filesystem::exists(disk.File("e/summary.json")));
    CHECK(Temporaries(disk.path()).empty());
    // Every snapshot left under its final name is a complete one.
    for (const auto& entry : std::filesystem::directory_iterator(disk.File("e/snapshots"))) {
      CHECK(run::ReadSnapshotFile(entry.path().string()).complete);
    }
  }
}

TEST_CASE("WriteFailure.InspectNamesTheDamagedRoundPrintsTheRestAndExits2") {
  TempDir dir;
  REQUIRE(Reesim("run --quiet --scenario baseline_2024 --rounds 3 --out " + dir.File("r")).exit_code == 0);
  const std::string bytes = testing::FileBytes(dir.File("r/run.pbs"));
  const run::SnapshotFile intact = run::ReadSnapshotFile(dir.File("r/run.pbs"));
  REQUIRE(intact.complete);
  // Flip one byte inside round 1.s record.
  std::size_t header_and_round_0 = 0;
  {
    // The records are framed as varint length, message, 4-byte checksum: skip the header and round 0.
    std::size_t at = 0;
    for (int record = 0; record < 2; ++record) {
      std::uint64_t length = 0;
      for (int shift = 0;; shift += 7) {
        const auto c = static_cast<unsigned char>(bytes.at(at++));
        length |= static_cast<std::uint64_t>(c & 0x7F) << shift;
        if (!(c & 0x80)) break;
      }
      at += length + 4;
    }
    header_and_round_0 = at;
  }
  std::string damaged = bytes;
  damaged[header_and_round_0 + 100] ^= 0x04;
  WriteBytes(dir.File("damaged.pbs"), damaged);
  const Result inspect = Reesim("inspect --format csv " + dir.File("damaged.pbs"));
  CHECK(inspect.exit_code == 2);
  CHECK(inspect.out.find("damaged: round 1: damaged (checksum mismatch); skipped") != std::string::npos);
  CHECK(inspect.out.find("printed the 2 intact rounds") != std::string::npos);
  CHECK(inspect.out.find("\n0,") != std::string::npos);
  CHECK(inspect.out.find("\n2,") != std::string::npos);
  CHECK(inspect.out.find("\n1,") == std::string::npos);
  // The jsonl header line lists the damage.
  const Result jsonl = Reesim("inspect " + dir.File("damaged.pbs"));
  CHECK(jsonl.exit_code == 2);
  CHECK(jsonl.out.find("\"damage\":[\"round 1: damaged (checksum mismatch); skipped\"") != std::string::npos);
  // Two files concatenated.
  WriteBytes(dir.File("twice.pbs"), bytes + bytes);
  const Result twice = Reesim("inspect --format text " + dir.File("twice.pbs"));
  CHECK(twice.exit_code == 2);
  CHECK(twice.out.find("another snapshot file follows") != std::string::npos);
  CHECK(twice.out.find("3 of 3 rounds (damaged)") != std::string::npos);
  // The --help says so.
  CHECK(Reesim("inspect --help").out.find("exits\n2") != std::string::npos);
}

}  // namespace
}  // namespace reesim
