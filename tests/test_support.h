// Helpers shared by the tests: small worlds as scenario text, temporary directories, file bytes.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "run/scenario_io.h"
#include "world/check.h"

namespace reesim::testing {

// A two-region world: a mine, a separation plant, a smelter and a magnet plant in "AAA", magnet demand
// in both regions. Small enough to reason about by hand.
inline std::string SmallWorldText(const std::string& extra = "") {
  return R"(
name: "small"
start_period: "2030Q1"
rounds: 4
actors { id: "A" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 } }
actors { id: "B" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 } }
regions { id: "AAA" actor: "A" }
regions { id: "BBB" actor: "B" }
products { id: "ore" stage: MINING reference_price_usd_per_kg: 5
  separates_into { product: "ox" tonnes_per_tonne: 0.5 } separates_into { product: "rest" tonnes_per_tonne: 0.5 } }
products { id: "ox" stage: SEPARATION reference_price_usd_per_kg: 20 }
products { id: "rest" stage: SEPARATION reference_price_usd_per_kg: 1 }
products { id: "alloy" stage: METAL reference_price_usd_per_kg: 30 made_from { product: "ox" tonnes_per_tonne: 1 } }
products { id: "magnet" stage: MAGNET reference_price_usd_per_kg: 50 made_from { product: "alloy" tonnes_per_tonne: 1 } }
plants { id: "mine" region: "AAA" stage: MINING product: "ore" capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 2 }
plants { id: "sep" region: "AAA" stage: SEPARATION feed: "ore" capacity_tonnes_per_year: 4000 unit_cost_usd_per_kg: 1 }
plants { id: "smelter" region: "AAA" stage: METAL product: "alloy" capacity_tonnes_per_year: 2000 unit_cost_usd_per_kg: 2 }
plants { id: "magnets" region: "AAA" stage: MAGNET product: "magnet" capacity_tonnes_per_year: 2000 unit_cost_usd_per_kg: 5 }
demand { region: "AAA" sector: EV product: "magnet" base_tonnes_per_year: 1000 elasticity: -0.2 }
demand { region: "BBB" sector: EV product: "magnet" base_tonnes_per_year: 1000 elasticity: -0.2 }
demand { region: "BBB" sector: DEFENCE product: "magnet" base_tonnes_per_year: 100 elasticity: 0 critical: true }
demand { region: "AAA" sector: INDUSTRIAL product: "rest" base_tonnes_per_year: 2000 elasticity: -0.3 }
market { default_transport_usd_per_kg: 1 }
)" + extra;
}

// A fresh, empty directory under the system's temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("reesim-test-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Returns the InputError a scenario text raises when loaded as `source`, or "no error".
inline std::string LoadError(const std::string& text, const std::string& source) {
  try {
    run::LoadScenarioText(text, source);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

inline run::LoadedScenario Baseline() {
  return run::LoadScenarioText(std::string(run::BuiltinBaselineText()),
                                       run::kBuiltinBaselineSource);
}

}  // namespace reesim::testing
