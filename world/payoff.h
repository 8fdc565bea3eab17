// A government's payoff for one round, in USD million, from the round's typed outcome
// (docs/model.md, "Payoffs"):
//   U = w_cs*CS + w_ps*PS + w_rev*(revenue + licence_rent - policy_cost + stockpile_value_change)
//       - w_env*environment
// - consumer_surplus: gross willingness to pay (the area under each demand curve over what was served)
//   minus what was paid, over the final demand in its regions;
// - producer_surplus: revenue minus processing, input and capital costs of the plants in its regions,
//   less the dividends they pay to governments holding equity;
// - revenue: tariffs and export taxes collected, plus equity income;
// - licence_rent: rents of its regions' licensed or quota-capped exports (ASSUMPTION: the exporting
//   government holds the licences);
// - policy_cost: subsidies, price-floor payments, enforcement, trade lost to sanctions, stockpile
//   purchases net of releases;
// - stockpile_value_change: its strategic stock's purchases less releases at the prices traded (the
//   stock carried at cost: buying a stockpile at the market price costs the payoff nothing);
// - environment: output x the stage's environmental cost per kg (an external cost, MarketParameters).
// Security and leverage are not dollars: they are reported apart (StrategicIndicators) and never
// added to the payoff. The rest of the world (smugglers, speculators) is booked apart
// (RestOfWorldPayoff), so that every dollar of the markets lands somewhere: the conservation identity
// of docs/model.md holds every round.
#pragma once

#include <vector>

#include "world/description.h"
#include "world/round.h"

namespace reesim::world {

struct PayoffComponents {
  double consumer_surplus = 0;
  double producer_surplus = 0;
  double revenue = 0;
  double licence_rent = 0;
  double policy_cost = 0;
  double stockpile_value_change = 0;
  double environment = 0;
  double total = 0;
};

// Non-monetary indicators of an actor, reported beside the payoff and never added to it.
// - security (dimensionless, higher is worse): unserved share of each critical demand plus the
//   Herfindahl index of each of its regions' import sources of compounds and metals;
// - leverage (0..1): its regions' share of world exports of processed rare earths (oxides, metals,
//   magnets) by value: others' dependence on it.
struct StrategicIndicators {
  double security = 0;
  double leverage = 0;
};

// USD million per round earned by no actor of the model.
struct RestOfWorldPayoff {
  double smuggling = 0;    // smugglers' margins around controls
  double speculation = 0;  // speculators' sales less purchases
  double total = 0;
};

// Returns each actor's payoff components for the round; [actor].
std::vector<PayoffComponents> ComputePayoffs(const WorldDescription& world, const RoundOutcome& outcome);

// Returns each actor's security and leverage for the round; [actor].
std::vector<StrategicIndicators> ComputeIndicators(const WorldDescription& world, const RoundOutcome& outcome);

RestOfWorldPayoff ComputeRestOfWorld(const RoundOutcome& outcome);

// The two sides of the conservation identity for the round, USD million (docs/model.md, "Payoffs"):
// `components`: every monetary payoff component (environment aside) summed over actors, plus the rest
// of the world; `resources`: gross willingness to pay of served final demand minus processing,
// capital, transport, trade-friction and outside costs, plus the strategic stock acquired (at cost).
struct WelfareBalance {
  double components = 0;
  double resources = 0;
};
WelfareBalance ComputeWelfareBalance(const WorldDescription& world, const RoundOutcome& outcome);

// Returns [importer * regions + exporter]: the value of the importer's imports of compounds and metals
// (separation and metal products) from the exporter in the round, USD.
std::vector<double> CompoundAndMetalImportsUsd(const WorldDescription& world, const RoundOutcome& outcome);

}  // namespace reesim::world
