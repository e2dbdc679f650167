#include "cluster/gate_token.h"

#include <sodium.h>

namespace vmi::cluster {

std::string GateToken(const std::string& key, const std::string& phone_uid) {
  unsigned char out[32];
  // crypto_generichash takes keys of 16..64 bytes (or none): hash longer or
  // shorter keys down to 32 first, so any configured key works.
  unsigned char k[32];
  crypto_generichash(k, sizeof k, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     nullptr, 0);
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(phone_uid.data()),
                     phone_uid.size(), k, sizeof k);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string LineToken(const std::string& key, const std::string& phone_uid) {
  return GateToken(key, "line:" + phone_uid);
}

}  // namespace vmi::cluster
