// Harness: the snapshot reader (reesim inspect FILE.pbs, tools/reesim_data.py's counterpart):
// run::ReadSnapshotFile on the input written to a file, both formats (1: no checksums, 2: CRC32C per
// record). InputError (not a snapshot stream, a damaged header) is a normal outcome; a damaged or cut
// file must be read up to the damage and say so. Checks what the reader promises about what it returns.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz/fuzz_support.h"
#include "world/field_error.h"
#include "run/snapshot_io.h"
#include "world/check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = reesim::fuzz::ScratchDir() / "input.pbs";
  reesim::fuzz::WriteFileOrDie(path, std::string_view(reinterpret_cast<const char*>(data), size));
  reesim::run::SnapshotFile file;
  try {
    file = reesim::run::ReadSnapshotFile(path.string());
  } catch (const reesim::InputError&) {
    return 0;
  }
  // Complete means the footer was read and nothing was damaged or cut.
  if (file.complete && (file.damaged() || !file.truncation.empty())) {
    reesim::fuzz::Finding("a snapshot called complete with damage or a cut");
  }
  // The rounds read are in order, each once (renumbered, duplicated or reversed rounds are damage).
  std::set<int> seen;
  int previous = -1;
  for (const reesim::run::SnapshotRound& round : file.round_data) {
    if (round.round <= previous) reesim::fuzz::Finding("rounds out of order: " + std::to_string(round.round));
    previous = round.round;
  }
  if (file.complete && static_cast<int>(file.round_data.size()) != file.rounds) {
    reesim::fuzz::Finding("a complete snapshot whose round count differs from its header's");
  }
  // Strings that reach `inspect`'s outputs are valid UTF-8.
  for (const std::string* text : {&file.scenario_name, &file.reesim_version}) {
    if (!reesim::IsValidUtf8(*text)) reesim::fuzz::Finding("a header string that is not UTF-8");
  }
  for (const auto* ids : {&file.region_ids, &file.product_ids, &file.plant_ids}) {
    for (const std::string& id : *ids) {
      if (!reesim::IsValidUtf8(id)) reesim::fuzz::Finding("an id that is not UTF-8");
    }
  }
  return 0;
}
