// LibBridge benchmark driver (bench/bridge/run starts it). Without arguments
// it runs each measurement in fresh child processes of itself and prints one
// JSON line per figure, each next to its anchor measured in the same run:
//
//   load:      bridged load of Android libjsc.so vs glibc dlopen of Debian's
//              libjavascriptcoregtk-4.1 (similar size and relocation count),
//              first in the process and after another bridged library;
//              expo-opus' Android libopus.so vs Debian's libopus.so.0
//   js:        a JS workload on the bridged Android JSC vs Debian's JSC
//   hook_call: a hooked stdio function called as bionic code calls it vs the
//              direct glibc call
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "bridge/bridge.h"
#include "bridge/realworld/jsc_api.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

const char* kNativeJsc = "/usr/lib/x86_64-linux-gnu/libjavascriptcoregtk-4.1.so.0";
const char* kNativeOpus = "/usr/lib/x86_64-linux-gnu/libopus.so.0";

const char* kKernels = R"(
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function kernels() {
  var r = fib(27);
  var a = [];
  for (var i = 0; i < 200000; i++) a.push((i * 7919) % 100003);
  a.sort(function (x, y) { return x - y; });
  r += a[1000];
  var s = '';
  for (var i = 0; i < 100000; i++) s += String.fromCharCode(97 + i % 26);
  r += s.length;
  var o = {};
  for (var i = 0; i < 100000; i++) o['k' + i] = i;
  r += Object.keys(o).length;
  r += JSON.parse(JSON.stringify(a.slice(0, 50000))).length;
  for (var k = 0; k < 3000000; k++) r = (r + k * 3) % 1000003;
  return r;
}
)";

// Resident set size of this process in KiB (/proc/self/statm).
long RssKib() {
  long pages_total = 0, pages_rss = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  if (fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2) pages_rss = -1;
  fclose(f);
  return pages_rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int LoadBridged(const char* path, const char* first = nullptr) {
  // The bridge's own start-up (virtual libraries, hook tables) counts as
  // overhead of the first library: it is paid once per process. With
  // `first`, another library is loaded before, untimed, so that the figures
  // are those of one more library in a process already using the bridge.
  if (first != nullptr && bridge_dlopen(first, BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE) == nullptr) {
    fprintf(stderr, "%s\n", bridge_dlerror());
    return 1;
  }
  long rss0 = RssKib();
  auto t0 = Clock::now();
  void* h = bridge_dlopen(path, BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
  auto t1 = Clock::now();
  if (h == nullptr) {
    fprintf(stderr, "%s\n", bridge_dlerror());
    return 1;
  }
  printf("%.3f %ld\n", Ms(t0, t1), RssKib() - rss0);
  fflush(stdout);
  _exit(0);
}

int LoadGlibc(const char* path, bool preload_deps) {
  if (preload_deps) {
    // Load what the library needs first so only its own mapping and
    // relocation are timed, like the bridged case (whose needs are virtual).
    for (const char* dep : {"libatomic.so.1", "libglib-2.0.so.0", "libicudata.so.72", "libicui18n.so.72",
                            "libicuuc.so.72", "libgio-2.0.so.0", "libgobject-2.0.so.0", "libz.so.1",
                            "libsystemd.so.0", "libstdc++.so.6", "libgcc_s.so.1"}) {
      if (dlopen(dep, RTLD_NOW | RTLD_GLOBAL) == nullptr) fprintf(stderr, "preload %s: %s\n", dep, dlerror());
    }
  }
  long rss0 = RssKib();
  auto t0 = Clock::now();
  void* h = dlopen(path, RTLD_NOW);
  auto t1 = Clock::now();
  if (h == nullptr) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  printf("%.3f %ld\n", Ms(t0, t1), RssKib() - rss0);
  fflush(stdout);
  _exit(0);
}

int Js(bool bridged, const char* path) {
  vmi::bridge::jsc::Api api;
  void* h = bridged ? bridge_dlopen(path, BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE) : dlopen(path, RTLD_NOW);
  if (h == nullptr) return 1;
  bool ok = bridged ? api.Resolve([h](const char* n) { return bridge_dlsym(h, n); })
                    : api.Resolve([h](const char* n) { return dlsym(h, n); });
  if (!ok) return 1;
  auto ctx = api.JSGlobalContextCreate(nullptr);
  api.EvalToString(ctx, kKernels);
  std::string expect = api.EvalToString(ctx, "kernels()");  // warm-up
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    std::string got = api.EvalToString(ctx, "kernels()");
    times.push_back(Ms(t0, Clock::now()));
    if (got != expect) return 1;
  }
  std::sort(times.begin(), times.end());
  printf("%.3f %s\n", times[2], expect.c_str());
  fflush(stdout);
  _exit(0);
}

// ns per call through a function pointer (as bionic code calls through its
// GOT), for the direct glibc function and the hook, in alternating short
// rounds: on a loaded machine the best round of each is taken from the same
// stretch of time, so a burst of load cannot favour one side.
double TimeRound(int (*fn)(FILE*), FILE* arg) {
  constexpr long kN = 2'000'000;
  int (*volatile f)(FILE*) = fn;
  FILE* volatile a = arg;
  long sink = 0;
  auto t0 = Clock::now();
  for (long i = 0; i < kN; ++i) sink += f(a);
  double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kN;
  if (sink == 42) printf(" ");
  return ns;
}

struct Pair {
  double direct = 1e9, hooked = 1e9;
};

Pair TimeCalls(int (*direct)(FILE*), FILE* direct_arg, int (*hooked)(FILE*), FILE* hooked_arg) {
  Pair best;
  for (int round = 0; round < 40; ++round) {
    best.direct = std::min(best.direct, TimeRound(direct, direct_arg));
    best.hooked = std::min(best.hooked, TimeRound(hooked, hooked_arg));
  }
  return best;
}

int HookOverhead() {
  void* libc = bridge_dlopen("libc.so", BRIDGE_RTLD_NOW);
  auto hooked = reinterpret_cast<int (*)(FILE*)>(bridge_dlsym(libc, "fileno"));
  auto* sf = static_cast<char*>(bridge_dlsym(libc, "__sF"));
  auto hooked_ferror = reinterpret_cast<int (*)(FILE*)>(bridge_dlsym(libc, "ferror"));
  FILE* bionic_stdout = reinterpret_cast<FILE*>(sf + 152);
  const Pair fileno_ns = TimeCalls(&fileno, stdout, hooked, bionic_stdout);
  const Pair ferror_ns = TimeCalls(&ferror, stdout, hooked_ferror, bionic_stdout);
  for (const auto& [name, t] : {std::pair{"fileno", fileno_ns}, std::pair{"ferror", ferror_ns}}) {
    printf("{\"bench\":\"bridge\",\"figure\":\"hook_call_%s\",\"hooked_ns\":%.2f,\"direct_glibc_ns\":%.2f,"
           "\"overhead_ns\":%.2f,\"target_overhead_ns\":5,\"met\":%s}\n",
           name, t.hooked, t.direct, t.hooked - t.direct, t.hooked - t.direct < 5 ? "true" : "false");
  }
  return 0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// Runs this program with `args` `n` times; returns the first number each printed.
std::vector<double> Sample(const std::string& self, const std::vector<std::string>& args, int n,
                           std::vector<std::string>* extra_out = nullptr) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> argv{self};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = vmi::Run(argv, {}, std::chrono::seconds(300));
    if (!r.ok() || !r->ok()) {
      fprintf(stderr, "bench: %s failed: %s\n", args[0].c_str(), r.ok() ? r->err.c_str() : r.error().ToString().c_str());
      continue;
    }
    out.push_back(atof(r->out.c_str()));
    if (extra_out != nullptr) extra_out->push_back(r->out);
  }
  return out;
}

int Orchestrate(const std::string& self, const std::string& targets) {
  const std::string libjsc = targets + "/jsc/libjsc.so";
  // Warm the page cache for both files so we time loading, not disk.
  Sample(self, {"load-bridged", libjsc}, 1);
  Sample(self, {"load-glibc-deps", kNativeJsc}, 1);
  std::vector<std::string> load_b, load_g;
  auto bridged = Sample(self, {"load-bridged", libjsc}, 7, &load_b);
  auto glibc = Sample(self, {"load-glibc-deps", kNativeJsc}, 7, &load_g);
  auto glibc_cold_deps = Sample(self, {"load-glibc", kNativeJsc}, 7);
  double b = Median(bridged), g = Median(glibc), gd = Median(glibc_cold_deps);
  printf("{\"bench\":\"bridge\",\"figure\":\"load_ms\",\"bridged_libjsc_ms\":%.2f,\"glibc_dlopen_javascriptcoregtk_ms\":%.2f,"
         "\"ratio\":%.3f,\"target_ratio\":1.2,\"met\":%s,\"glibc_dlopen_including_deps_ms\":%.2f,"
         "\"bridged_relocs\":39736,\"glibc_relocs\":36079,\"samples\":7}\n",
         b, g, b / g, b / g <= 1.2 ? "true" : "false", gd);
  // Resident memory added by the load (second number each child printed).
  auto second = [](const std::vector<std::string>& outs) {
    std::vector<double> v;
    for (const std::string& o : outs) {
      size_t sp = o.find(' ');
      if (sp != std::string::npos) v.push_back(atof(o.c_str() + sp + 1));
    }
    return Median(v);
  };
  printf("{\"bench\":\"bridge\",\"figure\":\"load_rss_kib\",\"bridged_libjsc_kib\":%.0f,"
         "\"glibc_dlopen_javascriptcoregtk_kib\":%.0f,\"bridge_overhead_kib\":%.0f,"
         "\"note\":\"bridged includes the bridge's one-time start-up; glibc's deps were preloaded\"}\n",
         second(load_b), second(load_g), second(load_b) - second(load_g));
  // The same load in a process where the bridge already runs (libopus.so
  // loaded first): the overhead of one more library, without the start-up.
  const std::string libopus = targets + "/opus/libopus.so";
  std::vector<std::string> load_a;
  Sample(self, {"load-bridged-after", libopus, libjsc}, 7, &load_a);
  printf("{\"bench\":\"bridge\",\"figure\":\"load_rss_kib_one_more_library\",\"bridged_libjsc_kib\":%.0f,"
         "\"glibc_dlopen_javascriptcoregtk_kib\":%.0f,\"bridge_overhead_kib\":%.0f,\"bridge_startup_kib\":%.0f}\n",
         second(load_a), second(load_g), second(load_a) - second(load_g), second(load_b) - second(load_a));
  // The same code built both ways: libopus as expo-opus ships it for
  // Android (1.5.2) and Debian's (1.3.1), each in a fresh process. This
  // program already has Debian's libopus.so.0 mapped (FFmpeg, which the
  // bridge links, needs it), so glibc is given a copy: a file it has not
  // loaded yet, which it maps and relocates anew.
  char dir[] = "/tmp/vmi-bridge-bench.XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string native_opus = std::string(dir) + "/libopus-copy.so";
  std::error_code copy_error;
  if (!std::filesystem::copy_file(kNativeOpus, native_opus, copy_error)) {
    fprintf(stderr, "bench: copy %s: %s\n", kNativeOpus, copy_error.message().c_str());
    return 1;
  }
  Sample(self, {"load-glibc", native_opus}, 1);
  std::vector<std::string> opus_b, opus_g;
  double ob = Median(Sample(self, {"load-bridged", libopus}, 7, &opus_b));
  double og = Median(Sample(self, {"load-glibc", native_opus}, 7, &opus_g));
  unlink(native_opus.c_str());
  rmdir(dir);
  std::vector<std::string> opus_a;
  // (libsodium first, not libjsc: JavaScriptCore's threads, started at its
  // load, took the CPU from some of these sub-millisecond loads.)
  double oa = Median(Sample(self, {"load-bridged-after", targets + "/sodium/libsodium.so", libopus}, 7, &opus_a));
  printf("{\"bench\":\"bridge\",\"figure\":\"load_ms_libopus\",\"bridged_ms\":%.3f,"
         "\"bridged_one_more_library_ms\":%.3f,\"glibc_dlopen_ms\":%.3f,\"ratio_one_more_library\":%.3f,"
         "\"bridged_kib\":%.0f,\"bridged_one_more_library_kib\":%.0f,\"glibc_kib\":%.0f,\"samples\":7}\n",
         ob, oa, og, oa / og, second(opus_b), second(opus_a), second(opus_g));
  std::vector<std::string> outs_b, outs_n;
  auto jb = Sample(self, {"js-bridged", libjsc}, 3, &outs_b);
  auto jn = Sample(self, {"js-native", kNativeJsc}, 3, &outs_n);
  double mb = Median(jb), mn = Median(jn);
  bool same = !outs_b.empty() && !outs_n.empty() &&
              outs_b[0].substr(outs_b[0].find(' ')) == outs_n[0].substr(outs_n[0].find(' '));
  printf("{\"bench\":\"bridge\",\"figure\":\"js_workload_ms\",\"bridged_android_jsc_ms\":%.2f,\"debian_native_jsc_ms\":%.2f,"
         "\"ratio\":%.3f,\"same_result\":%s,\"kernels\":\"fib27,sort200k,strcat100k,objkeys100k,json50k,numloop3M\"}\n",
         mb, mn, mb / mn, same ? "true" : "false");
  fflush(stdout);
  return HookOverhead();
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "load-bridged" && argc == 3) return LoadBridged(argv[2]);
  if (mode == "load-bridged-after" && argc == 4) return LoadBridged(argv[3], argv[2]);
  if (mode == "load-glibc" && argc == 3) return LoadGlibc(argv[2], false);
  if (mode == "load-glibc-deps" && argc == 3) return LoadGlibc(argv[2], true);
  if (mode == "js-bridged" && argc == 3) return Js(true, argv[2]);
  if (mode == "js-native" && argc == 3) return Js(false, argv[2]);
  if (mode == "hook") return HookOverhead();
  if (mode == "all" && argc == 3) return Orchestrate("/proc/self/exe", argv[2]);
  fprintf(stderr, "usage: vmi_bridge_bench all TARGETS_DIR\n");
  return 2;
}
