// Gambit's .nfg file format for normal-form games: reading both versions and writing both.
//
//   payoff version:   NFG 1 R "title" { "P1" "P2" } { 3 2 }  "optional comment"  u1 u2 u1 u2 ...
//   outcome version:  NFG 1 R "title" { "P1" "P2" } { { "s1" "s2" "s3" } { "t1" "t2" } }
//                     "optional comment"  { { "outcome" u1, u2 } ... }  i1 i2 ... (one index per profile)
//
// Profiles run in Gambit's order, player 1 fastest (normal_form_game.h). Numbers are integers,
// decimals with an optional exponent, or fractions such as 1/3, all read exactly. Strings are in double
// quotes; inside them \" is a quote and \\ a backslash (any other backslash is kept as written). The
// only comment the format has is the optional quoted string after the header, kept as the game's
// comment. As in Gambit since version 14, too many or too few payoffs is an error. `R` and the older
// `D` are both accepted in the header. Outcome index 0 is the null outcome (every payoff 0).
//
// Source: Gambit's documentation, "Game representation formats", and its reader (src/games/file.cc).
//
// Limits: files of at most kMaxNfgBytes, and games within normal_form_game.h's kMaxPayoffEntries.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "games/normal_form_game.h"

namespace reesim::games {

inline constexpr std::int64_t kMaxNfgBytes = 64LL << 20;  // 64 MiB

// A malformed .nfg: what() is "LINE:COL: message" (1-based), the message saying what was expected
// and what was found. Readers of files prefix the file name.
class NfgError : public std::runtime_error {
 public:
  NfgError(int line, int column, const std::string& message);
  int line() const { return line_; }
  int column() const { return column_; }
  // The message without the position.
  const std::string& message() const { return message_; }

 private:
  int line_;
  int column_;
  std::string message_;
};

// Parses .nfg text (either version). Throws NfgError on malformed or too large input.
NormalFormGame ParseNfg(std::string_view text);

// Reads and parses an .nfg file. Throws NfgError as ParseNfg (position in the file), or NfgError at 0:0
// when the file cannot be read or is larger than kMaxNfgBytes.
NormalFormGame ReadNfgFile(const std::string& path);

// Returns the payoff version: strategy counts (or labels, when they are not the default "1", "2", ...)
// and one line of payoffs per profile, every number exact (a decimal when it terminates, else p/q).
std::string WritePayoffNfg(const NormalFormGame& game);

// Returns the outcome version: strategy labels, one unnamed outcome per profile in profile order, and
// the index list.
std::string WriteOutcomeNfg(const NormalFormGame& game);

// Returns `text` in double quotes with " and \ escaped.
std::string QuoteNfgString(std::string_view text);

}  // namespace reesim::games
