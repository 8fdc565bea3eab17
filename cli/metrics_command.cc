#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "run/metric_catalogue.h"
#include "run/scenario_io.h"

namespace po = boost::program_options;

namespace reesim::cli {

int MetricsCommand(const std::vector<std::string>& args) {
  po::options_description options(
      "usage: reesim metrics [--scenario NAME|FILE] [--format text|json]\n\n"
      "Lists the round's metrics: every family of names (price.<product>.<REGION>, ...) with its unit,\n"
      "whether an absent value means zero (a flow written only when positive) and its meaning; with\n"
      "--scenario, every metric name of that scenario's world instead, with its unit. These are the names\n"
      "scenario checks, strategy rules, experiment outcomes and game payoffs may use (docs/metrics.md);\n"
      "tools/plot_*.py read the units from `--format json`.\n\noptions");
  options.add_options()
      ("help", "show this help")
      ("scenario", po::value<std::string>(), "list the names of this scenario's world (a library name or a file)")
      ("format", po::value<std::string>()->default_value("text"), "text or json");
  po::variables_map vars;
  if (!ParseOptions(options, args, nullptr, vars)) return 0;
  const std::string format = vars["format"].as<std::string>();
  if (format != "text" && format != "json") throw UsageError("--format must be text or json, got '" + format + "'");
  const std::vector<run::MetricFamilyInfo>& families = run::MetricFamilies();
  if (!vars.count("scenario")) {
    if (format == "json") {
      boost::json::array out;
      for (const run::MetricFamilyInfo& family : families) {
        out.push_back(boost::json::object{{"pattern", family.pattern},
                                          {"unit", family.unit},
                                          {"absent_is_zero", family.absent_is_zero},
                                          {"meaning", family.meaning}});
      }
      std::cout << boost::json::serialize(out) << "\n";
      return 0;
    }
    for (const run::MetricFamilyInfo& family : families) {
      std::cout << family.pattern << "  [" << family.unit << (family.absent_is_zero ? "; absent = 0" : "") << "]  "
                << family.meaning << "\n";
    }
    return 0;
  }
  const run::LoadedScenario scenario = run::LoadScenarioFile(vars["scenario"].as<std::string>());
  const run::MetricCatalogue catalogue(scenario.world);
  boost::json::array out;
  for (const std::string& name : catalogue.names()) {
    const run::MetricRef ref = catalogue.Find(name);
    const run::MetricFamilyInfo& family = families[ref.family];
    if (format == "json") {
      out.push_back(boost::json::object{{"name", name},
                                        {"family", family.pattern},
                                        {"unit", family.unit},
                                        {"absent_is_zero", family.absent_is_zero}});
    } else {
      std::cout << name << "  [" << family.unit << "]\n";
    }
  }
  if (format == "json") std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace reesim::cli
