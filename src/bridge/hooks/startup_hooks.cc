// __libc_init: the first bionic libc function a dynamic bionic executable
// calls (from _start in crtbegin). raw_args points at the initial process
// stack the bridge built (argc, argv..., NULL, envp..., NULL, auxv). The
// executable's own constructors and destructors are run by the bridge Linker,
// so `structors` is ignored, as bionic's dynamic __libc_init ignores all but
// fini_array. Calls exit(main(argc, argv, envp)); never returns.
#include <cstdlib>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

[[noreturn]] void LibcInit(void* raw_args, void (*)(), int (*slingshot)(int, char**, char**), const void*) {
  auto* p = static_cast<uintptr_t*>(raw_args);
  int argc = static_cast<int>(p[0]);
  char** argv = reinterpret_cast<char**>(p + 1);
  char** envp = argv + argc + 1;
  exit(slingshot(argc, argv, envp));
}

const HookEntry kHooks[] = {
    VMI_HOOK("__libc_init", LibcInit),
};

}  // namespace

void AddStartupHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
