#include <algorithm>
#include <cctype>

#include "agents/country.h"
#include "proto/scenario.pb.h"
#include "world/field_error.h"

namespace reesim::agents {

std::vector<StrategySpec> StrategiesFromProto(const reesim::Scenario& scenario, const world::WorldDescription& world,
                                              const std::string& source) {
  StrategyRegistry registry;
  RegisterBuiltinStrategies(registry);
  const FieldComplaint complaint(source);
  std::vector<StrategySpec> specs(world.actors.size());
  for (int a = 0; a < scenario.actors_size(); ++a) {
    const reesim::Strategy& in = scenario.actors(a).strategy();
    const std::string path = "actors[" + std::to_string(a) + "] (" + Quoted(scenario.actors(a).id()) + ").strategy";
    StrategySpec& spec = specs[a];
    if (in.kind() != reesim::STRATEGY_KIND_UNSPECIFIED) {
      std::string name = reesim::StrategyKind_Name(in.kind());  // empty for a number outside the enum
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      spec.kind = name.empty() ? std::to_string(static_cast<int>(in.kind())) : name;
    }
    if (!registry.Has(spec.kind)) {
      complaint.Fail(path + ".kind", Quoted(spec.kind), "unknown strategy (strategies: " + registry.Names() + ")");
    }
    for (int m = 0; m < in.menu_size(); ++m) {
      const reesim::MenuAction& action = in.menu(m);
      const std::string action_path = path + ".menu[" + std::to_string(m) + "]";
      MenuChoice choice;
      choice.name = action.name().empty() ? "action " + std::to_string(m) : action.name();
      for (int p = 0; p < action.policies_size(); ++p) {
        reesim::PolicyEvent event = action.policies(p);
        if (event.actor().empty()) event.set_actor(scenario.actors(a).id());
        event.clear_start_round();
        event.clear_end_round();
        // Draws of menu instruments are keyed apart from the timeline's events.
        const int key = 1'000'000 * (a + 1) + 1'000 * m + p;
        choice.instruments.push_back(policies::EventFromProto(
            event, world, source, action_path + ".policies[" + std::to_string(p) + "]", key));
      }
      spec.menu.push_back(std::move(choice));
    }
    if (spec.kind != "scripted" && spec.menu.empty()) {
      complaint.Fail(path + ".menu", "", "the " + Quoted(spec.kind) + " strategy needs a menu of at least one action");
    }
    for (int r = 0; r < in.rules_size(); ++r) {
      const reesim::Rule& in_rule = in.rules(r);
      const std::string rule_path = path + ".rules[" + std::to_string(r) + "]";
      Rule rule;
      rule.metric = in_rule.metric();
      if (rule.metric.empty()) complaint.Fail(rule_path + ".metric", "", "name a metric, e.g. \"price.dy_oxide\"");
      switch (in_rule.op()) {
        case reesim::LESS: rule.op = Rule::Op::kLess; break;
        case reesim::LESS_EQUAL: rule.op = Rule::Op::kLessEqual; break;
        case reesim::GREATER: rule.op = Rule::Op::kGreater; break;
        case reesim::GREATER_EQUAL: rule.op = Rule::Op::kGreaterEqual; break;
        default:
          complaint.Fail(rule_path + ".op", std::to_string(static_cast<int>(in_rule.op())),
                         "give op: LESS, LESS_EQUAL, GREATER or GREATER_EQUAL");
      }
      rule.threshold = in_rule.threshold();
      rule.action = -1;
      for (int m = 0; m < static_cast<int>(spec.menu.size()); ++m) {
        if (spec.menu[m].name == in_rule.action()) rule.action = m;
      }
      if (rule.action < 0) complaint.Fail(rule_path + ".action", Quoted(in_rule.action()), "no menu action has this name");
      spec.rules.push_back(std::move(rule));
    }
    if (in.lookahead_rounds() < 0 || in.lookahead_rounds() > 40) {
      complaint.Fail(path + ".lookahead_rounds", std::to_string(in.lookahead_rounds()), "must be between 1 and 40");
    }
    if (in.lookahead_rounds() > 0) spec.lookahead_rounds = in.lookahead_rounds();
  }
  return specs;
}

}  // namespace reesim::agents
