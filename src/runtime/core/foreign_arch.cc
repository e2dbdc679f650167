#include "runtime/core/foreign_arch.h"

#include <sys/mount.h>
#include <unistd.h>

#include "base/file.h"

namespace vmi::runtime {
namespace {

// From QEMU's scripts/qemu-binfmt-conf.sh (ELF header: class, data, type,
// machine), for when Debian's binfmt.d file is not installed.
struct Magic {
  const char* arch;
  const char* magic;
  const char* mask;
};
constexpr Magic kMagic[] = {
    {"arm64",
     "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
     "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\x"
     "ff\\xff"},
    {"x86_64",
     "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00",
     "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\x"
     "ff\\xff"},
    {"i386",
     "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00",
     "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\x"
     "ff\\xff"},
};

std::string Interpreter(const std::string& cpu) { return "/usr/bin/qemu-" + cpu + "-static"; }

// "enabled", flags and interpreter of a registered entry; empty if none.
struct Entry {
  bool exists = false, enabled = false, fix_binary = false;
  std::string interpreter;
};
Entry ReadEntry(const std::string& binfmt_dir, const std::string& cpu) {
  Entry e;
  auto text = ReadFile(binfmt_dir + "/qemu-" + cpu, 1 << 16);
  if (!text.ok()) return e;
  e.exists = true;
  for (auto line : Split(*text, '\n')) {
    line = std::string(Trim(line));
    if (line == "enabled") e.enabled = true;
    if (line.rfind("flags:", 0) == 0) e.fix_binary = line.find('F', 6) != std::string::npos;
    if (line.rfind("interpreter ", 0) == 0) e.interpreter = line.substr(12);
  }
  return e;
}

std::string InstallHint(const std::string& arch) {
  return "install Debian's qemu-user-static (apt-get install qemu-user-static) so that vmi can "
         "register qemu-" +
         QemuCpu(arch) + " with binfmt_misc";
}

}  // namespace

std::string QemuCpu(const std::string& arch) {
  std::string a = NormalizeArch(arch);
  return a == "arm64" ? "aarch64" : a;
}

std::string BinfmtRule(const std::string& arch) {
  std::string a = NormalizeArch(arch), cpu = QemuCpu(a);
  std::string rule;
  auto conf = ReadFile("/usr/lib/binfmt.d/qemu-" + cpu + ".conf", 1 << 16);
  if (conf.ok()) {
    for (auto line : Split(*conf, '\n'))
      if (!line.empty() && line[0] == ':') rule = std::string(Trim(line));
  }
  if (rule.empty()) {
    for (const auto& m : kMagic)
      if (a == m.arch)
        rule = ":qemu-" + cpu + ":M::" + m.magic + ":" + m.mask + ":" + Interpreter(cpu) + ":";
  }
  if (rule.empty()) return rule;
  // The flags are the last field: add F (fix binary) when missing.
  size_t last = rule.rfind(':');
  if (rule.find('F', last) == std::string::npos) rule += "F";
  return rule;
}

std::vector<ArchSupport> ProbeArchitectures(const std::string& binfmt_dir) {
  std::string host = HostArch();
  std::vector<ArchSupport> out = {{host, true, "native", ""}};
  for (const char* a : {"x86_64", "arm64", "i386"}) {
    if (a == host) continue;
    ArchSupport s;
    s.arch = a;
    std::string cpu = QemuCpu(a);
    Entry e = ReadEntry(binfmt_dir, cpu);
    if (e.exists && e.enabled && e.fix_binary) {
      s.runnable = true;
      s.how = "qemu-" + cpu + " (binfmt_misc, fix-binary)";
    } else if (access(Interpreter(cpu).c_str(), X_OK) == 0) {
      // Registered by vmi on first use (EnsureRunnable).
      s.runnable = true;
      s.how = "qemu-" + cpu + " (registered with binfmt_misc on first use)";
    } else if (a == std::string("i386") && host == "x86_64") {
      s.how = "needs the kernel's ia32 emulation or qemu-i386";
      s.missing = InstallHint(a);
    } else {
      s.missing = InstallHint(a);
      s.how = "not runnable: " + s.missing;
    }
    out.push_back(s);
  }
  return out;
}

Result<void> EnsureRunnable(const std::string& arch, const std::string& binfmt_dir) {
  std::string a = NormalizeArch(arch);
  if (a.empty() || a == HostArch()) return Ok();
  std::string cpu = QemuCpu(a);
  Entry e = ReadEntry(binfmt_dir, cpu);
  if (e.exists && e.enabled && e.fix_binary) return Ok();
  std::string rule = BinfmtRule(a);
  if (rule.empty())
    return Error(ErrorCode::kUnavailable, "this host (" + HostArch() + ") cannot run " + a +
                                              " programs: vmi knows no translator for it");
  std::string interp = Split(rule, ':').size() > 7 ? Split(rule, ':')[7] : "";
  if (interp.empty() || access(interp.c_str(), X_OK) != 0)
    return Error(ErrorCode::kUnavailable,
                 "this host (" + HostArch() + ") cannot run " + a + " programs: " + InstallHint(a));
  if (!PathExists(binfmt_dir + "/register")) {
    if (mount("binfmt_misc", binfmt_dir.c_str(), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0)
      return Error::FromErrno("mount binfmt_misc on " + binfmt_dir);
  }
  // An entry without F (e.g. registered by hand) would not work inside
  // containers: replace it.
  if (e.exists)
    VMI_CHECK_OK(WriteFile(binfmt_dir + "/qemu-" + cpu, "-1"), "remove old qemu-" + cpu);
  VMI_CHECK_OK(WriteFile(binfmt_dir + "/register", rule),
               "register qemu-" + cpu + " with binfmt_misc");
  Entry now = ReadEntry(binfmt_dir, cpu);
  if (!now.enabled)
    return Error(ErrorCode::kUnavailable, "qemu-" + cpu + " was registered but is not enabled");
  return Ok();
}

}  // namespace vmi::runtime
