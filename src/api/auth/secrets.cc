#include "api/auth/secrets.h"

#include <sodium.h>

#include <cstring>

#include "base/secret.h"

namespace vmi::api {

Result<void> InitSodium() {
  static int rc = sodium_init();  // thread-safe static init; sodium_init is idempotent
  if (rc < 0) return Error(ErrorCode::kInternal, "libsodium failed to initialize");
  return Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  VMI_CHECK_OK(InitSodium(), "hash password");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(ErrorCode::kResourceExhausted, "argon2id: out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!InitSodium().ok()) return false;
  std::string h(hash);  // must be NUL-terminated
  if (h.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string RandomToken(size_t bytes) {
  (void)InitSodium();
  std::string raw(bytes, '\0');
  RandomBytes(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(strlen(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string TokenHash(std::string_view token) {
  (void)InitSodium();
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

bool SecureEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vmi::api
