// Real-world Android targets through the C ABI of libvmi-bridge.so (the
// fetch-android-targets.sh fixture puts them in the cache first):
//  - jsc-android's libjsc.so: JavaScriptCore evaluating, strings/arrays as
//    UTF-8, JS exceptions caught in JS and reported through the C API, Intl
//    (embedded ICU), JSON round trip, a GC-heavy workload with JSC's threads.
//    ctest runs this binary twice: with JSC_useJIT=false and with the JIT.
//    The same programs run on Debian's own JavaScriptCore
//    (libjavascriptcoregtk-4.1) and must give the same answers.
//  - hermes-engine's libc++_shared.so: __cxa_demangle, and a C++ exception
//    thrown and caught inside bridged code (a test object built against it).
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "base/child_process.h"
#include "bridge/bridge.h"
#include "bridge/realworld/jsc_api.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"

// This test program loads bionic code: on arm64 its executable keeps
// bionic's stack-guard TLS slot free (see bridge.h).
BRIDGE_RESERVE_BIONIC_TLS();

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
    handle_ = bridge_dlopen(testing::AndroidTarget("jsc", "libjsc.so").c_str(), BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
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
  // Three seconds and at least 12 rounds of 8000 objects, however slow the
  // machine (under qemu-aarch64 at a high load 3 s gave only 7 rounds):
  // what is checked is that the objects kept survive the collections.
  std::string r = api_.EvalToString(ctx_, R"(
    var keep = [], rounds = 0, t0 = Date.now();
    while (Date.now() - t0 < 3000 || rounds < 12) {
      var a = [];
      for (var i = 0; i < 2000; i++) a.push({i: i, s: 'item' + i, arr: [i, i * 2, {n: i}]});
      keep.push(a);
      if (keep.length > 40) keep.shift();
      rounds++;
    }
    var sum = 0;
    for (var k = 0; k < keep.length; k++) sum += keep[k][1999].arr[2].n;
    sum === keep.length * 1999 ? 'ok' : 'bad ' + rounds + ' ' + sum;
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

// Programs whose answers the ECMAScript specification fixes, each ending in
// a one-line string: parser, interpreter and JIT tiers, the regular
// expression engine, number conversions, BigInt, JSON, typed arrays, Date
// arithmetic in UTC, collections, generators, Proxy, Unicode normalization,
// and two longer computations (SHA-256 of 64 KiB in JS, a sieve).
const char* const kPrograms[] = {
    "[0.1 + 0.2, 1e21, 1 / 3, -0, 2 ** 53 + 1, (255).toString(2), (0.000001234).toExponential(3), "
    "(123.456).toFixed(1), (123.456).toPrecision(4), Number.MAX_VALUE, Number.MIN_VALUE].map(String).join(' ')",
    "[parseFloat('3.14abc'), parseInt('0x1f'), Number('  12  '), Number('1_0'), +'Infinity', Math.fround(5.5e-40)]"
    ".join(' ')",
    "[Math.sqrt(2), Math.hypot(3, 4), Math.clz32(1000), Math.imul(0x7fffffff, 3), Math.trunc(-4.7), "
    "Math.sign(-3), Math.cbrt(27), Math.max(), Math.min()].join(' ')",
    "String(2n ** 200n - 1n) + ' ' + (-(7n ** 77n) / 13n).toString(36) + ' ' + BigInt.asIntN(64, 2n ** 63n)",
    "'2024-02-29T12:34:56Z'.replace(/(?<y>\\d{4})-(?<m>\\d\\d)-(?<d>\\d\\d)/u, '$<d>.$<m>.$<y>') + ' ' + "
    "JSON.stringify('aBcDeF'.match(/[a-z]/g)) + ' ' + /\\$(\\d+)(\\.\\d+)?/.exec('cost: $42.50')[1] + ' ' + "
    "'x'.padStart(4, 'ab') + ' ' + 'a-b_c d'.split(/[-_ ]/).reverse().join('+')",
    "JSON.stringify({b: [1, {c: null, d: [true, 'é\\u2028']}], a: 1.5e-7, u: undefined, n: NaN}) + ' ' + "
    "JSON.stringify(JSON.parse('{\"x\":[1,2,{\"y\":\"\\\\u00e9\"}]}'))",
    "var d = new Date(Date.UTC(2000, 1, 29, 23, 59, 59, 999)); d.setUTCDate(d.getUTCDate() + 366); "
    "[d.toISOString(), d.getUTCDay(), Date.UTC(1970, 0, 1), new Date('2020-01-01T00:00:00.000Z').getTime()].join(' ')",
    "var m = new Map([[3, 'c'], [1, 'a']]); m.set(2, 'b'); m.delete(3); var st = new Set('mississippi'); "
    "[...m].join(';') + ' ' + [...st].join('') + ' ' + Object.keys({b: 1, 2: 1, a: 1, 1: 1}).join(',')",
    "function* fib() { let [a, b] = [0, 1]; for (;;) { yield a; [a, b] = [b, a + b]; } } "
    "var out = []; for (const f of fib()) { if (f > 1000) break; out.push(f); } out.join(',')",
    "var log = []; var p = new Proxy({}, {get: (t, k) => (log.push(String(k)), k.length)}); "
    "[p.hello, p.x, log.join('/'), Reflect.ownKeys({[Symbol.iterator]: 1, z: 2}).length].join(' ')",
    "var t = new Float64Array([1.5, -2.25, 3]); var u = new Uint8Array(t.buffer); "
    "[Array.from(u.slice(0, 8)).join('.'), new Int16Array([40000, -40000]).join(','), "
    "new DataView(t.buffer).getUint32(4, true)].join(' ')",
    "['\\u0041\\u030a'.normalize('NFC').length, '\\u00c5'.normalize('NFD').length, '\\ud83d\\ude00'.codePointAt(0), "
    "[...'a\\ud83d\\ude00b'].length, 'ß'.toUpperCase(), 'İ'.toLowerCase().length].join(' ')",
    "[3, 1, 10, 2].sort().join() + ' ' + [3, 1, 10, 2].sort((a, b) => a - b).join() + ' ' + "
    "[{k: 1, v: 'a'}, {k: 0, v: 'b'}, {k: 1, v: 'c'}, {k: 0, v: 'd'}].sort((x, y) => x.k - y.k).map(o => o.v).join('')",
    "class A { #x = 1; static s = 'S'; get x() { return this.#x; } } class B extends A { constructor() { super(); "
    "this.y = 2; } } var b = new B(); [b.x, b.y, B.s, b instanceof A, Object.getPrototypeOf(B) === A].join(' ')",
    "function sha256(s) { const K = [], H = []; let n = 2; const isP = q => { for (let i = 2; i * i <= q; i++) "
    "if (q % i === 0) return false; return true; }; for (let c = 0; c < 64; n++) if (isP(n)) { if (c < 8) "
    "H[c] = (Math.pow(n, 1 / 2) * 2 ** 32) | 0; K[c++] = (Math.pow(n, 1 / 3) * 2 ** 32) | 0; } "
    "const b = [...s].map(ch => ch.charCodeAt(0) & 255); const l = b.length * 8; b.push(0x80); "
    "while (b.length % 64 !== 56) b.push(0); for (let i = 7; i >= 0; i--) b.push(i >= 4 ? 0 : (l >>> (i * 8)) & 255); "
    "const r = (x, k) => (x >>> k) | (x << (32 - k)); for (let o = 0; o < b.length; o += 64) { const w = []; "
    "for (let i = 0; i < 64; i++) w[i] = i < 16 ? (b[o + 4 * i] << 24) | (b[o + 4 * i + 1] << 16) | "
    "(b[o + 4 * i + 2] << 8) | b[o + 4 * i + 3] : (((r(w[i - 2], 17) ^ r(w[i - 2], 19) ^ (w[i - 2] >>> 10)) + "
    "w[i - 7] + (r(w[i - 15], 7) ^ r(w[i - 15], 18) ^ (w[i - 15] >>> 3)) + w[i - 16]) | 0); "
    "let [a, bb, c, d, e, f, g, h] = H; for (let i = 0; i < 64; i++) { const t1 = (h + (r(e, 6) ^ r(e, 11) ^ "
    "r(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0; const t2 = ((r(a, 2) ^ r(a, 13) ^ r(a, 22)) + "
    "((a & bb) ^ (a & c) ^ (bb & c))) | 0; h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; "
    "a = (t1 + t2) | 0; } [a, bb, c, d, e, f, g, h].forEach((v, i) => H[i] = (H[i] + v) | 0); } "
    "return H.map(v => (v >>> 0).toString(16).padStart(8, '0')).join(''); } "
    "sha256('abc') + ' ' + sha256('vmi'.repeat(21846))",
    "var N = 200000, sieve = new Uint8Array(N), primes = 0, last = 0; for (let i = 2; i < N; i++) if (!sieve[i]) "
    "{ primes++; last = i; for (let j = i * i; j < N; j += i) sieve[j] = 1; } primes + ' ' + last",
    "try { null.x } catch (e) { e.name + ' ' + (e instanceof TypeError) } ",
    "[typeof Symbol(), typeof 1n, typeof null, [1, [2, [3, [4]]]].flat(Infinity).join(''), "
    "Object.entries({a: 1, b: 2}).flat().join(''), Array.from({length: 3}, (_, i) => i * i).join(''), "
    "'abc'.at(-1), Object.fromEntries([['k', 'v']]).k, (() => { 'use strict'; return this; })() === undefined].join(' ')",
};

TEST_F(JscTest, SameAnswersAsDebiansJavaScriptCore) {
  // Debian's build runs in a child process (see jsc_eval_main.cc for why),
  // under the same JSC_useJIT as this one.
  // $VMI_JSC_EVAL overrides the program (the arm64 check runs it under qemu).
  const char* eval = getenv("VMI_JSC_EVAL");
  std::vector<std::string> argv = {eval != nullptr && *eval != 0 ? eval : VMI_JSC_EVAL, "--glibc",
                                   "libjavascriptcoregtk-4.1.so.0"};
  for (const char* p : kPrograms) argv.push_back(p);
  auto debian = RunChecked(argv, {}, std::chrono::seconds(120));
  ASSERT_TRUE(debian.ok()) << debian.error().ToString();
  std::istringstream lines(*debian);
  for (const char* p : kPrograms) {
    const std::string android = api_.EvalToString(ctx_, p);
    EXPECT_EQ(android.rfind("EXCEPTION", 0), std::string::npos) << p << "\n" << android;
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << "Debian's JSC printed fewer lines than there are programs";
    EXPECT_EQ(line, std::string(p) + " => " + android) << "Android JSC: " << android;
  }
  // Known answers, so that two engines agreeing on a wrong result (or on
  // nothing) cannot pass.
  EXPECT_EQ(api_.EvalToString(ctx_, kPrograms[8]), "0,1,1,2,3,5,8,13,21,34,55,89,144,233,377,610,987");
  EXPECT_EQ(api_.EvalToString(ctx_, kPrograms[15]), "17984 199999");
  // SHA-256 of "abc" (FIPS 180-2's example) and of "vmi" x 21846 (Python's hashlib).
  EXPECT_EQ(api_.EvalToString(ctx_, kPrograms[14]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
            "b74c3fb5aed55046ff56eaef7470cbfd9be447ffad1cc9fcb41e587c543cd8aa");
}

class HermesCxxTest : public ::testing::Test {
 protected:
  std::string Lib() { return testing::AndroidTarget("hermes", "libc++_shared.so"); }
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
