#include <boost/program_options.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "experiments/experiment.h"
#include "games/empirical_game.h"
#include "proto/scenario.pb.h"
#include "run/scenario_io.h"

namespace po = boost::program_options;

namespace reesim::cli {

namespace {

FileKind KindOf(const std::string& text) {
  if (games::LooksLikeGame(text)) return FileKind::kGame;
  if (experiments::LooksLikeExperiment(text)) return FileKind::kExperiment;
  return FileKind::kScenario;
}

}  // namespace

void RequireFileKind(const std::string& path, FileKind expected) {
  std::string text;
  try {
    text = run::ReadScenarioSource(path).text;
  } catch (const InputError&) {
    return;  // the loader says what is wrong
  }
  const FileKind kind = KindOf(text);
  if (kind == expected) return;
  // Only a file that reads whole as another kind is named as one; a damaged file is the loader's to
  // report, with the place of the damage.
  reesim::Scenario scenario;
  if (kind == FileKind::kScenario && !experiments::ParsesQuietly(text, scenario)) return;
  static constexpr const char* kWhat[] = {"a scenario (reesim.Scenario)", "an experiment (reesim.Experiment)",
                                          "an empirical game (reesim.Game)"};
  static constexpr const char* kCommand[] = {"reesim run --scenario FILE", "reesim experiment --spec FILE",
                                             "reesim game --spec FILE"};
  const int k = static_cast<int>(kind);
  throw InputError(path + ": this is " + kWhat[k] + ", not " + kWhat[static_cast<int>(expected)] + ": run it with " +
                   kCommand[k] + " (reesim check FILE tells the kinds apart)");
}

int CheckCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim check FILE\n\n"
      "Validates a scenario file (protobuf text format, message reesim.Scenario; or a library scenario by\n"
      "name), an experiment file (reesim.Experiment, recognised by its `scenario:` and `replicates:`\n"
      "fields) or an empirical game (reesim.Game, recognised by its `players`): syntax, unknown fields,\n"
      "references, parameter paths, actors, strategies, metrics and value ranges. Errors are printed as\n"
      "FILE:LINE:COL: message, "
      "or FILE: field = value: message; exit code 2.\n\n"
      "Limits: input files (scenarios, their base_scenario, experiments, games) are regular files of at\n"
      "most 64 MB; a scenario holds at most 256 actors, 500 regions, 256 products, 100000 plants, 20000\n"
      "demand entries, 250000 transport costs and 20000 policy events, and an alliance at most 256\n"
      "members (README, Scenarios).\n\noptions");
  options.add_options()("help", "show this help")("file", po::value<std::string>(), "the file to check");
  po::variables_map vars;
  if (!ParseOptions(options, args, "file", vars)) return 0;
  if (!vars.count("file")) throw UsageError("check needs a file");
  const std::string path = vars["file"].as<std::string>();
  const std::string text = run::ReadScenarioSource(path).text;
  if (KindOf(text) == FileKind::kGame) {
    const games::GameSpec spec = games::LoadGameText(text, path);
    std::cout << path << ": ok: game '" << spec.name << "', " << spec.players.size() << " players, " << spec.profiles
              << " profiles" << (spec.search.quiesce ? " (profile search: at most " + std::to_string(spec.search.max_profiles) + " simulated)" : "")
              << ", " << spec.experiment.arm_names.size() << " arms, " << spec.experiment.RunsPerArm() << " runs per arm\n";
    return 0;
  }
  if (KindOf(text) == FileKind::kExperiment) {
    const experiments::ExperimentSpec spec = experiments::LoadExperimentFile(path);
    std::cout << path << ": ok: experiment '" << spec.name << "', " << spec.arm_names.size() << " arms, "
              << spec.parameters.size() << " parameters, " << spec.outcomes.size() << " outcomes, "
              << spec.RunsPerArm() << " runs per arm\n";
    return 0;
  }
  const run::LoadedScenario scenario = run::LoadScenarioFile(path);
  const world::WorldDescription& world = scenario.world;
  std::cout << path << ": ok: scenario '" << world.name << "', " << world.actors.size() << " actors, "
            << world.regions.size() << " regions, " << world.products.size() << " products, " << world.plants.size()
            << " plants, " << world.demand.size() << " demand entries, " << scenario.timeline.events.size()
            << " policy events\n";
  return 0;
}

}  // namespace reesim::cli
