// How a holder offers the stock of a product it has made, after competitive storage (Williams & Wright
// 1991, "Storage and Commodity Markets"; Deaton & Laroque 1992, "On the Behaviour of Commodity Prices"):
// a holder sells a unit only at a price above what keeping it is worth, the price it expects next round
// less the cost of carrying it (capital and storage). The more is kept, the lower next round's price and
// the less the marginal unit kept is worth, so stock is offered as a schedule of rising asks, the excess
// first and cheapest. ASSUMPTION, unlike those models: each holder judges the value of carry from its own
// stock against its own working stock, not from the market's total carryover (which would give every
// holder the same value of the marginal unit). Offered as one block at one ask, a holder sold all or
// nothing and its sales swung between nothing and everything from round to round (issue 15, point 3).
#pragma once

#include <algorithm>
#include <array>

namespace reesim::world {

// The asks, as fractions of `ask_at_working_stock`, at which a stock beyond the working stock is
// offered: every holder of a product in a region asks at the same few prices, so the market's steps
// there share them (a market splits its steps only at distinct prices; 100,000-plant worlds).
inline constexpr std::array<double, 4> kExcessAskLevels = {0.5, 0.625, 0.75, 0.875};
inline constexpr int kExcessStockTranches = static_cast<int>(kExcessAskLevels.size());

// Calls fn(level, tonnes, ask_fraction) for each tranche of `stock_tonnes` (cheapest first), the ask as
// a fraction of the holder's expected price, `level` its index in kExcessAskLevels (kExcessStockTranches:
// the tranche at `ask_at_working_stock`). ASSUMPTION (the rule the model applied to a holder's whole
// stock as one block, now applied unit by unit): a unit whose sale leaves x tonnes kept, x above the
// working stock W, is worth a max(0.5, sqrt(W / x)) of the expected price, a = `ask_at_working_stock`
// (1 - carrying cost); the working stock itself, a. The units worth between two levels of
// kExcessAskLevels are asked at the upper one (a unit leaving x kept is worth v a or less from
// x = W / v^2 up), so a holder never sells below what a unit is worth to it; everything beyond 4 W is
// asked at a / 2, and the units worth more than 0.875 a are asked at a with the working stock.
template <class Fn>
void ForEachStockTranche(double stock_tonnes, double working_stock_tonnes, double ask_at_working_stock, Fn&& fn) {
  if (stock_tonnes <= 0) return;
  const double working = std::max(0.0, working_stock_tonnes);
  double above = stock_tonnes;  // the stock not yet offered: what the tranches so far leave kept
  for (int k = 0; k < kExcessStockTranches; ++k) {
    const double level = kExcessAskLevels[k];
    const double kept = working / (level * level);  // the stock below which a unit is worth more than level x a
    if (above > kept) {
      fn(k, above - kept, ask_at_working_stock * level);
      above = kept;
    }
  }
  if (above > 0) fn(kExcessStockTranches, above, ask_at_working_stock);
}

}  // namespace reesim::world
