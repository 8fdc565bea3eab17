// Where a trade instrument applies: the governing actor's regions, the products it covers and the
// trading partners it names, as index lists; an empty list means "all".
#pragma once

#include <cstddef>
#include <vector>

#include "world/barriers.h"
#include "world/description.h"

namespace reesim::policies {

struct Scope {
  std::vector<int> regions;       // the actor's regions it applies to
  std::vector<int> products;      // covered products (empty: all)
  std::vector<int> counterparts;  // trading partners (empty: all)
};

// Calls fn(index) for each index of `list`, or for 0..count-1 when the list is empty ("all").
template <typename Fn>
void ForEachOrAll(const std::vector<int>& list, int count, Fn&& fn) {
  if (list.empty()) {
    for (int i = 0; i < count; ++i) fn(i);
  } else {
    for (int i : list) fn(i);
  }
}

// Calls fn(arc index) for every (product, own region -> partner) arc if `own_region_exports`, else
// for every (product, partner -> own region) arc.
template <typename Fn>
void ForEachArc(const Scope& scope, const world::WorldDescription& world, const world::BarrierTable& table,
                bool own_region_exports, Fn&& fn) {
  ForEachOrAll(scope.products, world.ProductCount(), [&](int product) {
    for (int own : scope.regions) {
      ForEachOrAll(scope.counterparts, world.RegionCount(), [&](int partner) {
        if (partner == own) return;
        fn(own_region_exports ? table.Arc(product, own, partner) : table.Arc(product, partner, own));
      });
    }
  });
}

}  // namespace reesim::policies
