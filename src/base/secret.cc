#include "base/secret.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/log.h"

namespace vmi {

void RandomBytes(void* out, size_t size) {
  auto* p = static_cast<unsigned char*>(out);
  while (size > 0) {
    ssize_t n = getrandom(p, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      VMI_LOG(ERROR) << "getrandom: " << strerror(errno) << "; refusing to make a weak secret";
      abort();
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

uint32_t RandomBelow(uint32_t bound) {
  // Values at or above the largest multiple of `bound` that fits would make
  // the low residues more likely; draw again instead (less than half the time).
  const uint32_t limit = UINT32_MAX - UINT32_MAX % bound;
  for (;;) {
    uint32_t v;
    RandomBytes(&v, sizeof v);
    if (v < limit) return v % bound;
  }
}

std::string RandomHex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw(bytes, '\0');
  RandomBytes(raw.data(), raw.size());
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string RandomString(size_t length, std::string_view alphabet) {
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) {
    out += alphabet[RandomBelow(static_cast<uint32_t>(alphabet.size()))];
  }
  return out;
}

std::string RandomPassword(size_t length) {
  return RandomString(length, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789");
}

}  // namespace vmi
