// Random secrets from the kernel's CSPRNG (getrandom(2)), for instance ids,
// VNC passwords, API tokens and session ids.
//
// There is no fallback: if the kernel cannot give random bytes (it always can
// on Linux >= 3.17 once the pool is initialized, which getrandom waits for),
// the process aborts rather than hand out a guessable secret. Characters are
// drawn by rejection sampling, so every character of the alphabet is equally
// likely (no modulo bias). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vmi {

void RandomBytes(void* out, size_t size);
// Uniform in [0, bound); bound > 0.
uint32_t RandomBelow(uint32_t bound);
// `bytes` random bytes as 2*bytes lower-case hex digits.
std::string RandomHex(size_t bytes);
// `length` characters, each drawn uniformly from `alphabet` (not empty).
std::string RandomString(size_t length, std::string_view alphabet);
// A human-typeable password: letters and digits without 0/O and 1/l/I.
std::string RandomPassword(size_t length);

}  // namespace vmi
