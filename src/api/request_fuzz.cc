// libFuzzer target: request bodies -> typed, validated requests. Any input
// must either parse or fail with kInvalidArgument; nothing may crash, throw
// or hang. Regression inputs are replayed by json_reader_test.cc.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/request_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto kinds = vmi::api::AllRequestKinds();
  vmi::api::RequestKind kind = kinds[data[0] % kinds.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = vmi::api::ValidateRequestBody(kind, body);
  if (!r.ok() && r.error().code() != vmi::ErrorCode::kInvalidArgument) abort();
  return 0;
}
