// Command-line parsing shared by the subcommands (Boost.Program_options).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace reesim::cli {

// A random seed from the command line: decimal digits only, 0 to 2^64-1. Boost's lexical_cast to an
// unsigned type reads "-1" as 2^64-1, which would run silently with a seed the user never gave.
struct SeedOption {
  std::uint64_t value = 1;
};

// Found by argument-dependent lookup from boost::program_options::value<SeedOption>().
inline void validate(boost::any& out, const std::vector<std::string>& values, SeedOption*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(out);
  const std::string& text = po::validators::get_single_string(values);
  bool ok = !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
  unsigned long long parsed = 0;
  if (ok) {
    try {
      std::size_t used = 0;
      parsed = std::stoull(text, &used, 10);
      ok = used == text.size();
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) {
    throw po::error("--seed must be a whole number from 0 to 18446744073709551615, got '" +
                    (text.size() > 40 ? text.substr(0, 40) + "..." : text) + "'");
  }
  out = SeedOption{static_cast<std::uint64_t>(parsed)};
}

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
