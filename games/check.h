// Invariant checks for the game solvers: a broken invariant is a bug, so the check prints the values and
// aborts. Bad user input never reaches these; it raises a typed error at the boundary (NfgError in
// nfg_io.h, GameError in game_error.h). The games library depends on nothing of the simulation, so it has its own copy of the
// project's check macros.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace reesim::games {

namespace internal {
[[noreturn]] inline void CheckFailed(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "reesim: internal error: %s:%d: check failed: %s\n", file, line, what.c_str());
  std::abort();
}
template <typename A, typename B>
std::string DescribeComparison(const char* expr, const A& a, const B& b) {
  std::ostringstream out;
  out.precision(17);
  out << expr << " (" << a << " vs " << b << ")";
  return out.str();
}
}  // namespace internal

}  // namespace reesim::games

#define GAMES_CHECK(cond)                                                           \
  do {                                                                              \
    if (!(cond)) ::reesim::games::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (false)

#define GAMES_CHECK_OP(op, a, b)                                                                  \
  do {                                                                                            \
    const auto& games_a_ = (a);                                                                   \
    const auto& games_b_ = (b);                                                                   \
    if (!(games_a_ op games_b_))                                                                  \
      ::reesim::games::internal::CheckFailed(                                                     \
          __FILE__, __LINE__,                                                                     \
          ::reesim::games::internal::DescribeComparison(#a " " #op " " #b, games_a_, games_b_)); \
  } while (false)

#define GAMES_CHECK_EQ(a, b) GAMES_CHECK_OP(==, a, b)
#define GAMES_CHECK_LE(a, b) GAMES_CHECK_OP(<=, a, b)
#define GAMES_CHECK_LT(a, b) GAMES_CHECK_OP(<, a, b)
#define GAMES_CHECK_GE(a, b) GAMES_CHECK_OP(>=, a, b)
