#include "base/host_arch.h"

#include <sys/utsname.h>

namespace vmi {

std::string NormalizeArch(const std::string& a) {
  if (a == "aarch64") return "arm64";
  if (a == "amd64" || a == "x86-64") return "x86_64";
  if (a == "i686" || a == "i586" || a == "i486" || a == "x86") return "i386";
  return a;
}

std::string HostArch() {
  struct utsname u;
  if (uname(&u) != 0) return "unknown";
  return NormalizeArch(u.machine);
}

}  // namespace vmi
