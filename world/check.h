// Invariant checks for the economics: a broken invariant is a bug, so it prints the values and aborts.
// Bad user input is never checked here; it raises reesim::InputError at the boundary instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

namespace reesim {

// Raised for bad user input (files, flags, scenario contents); `main` prints it as `reesim: error: ...`.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

}  // namespace reesim

#define REESIM_CHECK(cond)                                                   \
  do {                                                                       \
    if (!(cond)) ::reesim::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (false)

#define REESIM_CHECK_OP(op, a, b)                                                              \
  do {                                                                                         \
    const auto& reesim_a_ = (a);                                                               \
    const auto& reesim_b_ = (b);                                                               \
    if (!(reesim_a_ op reesim_b_))                                                             \
      ::reesim::internal::CheckFailed(                                                         \
          __FILE__, __LINE__,                                                                  \
          ::reesim::internal::DescribeComparison(#a " " #op " " #b, reesim_a_, reesim_b_));    \
  } while (false)

#define REESIM_CHECK_EQ(a, b) REESIM_CHECK_OP(==, a, b)
#define REESIM_CHECK_LE(a, b) REESIM_CHECK_OP(<=, a, b)
#define REESIM_CHECK_LT(a, b) REESIM_CHECK_OP(<, a, b)
#define REESIM_CHECK_GE(a, b) REESIM_CHECK_OP(>=, a, b)
#define REESIM_CHECK_GT(a, b) REESIM_CHECK_OP(>, a, b)
