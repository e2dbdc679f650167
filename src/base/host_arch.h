// CPU architecture names as vmi uses them (Debian's where it matters to
// users): "x86_64", "arm64", "i386". uname's "aarch64" is arm64, "i686" is
// i386, Debian's "amd64" is x86_64.
#pragma once

#include <string>

namespace vmi {

std::string NormalizeArch(const std::string& arch);
// This machine's architecture, normalized.
std::string HostArch();

}  // namespace vmi
