// One product's market as the welfare-maximising transportation problem (docs/model.md, "Clearing"):
// supply steps at regions (offers at cost), demand steps at regions (bids at willingness to pay),
// an arc from every supplying region to every demanding region costing the wedge between them
// (transport + tariff + export tax; no arc where a ban applies), and a cap on each region's exports
// (export quotas). The solution is a competitive equilibrium: regional prices are the duals, so where
// trade flows the importer's price exceeds the exporter's by exactly the wedge, and a binding export
// quota lowers the exporter's domestic price below the world price less the wedge. No price is below
// zero (free disposal: where nothing is sold or served, any dual up to the cheapest ask would do).
//
// Solved exactly as a min-cost flow on integers: quantities in kg, money in 1e-4 USD per kg, so the
// optimum and its duals are exact and deterministic.
//
// The network can be large (a world of 200 regions has 40,000 routes and tens of thousands of steps
// per product), so it is solved restricted, by column generation: each node's steps are aggregated
// into at most three groups (those below, at and above the problem's price hint for the region, if
// it gives one), and each destination starts with a few of its routes. After each solve the duals
// price out what was left aside: a group whose steps do not all sit on the right side of its node's
// price is split at that price, and routes that would pay at those prices are added; the network
// simplex (world/network_simplex.h) resumes from its last tree. When nothing prices in, the duals are
// feasible for the whole network and the flows optimal for it: the same welfare as the whole
// network's, and an equilibrium of it. The result depends only on the problem. The whole network
// solved at once by LEMON's NetworkSimplex is the reference it is tested and benchmarked against.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace reesim::world {

struct SupplyStep {
  int region = -1;
  double tonnes = 0;
  double cost_usd_per_kg = 0;
};

struct DemandStep {
  int region = -1;
  double tonnes = 0;
  double willingness_to_pay_usd_per_kg = 0;
  int segment = -1;  // -1: the region's open market; else an index into MarketProblem::segments
};

// Demand tied to a preferred supplier (a long-term relationship): it buys from `preferred_origin` at
// the usual wedge, and from anyone else, its own region included, at the wedge plus a switching
// premium. Its price may differ from the region's open-market price: the product is differentiated
// by relationship, as in Armington-style trade models.
//
// A segment may also be a military end use: export controls can deny it while licensing civilian use.
struct MarketSegment {
  int region = -1;
  int preferred_origin = -1;  // -1: none (an untied segment, e.g. the region's military demand)
  double switching_premium_usd_per_kg = 0;
  bool military = false;
};

struct MarketProblem {
  int region_count = 0;
  std::vector<SupplyStep> supply;
  std::vector<DemandStep> demand;
  // [from * region_count + to], from != to: the wedge in USD/kg; +infinity = no arc (a ban).
  std::vector<double> wedge_usd_per_kg;
  // [region]: most tonnes the region may export; +infinity = no quota.
  std::vector<double> export_cap_tonnes;
  std::vector<MarketSegment> segments;
  // [from * region_count + to], from != to. Export controls: the most tonnes licensed on the route
  // (+infinity = no cap), and whether military segments are denied.
  std::vector<double> route_cap_tonnes;
  std::vector<std::uint8_t> military_denied;
  // Smuggling around controls: an unrecorded route to the destination's open market that ignores
  // quotas, caps and bans, with its own capacity (0 = none) and cost per kg.
  std::vector<double> smuggling_cap_tonnes;
  std::vector<double> smuggling_cost_usd_per_kg;
  // [region], optional: a guess at each region's price (the round's expected price). The solver starts
  // from it, which saves pivots when it is close; the result is optimal whatever the guess.
  std::vector<double> price_hint_usd_per_kg;

  // Sets up an empty problem over n regions with free trade at zero cost.
  void Reset(int n);
  // Clears the steps and segments; the pair and region tables keep their values unless n changed
  // (then as Reset). For a builder that writes every pair and region the solver will read.
  void ClearSteps(int n);
};

struct TradeFlow {
  int from = -1;
  int to = -1;
  double tonnes = 0;
  double price_usd_per_kg = 0;  // delivered price at the destination (its market or segment)
  bool smuggled = false;
  bool military = false;        // delivered to a military end use
  int segment = -1;             // the MarketProblem segment it serves; -1: the destination's open market
};

struct MarketSolution {
  std::vector<double> supply_sold_tonnes;    // [supply step]
  std::vector<double> demand_served_tonnes;  // [demand step]
  std::vector<double> demand_price_usd_per_kg;  // [demand step]: the price of its market or segment
  // [region]: the region's price; NaN where the region neither supplies nor demands the product.
  std::vector<double> price_usd_per_kg;
  // [region]: the value of a kg at the region's supply node (its producers' price); NaN without supply.
  // Equals the regional price where producers sell at home; below it when an export quota binds.
  std::vector<double> origin_price_usd_per_kg;
  std::vector<TradeFlow> flows;              // positive flows, domestic ones (from == to) included,
                                             // one per (origin, destination market or segment)
  double welfare_usd = 0;                    // bids served minus costs minus wedges
};

// How ClearMarket solves: restricted (above), or the whole network at once with LEMON's network
// simplex, the reference the restricted solve is tested and benchmarked against.
enum class ClearingMethod { kRestricted, kReference };

// The solver's memory (step groups, route candidates, the resumable simplex; for the reference, the
// flow network and LEMON's solver), kept between calls: clearing a market of the same size again
// reuses it, which keeps the round free of heap allocation. It holds no result: ClearMarket's solution
// depends only on the problem (ClearMarketAgain's resumes from the workspace's last solve). One
// workspace per market being cleared at a time.
class MarketWorkspace {
 public:
  MarketWorkspace();
  MarketWorkspace(MarketWorkspace&&) noexcept;
  MarketWorkspace& operator=(MarketWorkspace&&) noexcept;
  ~MarketWorkspace();

 private:
  friend void ClearMarket(const MarketProblem&, MarketWorkspace&, MarketSolution&, ClearingMethod);
  friend void ClearMarketAgain(const MarketProblem&, MarketWorkspace&, MarketSolution&);
  struct Network;
  std::unique_ptr<Network> network_;
};

// The range the market's integer units carry (kg, and 1e-4 USD/kg): a step of at most 1e12 tonnes
// (1e15 kg, below 2^53 so every kg is exact in a double) and a cost or price of at most 1e9 USD/kg
// (1e13 units). With these, sums over a market's steps and the simplex's potentials (sums of costs
// along tree paths) stay far below 2^63. ClearMarket throws MarketRangeError for a problem outside
// them, e.g. when a scenario's growth over a very long run carries demand or capacity there.
inline constexpr double kMaxMarketTonnes = 1e12;
inline constexpr double kMaxMarketUsdPerKg = 1e9;
// The clearing's money grid: every cost, bid and price is a whole number of these (1e-4 USD/kg).
inline constexpr double kMoneyUnitUsdPerKg = 1e-4;

class MarketRangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// std::llround (halves away from zero) without the library call, for the solver's integer units:
// x - trunc(x) is exact below 2^52, and above it every double is an integer. |x| must be below 2^63.
inline std::int64_t RoundToInt64(double x) {
  std::int64_t whole = static_cast<std::int64_t>(x);  // toward zero
  const double fraction = x - static_cast<double>(whole);
  if (fraction >= 0.5) ++whole;
  if (fraction <= -0.5) --whole;
  return whole;
}

// Solves the market exactly into `solution` (its vectors reused). Prices: where a region both
// supplies and demands, its market price.
void ClearMarket(const MarketProblem& problem, MarketWorkspace& workspace, MarketSolution& solution,
                 ClearingMethod method = ClearingMethod::kRestricted);

// Clears `problem` again when only its wedges (wedge_usd_per_kg) changed since `workspace` last cleared
// it: resumes from that solve's network and spanning tree instead of building them anew (a shared
// export quota's search for its licence price clears the same markets at many licence prices). The
// same welfare as ClearMarket; where the optimum is not unique (degenerate: ties), the flows and
// duals may be another optimal vertex than a fresh solve's, and a region whose price is a range of
// duals may get another price in it. Falls back to ClearMarket when the workspace holds no restricted
// solve of a problem of this shape, or a wedge that was finite is not. Precondition, not checked: no
// wedge that was infinite (no route) has become finite; a licence price added to finite wedges keeps it.
void ClearMarketAgain(const MarketProblem& problem, MarketWorkspace& workspace, MarketSolution& solution);

// The same with a fresh workspace, for one-off problems.
MarketSolution ClearMarket(const MarketProblem& problem, ClearingMethod method = ClearingMethod::kRestricted);

}  // namespace reesim::world
