// Command-line parsing shared by the subcommands (Boost.Program_options).
#pragma once

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

namespace reesim::cli {

// Parses `args` into `vars`, with `positional` (if not null) taking `positional_count` bare arguments
// (-1: any number). Returns false after printing `options` when --help was given. Throws
// boost::program_options::error on bad usage.
inline bool ParseOptions(const boost::program_options::options_description& options,
                         const std::vector<std::string>& args, const char* positional,
                         boost::program_options::variables_map& vars, int positional_count = 1) {
  boost::program_options::positional_options_description positionals;
  if (positional != nullptr) positionals.add(positional, positional_count);
  boost::program_options::store(
      boost::program_options::command_line_parser(args).options(options).positional(positionals).run(), vars);
  boost::program_options::notify(vars);
  if (vars.count("help")) {
    std::cout << options << "\n";
    return false;
  }
  return true;
}

}  // namespace reesim::cli
