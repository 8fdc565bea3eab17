// Alliance of governments (the Quad Critical Minerals Initiative, a Japan-EU partnership).
//   - Tariffs among members fall by `tariff_preference` (1: to zero).
//   - With coordinated controls, a member's export controls and bans against an outsider bind every
//     member's exports to it (the strictest member's), and controls among members are lifted.
//   - With a pooled stockpile, a member's release may draw on every member's holdings.
//   - With joint investment, members pay `joint_investment_share` of the capital cost of new plants
//     anywhere in the alliance, in equal parts, on top of any capital subsidy (together at most all).
//
// Before clearing, after every other instrument (it modifies their terms): rewrites the members'
// arcs, widens members' stockpile orders to the pool, and adds the joint share to the capital-subsidy
// terms of projects in member regions (world::BarrierTable); the round splits each such plant's
// capital cost among the members at investment.
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

struct AllianceTerms {
  double tariff_preference = 1;
  bool coordinated_controls = false;
  bool pooled_stockpile = false;
  double joint_investment_share = 0;
};

class Alliance : public world::Instrument {
 public:
  Alliance(std::vector<int> member_actors, std::vector<int> member_regions, AllianceTerms terms)
      : actors_(std::move(member_actors)), members_(std::move(member_regions)), terms_(terms) {
    for (int r : members_) {
      if (static_cast<std::size_t>(r) >= is_member_.size()) is_member_.resize(r + 1, false);
      is_member_[r] = true;
    }
  }
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  int ApplyOrder() const override { return 1; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;

 private:
  std::vector<int> actors_;
  std::vector<int> members_;  // regions
  std::vector<bool> is_member_;  // [region], up to the last member
  bool IsMember(int region) const { return static_cast<std::size_t>(region) < is_member_.size() && is_member_[region]; }
  AllianceTerms terms_;
};

}  // namespace reesim::policies
