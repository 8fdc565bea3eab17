// How a holder offers the stock of a product it has made: competitive storage (Williams & Wright 1991,
// "Storage and Commodity Markets"; Deaton & Laroque 1992, "On the Behaviour of Commodity Prices"). A
// holder sells a unit only at a price above what keeping it is worth: the price it expects next round
// less the cost of carrying it (capital and storage). The more it keeps beyond its working stock, the
// lower next round's price and the less the marginal unit kept is worth, so it offers its stock as a
// rising schedule, the excess first and cheapest. Offered as one block at one ask, a holder sold all or
// nothing and its sales swung between nothing and everything from round to round (issue 15, point 3).
#pragma once

#include <algorithm>
#include <cmath>

namespace reesim::world {

// The excess over the working stock is offered in this many equal tranches.
inline constexpr int kExcessStockTranches = 4;

// Calls fn(tonnes, ask_fraction) for each tranche of `stock_tonnes` (cheapest first), the ask as a
// fraction of the holder's expected price. ASSUMPTION (the rule the model applied to a holder's whole
// stock as one block, now applied unit by unit): a unit whose sale leaves x tonnes kept, x above the
// working stock W, is worth a max(0.5, sqrt(W / x)) of the expected price, a = `ask_at_working_stock`
// (1 - carrying cost); the working stock itself, a. Each excess tranche is asked at the value at its
// middle. With no working stock the whole stock is asked at a / 2.
template <class Fn>
void ForEachStockTranche(double stock_tonnes, double working_stock_tonnes, double ask_at_working_stock, Fn&& fn) {
  if (stock_tonnes <= 0) return;
  if (stock_tonnes <= working_stock_tonnes) {
    fn(stock_tonnes, ask_at_working_stock);
    return;
  }
  const double working = std::max(0.0, working_stock_tonnes);
  const double tranche = (stock_tonnes - working) / kExcessStockTranches;
  for (int k = 0; k < kExcessStockTranches; ++k) {
    const double kept = stock_tonnes - (k + 0.5) * tranche;
    fn(tranche, ask_at_working_stock * std::max(0.5, std::sqrt(working / kept)));
  }
  if (working > 0) fn(working, ask_at_working_stock);
}

}  // namespace reesim::world
