// Country governments: each round a country puts in force the scenario's timeline for it plus one
// action from its menu, chosen by its strategy. Strategies (scripted, rule_based, best_response,
// regret_matching, fictitious_play, external) are registered by name in a StrategyRegistry; every
// strategy sees only the world's interfaces, so each works in every experiment. All keep the
// determinism guarantee: draws come from the round's random stream, look-ahead runs on copies of the
// state with its own stream key, and learners keep their memory in the world state.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policies/timeline.h"
#include "world/agent.h"

namespace reesim {
class Scenario;
}

namespace reesim::agents {

struct MenuChoice {
  std::string name;
  std::vector<policies::TimedInstrument> instruments;
};

struct Rule {
  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual };
  std::string metric;
  bool absent_reads_zero = false;  // a flow metric, written only when positive (set where the scenario loads)
  Op op = Op::kGreater;
  double threshold = 0;
  int action = 0;
  bool Holds(double value) const;
};

struct StrategySpec {
  std::string kind = "scripted";
  std::vector<MenuChoice> menu;
  std::vector<Rule> rules;
  int lookahead_rounds = 2;
};

// Returns each actor's validated strategy ([actor]). Throws InputError naming `source` and the field:
// unknown kinds (with the list of valid ones), empty menus for strategies that need one, rules naming
// unknown actions or operators.
std::vector<StrategySpec> StrategiesFromProto(const reesim::Scenario& scenario, const world::WorldDescription& world,
                                              const std::string& source);

// What countries share within one simulation: the scenario, the other agents for look-ahead, last
// round's metrics for rules, and the run's keys.
struct CountryContext {
  const world::WorldDescription* world = nullptr;
  const policies::PolicyTimeline* timeline = nullptr;
  const std::vector<StrategySpec>* strategies = nullptr;
  std::vector<const world::Agent*> firms;
  const std::map<std::string, double>* last_metrics = nullptr;
  std::uint64_t seed = 1;
  std::uint64_t run = 0;
  // In a look-ahead from round r, r: surprise events starting after it are not in force (nobody
  // foresees them). -1 in the run itself.
  int foresight_round = -1;

  // Returns `actor`'s payoff summed over `rounds` rounds simulated from `state` (the public view: a
  // country does not see firms' stocks or others' memories) on a copy, with the actor playing menu action
  // `action` and every other country its last action. Its draws are the look-ahead domain's
  // (world/random.h): look-ahead does not foresee the run's demand shocks or policy outcomes.
  double Lookahead(const world::WorldState& state, int actor, int action, int rounds) const;
  // Returns the one-round look-ahead payoff of every menu action of `actor`.
  std::vector<double> CounterfactualPayoffs(const world::WorldState& state, int actor) const;
};

class Country : public world::Agent {
 public:
  Country(int actor, const CountryContext& context) : actor_(actor), context_(context) {}
  void Decide(const world::Observation& observation, world::RandomStream& random,
              world::Decisions& out) const override;
  int actor() const { return actor_; }
  world::Viewer viewer() const override { return {actor_, {}}; }

 protected:
  // Returns the menu action to play (-1: none), and may write the learner's memory into `out`.
  virtual int ChooseAction(const world::Observation& observation, world::RandomStream& random,
                           world::Decisions& out) const = 0;
  const StrategySpec& spec() const { return (*context_.strategies)[actor_]; }
  const CountryContext& context() const { return context_; }

 private:
  int actor_;
  const CountryContext& context_;
};

// A country whose choice is set from outside (the classroom); until set, the first action.
class ExternalCountry : public Country {
 public:
  using Country::Country;
  void SetAction(int action) { action_.store(action); }

 protected:
  int ChooseAction(const world::Observation&, world::RandomStream&, world::Decisions&) const override {
    return spec().menu.empty() ? -1 : action_.load();
  }

 private:
  std::atomic<int> action_{0};
};

using CountryFactory = std::function<std::unique_ptr<Country>(int actor, const CountryContext& context)>;

// Strategies by name, registered explicitly (no static-initialisation tricks).
class StrategyRegistry {
 public:
  void Register(const std::string& name, CountryFactory factory) { factories_[name] = std::move(factory); }
  bool Has(const std::string& name) const { return factories_.count(name) > 0; }
  // Returns the names, sorted, joined by ", ".
  std::string Names() const;
  // Creates the named strategy's country. Throws InputError listing the valid names.
  std::unique_ptr<Country> Create(const std::string& name, int actor, const CountryContext& context) const;

 private:
  std::map<std::string, CountryFactory> factories_;
};

// Registers scripted, rule_based, best_response, regret_matching, fictitious_play and external.
void RegisterBuiltinStrategies(StrategyRegistry& registry);

}  // namespace reesim::agents
