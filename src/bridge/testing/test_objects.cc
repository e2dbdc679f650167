#include "bridge/testing/test_objects.h"

#include <stdlib.h>
#include <unistd.h>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"

#ifndef VMI_TEST_CC
#define VMI_TEST_CC "cc"
#endif
#ifndef VMI_TEST_CXX
#define VMI_TEST_CXX "c++"
#endif

namespace vmi::bridge::testing {
namespace {

// Every libc function the test objects import, defined so the link succeeds.
// At run time the bridge's virtual libc answers instead.
constexpr const char* kFakeLibc = R"(
char __sF[3 * 152];
int optind;
void* dl_iterate_phdr;
#define F(n) void n(void) {}
F(strlen) F(__errno) F(sysconf) F(getenv) F(atoi) F(write) F(fputs) F(fprintf) F(abort) F(exit)
F(sigemptyset) F(sigaddset) F(sigaction) F(malloc) F(free) F(memset) F(memcpy) F(puts) F(strcmp)
F(__cxa_atexit) F(__cxa_finalize) F(__libc_init) F(dlopen) F(dlsym) F(dlclose) F(dladdr)
F(__system_property_get) F(__android_log_print) F(printf) F(snprintf) F(strtold) F(regcomp)
F(regexec) F(regfree) F(fwrite) F(__stack_chk_fail) F(pthread_create) F(pthread_join)
)";

}  // namespace

TestObjects::TestObjects() {
  auto d = TempDir::Create("vmi-bridge-test");
  dir_ = d.ok() ? d->Release() : "/tmp";
}

TestObjects::~TestObjects() {
  if (dir_ != "/tmp") (void)RemoveTree(dir_);
}

Result<void> TestObjects::BuildFakeLibc() {
  if (libc_built_) return Ok();
  VMI_CHECK_OK(MakeDirs(dir_ + "/fake"), "mkdir fake");
  VMI_CHECK_OK(WriteFile(dir_ + "/fake/libc.c", kFakeLibc), "write fake libc");
  VMI_CHECK_OK(WriteFile(dir_ + "/fake/libc.map", "LIBC { global: *; };\n"), "write version script");
  VMI_TRY(RunChecked({VMI_TEST_CC, "-shared", "-fPIC", "-nostdlib", "-o", dir_ + "/fake/libc.so", "-Wl,-soname,libc.so",
                      "-Wl,--version-script=" + dir_ + "/fake/libc.map", dir_ + "/fake/libc.c"}));
  libc_built_ = true;
  return Ok();
}

Result<std::string> TestObjects::Build(const std::string& name, const std::string& source,
                                       const std::vector<std::string>& extra_flags,
                                       const std::vector<std::string>& libs, bool cxx) {
  VMI_CHECK_OK(BuildFakeLibc(), "build fake libc");
  const std::string src = dir_ + "/" + name + (cxx ? ".cc" : ".c");
  const std::string out = dir_ + "/" + name;
  VMI_CHECK_OK(WriteFile(src, source), "write source");
  std::vector<std::string> argv = {cxx ? VMI_TEST_CXX : VMI_TEST_CC, "-shared", "-fPIC", "-nostdlib",
                                   "-fno-stack-protector", "-fno-builtin", "-O1", "-o", out, "-Wl,-soname," + name, src};
  for (const std::string& f : extra_flags) argv.push_back(f);
  argv.push_back("-L" + dir_);
  for (const std::string& l : libs) argv.push_back(l.find('/') != std::string::npos ? l : "-l:" + l);
  argv.push_back("-L" + dir_ + "/fake");
  argv.push_back("-l:libc.so");
  VMI_TRY_CTX(RunChecked(argv), "compile " + name);
  return out;
}

Result<std::string> TestObjects::BuildExecutable(const std::string& name, const std::string& source,
                                                 const std::vector<std::string>& extra_flags) {
  VMI_CHECK_OK(BuildFakeLibc(), "build fake libc");
  const std::string src = dir_ + "/" + name + ".c";
  const std::string out = dir_ + "/" + name;
  VMI_CHECK_OK(WriteFile(src, source), "write source");
  std::vector<std::string> argv = {VMI_TEST_CC, "-fPIE", "-pie", "-nostdlib", "-fno-stack-protector", "-fno-builtin", "-O1",
                                   "-o", out, "-Wl,--dynamic-linker=/system/bin/linker64", src};
  for (const std::string& f : extra_flags) argv.push_back(f);
  argv.push_back("-L" + dir_ + "/fake");
  argv.push_back("-l:libc.so");
  VMI_TRY_CTX(RunChecked(argv), "compile " + name);
  return out;
}

std::string ReadMaps() {
  auto r = ReadFile("/proc/self/maps");
  return r.ok() ? *r : "";
}

std::string AndroidTarget(const std::string& dir, const std::string& file) {
#if defined(__aarch64__)
  return AndroidTargetsDir() + "/" + dir + "/arm64/" + file;
#else
  return AndroidTargetsDir() + "/" + dir + "/" + file;
#endif
}

std::string AndroidTargetsDir() {
  const char* env = getenv("VMI_ANDROID_TARGETS");
  if (env != nullptr && *env != 0) return env;
#ifdef VMI_ANDROID_TARGETS_DEFAULT
  return VMI_ANDROID_TARGETS_DEFAULT;
#else
  return "";
#endif
}

}  // namespace vmi::bridge::testing
