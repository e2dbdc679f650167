// Password hashing and random secrets, on libsodium.
//
// Passwords: argon2id (crypto_pwhash_str, the "interactive" limits: 2 passes,
// 64 MiB; about 0.1 s on one core), stored as the self-describing
// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string. Verification is
// constant-time. Tokens (API tokens, session ids, CSRF tokens) are 32 random
// bytes, base64url; only a keyed-less BLAKE2b-256 hash of a token is stored
// (a token is high-entropy, so a fast hash is enough and a leaked database
// does not reveal usable tokens).
//
// Threads: all functions are thread-safe. HashPassword/VerifyPassword take
// ~0.1 s and 64 MiB: call them from a worker thread, never the io thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vmi::api {

// Initializes libsodium once; every function here calls it.
Result<void> InitSodium();

Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

// `bytes` random bytes, base64url without padding.
std::string RandomToken(size_t bytes = 32);
// Hex BLAKE2b-256 of a token, for storage and lookup.
std::string TokenHash(std::string_view token);
// Constant-time string comparison.
bool SecureEquals(std::string_view a, std::string_view b);

}  // namespace vmi::api
