// Substitution research (e.g. Japan's rare-earth-free motor magnet): after `lag_rounds` from its
// start it succeeds with `success_probability` (one draw per run, keyed by the event) and then cuts
// the rare-earth demand of the sector in the listed demand entries by `demand_cut_share`.
//
// Before clearing: once it has succeeded, multiplies the entries' demand this round by
// 1 - demand_cut_share (world::BarrierTable::demand_multiplier; multipliers multiply).
#pragma once

#include <utility>
#include <vector>

#include "world/barriers.h"

namespace reesim::policies {

struct SubstitutionTerms {
  int start_round = 0;
  int event_index = 0;
  int lag_rounds = 0;
  double success_probability = 1;
  double demand_cut_share = 0;
};

class SubstitutionResearch : public world::Instrument {
 public:
  SubstitutionResearch(std::vector<int> demand_entries, SubstitutionTerms terms)
      : entries_(std::move(demand_entries)), terms_(terms) {}
  world::HookSet Hooks() const override { return {.before_clearing = true}; }
  void BeforeClearing(const world::ApplyContext& context, world::BarrierTable& table,
                      world::RoundOutcome& outcome) const override;
  // Returns whether the research succeeds in this run (the same answer every round).
  bool Succeeds(const world::ApplyContext& context) const;

 private:
  std::vector<int> entries_;
  SubstitutionTerms terms_;
};

}  // namespace reesim::policies
