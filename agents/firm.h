// A price-taking firm: it runs the plants it owns. A mine offers its whole capacity at its unit cost,
// so it produces exactly when the clearing price covers marginal cost. A processor buys inputs for
// its capacity less any stock above its target (target_stock_rounds of output), bidding what the
// output is expected to be worth. Stock is offered at (1 - carrying cost) of the expected price, and
// lower when the stock exceeds the target (by the square root of the excess ratio, at most halved).
// Market power (Cournot), investment and exit come with the strategies issue.
#pragma once

#include <string>
#include <vector>

#include "world/agent.h"

namespace reesim::agents {

class PriceTakingFirm : public world::Agent {
 public:
  PriceTakingFirm(std::string name, std::vector<int> plants) : name_(std::move(name)), plants_(std::move(plants)) {}
  void Decide(const world::Observation& observation, world::RandomStream& random,
              world::Decisions& out) const override;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<int> plants_;
};

// Returns one firm per distinct plant owner, in order of first appearance.
std::vector<PriceTakingFirm> FirmsOf(const world::WorldDescription& world);

}  // namespace reesim::agents
