// Harness: `reesim merge`'s shard files (experiments::MergeShards, as MergeCommand calls it): the header
// line (experiment, shard K/N, the experiment's text and its SHA-256) and one run record per line
// (RunRecordFromJson). The input holds one or more shard.jsonl files separated by a line
// "@@next-shard@@"; each is written to a directory of its own and all are merged into an output
// directory. InputError (exit 2) is a normal outcome, and a refused merge must leave no output
// behind; an accepted merge must leave summary.json as JSON.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/campaign.h"
#include "fuzz/fuzz_support.h"
#include "world/check.h"

namespace {
constexpr std::string_view kSeparator = "\n@@next-shard@@\n";
constexpr int kMaxShards = 8;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = reesim::fuzz::Text(data, size);
  const std::filesystem::path root = reesim::fuzz::ScratchDir() / "merge";
  std::filesystem::remove_all(root);
  std::vector<std::string> dirs;
  std::size_t start = 0;
  while (static_cast<int>(dirs.size()) < kMaxShards) {
    const std::size_t end = text.find(kSeparator, start);
    const std::string dir = (root / ("shard" + std::to_string(dirs.size() + 1))).string();
    reesim::fuzz::WriteFileOrDie(std::filesystem::path(dir) / "shard.jsonl",
                                 std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start));
    dirs.push_back(dir);
    if (end == std::string::npos) break;
    start = end + kSeparator.size();
  }
  const std::filesystem::path out = root / "out";
  try {
    (void)reesim::experiments::MergeShards(dirs, out.string());
  } catch (const reesim::InputError&) {
    if (std::filesystem::exists(out)) reesim::fuzz::Finding("a refused merge left " + out.string() + " behind");
    return 0;
  }
  std::ifstream summary(out / "summary.json");
  std::stringstream json;
  json << summary.rdbuf();
  boost::system::error_code error;
  (void)boost::json::parse(json.str(), error);
  if (error) reesim::fuzz::Finding("an accepted merge wrote a summary.json that is not JSON: " + error.message());
  return 0;
}
