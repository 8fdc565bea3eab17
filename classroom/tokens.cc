#include "classroom/tokens.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace reesim::classroom {

void OsRandomBytes(unsigned char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::getrandom(out + done, size - done, 0);
    if (got > 0) {
      done += static_cast<std::size_t>(got);
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // ENOSYS and the like: fall back to the device
    }
  }
  if (done == size) return;
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot read the system's random source (getrandom, /dev/urandom)");
  while (done < size) {
    const ssize_t got = ::read(fd, out + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot read /dev/urandom");
    }
    done += static_cast<std::size_t>(got);
  }
  ::close(fd);
}

std::string OsTokenSource::Token() {
  unsigned char bytes[16];
  OsRandomBytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (const unsigned char byte : bytes) {
    token += kHex[byte >> 4];
    token += kHex[byte & 15];
  }
  return token;
}

std::string OsTokenSource::JoinCode() {
  constexpr int kSymbols = sizeof kJoinCodeAlphabet - 1;
  constexpr int kLimit = 256 - 256 % kSymbols;  // rejection sampling: every symbol equally likely
  std::string code;
  while (static_cast<int>(code.size()) < kJoinCodeLength) {
    unsigned char bytes[16];
    OsRandomBytes(bytes, sizeof bytes);
    for (const unsigned char byte : bytes) {
      if (byte < kLimit && static_cast<int>(code.size()) < kJoinCodeLength) code += kJoinCodeAlphabet[byte % kSymbols];
    }
  }
  return code;
}

std::string NormaliseCode(const std::string& code) {
  std::string out;
  for (const char c : code) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace reesim::classroom
