#include "runtime/image/foreign_builder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/child_process.h"
#include "base/file.h"
#include "base/host_arch.h"
#include "base/log.h"
#include "runtime/core/foreign_arch.h"
#include "runtime/image/fs_util.h"

namespace vmi::image {
namespace {

std::string HostSuite() {
  auto text = ReadFile("/etc/os-release");
  if (text.ok())
    for (const auto& line : Split(*text, '\n'))
      if (line.rfind("VERSION_CODENAME=", 0) == 0) return line.substr(17);
  return "bookworm";
}

std::string HostMirror() {
  for (const char* f : {"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"}) {
    auto text = ReadFile(f);
    if (!text.ok()) continue;
    for (const auto& raw : Split(*text, '\n')) {
      std::string line(Trim(raw));
      if (line.rfind("URIs:", 0) == 0) {
        auto uri = std::string(Trim(line.substr(5)));
        uri = uri.substr(0, uri.find(' '));
        if (uri.find("security") == std::string::npos) return uri;
      }
      if (line.rfind("deb ", 0) == 0) {
        auto f2 = Split(line, ' ');
        for (const auto& w : f2)
          if (w.rfind("http", 0) == 0 && w.find("security") == std::string::npos) return w;
      }
    }
  }
  return "http://deb.debian.org/debian";
}

// The host's multiarch triplet and the path its programs name as their
// dynamic loader (PT_INTERP).
struct HostAbi {
  std::string libdir, loader;
};
HostAbi HostLibs() {
  std::string a = HostArch();
  if (a == "arm64") return {"/usr/lib/aarch64-linux-gnu", "/lib/ld-linux-aarch64.so.1"};
  if (a == "i386") return {"/usr/lib/i386-linux-gnu", "/lib/ld-linux.so.2"};
  return {"/usr/lib/x86_64-linux-gnu", "/lib64/ld-linux-x86-64.so.2"};
}

Result<void> Copy(const std::string& from, const std::string& to) {
  VMI_TRY(
      RunChecked({"cp", "-R", "--preserve=mode,timestamps", "--no-dereference", from + "/.", to}));
  return Ok();
}

}  // namespace

const char* ForeignPackages() {
  return "xvfb,x11-xserver-utils,x11-utils,matchbox-window-manager,matchbox-desktop,"
         "matchbox-keyboard,xterm,x11-apps,fonts-dejavu-core,fontconfig,procps,xz-utils";
}

Result<LinuxMobileBuild> BuildForeignRootfs(ForeignBuildOptions o) {
  o.arch = NormalizeArch(o.arch);
  if (o.arch == HostArch())
    return Error(ErrorCode::kInvalidArgument, o.arch + " is this host's own architecture");
  VMI_CHECK_OK(runtime::EnsureRunnable(o.arch), "build a " + o.arch + " image");
  if (access("/usr/bin/mmdebstrap", X_OK) != 0 || access("/usr/bin/arch-test", X_OK) != 0)
    return Error(ErrorCode::kUnavailable,
                 "building images for other architectures needs Debian's mmdebstrap and "
                 "arch-test (apt-get install mmdebstrap arch-test)");
  if (o.cache_dir.empty()) {
    const char* c = std::getenv("VMI_DEB_CACHE");
    o.cache_dir = c && *c ? std::string(c) : "/var/cache/vmi/debs-" + o.arch;
  }
  if (o.suite.empty()) o.suite = HostSuite();
  if (o.mirror.empty()) o.mirror = HostMirror();
  VMI_CHECK_OK(MakeDirs(o.cache_dir), "package cache");

  // The cache goes in before the download and comes out after it, so the
  // next build downloads only what changed (mmdebstrap(1), "--skip").
  std::vector<std::string> argv = {
      "mmdebstrap",
      "--arch=" + o.arch,
      "--variant=minbase",
      "--mode=root",
      std::string("--include=") + ForeignPackages(),
      "--aptopt=Acquire::Retries \"3\"",
      "--skip=download/empty",
      "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives",
      "--setup-hook=sync-in " + o.cache_dir + " /var/cache/apt/archives",
      "--customize-hook=sync-out /var/cache/apt/archives " + o.cache_dir,
      "--customize-hook=rm -f \"$1\"/var/cache/apt/archives/*.deb",
      o.suite,
      o.rootfs,
      o.mirror};
  SpawnOptions so;
  so.capture_stdout = true;
  so.capture_stderr = true;
  auto built = Run(argv, so, std::chrono::minutes(40), nullptr, 1 << 20);
  if (!built.ok()) return std::move(built).error().Context("mmdebstrap");
  if (!WIFEXITED(built->status) || WEXITSTATUS(built->status) != 0) {
    std::string err =
        built->err.size() > 2000 ? built->err.substr(built->err.size() - 2000) : built->err;
    return Error(ErrorCode::kUnavailable, "mmdebstrap for " + o.arch + " failed: " + err);
  }

  LinuxMobileBuild b;
  const std::string& r = o.rootfs;
  // The linux-mobile definition over the Debian tree: session, app grid,
  // entries. Debian's own /etc (passwd, group, ...) stays.
  VMI_CHECK_OK(MakeDirs(r + "/etc/vmi"), "etc/vmi");
  VMI_CHECK_OK(
      WriteFile(r + "/etc/vmi/session.json", VMI_TRY(ReadFile(o.definition_dir + "/session.json"))),
      "session manifest");
  for (const char* f : {"hostname", "hosts", "profile", "issue"})
    if (PathExists(o.definition_dir + "/etc/" + f))
      VMI_CHECK_OK(WriteFile(r + "/etc/" + f, VMI_TRY(ReadFile(o.definition_dir + "/etc/" + f))),
                   f);
  if (IsDirectory(o.definition_dir + "/home"))
    VMI_CHECK_OK(Copy(o.definition_dir + "/home", r + "/root"), "home");
  if (IsDirectory(o.definition_dir + "/share")) {
    VMI_CHECK_OK(MakeDirs(r + "/opt/linux-mobile/share"), "share");
    VMI_CHECK_OK(Copy(o.definition_dir + "/share", r + "/opt/linux-mobile/share"), "share");
  }
  for (const char* d : {"opt/vmi", "opt/apps/share/applications", "var/lib/xkb", "run", "tmp"})
    VMI_CHECK_OK(MakeDirs(r + "/" + d), "mount points");
  chmod((r + "/tmp").c_str(), 01777);
  // The host's libraries for the guest kit's programs (host architecture).
  HostAbi abi = HostLibs();
  VMI_CHECK_OK(MakeDirs(r + abi.libdir), "host library mount point");
  b.host_binds.push_back(abi.libdir);
  std::string loader_dir = r + abi.loader.substr(0, abi.loader.rfind('/'));
  std::string loader_name = abi.loader.substr(abi.loader.rfind('/') + 1);
  struct stat st;
  if (lstat(loader_dir.c_str(), &st) != 0) VMI_CHECK_OK(MakeDirs(loader_dir), "loader dir");
  std::string link = loader_dir + "/" + loader_name;
  if (lstat(link.c_str(), &st) != 0 &&
      symlink((abi.libdir + "/" + loader_name).c_str(), link.c_str()) != 0)
    return Error::FromErrno("symlink " + abi.loader);
  return b;
}

}  // namespace vmi::image
