#include "apps/upload_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "apps/deb_file.h"
#include "apps/pe_file.h"
#include "apps/zip_file.h"
#include "base/unique_fd.h"

namespace vmi::apps {
namespace {

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Extension(const std::string& file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  return Lower(file_name.substr(dot));
}

Result<std::string> Head(const std::string& path, size_t n) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::FromErrno("open " + path);
  std::string buf(n, '\0');
  ssize_t got = pread(fd.get(), buf.data(), n, 0);
  if (got < 0) return Error::FromErrno("read " + path);
  buf.resize(static_cast<size_t>(got));
  return buf;
}

Result<CheckedUpload> CheckWin32(const AppTarget& t, const std::string& path,
                                 const std::string& file_name, const std::string& head,
                                 uint64_t room) {
  CheckedUpload u;
  std::string ext = Extension(file_name);
  if (head.compare(0, 2, "MZ") == 0) {
    auto pe = VMI_TRY(ReadPeFile(path));
    u.machine = PeMachineName(pe.machine);
    if (pe.dll) return Bad("'" + file_name + "' is a DLL, not a program");
    if (pe.machine == PeMachine::kI386 && !t.wine_i386)
      return Bad("'" + file_name +
                 "' is a 32-bit Windows program and this image has only 64-bit "
                 "Wine; build the 32-bit support with scripts/build-wine-wow64.sh (or use a host "
                 "with ia32 emulation and Debian's wine32), then rebuild the image with "
                 "`vmi image build win32`");
    if (pe.machine != PeMachine::kI386 && pe.machine != PeMachine::kAmd64) {
      char hex[8];
      snprintf(hex, sizeof hex, "%x", pe.raw_machine);
      return Bad("'" + file_name + "' is a Windows program for " + u.machine + " (machine 0x" +
                 hex + "); Wine here runs x86 (i386 and x86_64) programs only");
    }
    if (pe.dotnet)
      return Bad("'" + file_name +
                 "' is a .NET program; the image has no .NET runtime (Wine Mono)");
    u.type = pe.installer.empty() ? "exe" : "installer";
    u.installer = pe.installer;
    u.name = pe.name.empty() ? DisplayNameFromFile(file_name) : pe.name;
    u.ext = ".exe";
    return u;
  }
  if (head.compare(0, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == 0) {
    if (ext != ".msi")
      return Bad("'" + file_name + "' is an OLE compound file; only .msi ones are installable");
    u.type = "msi";
    u.name = DisplayNameFromFile(file_name);
    u.ext = ".msi";
    return u;
  }
  if (head.compare(0, 4, "PK\3\4") == 0 || head.compare(0, 4, "PK\5\6") == 0) {
    auto members = VMI_TRY_CTX(CheckZipFile(path, room), "'" + file_name + "'");
    bool has_exe = false;
    for (const auto& m : members) has_exe |= !m.directory && Lower(m.name).ends_with(".exe");
    if (!has_exe) return Bad("'" + file_name + "' holds no .exe program");
    u.type = "zip";
    u.name = DisplayNameFromFile(file_name);
    u.ext = ".zip";
    return u;
  }
  return Bad("'" + file_name +
             "' is not a Windows program, .msi or .zip (win32 instances take "
             ".exe, .msi and .zip files)");
}

Result<CheckedUpload> CheckLinux(const AppTarget& t, const std::string& path,
                                 const std::string& file_name, const std::string& head,
                                 const std::string& scratch, uint64_t room) {
  CheckedUpload u;
  u.name = DisplayNameFromFile(file_name);
  if (head.compare(0, 8, "!<arch>\n") == 0) {
    auto deb = VMI_TRY_CTX(CheckDebFile(path, scratch, room), "'" + file_name + "'");
    if (deb.desktop_entries.empty() && deb.executables.empty())
      return Bad("'" + file_name + "' holds no program and no desktop entry");
    u.type = "deb";
    u.ext = ".deb";
    return u;
  }
  if (head.compare(0, 4,
                   "\x7f"
                   "ELF") == 0) {
    if (head.size() < 20) return Bad("truncated ELF file '" + file_name + "'");
    unsigned machine =
        static_cast<unsigned char>(head[18]) | (static_cast<unsigned char>(head[19]) << 8);
    u.machine = machine == 62    ? "x86_64"
                : machine == 183 ? "arm64"
                : machine == 3   ? "i386"
                                 : "other";
    if (u.machine != t.arch)
      return Bad("'" + file_name + "' is a program for " + u.machine + "; this instance runs " +
                 t.arch);
    u.type = "binary";
    u.ext = "";
    return u;
  }
  return Bad("'" + file_name +
             "' is neither a Debian package nor an ELF program (linux-mobile and phone "
             "instances take .deb files and single binaries)");
}

}  // namespace

std::string DisplayNameFromFile(const std::string& file_name) {
  std::string n = file_name.substr(file_name.find_last_of('/') + 1);
  size_t dot = n.rfind('.');
  if (dot != std::string::npos && dot > 0) n.resize(dot);
  std::string out;
  for (char c : n) out += (static_cast<unsigned char>(c) < 0x20 || c == '\\') ? '_' : c;
  if (out.size() > 64) out.resize(64);
  return out.empty() ? "app" : out;
}

Result<CheckedUpload> CheckUpload(const AppTarget& t, const std::string& path,
                                  const std::string& file_name, const std::string& scratch,
                                  uint64_t room) {
  std::string head = VMI_TRY(Head(path, 64));
  if (head.empty()) return Bad("the uploaded file is empty");
  if (t.kind == "win32") return CheckWin32(t, path, file_name, head, room);
  // A phone runs the same Debian userland as linux-mobile; only the shell
  // that lists the entries differs (docs/apps.md).
  if (t.kind == "linux-mobile" || t.kind == "phone")
    return CheckLinux(t, path, file_name, head, scratch, room);
  if (t.kind == "android") {
    if (head.compare(0, 4, "PK\3\4") != 0 || Extension(file_name) != ".apk")
      return Bad("'" + file_name + "' is not an .apk (android instances take .apk files)");
    VMI_TRY_CTX(CheckZipFile(path, room), "'" + file_name + "'");
    CheckedUpload u;
    u.type = "apk";
    u.name = DisplayNameFromFile(file_name);
    u.ext = ".apk";
    return u;
  }
  return Error(ErrorCode::kFailedPrecondition,
               "instance '" + t.name + "' runs a '" + t.kind +
                   "' image; apps can be installed into win32, linux-mobile, phone and android "
                   "instances");
}

}  // namespace vmi::apps
