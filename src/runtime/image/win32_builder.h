// Builds the rootfs of a win32 image: the linux-mobile rootfs (host /usr
// bound read-only, the same Xvfb session, so live view, VNC, input, audio and
// screenshots work unchanged) plus Wine:
//
//   /root/.wine          the Wine prefix, initialised here by `wineboot -i`
//                        (so no instance pays for it at start); instances
//                        share it read-only as the overlay's lower layer and
//                        each gets its own C: by copy-on-write
//   /opt/win32/bin/      `wine` and `wineserver`, pointing at the Wine this
//                        host uses (below)
//   /opt/win32/share/    desktop entries and icons of Wine's own programs
//   /etc/vmi/session.json  from images/win32/ (the linux-mobile session plus
//                        a persistent wineserver and Wine's environment)
//
// Which Wine (FindWine): the cached new-WoW64 build of
// scripts/build-wine-wow64.sh when complete (runs 32- and 64-bit programs
// with no i386 ELF binary; its directory becomes a host bind), else Debian's
// wine with wine32 when this kernel runs i386 binaries, else Debian's
// wine64 alone (64-bit programs only). docs/win32.md has the measurements.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/image/linux_mobile_builder.h"

namespace vmi::image {

struct WineInstall {
  std::string wine;                // absolute path of the loader to run
  std::string wineserver;          // absolute path of wineserver
  std::string i386;                // "wow64", "wine32" or "" (64-bit only)
  std::string version;             // `wine --version`
  std::vector<std::string> binds;  // extra host paths the instances need
};

// The cached WoW64 build's install directory (VMI_WINE_WOW64_DIR overrides).
std::string WineWow64Dir();

// NotFound (with what to install) when the host has no usable Wine.
Result<WineInstall> FindWine();

// Digest of both definitions and the Wine chosen: a change means rebuild.
Result<std::string> Win32Digest(const std::string& win32_definition,
                                const std::string& linux_mobile_definition,
                                const WineInstall& wine);

Result<LinuxMobileBuild> BuildWin32Rootfs(const std::string& win32_definition,
                                          const std::string& linux_mobile_definition,
                                          const std::string& rootfs, const WineInstall& wine);

}  // namespace vmi::image
