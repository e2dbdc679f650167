// Real-world Android targets through the C ABI of libvmi-bridge.so (the
// fetch-android-targets.sh fixture puts them in the cache first):
//  - jsc-android's libjsc.so: JavaScriptCore evaluating, strings/arrays as
//    UTF-8, JS exceptions caught in JS and reported through the C API, Intl
//    (embedded ICU), JSON round trip, a GC-heavy workload with JSC's threads.
//    ctest runs this binary twice: with JSC_useJIT=false and with the JIT.
//  - hermes-engine's libc++_shared.so: __cxa_demangle, and a C++ exception
//    thrown and caught inside bridged code (a test object built against it).
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "bridge/bridge.h"
#include "bridge/realworld/jsc_api.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"

namespace vmi::bridge {
namespace {

std::string Targets() { return testing::AndroidTargetsDir(); }

std::set<std::string> ThreadNames() {
  std::set<std::string> names;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string n;
    std::getline(f, n);
    names.insert(n);
  }
  closedir(d);
  return names;
}

class JscTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // JavaScriptCore keeps threads running: never unload it.
    handle_ = bridge_dlopen((Targets() + "/jsc/libjsc.so").c_str(), BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
    if (handle_ == nullptr) {
      error_ = bridge_dlerror();
      return;
    }
    ok_ = api_.Resolve([](const char* n) { return bridge_dlsym(handle_, n); });
  }
  void SetUp() override {
    ASSERT_NE(handle_, nullptr) << error_;
    ASSERT_TRUE(ok_) << "a JavaScriptCore C API function is missing";
    ctx_ = api_.JSGlobalContextCreate(nullptr);
    ASSERT_NE(ctx_, nullptr);
  }
  void TearDown() override {
    if (ctx_ != nullptr) api_.JSGlobalContextRelease(ctx_);
  }

  static inline void* handle_ = nullptr;
  static inline std::string error_;
  static inline bool ok_ = false;
  static inline jsc::Api api_;
  jsc::Ctx ctx_ = nullptr;
};

TEST_F(JscTest, EvaluatesArithmetic) {
  bool threw = true;
  EXPECT_EQ(api_.EvalToNumber(ctx_, "6*7", &threw), 42.0);
  EXPECT_FALSE(threw);
}

TEST_F(JscTest, ArraysAndStringsAsUtf8) {
  EXPECT_EQ(api_.EvalToString(ctx_, "[3,1,2].sort().map(x => x * 10).join(',')"), "10,20,30");
  EXPECT_EQ(api_.EvalToString(ctx_, "'héllo wörld ✓ 日本'.toUpperCase()"), "HÉLLO WÖRLD ✓ 日本");
  EXPECT_EQ(api_.EvalToString(ctx_, "'😀'.length + ':' + [...'a😀b'].length"), "2:3");
  EXPECT_EQ(api_.EvalToString(ctx_, "'a,b,,c'.split(',').filter(Boolean).reverse().join('')"), "cba");
}

TEST_F(JscTest, ExceptionsCaughtInJsAndReportedThroughTheCApi) {
  EXPECT_EQ(api_.EvalToString(ctx_, "try { null.x } catch (e) { 'caught ' + (e instanceof TypeError) }"), "caught true");
  EXPECT_EQ(api_.EvalToString(ctx_, "function f(n) { if (n == 0) throw new RangeError('deep'); return f(n-1) } "
                                    "try { f(500) } catch (e) { e.message }"),
            "deep");
  EXPECT_EQ(api_.EvalToString(ctx_, "throw new SyntaxError('reported')"), "EXCEPTION: SyntaxError: reported");
  std::string syntax = api_.EvalToString(ctx_, "let = = 1");
  EXPECT_EQ(syntax.rfind("EXCEPTION: SyntaxError", 0), 0u) << syntax;
}

TEST_F(JscTest, IntlNumberFormatUsesEmbeddedIcu) {
  EXPECT_EQ(api_.EvalToString(ctx_, "new Intl.NumberFormat('de-DE').format(1234567.891)"), "1.234.567,891");
  EXPECT_EQ(api_.EvalToString(ctx_, "new Intl.NumberFormat('en-US', {style:'currency', currency:'USD'}).format(1234.5)"),
            "$1,234.50");
  EXPECT_EQ(api_.EvalToString(ctx_, "new Intl.NumberFormat('en-IN').format(12345678)"), "1,23,45,678");
}

TEST_F(JscTest, JsonRoundTrip) {
  EXPECT_EQ(api_.EvalToString(ctx_, "JSON.stringify(JSON.parse('{\"a\":[1,2.5,{\"b\":\"ü\\\\n\"}],\"c\":null}'))"),
            "{\"a\":[1,2.5,{\"b\":\"ü\\n\"}],\"c\":null}");
  EXPECT_EQ(api_.EvalToString(ctx_, "var o = {x: [1, {y: 'z'}], d: 3.25}; "
                                    "JSON.stringify(JSON.parse(JSON.stringify(o))) === JSON.stringify(o)"),
            "true");
}

TEST_F(JscTest, GcHeavyWorkloadWithJscThreads) {
  const auto start = std::chrono::steady_clock::now();
  std::string r = api_.EvalToString(ctx_, R"(
    var keep = [], rounds = 0, t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      var a = [];
      for (var i = 0; i < 2000; i++) a.push({i: i, s: 'item' + i, arr: [i, i * 2, {n: i}]});
      keep.push(a);
      if (keep.length > 40) keep.shift();
      rounds++;
    }
    var sum = 0;
    for (var k = 0; k < keep.length; k++) sum += keep[k][1999].arr[2].n;
    rounds > 10 && sum === keep.length * 1999 ? 'ok' : 'bad ' + rounds + ' ' + sum;
  )");
  EXPECT_EQ(r, "ok");
  api_.JSGarbageCollect(ctx_);
  // The workload really ran its ~3 s (Date.now() counts whole milliseconds
  // on another clock, so 3000 of them can take a little under 3 s here).
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2900));
  std::set<std::string> names = ThreadNames();
  std::string all;
  for (const std::string& n : names) all += n + ";";
  EXPECT_GT(names.size(), 1u) << "JSC should have started helper threads: " << all;
  const char* jit = getenv("JSC_useJIT");
  RecordProperty("threads", all);
  std::cout << "JSC_useJIT=" << (jit != nullptr ? jit : "(default)") << " threads: " << all << "\n";
  // JSC names its compiler threads "JITWorker": they exist only with the JIT.
  if (jit != nullptr && std::string(jit) == "false") {
    EXPECT_EQ(names.count("JITWorker"), 0u) << all;
  } else {
    EXPECT_EQ(names.count("JITWorker"), 1u) << all;
  }
}

TEST_F(JscTest, JitModeIsTheOneRequested) {
  // A hot loop: with the JIT it tiers up; both modes must compute the same.
  bool threw = true;
  double v = api_.EvalToNumber(ctx_, "var s = 0; for (var i = 0; i < 3000000; i++) s = (s + i * 7) % 1000003; s", &threw);
  EXPECT_FALSE(threw);
  long expect = 0;
  for (long i = 0; i < 3000000; i++) expect = (expect + i * 7) % 1000003;
  EXPECT_EQ(v, static_cast<double>(expect));
}

class HermesCxxTest : public ::testing::Test {
 protected:
  std::string Lib() { return Targets() + "/hermes/libc++_shared.so"; }
};

TEST_F(HermesCxxTest, CxaDemangle) {
  void* h = bridge_dlopen(Lib().c_str(), BRIDGE_RTLD_NOW);
  ASSERT_NE(h, nullptr) << bridge_dlerror();
  auto demangle = reinterpret_cast<char* (*)(const char*, char*, size_t*, int*)>(bridge_dlsym(h, "__cxa_demangle"));
  ASSERT_NE(demangle, nullptr);
  int status = -1;
  char* s = demangle("_ZNSt3__16vectorIiNS_9allocatorIiEEE9push_backEOi", nullptr, nullptr, &status);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(status, 0);
  EXPECT_STREQ(s, "std::__1::vector<int, std::__1::allocator<int> >::push_back(int&&)");
  free(s);  // bionic malloc is glibc malloc
  EXPECT_EQ(demangle("not a mangled name", nullptr, nullptr, &status), nullptr);
  EXPECT_EQ(status, -2);
  EXPECT_EQ(bridge_dlclose(h), 0);
}

TEST_F(HermesCxxTest, ExceptionThrownAndCaughtInsideBridgedCode) {
  testing::TestObjects t;
  auto lib = t.Build("libthrow.so", testing::kLibThrow, {"-fexceptions", "-Wl,--no-undefined"}, {Lib()}, /*cxx=*/true);
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  bridge_set_library_path((Targets() + "/hermes").c_str());
  void* h = bridge_dlopen(lib->c_str(), BRIDGE_RTLD_NOW);
  ASSERT_NE(h, nullptr) << bridge_dlerror();
  auto throw_and_catch = reinterpret_cast<int (*)(int)>(bridge_dlsym(h, "throw_and_catch"));
  auto throw_struct = reinterpret_cast<int (*)(int)>(bridge_dlsym(h, "throw_struct"));
  ASSERT_NE(throw_and_catch, nullptr);
  ASSERT_NE(throw_struct, nullptr);
  EXPECT_EQ(throw_and_catch(41), 42);   // __cxa_throw in libc++_shared.so, caught in libthrow.so
  EXPECT_EQ(throw_and_catch(-1), -1);   // no throw
  EXPECT_EQ(throw_struct(21), 42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(throw_and_catch(i), i + 1);
  EXPECT_EQ(bridge_dlclose(h), 0);
  bridge_set_library_path("");
}

TEST(BridgeCApiTest, ErrorsAreReportedNotThrown) {
  EXPECT_EQ(bridge_dlopen("/nonexistent/libx.so", BRIDGE_RTLD_NOW), nullptr);
  const char* e = bridge_dlerror();
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(e).find("/nonexistent/libx.so"), std::string::npos);
  EXPECT_EQ(bridge_dlerror(), nullptr);
  EXPECT_EQ(bridge_dlsym(reinterpret_cast<void*>(0x1234), "x"), nullptr);
  EXPECT_NE(bridge_dlerror(), nullptr);
  EXPECT_EQ(bridge_dlclose(reinterpret_cast<void*>(0x1234)), -1);
  void* libc = bridge_dlopen("libc.so", BRIDGE_RTLD_NOW);
  ASSERT_NE(libc, nullptr);
  auto get = reinterpret_cast<int (*)(const char*, char*)>(bridge_dlsym(libc, "__system_property_get"));
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(bridge_set_property("ro.vmi.capi", "yes"), 0);
  char v[92];
  EXPECT_EQ(get("ro.vmi.capi", v), 3);
  EXPECT_STREQ(v, "yes");
  EXPECT_EQ(bridge_set_properties_file("/nonexistent/props"), -1);
  EXPECT_NE(bridge_dlerror(), nullptr);
}

}  // namespace
}  // namespace vmi::bridge
