// vmi-bridge-jsc-eval LIBJSC EXPR...: evaluates each JavaScript expression
// with an Android libjsc.so loaded through libvmi-bridge.so and prints
// "EXPR => RESULT" lines. A small end-to-end check of the bridge (used by the
// arm64 qemu test) and an example of a program using the C ABI.
#include <cstdio>

#include "bridge/bridge.h"
#include "bridge/realworld/jsc_api.h"

// Leaves bionic's arm64 stack-guard slot to the bridge (no-op on x86_64).
BRIDGE_RESERVE_BIONIC_TLS();

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: vmi-bridge-jsc-eval LIBJSC EXPR...\n");
    return 2;
  }
  void* h = bridge_dlopen(argv[1], BRIDGE_RTLD_NOW | BRIDGE_RTLD_NODELETE);
  if (h == nullptr) {
    fprintf(stderr, "vmi-bridge-jsc-eval: %s\n", bridge_dlerror());
    return 1;
  }
  vmi::bridge::jsc::Api api;
  if (!api.Resolve([h](const char* n) { return bridge_dlsym(h, n); })) {
    fprintf(stderr, "vmi-bridge-jsc-eval: JavaScriptCore C API incomplete\n");
    return 1;
  }
  auto ctx = api.JSGlobalContextCreate(nullptr);
  for (int i = 2; i < argc; ++i) printf("%s => %s\n", argv[i], api.EvalToString(ctx, argv[i]).c_str());
  api.JSGlobalContextRelease(ctx);
  fflush(stdout);
  return 0;
}
