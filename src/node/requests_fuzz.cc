// libFuzzer target: untrusted request bodies through the node's parsers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr,
                                 false);
  if (j.is_discarded()) return 0;
  auto a = vmi::node::ParseCreateInstance(j);
  auto b = vmi::node::ParseExec(j);
  (void)a;
  (void)b;
  return 0;
}
