// CrashGuard: runs a bridged object's constructor so that a crash in it
// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) becomes an error for the caller of
// dlopen instead of killing the process. While a guard is active on some
// thread, the bridge's handler is installed for those signals; a fault on a
// thread without an active guard restores the previous disposition and lets
// the faulting instruction run again, so the process behaves as before.
// Limits: locks the constructor held stay held, memory it allocated leaks,
// threads it started keep running; a fault on the guarded thread's stack
// overflow cannot be caught (no alternate stack). Thread-safe.
#pragma once

#include <string>

#include "base/result.h"

namespace vmi::bridge {

using InitFunction = void (*)(int, char**, char**);

// Calls fn(argc, argv, envp). `what` names the function in the error, e.g.
// "DT_INIT_ARRAY[2] of libfoo.so".
Result<void> CallGuarded(InitFunction fn, int argc, char** argv, char** envp, const std::string& what);

}  // namespace vmi::bridge
