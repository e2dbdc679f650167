// vmi-bridge-jsc-eval [--glibc] LIBJSC EXPR...: evaluates each JavaScript
// expression with an Android libjsc.so loaded through libvmi-bridge.so and
// prints "EXPR => RESULT" lines. A small end-to-end check of the bridge (used
// by the arm64 qemu test) and an example of a program using the C ABI.
// --glibc loads LIBJSC with glibc's dlopen instead: the same code then runs
// the host's own JavaScriptCore (Debian's libjavascriptcoregtk), which the
// real-world test compares the Android build with. The two engines are kept
// in separate processes because each installs process-wide signal handlers
// for its garbage collector's thread suspension.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include "bridge/bridge.h"
#include "bridge/realworld/jsc_api.h"

// Leaves bionic's arm64 stack-guard slot to the bridge (no-op on x86_64).
BRIDGE_RESERVE_BIONIC_TLS();

int main(int argc, char** argv) {
  const bool glibc = argc > 1 && strcmp(argv[1], "--glibc") == 0;
  if (glibc) {
    --argc;
    ++argv;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: vmi-bridge-jsc-eval [--glibc] LIBJSC EXPR...\n");
    return 2;
  }
  void* h = glibc ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : bridge_dlopen(argv[1], BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
  if (h == nullptr) {
    fprintf(stderr, "vmi-bridge-jsc-eval: %s\n", glibc ? dlerror() : bridge_dlerror());
    return 1;
  }
  vmi::bridge::jsc::Api api;
  const bool resolved = glibc ? api.Resolve([h](const char* n) { return dlsym(h, n); })
                              : api.Resolve([h](const char* n) { return bridge_dlsym(h, n); });
  if (!resolved) {
    fprintf(stderr, "vmi-bridge-jsc-eval: JavaScriptCore C API incomplete\n");
    return 1;
  }
  auto ctx = api.JSGlobalContextCreate(nullptr);
  for (int i = 2; i < argc; ++i) printf("%s => %s\n", argv[i], api.EvalToString(ctx, argv[i]).c_str());
  api.JSGlobalContextRelease(ctx);
  fflush(stdout);
  return 0;
}
