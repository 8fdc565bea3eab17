#include "bench/synthetic.h"

#include <string>

#include "run/scenario_io.h"
#include "proto/scenario.pb.h"
#include "world/random.h"

namespace reesim::bench {

std::shared_ptr<reesim::Scenario> SyntheticScenario(int regions, int plants, std::uint64_t seed) {
  const std::shared_ptr<reesim::Scenario> baseline =
      run::ParseScenarioText(std::string(run::BuiltinBaselineText()), "baseline");
  auto scenario = std::make_shared<reesim::Scenario>();
  scenario->set_name("synthetic_" + std::to_string(regions) + "_" + std::to_string(plants));
  scenario->set_rounds(4);
  *scenario->mutable_products() = baseline->products();
  scenario->mutable_market()->set_default_transport_usd_per_kg(0.5);
  world::RandomStream random(seed, 0, 0, 0, world::RandomPurpose::kAgentDecision);
  for (int r = 0; r < regions; ++r) {
    const std::string id = "R" + std::to_string(r);
    reesim::Actor* actor = scenario->add_actors();
    actor->set_id(id);
    actor->mutable_weights()->set_consumer_surplus(1);
    actor->mutable_weights()->set_producer_surplus(1);
    reesim::Region* region = scenario->add_regions();
    region->set_id(id);
    region->set_actor(id);
    region->set_latitude(-60 + 120 * random.Uniform());
    region->set_longitude(-180 + 360 * random.Uniform());
  }
  scenario->mutable_market()->set_transport_base_usd_per_kg(0.2);
  scenario->mutable_market()->set_transport_usd_per_kg_per_1000km(0.03);
  // Plants per stage in the baseline's rough proportions of output (mines and separation lead).
  struct Kind {
    reesim::Stage stage;
    const char* product;
    bool feed;
    double share;
    double tonnes;
    double cost;
  };
  const Kind kinds[] = {
      {reesim::MINING, "concentrate", false, 0.30, 340000, 3},  {reesim::MINING, "ionic_clay", false, 0.05, 50000, 7},
      {reesim::SEPARATION, "concentrate", true, 0.25, 342000, 4}, {reesim::SEPARATION, "ionic_clay", true, 0.05, 50000, 5},
      {reesim::METAL, "metal_alloy", false, 0.15, 92000, 4},      {reesim::MAGNET, "ndfeb_magnet", false, 0.20, 92000, 20},
  };
  int id = 0;
  for (const Kind& kind : kinds) {
    const int count = std::max(1, static_cast<int>(plants * kind.share));
    for (int k = 0; k < count; ++k) {
      reesim::Plant* plant = scenario->add_plants();
      plant->set_id("p" + std::to_string(id++));
      plant->set_region("R" + std::to_string(static_cast<int>(random.Uniform() * regions)));
      plant->set_stage(kind.stage);
      if (kind.feed) {
        plant->set_feed(kind.product);
      } else {
        plant->set_product(kind.product);
      }
      plant->set_capacity_tonnes_per_year(kind.tonnes / count * (0.5 + random.Uniform()));
      plant->set_unit_cost_usd_per_kg(kind.cost * (0.6 + 0.8 * random.Uniform()));
    }
  }
  auto add_demand = [&](int region, reesim::Sector sector, const char* product, double tonnes, double elasticity) {
    reesim::Demand* demand = scenario->add_demand();
    demand->set_region("R" + std::to_string(region));
    demand->set_sector(sector);
    demand->set_product(product);
    demand->set_base_tonnes_per_year(tonnes / regions);
    demand->set_elasticity(elasticity);
  };
  for (int r = 0; r < regions; ++r) {
    add_demand(r, reesim::EV, "ndfeb_magnet", 92000.0, -0.2);
    add_demand(r, reesim::INDUSTRIAL, "other_oxides", 290000.0, -0.3);
  }
  return scenario;
}

}  // namespace reesim::bench
