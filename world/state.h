// The mutable state of a world between rounds: stocks, price expectations and the slow variables of
// demand. A plain value, cheap to copy (look-ahead strategies copy it), indexed like the description.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "world/description.h"

namespace reesim::world {

enum class PlantStatus : std::uint8_t { kOperating = 0, kProposed = 1, kBuilding = 2, kClosed = 3 };

struct WorldState {
  int round = 0;
  std::vector<double> stock_tonnes;                // [plant * products + product]: outputs and inputs held
  std::vector<double> expected_price_usd_per_kg;   // [region * products + product]: adaptive expectation
  std::vector<double> price_usd_per_kg;            // [region * products + product]: last cleared (NaN: none)
  std::vector<double> average_price_usd_per_kg;    // [demand entry]: moving average of its price (4 rounds)
  std::vector<double> substituted_share;           // [demand entry]: s_t of docs/model.md
  std::vector<double> recipe_thrift;               // [ProductShare::thrift_cell]: the share cut so far
  std::vector<double> stockpile_tonnes;            // [actor * products + product]: strategic stockpiles
  // Speculative stocks (only in worlds with speculation), [region * products + product]: what traders
  // hold, the price cleared the round before last (the rise they chase) and last round's use.
  std::vector<double> speculative_stock_tonnes;
  std::vector<double> previous_price_usd_per_kg;
  std::vector<double> use_tonnes;
  // [region * products + product]: the long-run level of the price firms value projects and review
  // idle plants by (MarketParameters.long_run_price_memory_rounds), from the reference price.
  std::vector<double> long_run_price_usd_per_kg;
  std::vector<PlantStatus> plant_status;           // [plant]
  std::vector<int> status_rounds;                  // [plant]: rounds left to build, or rounds idle
  // [plant]: last round's support, as firms see it when valuing projects: capital subsidy share,
  // production subsidy, the best guaranteed price (price floor or fixed offtake price), and the share
  // of the firm a government owns (state-backed finance lowers its discount rate).
  std::vector<double> capital_subsidy_share;
  std::vector<double> production_subsidy_usd_per_kg;
  std::vector<double> support_price_usd_per_kg;
  std::vector<int> support_product;                // [plant]: the product guaranteed, -1 = none
  std::vector<double> government_equity_share;
  std::vector<double> output_tonnes;               // [plant]: last round's output
  // [route, as BarrierTable::Arc], in worlds whose licences are a share of past trade only: the route's
  // spot trade in the rounds no export control or quota covered it, averaged (world/round.cc,
  // RecordLicenceBases; NaN: no such round yet).
  std::vector<double> licence_base_tonnes;
  std::vector<int> chosen_action;                  // [actor]: last round's menu choice, -1 = none
  std::vector<std::vector<double>> strategy_memory;  // [actor]: learners' regrets, payoff sums, ...

  // Returns whether the plant can produce this round.
  bool Operating(int plant) const { return plant_status[plant] == PlantStatus::kOperating; }

  // Returns an index into the [x * products + product] arrays.
  static std::size_t At(int x, int product, int product_count) {
    return static_cast<std::size_t>(x) * product_count + product;
  }
};

// Returns the plant's capacity this round: its trend capacity if it operates, else 0.
double EffectiveCapacity(const WorldDescription& world, const WorldState& state, int plant);

// Returns the price a producer in `region` expects for `product`: the region's expectation, or, where
// the product has never cleared there, the mean expectation of the reference-price regions where it
// has (what the output would sell at elsewhere).
double ExpectedPriceFor(const WorldDescription& world, const WorldState& state, int region, int product);

// Returns the mean expectation for `product` over the reference-price regions where it has cleared;
// NaN if it has cleared in none.
double ReferenceExpectedPrice(const WorldDescription& world, const WorldState& state, int product);

// Returns a recipe share this round: its scheduled value less any price-driven thrift.
double RecipeShare(const ProductShare& share, const WorldState& state);

// Returns the tonnes of `product` the plant needs per tonne of its output this round (a separation
// plant's feed: 1); 0 if it is not one of its inputs.
double InputPerOutput(const WorldDescription& world, const WorldState& state, const Plant& plant, int product);

// Moves each price-driven thrift by the round's expectations (docs/model.md, "Supply, offers and
// stocks": price_thrift).
void UpdateThrift(const WorldDescription& world, WorldState& state);

// Writes into `view` the public view of `state` (world/agent.h, Observation): a copy in which the private
// fields are replaced by what the public can infer. A plant's stocks (its firm's private data) become
// its normal stock of its own outputs, target_stock_rounds x last round's output (ASSUMPTION: the
// public expects a firm to hold the stock the model's firms aim for), and nothing of its inputs;
// governments' strategy memories are empty. Reuses `view`'s buffers.
void PublicView(const WorldDescription& world, const WorldState& state, WorldState& view);

// Returns the state before the first round: opening stocks, expectations at reference prices.
WorldState InitialState(const WorldDescription& world);

// Returns a hex fingerprint of the state's exact bits (the determinism gate compares these).
std::string Fingerprint(const WorldState& state);

}  // namespace reesim::world
