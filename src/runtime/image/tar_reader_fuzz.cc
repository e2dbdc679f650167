// libFuzzer target: TarReader + TarSafetyCheck on arbitrary bytes, fed in
// two pieces to exercise the streaming state machine. Built with
// -DVMI_FUZZ=ON (clang). tar_reader_test.cc replays malformed inputs in the
// regular suite.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/image/tar_check.h"
#include "runtime/image/tar_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vmi::image;
  TarSafetyCheck check;
  TarReader reader([&](const TarEntry& e) { return check.Check(e); });
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t split = size ? data[0] % (size + 1) : 0;
  if (reader.Feed(all.substr(0, split)).ok() && reader.Feed(all.substr(split)).ok()) {
    reader.Finish().ok();
  }
  return 0;
}
