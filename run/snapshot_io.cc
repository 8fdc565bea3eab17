#include "run/snapshot_io.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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

// Closes a file descriptor on scope exit.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

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
                               std::uint64_t run, int rounds, const std::string& experiment_sha256)
    : path_(path), temp_path_(path + ".tmp") {
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw InputError(temp_path_ + ": cannot create file: " + std::strerror(errno));
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
  WriteMessage(Serialize(header));
}

SnapshotWriter::~SnapshotWriter() {
  if (finished_) return;
  out_.close();
  std::remove(temp_path_.c_str());
}

void SnapshotWriter::WriteMessage(const std::string& bytes) {
  std::string prefix;
  {
    google::protobuf::io::StringOutputStream stream(&prefix);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteVarint32(static_cast<std::uint32_t>(bytes.size()));
  }
  out_.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes_written_ += prefix.size() + bytes.size();
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
  WriteMessage(Serialize(snapshot));
}

void SnapshotWriter::Finish(int rounds_completed, const std::string& fingerprint) {
  reesim::RunFooter footer;
  footer.set_rounds_completed(rounds_completed);
  footer.set_final_state_fingerprint(fingerprint);
  footer.ByteSizeLong();
  WriteMessage(Serialize(footer));
  out_.flush();
  out_.close();
  if (!out_) throw InputError(temp_path_ + ": write failed: " + std::strerror(errno));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw InputError(path_ + ": cannot rename from " + temp_path_ + ": " + std::strerror(errno));
  }
  finished_ = true;
}

SnapshotFile ReadSnapshotFile(const std::string& path) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY)};
  if (file.fd < 0) throw InputError(path + ": cannot open file: " + std::strerror(errno));
  google::protobuf::io::FileInputStream stream(file.fd);
  bool clean_eof = false;

  reesim::RunHeader header;
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&header, &stream, &clean_eof)) {
    if (clean_eof) throw InputError(path + ": the file is empty (not a snapshot file)");
    throw InputError(path + ": not a reesim snapshot file (no readable header)");
  }
  if (header.magic() != kSnapshotMagic) throw InputError(path + ": not a reesim snapshot file (wrong magic)");
  if (header.format_version() > REESIM_SNAPSHOT_FORMAT_VERSION) {
    throw InputError(path + ": snapshot format version " + std::to_string(header.format_version()) +
                     " is newer than this reesim reads (" + std::to_string(REESIM_SNAPSHOT_FORMAT_VERSION) + ")");
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

  for (int r = 0; r < header.rounds(); ++r) {
    reesim::RoundSnapshot snapshot;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&snapshot, &stream, &clean_eof)) {
      file_data.truncation = clean_eof ? "the file ends after " + std::to_string(r) + " of " +
                                             std::to_string(header.rounds()) + " rounds (truncated run)"
                                       : "round " + std::to_string(r) + " is incomplete or corrupt (truncated run)";
      return file_data;
    }
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
    file_data.round_data.push_back(std::move(round));
  }
  reesim::RunFooter footer;
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&footer, &stream, &clean_eof)) {
    file_data.truncation = "the run's footer is missing (truncated run)";
    return file_data;
  }
  file_data.complete = true;
  file_data.final_fingerprint = footer.final_state_fingerprint();
  return file_data;
}

}  // namespace reesim::run
