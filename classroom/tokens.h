// Secrets of a classroom session: the teacher's and teams' tokens (128 bits, hex) and the seats' join
// codes, all from the operating system's random source (getrandom, else /dev/urandom), never from the
// simulation's streams. Tests substitute a deterministic source.
#pragma once

#include <cstdint>
#include <string>

namespace reesim::classroom {

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // Returns 128 random bits as 32 lowercase hex digits.
  virtual std::string Token() = 0;
  // Returns a join code: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
  virtual std::string JoinCode() = 0;
};

// The operating system's random source. Throws std::runtime_error if it cannot be read.
class OsTokenSource : public TokenSource {
 public:
  std::string Token() override;
  std::string JoinCode() override;
};

// Fills `size` bytes from the operating system's random source. Throws std::runtime_error on failure.
void OsRandomBytes(unsigned char* out, std::size_t size);

// A join code normalised for comparison: upper case, spaces and dashes removed.
std::string NormaliseCode(const std::string& code);

inline constexpr char kJoinCodeAlphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";  // 31 symbols
inline constexpr int kJoinCodeLength = 6;

}  // namespace reesim::classroom
