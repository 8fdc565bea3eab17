// Strategies: learning rules on known games, best response against brute force, rules, external
// control, determinism with learning agents, and bad strategy specifications.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "agents/country.h"
#include "agents/firm.h"
#include "agents/learning.h"
#include "run/run.h"
#include "run/simulation.h"
#include "test_support.h"
#include "world/check.h"

namespace reesim {
namespace {

TEST_CASE("Learning.RegretMatchingSelfPlayConvergesInRockPaperScissors") {
  // Zero-sum rock-paper-scissors: the unique equilibrium is (1/3, 1/3, 1/3) for both players.
  const std::array<std::array<double, 3>, 3> payoff = {{{0, -1, 1}, {1, 0, -1}, {-1, 1, 0}}};
  std::vector<double> regret_a = {5, 0, 0}, regret_b = {0, 3, 0};  // start far from equilibrium
  std::vector<double> average_a(3, 0.0);
  const int rounds = 20000;
  for (int t = 0; t < rounds; ++t) {
    const std::vector<double> sa = agents::RegretMatching::Strategy(regret_a);
    const std::vector<double> sb = agents::RegretMatching::Strategy(regret_b);
    std::vector<double> ua(3, 0.0), ub(3, 0.0);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        ua[i] += payoff[i][j] * sb[j];
        ub[i] -= payoff[j][i] * sa[j];
      }
    }
    agents::RegretMatching::AddRegrets(sa, ua, regret_a);
    agents::RegretMatching::AddRegrets(sb, ub, regret_b);
    for (int i = 0; i < 3; ++i) average_a[i] += sa[i] / rounds;
  }
  for (double p : average_a) CHECK(p == doctest::Approx(1.0 / 3).epsilon(0.03));
  CHECK(agents::RegretMatching::Sample({0.2, 0.5, 0.3}, 0.1) == 0);
  CHECK(agents::RegretMatching::Sample({0.2, 0.5, 0.3}, 0.65) == 1);
  CHECK(agents::RegretMatching::Sample({0.2, 0.5, 0.3}, 0.95) == 2);
}

TEST_CASE("Learning.FictitiousPlayFrequenciesConvergeInMatchingPennies") {
  // Matching pennies: the row player wins on a match. Empirical frequencies converge to (1/2, 1/2).
  std::vector<double> sum_a = {0, 0}, sum_b = {0, 0};
  int heads_a = 0;
  const int rounds = 20000;
  for (int t = 0; t < rounds; ++t) {
    const int a = agents::FictitiousPlay::BestAction(sum_a);
    const int b = agents::FictitiousPlay::BestAction(sum_b);
    heads_a += a == 0;
    for (int i = 0; i < 2; ++i) {
      sum_a[i] += i == b ? 1.0 : -1.0;
      sum_b[i] += i == a ? -1.0 : 1.0;
    }
  }
  CHECK(static_cast<double>(heads_a) / rounds == doctest::Approx(0.5).epsilon(0.02));
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// Country B's menu in the small world: keep trade open, tax magnet imports, or ban them.
std::string MenuWorld(const std::string& kind, const std::string& extra = "") {
  std::string text = testing::SmallWorldText(extra);
  const std::string b = R"(actors { id: "B" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 } })";
  text.replace(text.find(b), b.size(), R"(actors { id: "B" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 }
  strategy { kind: )" + Upper(kind) + R"( lookahead_rounds: 2
    menu { name: "open" }
    menu { name: "tariff" policies { import_tariff { products: "magnet" ad_valorem: 0.3 } } }
    menu { name: "ban" policies { import_ban { products: "magnet" } } }
    rules { metric: "price.magnet.BBB" op: GREATER threshold: 1000 action: "ban" }
    rules { metric: "price.magnet.BBB" op: GREATER threshold: 10 action: "tariff" } } })");
  return text;
}

TEST_CASE("Strategies.BestResponsePicksWhatBruteForceSaysIsBest") {
  // Brute force: play each action for two rounds from the start and total B's payoff.
  const std::array<std::string, 3> fixed = {
      "", R"(policies { actor: "B" import_tariff { products: "magnet" ad_valorem: 0.3 } })",
      R"(policies { actor: "B" import_ban { products: "magnet" } })"};
  int best = -1;
  double best_payoff = -1e300;
  for (int a = 0; a < 3; ++a) {
    const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(fixed[a]), "b");
    run::Simulation simulation(scenario, 1);
    double total = 0;
    for (int r = 0; r < 2; ++r) {
      simulation.Step();
      total += simulation.metrics().at("payoff.B");
    }
    CAPTURE(a);
    CAPTURE(total);
    if (total > best_payoff) {
      best_payoff = total;
      best = a;
    }
  }
  const run::LoadedScenario scenario = run::LoadScenarioText(MenuWorld("best_response"), "br");
  run::Simulation simulation(scenario, 1);
  simulation.Step();
  CHECK(simulation.state().chosen_action[1] == best);
  // The tariff raises revenue for B, and in this world that beats open trade; a ban is worst.
  CHECK(best == 1);
}

// B's two-round look-ahead from `round` (open trade, every country's last action), in the small world
// with `extra` appended.
double LookaheadPayoff(const std::string& extra, int round) {
  const run::LoadedScenario scenario = run::LoadScenarioText(testing::SmallWorldText(extra), "surprise");
  const std::vector<agents::PriceTakingFirm> firms = agents::FirmsOf(scenario.world);
  const std::map<std::string, double> no_metrics;
  agents::CountryContext context;
  context.world = &scenario.world;
  context.timeline = &scenario.timeline;
  context.strategies = &scenario.strategies;
  for (const agents::PriceTakingFirm& firm : firms) context.firms.push_back(&firm);
  context.last_metrics = &no_metrics;
  world::WorldState state = world::InitialState(scenario.world);
  state.round = round;
  return context.Lookahead(state, scenario.world.FindActor("B"), -1, 2);
}

TEST_CASE("Strategies.ALookAheadDoesNotForeseeASurpriseBeforeItStarts") {
  const std::string ban = R"(policies { actor: "B" start_round: 1 import_ban { products: "magnet" } })";
  const std::string surprise = R"(policies { actor: "B" start_round: 1 surprise: true import_ban { products: "magnet" } })";
  const double open = LookaheadPayoff("", 0);
  const double foreseen = LookaheadPayoff(ban, 0);
  CHECK(foreseen != open);  // a scheduled ban in the second round is foreseen from the first
  CHECK(LookaheadPayoff(surprise, 0) == open);  // a surprise is not
  // From the round it starts, it is known like any other event.
  CHECK(LookaheadPayoff(surprise, 1) == LookaheadPayoff(ban, 1));
  CHECK(LookaheadPayoff(surprise, 1) != LookaheadPayoff("", 1));
}

TEST_CASE("Strategies.RuleBasedActsOnLastRoundsMetrics") {
  const run::LoadedScenario scenario = run::LoadScenarioText(MenuWorld("rule_based"), "rules");
  run::Simulation simulation(scenario, 1);
  simulation.Step();
  CHECK(simulation.state().chosen_action[1] == 0);  // no metrics yet: the first action
  simulation.Step();
  CHECK(simulation.metrics().at("price.magnet.BBB") > 10);
  CHECK(simulation.state().chosen_action[1] == 1);  // price above $10 and below $1,000: tariff
}

TEST_CASE("Strategies.ExternalPlaysWhatItIsTold") {
  const run::LoadedScenario scenario = run::LoadScenarioText(MenuWorld("external"), "ext");
  run::Simulation simulation(scenario, 1);
  simulation.Step();
  CHECK(simulation.state().chosen_action[1] == 0);
  simulation.SetExternalAction(1, 2);
  simulation.Step();
  CHECK(simulation.state().chosen_action[1] == 2);
  CHECK(simulation.metrics().at("unmet.BBB.ev") == doctest::Approx(1.0));  // the ban is in force
  CHECK_THROWS_AS(simulation.SetExternalAction(1, 3), InputError);
  CHECK_THROWS_AS(simulation.SetExternalAction(0, 0), InputError);  // A is scripted
}

TEST_CASE("Strategies.LearnersAreDeterministicAcrossThreadCounts") {
  std::string text = MenuWorld("regret_matching", "market { demand_shock_sd: 0.1 }");
  text.replace(text.find("market { default_transport_usd_per_kg: 1 }"), 42, "");
  const std::string a = R"(actors { id: "A" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 } })";
  text.replace(text.find(a), a.size(), R"(actors { id: "A" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 }
    strategy { kind: FICTITIOUS_PLAY menu { name: "free" }
               menu { name: "tax" policies { export_tax { products: "magnet" ad_valorem: 0.2 } } } } })");
  const run::LoadedScenario scenario = run::LoadScenarioText(text, "learners");
  std::string reference;
  for (int threads : {1, 2, 4}) {
    run::RunOptions options;
    options.rounds = 6;
    options.threads = threads;
    options.seed = 11;
    const std::string fingerprint = run::RunScenario(scenario, options).final_fingerprint;
    if (reference.empty()) reference = fingerprint;
    CHECK(fingerprint == reference);
  }
  run::Simulation simulation(scenario, 11);
  for (int r = 0; r < 3; ++r) simulation.Step();
  CHECK(simulation.state().strategy_memory[1].size() == 6);  // regrets and strategy sums for 3 actions
  CHECK(simulation.state().strategy_memory[0].size() == 2);  // cumulative payoffs for 2 actions
}

TEST_CASE("Strategies.BadSpecificationsNameTheField") {
  auto error_of = [](const std::string& text) { return testing::LoadError(text, "s.textproto"); };
  std::string unknown = MenuWorld("best_response");
  unknown.replace(unknown.find("BEST_RESPONSE"), 13, "99");
  // A number without a name is refused at parsing, by the generic enum check (run/scenario_io.cc).
  CHECK(error_of(unknown).find("actors[1].strategy.kind = 99: not a StrategyKind; give one of its names: "
                               "STRATEGY_KIND_UNSPECIFIED, SCRIPTED") != std::string::npos);
  const std::string empty = testing::SmallWorldText();
  std::string no_menu = empty;
  const std::string b = R"(actors { id: "B" weights { consumer_surplus: 1 producer_surplus: 1 revenue: 1 } })";
  no_menu.replace(no_menu.find(b), b.size(), R"(actors { id: "B" strategy { kind: REGRET_MATCHING } })");
  CHECK(error_of(no_menu).find("strategy.menu: the \"regret_matching\" strategy needs a menu") != std::string::npos);
  std::string bad_rule = MenuWorld("rule_based");
  bad_rule.replace(bad_rule.find("action: \"ban\""), 13, "action: \"war\"");
  CHECK(error_of(bad_rule).find("rules[0].action = \"war\": no menu action has this name") != std::string::npos);
  std::string bad_op = MenuWorld("rule_based");
  bad_op.replace(bad_op.find("op: GREATER"), 11, "op: 7");
  CHECK(error_of(bad_op).find("rules[0].op = 7: not a Comparison; give one of its names:") != std::string::npos);
}

// Every agent's decision for a round from the real state, and from the same state with everyone
// else's private data changed (other firms' stocks, other governments' strategy memories): they must be
// the same, since an agent sees only public data and its own private data.
TEST_CASE("Observation.ADecisionDoesNotDependOnAnotherActorsPrivateData") {
  for (const char* kind : {"best_response", "regret_matching", "fictitious_play", "rule_based"}) {
    CAPTURE(kind);
    const run::LoadedScenario scenario = run::LoadScenarioText(MenuWorld(kind), "private");
    run::Simulation simulation(scenario, /*seed=*/1);
    for (int r = 0; r < 3; ++r) simulation.Step();
    const world::WorldDescription& world = simulation.world();
    const world::WorldState& state = simulation.state();
    int compared = 0;
    for (std::size_t a = 0; a < simulation.agents().size(); ++a) {
      const world::Agent& agent = *simulation.agents()[a];
      const world::Viewer viewer = agent.viewer();
      world::WorldState changed = state;
      for (int i = 0; i < world.PlantCount(); ++i) {
        if (std::find(viewer.plants.begin(), viewer.plants.end(), i) != viewer.plants.end()) continue;
        for (int p = 0; p < world.ProductCount(); ++p) {
          changed.stock_tonnes[world::WorldState::At(i, p, world.ProductCount())] += 1000.0 * (p + 1);
        }
      }
      for (int actor = 0; actor < static_cast<int>(world.actors.size()); ++actor) {
        if (actor != viewer.actor) changed.strategy_memory[actor] = {5.0, -3.0, 7.0, 1.0, 2.0, 9.0};
      }
      std::vector<world::Decisions> decisions(2);
      const world::WorldState* states[2] = {&state, &changed};
      for (int k = 0; k < 2; ++k) {
        world::WorldState public_state;
        world::PublicView(world, *states[k], public_state);
        decisions[k].Resize(world);
        world::RandomStream random(/*seed=*/1, /*run=*/0, /*round=*/3, a, world::RandomPurpose::kAgentDecision);
        agent.Decide(world::Observation(world, public_state, *states[k], viewer), random, decisions[k]);
      }
      for (int i : viewer.plants) {
        CHECK(decisions[0].plants[i].output_target_tonnes == decisions[1].plants[i].output_target_tonnes);
        CHECK(decisions[0].plants[i].stock_ask_fraction == decisions[1].plants[i].stock_ask_fraction);
        CHECK(decisions[0].plants[i].working_stock_tonnes == decisions[1].plants[i].working_stock_tonnes);
        CHECK(decisions[0].plants[i].start_construction == decisions[1].plants[i].start_construction);
        ++compared;
      }
      if (viewer.actor >= 0) {
        CHECK(decisions[0].chosen_action[viewer.actor] == decisions[1].chosen_action[viewer.actor]);
        CHECK(decisions[0].strategy_memory[viewer.actor] == decisions[1].strategy_memory[viewer.actor]);
        ++compared;
      }
    }
    CHECK(compared >= 6);
  }
}

}  // namespace
}  // namespace reesim
