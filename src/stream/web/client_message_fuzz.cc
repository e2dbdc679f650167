// libFuzzer target for the viewer protocol's client messages
// (build with -DVMI_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++).
#include <cstddef>
#include <cstdint>

#include "stream/web/client_message_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vmi::web::CheckClientMessage(data, size);
  return 0;
}
