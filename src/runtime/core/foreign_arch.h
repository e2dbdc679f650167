// Foreign CPU architectures: which ones this host can run, and making them
// runnable. A program for another CPU runs through QEMU user mode
// (qemu-user-static), registered with the kernel's binfmt_misc with the F
// ("fix binary") flag: the kernel opens the interpreter when it is
// registered, so it works inside every container's mount namespace without
// the interpreter being in the container. docs/foreign-arch.md.
//
//   /proc/sys/fs/binfmt_misc/qemu-aarch64:   enabled
//                                            interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
//                                            flags: POCF
//                                            offset 0
//                                            magic 7f454c46...
//
// Architectures are named as Debian names them where it matters to users:
// "x86_64", "arm64", "i386" (uname's aarch64 is arm64, i686 is i386).
//
// Threads: plain functions; EnsureRunnable writes host-global kernel state
// (a binfmt_misc registration) and is idempotent.
#pragma once

#include <string>
#include <vector>

#include "base/host_arch.h"
#include "base/result.h"

namespace vmi::runtime {

// QEMU's name for an architecture ("arm64" -> "aarch64").
std::string QemuCpu(const std::string& arch);

struct ArchSupport {
  std::string arch;
  bool runnable = false;
  // "native", "qemu-aarch64 (binfmt_misc, F)", or what can be done.
  std::string how;
  // When not runnable: what to install or do.
  std::string missing;
};

// The host's architecture and the foreign ones vmi knows (x86_64, arm64,
// i386), each with whether it runs now or could be made to (qemu-user-static
// installed: EnsureRunnable registers it).
std::vector<ArchSupport> ProbeArchitectures(
    const std::string& binfmt_dir = "/proc/sys/fs/binfmt_misc");

// Makes programs of `arch` runnable: nothing for the host's own; otherwise
// mounts binfmt_misc if needed and registers qemu-<cpu> with the F flag
// (from Debian's /usr/lib/binfmt.d/qemu-<cpu>.conf when present). Fails
// with kUnavailable and a message saying what to install.
Result<void> EnsureRunnable(const std::string& arch,
                            const std::string& binfmt_dir = "/proc/sys/fs/binfmt_misc");

// The registration line for `arch` ("" when vmi knows none): Debian's
// binfmt.d file if installed, else QEMU's magic/mask for the CPU with the
// static interpreter; the F flag is always set.
std::string BinfmtRule(const std::string& arch);

}  // namespace vmi::runtime
