// Fuzz target: the APK/AAR reader on arbitrary bytes (the archive is a
// memfd reached through /proc/self/fd). Lists the archive, then opens the
// entries a load would try (bare name in the host ABI directory, an explicit
// path, the first listed entry), extracting into a private cache directory.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "bridge/apk_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool env = [] {
    setenv("VMI_BRIDGE_APK_CACHE", ("/tmp/bridge-apk-fuzz-" + std::to_string(getpid())).c_str(), 1);
    return true;
  }();
  (void)env;
  int fd = memfd_create("fuzz.apk", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto names = vmi::bridge::ListArchive(path);
  for (const char* entry : {"libfoo.so", "lib/x86_64/libfoo.so"}) {
    auto e = vmi::bridge::OpenArchiveEntry({path, entry});
    (void)e;
  }
  if (names.ok() && !names->empty()) {
    auto e = vmi::bridge::OpenArchiveEntry({path, names->front()});
    (void)e;
  }
  close(fd);
  return 0;
}
