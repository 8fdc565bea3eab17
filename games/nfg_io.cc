#include "games/nfg_io.h"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "games/check.h"

namespace reesim::games {

NfgError::NfgError(int line, int column, const std::string& message)
    : std::runtime_error(std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

enum class TokenKind { kNumber, kText, kSymbol, kLeftBrace, kRightBrace, kComma, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // a number's or symbol's characters; a string's contents, unescaped
  int line = 1;
  int column = 1;
};

// A token's characters as an error message shows them: at most 40 (a 1 MB token is not echoed whole),
// control characters escaped (\n, \t, \xNN), so that the message stays one line.
std::string Clip(const std::string& text) {
  std::string shown;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (i >= 40 && (c & 0xC0) != 0x80) break;  // not inside a UTF-8 character
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\t') {
      shown += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(c));
      shown += escaped;
    } else {
      shown += text[i];
    }
  }
  return i < text.size() ? shown + "..." : shown;
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kNumber:
      return "the number " + Clip(token.text);
    case TokenKind::kText:
      return "the string \"" + Clip(token.text) + "\"";
    case TokenKind::kSymbol:
      return "'" + Clip(token.text) + "'";
    case TokenKind::kLeftBrace:
      return "'{'";
    case TokenKind::kRightBrace:
      return "'}'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kEnd:
      return "the end of the file";
  }
  return "?";
}

bool Delimiter(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '{' || c == '}' || c == ',' || c == '"';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) { Advance(); }

  const Token& Peek() const { return current_; }
  Token Take() {
    Token token = std::move(current_);
    Advance();
    return token;
  }

  [[noreturn]] void Fail(const Token& at, const std::string& expected) const {
    throw NfgError(at.line, at.column, "expected " + expected + ", found " + Describe(at));
  }

  // Bytes not yet read, counting the token under Peek().
  std::size_t Unread() const { return text_.size() - current_start_; }

  Token Expect(TokenKind kind, const std::string& expected) {
    if (current_.kind != kind) Fail(current_, expected);
    return Take();
  }

 private:
  char Get() {
    const char c = text_[position_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    return c;
  }

  void Advance() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) Get();
    current_ = Token{};
    current_start_ = position_;
    current_.line = line_;
    current_.column = column_;
    if (position_ >= text_.size()) {
      current_.kind = TokenKind::kEnd;
      return;
    }
    const char c = Get();
    if (c == '{') {
      current_.kind = TokenKind::kLeftBrace;
    } else if (c == '}') {
      current_.kind = TokenKind::kRightBrace;
    } else if (c == ',') {
      current_.kind = TokenKind::kComma;
    } else if (c == '"') {
      current_.kind = TokenKind::kText;
      while (true) {
        if (position_ >= text_.size()) {
          throw NfgError(current_.line, current_.column,
                         "unterminated string: expected a closing '\"' before the end of the file");
        }
        const char d = Get();
        if (d == '"') break;
        if (d == '\\' && position_ < text_.size() && (text_[position_] == '"' || text_[position_] == '\\')) {
          current_.text += Get();
        } else {
          current_.text += d;
        }
      }
    } else {
      current_.text += c;
      while (position_ < text_.size() && !Delimiter(text_[position_])) current_.text += Get();
      const bool numeric = std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.';
      current_.kind = numeric ? TokenKind::kNumber : TokenKind::kSymbol;
    }
  }

  std::string_view text_;
  std::size_t position_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::size_t current_start_ = 0;
  Token current_;
};

// Returns the exact value of a number token, or fails saying what was expected.
Rational NumberValue(const Lexer& lexer, const Token& token, const std::string& expected) {
  if (token.kind != TokenKind::kNumber) lexer.Fail(token, expected);
  const std::optional<Rational> value = ParseRational(token.text);
  if (!value) {
    throw NfgError(token.line, token.column,
                   "expected " + expected + ", found '" + Clip(token.text) +
                       "', which is not a number (integers, decimals such as -2.5 or 1e3, fractions such as 1/3)");
  }
  return *value;
}

// Returns a whole number in [low, high] read from a number token.
std::int64_t WholeNumber(const Lexer& lexer, const Token& token, std::int64_t low, std::int64_t high,
                         const std::string& expected) {
  const Rational value = NumberValue(lexer, token, expected);
  if (value.get_den() != 1 || value < low || value > high) {
    throw NfgError(token.line, token.column,
                   "expected " + expected + " (a whole number from " + std::to_string(low) + " to " +
                       std::to_string(high) + "), found " + Clip(token.text));
  }
  return value.get_num().get_si();
}

// Returns the offset of the first byte that is not part of valid UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF), or text.size(). Labels and titles reach JSON output, which must be UTF-8.
std::size_t FirstInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const int extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0 || i + extra >= text.size()) return i;  // not a lead byte, or cut off
    std::uint32_t code = c & (0x7F >> (extra + 1));
    for (int k = 1; k <= extra; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += extra + 1;
  }
  return text.size();
}

std::string Ordinal(std::int64_t n) { return "#" + std::to_string(n); }

NormalFormGame Parse(std::string_view text) {
  if (static_cast<std::int64_t>(text.size()) > kMaxNfgBytes) {
    throw NfgError(1, 1, "the file is larger than the limit of " + std::to_string(kMaxNfgBytes) + " bytes");
  }
  if (const std::size_t bad = FirstInvalidUtf8(text); bad < text.size()) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < bad; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    throw NfgError(line, column, std::string("the file is not valid UTF-8 (byte ") + byte + ")");
  }
  Lexer lexer(text);
  // Header: NFG 1 R "title"
  {
    const Token nfg = lexer.Take();
    if (nfg.kind != TokenKind::kSymbol || nfg.text != "NFG") lexer.Fail(nfg, "'NFG' (a Gambit .nfg file starts with NFG 1 R)");
    const Token version = lexer.Take();
    if (version.kind != TokenKind::kNumber || version.text != "1") lexer.Fail(version, "the version number 1 after NFG");
    const Token type = lexer.Take();
    if (type.kind != TokenKind::kSymbol || (type.text != "R" && type.text != "D")) lexer.Fail(type, "'R' after NFG 1");
  }
  const std::string title = lexer.Expect(TokenKind::kText, "the game's title in double quotes").text;

  // Players.
  lexer.Expect(TokenKind::kLeftBrace, "'{' opening the list of player names");
  std::vector<std::string> players;
  while (lexer.Peek().kind == TokenKind::kText) {
    if (static_cast<int>(players.size()) == kMaxPlayers) {
      throw NfgError(lexer.Peek().line, lexer.Peek().column,
                     "more than " + std::to_string(kMaxPlayers) + " players, the limit");
    }
    players.push_back(lexer.Take().text);
  }
  if (players.empty()) lexer.Fail(lexer.Peek(), "a player name in double quotes");
  lexer.Expect(TokenKind::kRightBrace, "a player name in double quotes or '}' closing the list of players");

  // Strategies: counts { 3 2 } or labels { { "a" "b" } { "c" } }.
  const Token open = lexer.Expect(TokenKind::kLeftBrace, "'{' opening the strategy counts or labels");
  std::vector<std::vector<std::string>> strategies;
  std::int64_t profiles = 1;
  auto check_size = [&](const Token& at, std::int64_t count) {
    if (count > kMaxPayoffEntries || profiles > kMaxPayoffEntries / count / static_cast<std::int64_t>(players.size())) {
      throw NfgError(at.line, at.column,
                     "the game has more than " + std::to_string(kMaxPayoffEntries) +
                         " payoffs (profiles x players), the limit");
    }
    profiles *= count;
  };
  if (lexer.Peek().kind == TokenKind::kLeftBrace) {
    for (std::size_t i = 0; i < players.size(); ++i) {
      const Token player_open = lexer.Expect(
          TokenKind::kLeftBrace, "'{' opening the strategy labels of player " + std::to_string(i + 1) + " of " +
                                     std::to_string(players.size()));
      std::vector<std::string> labels;
      while (lexer.Peek().kind == TokenKind::kText) {
        if (static_cast<std::int64_t>(labels.size()) >= kMaxPayoffEntries) {
          throw NfgError(lexer.Peek().line, lexer.Peek().column, "too many strategies");
        }
        labels.push_back(lexer.Take().text);
      }
      if (labels.empty()) lexer.Fail(lexer.Peek(), "a strategy label in double quotes (every player needs one)");
      lexer.Expect(TokenKind::kRightBrace, "a strategy label in double quotes or '}'");
      check_size(player_open, static_cast<std::int64_t>(labels.size()));
      strategies.push_back(std::move(labels));
    }
    lexer.Expect(TokenKind::kRightBrace, "'}' closing the strategy labels of all " + std::to_string(players.size()) +
                                             " players");
  } else {
    for (std::size_t i = 0; i < players.size(); ++i) {
      const Token count_token = lexer.Take();
      if (count_token.kind == TokenKind::kRightBrace) {
        lexer.Fail(count_token, "the number of strategies of player " + std::to_string(i + 1) + " (one count per player, " +
                                    std::to_string(players.size()) + " players)");
      }
      const std::int64_t count = WholeNumber(lexer, count_token, 1, kMaxPayoffEntries,
                                             "the number of strategies of player " + std::to_string(i + 1));
      check_size(count_token, count);
      std::vector<std::string> labels;
      for (std::int64_t j = 1; j <= count; ++j) labels.push_back(std::to_string(j));
      strategies.push_back(std::move(labels));
    }
    lexer.Expect(TokenKind::kRightBrace, "'}' after " + std::to_string(players.size()) +
                                             " strategy counts (one per player)");
  }
  (void)open;

  std::string comment;
  if (lexer.Peek().kind == TokenKind::kText) comment = lexer.Take().text;

  // Every profile needs at least a payoff or an outcome index (a character and a separator) in what is
  // left of the file: a short file claiming a million profiles is refused before a payoff table (one
  // GMP rational per entry) is allocated for it.
  if (profiles > static_cast<std::int64_t>(lexer.Unread() / 2 + 1)) {
    throw NfgError(lexer.Peek().line, lexer.Peek().column,
                   "the strategies make " + std::to_string(profiles) + " profiles, but the rest of the file (" +
                       std::to_string(lexer.Unread()) + " bytes) cannot hold a payoff or outcome index for each");
  }
  NormalFormGame game(std::move(players), std::move(strategies));
  game.set_title(title);
  game.set_comment(comment);
  const int n = game.NumPlayers();

  if (lexer.Peek().kind == TokenKind::kLeftBrace) {
    // Outcome version: the outcome list, then one outcome index per profile.
    lexer.Take();
    std::vector<std::vector<Rational>> outcomes;
    while (lexer.Peek().kind == TokenKind::kLeftBrace) {
      lexer.Take();
      const std::string which = "outcome " + Ordinal(static_cast<std::int64_t>(outcomes.size()) + 1);
      lexer.Expect(TokenKind::kText, "the label of " + which + " in double quotes (\"\" for none)");
      std::vector<Rational> payoffs;
      for (int i = 0; i < n; ++i) {
        const Token token = lexer.Take();
        payoffs.push_back(NumberValue(lexer, token,
                                      "the payoff of player " + std::to_string(i + 1) + " of " + std::to_string(n) +
                                          " in " + which));
        if (lexer.Peek().kind == TokenKind::kComma) lexer.Take();
      }
      lexer.Expect(TokenKind::kRightBrace, "'}' closing " + which + " after its " + std::to_string(n) + " payoffs");
      outcomes.push_back(std::move(payoffs));
      if (static_cast<std::int64_t>(outcomes.size()) * n > kMaxPayoffEntries) {
        throw NfgError(lexer.Peek().line, lexer.Peek().column, "more outcomes than the limit");
      }
    }
    lexer.Expect(TokenKind::kRightBrace, "'{' opening an outcome or '}' closing the outcome list");
    for (std::int64_t profile = 0; profile < game.NumProfiles(); ++profile) {
      const Token token = lexer.Take();
      const std::string expected = "the outcome index of profile " + Ordinal(profile + 1) + " of " +
                                   std::to_string(game.NumProfiles());
      if (token.kind != TokenKind::kNumber) lexer.Fail(token, expected);
      const Rational value = NumberValue(lexer, token, expected);
      if (value.get_den() != 1 || value < 0) {
        throw NfgError(token.line, token.column, "expected " + expected + " (a whole number >= 0), found " + Clip(token.text));
      }
      if (value > static_cast<long>(outcomes.size())) {
        throw NfgError(token.line, token.column,
                       "outcome index " + Clip(token.text) + " of profile " + Ordinal(profile + 1) +
                           " is not defined: the file defines " + std::to_string(outcomes.size()) +
                           " outcomes (1 to " + std::to_string(outcomes.size()) + ", or 0 for the null outcome)");
      }
      const long outcome = value.get_num().get_si();
      if (outcome > 0) {
        for (int i = 0; i < n; ++i) game.SetPayoff(profile, i, outcomes[outcome - 1][i]);
      }
    }
    const Token end = lexer.Take();
    if (end.kind != TokenKind::kEnd) {
      lexer.Fail(end, "the end of the file after " + std::to_string(game.NumProfiles()) +
                          " outcome indices (one per profile)");
    }
  } else {
    // Payoff version: every player's payoff at every profile.
    for (std::int64_t profile = 0; profile < game.NumProfiles(); ++profile) {
      for (int i = 0; i < n; ++i) {
        const Token token = lexer.Take();
        game.SetPayoff(profile, i,
                       NumberValue(lexer, token,
                                   "the payoff of player " + std::to_string(i + 1) + " at profile " +
                                       Ordinal(profile + 1) + " of " + std::to_string(game.NumProfiles()) +
                                       " (payoff " + std::to_string(profile * n + i + 1) + " of " +
                                       std::to_string(game.NumProfiles() * n) + ")"));
      }
    }
    const Token end = lexer.Take();
    if (end.kind != TokenKind::kEnd) {
      lexer.Fail(end, "the end of the file after " + std::to_string(game.NumProfiles() * n) + " payoffs (" +
                          std::to_string(game.NumProfiles()) + " profiles x " + std::to_string(n) + " players)");
    }
  }
  return game;
}

bool DefaultLabels(const NormalFormGame& game) {
  for (int i = 0; i < game.NumPlayers(); ++i) {
    for (int j = 0; j < game.NumStrategies(i); ++j) {
      if (game.strategies()[i][j] != std::to_string(j + 1)) return false;
    }
  }
  return true;
}

void WriteHeader(const NormalFormGame& game, bool labels, std::ostringstream& out) {
  out << "NFG 1 R " << QuoteNfgString(game.title()) << " {";
  for (const std::string& player : game.players()) out << " " << QuoteNfgString(player);
  out << " }\n";
  if (labels) {
    out << "\n{";
    for (int i = 0; i < game.NumPlayers(); ++i) {
      out << (i == 0 ? " {" : "  {");
      for (const std::string& label : game.strategies()[i]) out << " " << QuoteNfgString(label);
      out << " }\n";
    }
    out << "}\n";
  } else {
    out << "{";
    for (const int count : game.StrategyCounts()) out << " " << count;
    out << " }\n";
  }
  out << QuoteNfgString(game.comment()) << "\n\n";
}

}  // namespace

NormalFormGame ParseNfg(std::string_view text) {
  try {
    return Parse(text);
  } catch (const GameError& error) {
    // Constructing the game can only fail on limits already checked with positions; keep a position.
    throw NfgError(1, 1, error.what());
  }
}

NormalFormGame ReadNfgFile(const std::string& path) {
  // Only regular files: a directory would otherwise read as a file of 2^63 bytes, a pipe forever.
  std::error_code status_error;
  const std::filesystem::file_status status = std::filesystem::status(path, status_error);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw NfgError(0, 0, "not a regular file (a directory, device or pipe)");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NfgError(0, 0, std::string("cannot open the file: ") + (errno != 0 ? std::strerror(errno) : "unknown error"));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw NfgError(0, 0, "cannot read the file");
  if (size > kMaxNfgBytes) {
    throw NfgError(0, 0, "the file has " + std::to_string(size) + " bytes, more than the limit of " +
                             std::to_string(kMaxNfgBytes));
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), size)) throw NfgError(0, 0, "cannot read the file");
  return ParseNfg(text);
}

std::string WritePayoffNfg(const NormalFormGame& game) {
  std::ostringstream out;
  WriteHeader(game, /*labels=*/!DefaultLabels(game), out);
  for (std::int64_t profile = 0; profile < game.NumProfiles(); ++profile) {
    for (int i = 0; i < game.NumPlayers(); ++i) out << (i == 0 ? "" : " ") << ToDecimalString(game.Payoff(profile, i));
    out << "\n";
  }
  return out.str();
}

std::string WriteOutcomeNfg(const NormalFormGame& game) {
  std::ostringstream out;
  WriteHeader(game, /*labels=*/true, out);
  out << "{\n";
  for (std::int64_t profile = 0; profile < game.NumProfiles(); ++profile) {
    out << "{ \"\"";
    for (int i = 0; i < game.NumPlayers(); ++i) out << (i == 0 ? " " : ", ") << ToDecimalString(game.Payoff(profile, i));
    out << " }\n";
  }
  out << "}\n";
  for (std::int64_t profile = 0; profile < game.NumProfiles(); ++profile) {
    out << (profile == 0 ? "" : (profile % 20 == 0 ? "\n" : " ")) << profile + 1;
  }
  out << "\n";
  return out.str();
}

std::string QuoteNfgString(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace reesim::games
