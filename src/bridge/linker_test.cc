// Linker tests: DT_NEEDED between bridged objects, relocation formats (RELA,
// RELR, Android APS2), SysV-only hash, constructor/destructor order,
// reference counting, missing-symbol reporting, dl_iterate_phdr, dladdr,
// bionic dlopen routed to the bridge, running a bionic PIE executable.
#include "bridge/linker.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

#include "base/child_process.h"
#include "base/unique_fd.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

using testing::TestObjects;

std::string Src(const char* body) { return std::string(testing::kTraceHelpers) + body; }

class TraceFd {
 public:
  TraceFd() {
    int p[2];
    EXPECT_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    r_ = UniqueFd(p[0]);
    w_ = UniqueFd(p[1]);
    setenv("VMI_TEST_TRACE_FD", std::to_string(w_.get()).c_str(), 1);
  }
  ~TraceFd() { unsetenv("VMI_TEST_TRACE_FD"); }
  std::string Take() {
    char buf[256];
    ssize_t n = read(r_.get(), buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  UniqueFd r_, w_;
};

template <typename F>
F Sym(SharedObject* so, const char* name) {
  return reinterpret_cast<F>(Linker::Instance().Symbol(so, name));
}

void BuildAB(TestObjects& t, const std::vector<std::string>& flags, const std::string& a_name = "liba.so") {
  ASSERT_TRUE(t.Build("libb.so", Src(testing::kLibB), flags).ok());
  auto a = t.Build(a_name, Src(testing::kLibA), flags, {"libb.so"});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
}

void ExpectLibAWorks(SharedObject* a) {
  auto sum = Sym<long (*)()>(a, "a_sum");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum(), 5 + 5 + 7);
  EXPECT_EQ(Sym<long (*)()>(a, "a_many")(), 10 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10) + 100);
  EXPECT_EQ(Sym<int (*)()>(a, "a_weak_is_null")(), 1);
  EXPECT_EQ(Sym<int (*)(int)>(a, "a_errno")(42), 42);
  EXPECT_EQ(errno, 42);  // bionic __errno() is glibc's errno
  EXPECT_EQ(Sym<long (*)()>(a, "a_pagesize")(), sysconf(_SC_PAGESIZE));
  // liba.so comes before libb.so in the lookup scope.
  EXPECT_EQ(Sym<int (*)()>(a, "shared_name")(), 1);
}

TEST(LinkerTest, LoadsDependencyRunsConstructorsInOrderAndDestructorsOnClose) {
  TestObjects t;
  BuildAB(t, {});
  TraceFd trace;
  Linker& l = Linker::Instance();
  auto a = l.Open(t.dir() + "/liba.so");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(trace.Take(), "BA");  // dependency first
  ExpectLibAWorks(*a);
  // A second open only counts a reference.
  auto again = l.Open("liba.so");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *a);
  ASSERT_TRUE(l.Close(*again).ok());
  EXPECT_EQ(trace.Take(), "");
  ASSERT_TRUE(l.Close(*a).ok());
  EXPECT_EQ(trace.Take(), "ab");  // dependent first, then its dependency
  for (const std::string& n : l.LoadedNames()) EXPECT_TRUE(n != "liba.so" && n != "libb.so") << n;
}

TEST(LinkerTest, RelrPackedRelocations) {
  TestObjects t;
  BuildAB(t, {"-Wl,-z,pack-relative-relocs"});
  auto out = vmi::Run({"readelf", "-d", t.dir() + "/liba.so"});
  ASSERT_TRUE(out.ok());
  ASSERT_NE(out->out.find("RELR"), std::string::npos) << "the linker did not emit DT_RELR";
  auto a = Linker::Instance().Open(t.dir() + "/liba.so");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ExpectLibAWorks(*a);
  ASSERT_TRUE(Linker::Instance().Close(*a).ok());
}

TEST(LinkerTest, AndroidPackedRelocations) {
  TestObjects t;
  BuildAB(t, {"-fuse-ld=lld", "-Wl,--pack-dyn-relocs=android"});
  auto out = vmi::Run({"readelf", "-d", t.dir() + "/liba.so"});
  ASSERT_TRUE(out.ok());
  ASSERT_NE(out->out.find("0x0000000060000011"), std::string::npos) << "lld did not emit DT_ANDROID_RELA:\n" << out->out;
  auto a = Linker::Instance().Open(t.dir() + "/liba.so");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ExpectLibAWorks(*a);
  ASSERT_TRUE(Linker::Instance().Close(*a).ok());
}

TEST(LinkerTest, SysvHashOnly) {
  TestObjects t;
  BuildAB(t, {"-Wl,--hash-style=sysv"});
  auto a = Linker::Instance().Open(t.dir() + "/liba.so");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_FALSE((*a)->dyn.has_gnu_hash);
  ExpectLibAWorks(*a);
  ASSERT_TRUE(Linker::Instance().Close(*a).ok());
}

TEST(LinkerTest, MissingSymbolsFailTheLoadListingEveryOne) {
  TestObjects t;
  ASSERT_TRUE(t.Build("libmissing.so", testing::kLibMissing).ok());
  std::string maps_before = testing::ReadMaps();
  auto r = Linker::Instance().Open(t.dir() + "/libmissing.so");
  ASSERT_FALSE(r.ok());
  std::string msg = r.error().ToString();
  EXPECT_NE(msg.find("2 unresolved symbol(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nonexistent_function"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nonexistent_variable"), std::string::npos) << msg;
  EXPECT_EQ(testing::ReadMaps().find(t.dir() + "/libmissing.so"), std::string::npos) << "mapping left behind";
  auto report = Linker::Instance().Inspect(t.dir() + "/libmissing.so");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->missing_symbols.size(), 2u);
}

TEST(LinkerTest, MissingLibraryIsReported) {
  TestObjects t;
  // A library that needs a library we then delete.
  ASSERT_TRUE(t.Build("libghost.so", "int ghost(void) { return 1; }").ok());
  ASSERT_TRUE(t.Build("libuser.so", "extern int ghost(void); int u(void) { return ghost(); }", {}, {"libghost.so"}).ok());
  unlink((t.dir() + "/libghost.so").c_str());
  auto r = Linker::Instance().Open(t.dir() + "/libuser.so");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("libghost.so"), std::string::npos) << r.error().ToString();
}

int CountBridged(struct dl_phdr_info* info, size_t size, void* data) {
  auto* want = static_cast<std::pair<std::string, int>*>(data);
  if (size >= sizeof(*info) && info->dlpi_name != nullptr && strstr(info->dlpi_name, want->first.c_str()) != nullptr) {
    bool has_load = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) has_load |= info->dlpi_phdr[i].p_type == PT_LOAD;
    if (has_load) ++want->second;
  }
  return 0;
}

TEST(LinkerTest, DlIteratePhdrDladdrAndBionicDlopenHooks) {
  TestObjects t;
  BuildAB(t, {});
  Linker& l = Linker::Instance();
  auto a = l.Open(t.dir() + "/liba.so");
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  // The bionic-facing hooks, looked up as bionic code would.
  auto iterate = reinterpret_cast<int (*)(int (*)(dl_phdr_info*, size_t, void*), void*)>(
      VirtualLibc().Lookup("dl_iterate_phdr"));
  std::pair<std::string, int> want{"/liba.so", 0};
  iterate(CountBridged, &want);
  EXPECT_EQ(want.second, 1);
  std::pair<std::string, int> native{"libc.so.6", 0};
  iterate(CountBridged, &native);
  EXPECT_EQ(native.second, 1) << "glibc's own objects are reported too";

  auto bdladdr = reinterpret_cast<int (*)(const void*, Dl_info*)>(VirtualLibdl().Lookup("dladdr"));
  void* fn = reinterpret_cast<void*>(l.Symbol(*a, "a_sum"));
  Dl_info info;
  ASSERT_NE(bdladdr(static_cast<char*>(fn) + 1, &info), 0);
  EXPECT_STREQ(info.dli_sname, "a_sum");
  EXPECT_EQ(info.dli_saddr, fn);
  EXPECT_NE(std::string(info.dli_fname).find("liba.so"), std::string::npos);

  auto bdlopen = reinterpret_cast<void* (*)(const char*, int)>(VirtualLibdl().Lookup("dlopen"));
  auto bdlsym = reinterpret_cast<void* (*)(void*, const char*)>(VirtualLibdl().Lookup("dlsym"));
  auto bdlclose = reinterpret_cast<int (*)(void*)>(VirtualLibdl().Lookup("dlclose"));
  auto bdlerror = reinterpret_cast<char* (*)()>(VirtualLibdl().Lookup("dlerror"));
  void* self = bdlopen(nullptr, 2);
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(bdlsym(self, "b_value"), reinterpret_cast<void*>(l.Symbol(*a, "b_value")));
  EXPECT_EQ(bdlsym(nullptr /* RTLD_DEFAULT */, "a_many"), reinterpret_cast<void*>(l.Symbol(*a, "a_many")));
  void* libc = bdlopen("libc.so", 2);
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(bdlsym(libc, "sysconf"), reinterpret_cast<void*>(VirtualLibc().Lookup("sysconf")));
  EXPECT_NE(bdlsym(libc, "sysconf"), reinterpret_cast<void*>(&sysconf)) << "sysconf must be the hook";
  EXPECT_EQ(bdlsym(libc, "no_such_function_xyz"), nullptr);
  ASSERT_NE(bdlerror(), nullptr);
  EXPECT_EQ(bdlerror(), nullptr);  // cleared
  void* b = bdlopen("libb.so", 2);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b, static_cast<void*>(l.ObjectAt(l.Symbol(*a, "b_value"))));
  EXPECT_EQ(bdlclose(b), 0);
  EXPECT_EQ(bdlopen("libdoesnotexist.so", 2), nullptr);
  EXPECT_NE(std::string(bdlerror()).find("not found"), std::string::npos);
  ASSERT_TRUE(l.Close(*a).ok());
}

TEST(LinkerTest, RunsBionicExecutableThroughLibcInit) {
  TestObjects t;
  auto exe = t.BuildExecutable("hello", testing::kHelloExe);
  ASSERT_TRUE(exe.ok()) << exe.error().ToString();
  auto out = vmi::Run({VMI_BRIDGE_TOOL, "run", *exe, "one", "three"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->out, "hello from bionic\n");
  EXPECT_TRUE(WIFEXITED(out->status));
  EXPECT_EQ(WEXITSTATUS(out->status), 5) << out->err;  // strlen("three")
}

}  // namespace
}  // namespace vmi::bridge
