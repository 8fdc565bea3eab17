// A government's payoff for one round (USD million unless noted), from the round's typed outcome:
//   U = w_cs*CS + w_ps*PS + w_rev*revenue - w_sec*security + w_lev*leverage - w_env*environment
// - consumer_surplus: (willingness to pay - price) x quantity over the served final demand in its regions;
// - producer_surplus: revenue minus processing, input and capital costs of the plants in its regions;
// - revenue: tariffs and export taxes collected, plus equity income, minus subsidies, price-floor
//   payments, enforcement, net stockpile purchases and sanctioned trade lost;
// - security (dimensionless): unserved share of each critical demand plus the Herfindahl index of each
//   region's import sources of compounds and metals;
// - leverage (dimensionless, 0..1): its regions' share of world exports of processed rare earths
//   (oxides, metals, magnets) by value: others' dependence on it;
// - environment: output x the stage's environmental cost per kg (MarketParameters).
#pragma once

#include <vector>

#include "world/description.h"
#include "world/round.h"

namespace reesim::world {

struct PayoffComponents {
  double consumer_surplus = 0;
  double producer_surplus = 0;
  double revenue = 0;
  double security = 0;
  double leverage = 0;
  double environment = 0;
  double total = 0;
};

// Returns each actor's payoff components for the round; [actor].
std::vector<PayoffComponents> ComputePayoffs(const WorldDescription& world, const RoundOutcome& outcome);

// Returns [importer * regions + exporter]: the value of the importer's imports of compounds and metals
// (separation and metal products) from the exporter in the round, USD.
std::vector<double> CompoundAndMetalImportsUsd(const WorldDescription& world, const RoundOutcome& outcome);

}  // namespace reesim::world
