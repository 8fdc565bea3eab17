#include "agents/country.h"

#include <algorithm>
#include <limits>

#include "agents/learning.h"
#include "world/check.h"
#include "world/payoff.h"
#include "world/round.h"

namespace reesim::agents {

namespace {

// Plays a fixed menu action (or none): the others in a look-ahead.
class FixedActionCountry : public Country {
 public:
  FixedActionCountry(int actor, const CountryContext& context, int action) : Country(actor, context), action_(action) {}

 protected:
  int ChooseAction(const world::Observation&, world::RandomStream&, world::Decisions&) const override { return action_; }

 private:
  int action_;
};

class ScriptedCountry : public Country {
 public:
  using Country::Country;

 protected:
  int ChooseAction(const world::Observation&, world::RandomStream&, world::Decisions&) const override { return -1; }
};

class RuleBasedCountry : public Country {
 public:
  using Country::Country;

 protected:
  int ChooseAction(const world::Observation&, world::RandomStream&, world::Decisions&) const override {
    const std::map<std::string, double>* metrics = context().last_metrics;
    if (metrics != nullptr) {
      for (const Rule& rule : spec().rules) {
        const auto it = metrics->find(rule.metric);
        if (it != metrics->end() ? rule.Holds(it->second) : rule.absent_reads_zero && rule.Holds(0.0)) return rule.action;
      }
    }
    return 0;
  }
};

class BestResponseCountry : public Country {
 public:
  using Country::Country;

 protected:
  int ChooseAction(const world::Observation& observation, world::RandomStream&, world::Decisions&) const override {
    int best = 0;
    double best_payoff = -std::numeric_limits<double>::infinity();
    for (int action = 0; action < static_cast<int>(spec().menu.size()); ++action) {
      const double payoff = context().Lookahead(observation.public_state, actor(), action, spec().lookahead_rounds);
      if (payoff > best_payoff) {  // ties: the lowest index
        best_payoff = payoff;
        best = action;
      }
    }
    return best;
  }
};

// Memory: [cumulative regret (n), cumulative strategy (n)].
class RegretMatchingCountry : public Country {
 public:
  using Country::Country;

 protected:
  int ChooseAction(const world::Observation& observation, world::RandomStream& random,
                   world::Decisions& out) const override {
    const std::size_t n = spec().menu.size();
    std::vector<double> memory = observation.OwnStrategyMemory();
    memory.resize(2 * n, 0.0);
    std::vector<double> regret(memory.begin(), memory.begin() + n);
    const std::vector<double> strategy = RegretMatching::Strategy(regret);
    const int action = RegretMatching::Sample(strategy, random.Uniform());
    RegretMatching::AddRegrets(strategy, context().CounterfactualPayoffs(observation.public_state, actor()), regret);
    for (std::size_t a = 0; a < n; ++a) {
      memory[a] = regret[a];
      memory[n + a] += strategy[a];
    }
    out.strategy_memory[actor()] = std::move(memory);
    return action;
  }
};

// Memory: cumulative counterfactual payoff of each action.
class FictitiousPlayCountry : public Country {
 public:
  using Country::Country;

 protected:
  int ChooseAction(const world::Observation& observation, world::RandomStream&, world::Decisions& out) const override {
    std::vector<double> memory = observation.OwnStrategyMemory();
    memory.resize(spec().menu.size(), 0.0);
    const int action = observation.public_state.round == 0 ? 0 : FictitiousPlay::BestAction(memory);
    const std::vector<double> payoffs = context().CounterfactualPayoffs(observation.public_state, actor());
    for (std::size_t a = 0; a < memory.size(); ++a) memory[a] += payoffs[a];
    out.strategy_memory[actor()] = std::move(memory);
    return action;
  }
};

template <typename T>
CountryFactory Factory() {
  return [](int actor, const CountryContext& context) { return std::make_unique<T>(actor, context); };
}

}  // namespace

bool Rule::Holds(double value) const {
  switch (op) {
    case Op::kLess: return value < threshold;
    case Op::kLessEqual: return value <= threshold;
    case Op::kGreater: return value > threshold;
    case Op::kGreaterEqual: return value >= threshold;
  }
  return false;
}

void Country::Decide(const world::Observation& observation, world::RandomStream& random, world::Decisions& out) const {
  const int action = ChooseAction(observation, random, out);
  std::vector<const world::Instrument*>& in_force = out.instruments[actor_];
  in_force.clear();
  for (const policies::TimedInstrument& event : context_.timeline->events) {
    if (event.surprise && context_.foresight_round >= 0 && event.start_round > context_.foresight_round) continue;
    if (event.actor == actor_ && event.InForce(observation.public_state.round)) in_force.push_back(event.instrument.get());
  }
  out.chosen_action[actor_] = action;
  if (action < 0) return;
  REESIM_CHECK_LT(action, static_cast<int>(spec().menu.size()));
  for (const policies::TimedInstrument& event : spec().menu[action].instruments) in_force.push_back(event.instrument.get());
}

double CountryContext::Lookahead(const world::WorldState& state, int actor, int action, int rounds) const {
  const int actor_count = static_cast<int>(world->actors.size());
  CountryContext ahead = *this;  // sees what is known at the state's round
  ahead.foresight_round = state.round;
  std::vector<FixedActionCountry> countries;
  countries.reserve(actor_count);
  for (int a = 0; a < actor_count; ++a) countries.emplace_back(a, ahead, a == actor ? action : state.chosen_action[a]);
  std::vector<const world::Agent*> agents;
  for (const FixedActionCountry& country : countries) agents.push_back(&country);
  agents.insert(agents.end(), firms.begin(), firms.end());

  world::WorldState copy = state;
  world::RoundScratch scratch;
  world::RoundOutcome outcome;
  const world::RoundInputs inputs{seed, run, world::RandomDomain::kLookahead};
  double total = 0;
  for (int r = 0; r < rounds; ++r) {
    world::AdvanceRound(*world, agents, inputs, copy, scratch, outcome);
    total += world::ComputePayoffs(*world, outcome)[actor].total;
  }
  return total;
}

std::vector<double> CountryContext::CounterfactualPayoffs(const world::WorldState& state, int actor) const {
  std::vector<double> payoffs((*strategies)[actor].menu.size());
  for (std::size_t a = 0; a < payoffs.size(); ++a) payoffs[a] = Lookahead(state, actor, static_cast<int>(a), 1);
  return payoffs;
}

std::string StrategyRegistry::Names() const {
  std::string names;
  for (const auto& [name, factory] : factories_) names += (names.empty() ? "" : ", ") + name;
  return names;
}

std::unique_ptr<Country> StrategyRegistry::Create(const std::string& name, int actor,
                                                  const CountryContext& context) const {
  const auto it = factories_.find(name);
  if (it == factories_.end()) throw InputError("unknown strategy \"" + name + "\" (strategies: " + Names() + ")");
  return it->second(actor, context);
}

void RegisterBuiltinStrategies(StrategyRegistry& registry) {
  registry.Register("scripted", Factory<ScriptedCountry>());
  registry.Register("rule_based", Factory<RuleBasedCountry>());
  registry.Register("best_response", Factory<BestResponseCountry>());
  registry.Register("regret_matching", Factory<RegretMatchingCountry>());
  registry.Register("fictitious_play", Factory<FictitiousPlayCountry>());
  registry.Register("external", Factory<ExternalCountry>());
}

}  // namespace reesim::agents
