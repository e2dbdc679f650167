// errno, strerror_r, abort and assert hooks, and the BSD string functions
// glibc 2.36 lacks. bionic's __errno() is glibc's __errno_location(); bionic's
// strerror_r is the POSIX one (int result), which glibc exports as
// __xpg_strerror_r. The abort message kept by android_set_abort_message is
// logged when bionic code aborts. All thread-safe.
#include <netdb.h>
#include <string.h>

#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "base/log.h"
#include "bridge/hooks/hooks.h"
#include "bridge/linker.h"

extern "C" int __xpg_strerror_r(int, char*, size_t);
extern "C" int __register_atfork(void (*)(), void (*)(), void (*)(), void*);
extern "C" int __cxa_atexit(void (*)(void*), void*, void*);

namespace vmi::bridge::hooks {
namespace {

std::atomic<char*> g_abort_message{nullptr};

int* Errno() { return __errno_location(); }
int* HErrno() { return __h_errno_location(); }
int StrerrorR(int err, char* buf, size_t len) { return __xpg_strerror_r(err, buf, len); }
char* GnuStrerrorR(int err, char* buf, size_t len) { return strerror_r(err, buf, len); }

size_t Strlcpy(char* dst, const char* src, size_t size) {
  size_t len = strlen(src);
  if (size != 0) {
    size_t n = len >= size ? size - 1 : len;
    memcpy(dst, src, n);
    dst[n] = 0;
  }
  return len;
}

size_t Strlcat(char* dst, const char* src, size_t size) {
  size_t dlen = strnlen(dst, size);
  if (dlen == size) return size + strlen(src);
  return dlen + Strlcpy(dst + dlen, src, size - dlen);
}

void SetAbortMessage(const char* msg) {
  if (msg == nullptr) return;
  char* copy = strdup(msg);
  char* old = g_abort_message.exchange(copy);
  free(old);
}

[[noreturn]] void Abort() {
  if (char* m = g_abort_message.load(); m != nullptr) {
    VMI_ILOG(ERROR, "bridge") << "abort message: " << m;
  }
  abort();
}

[[noreturn]] void Assert(const char* file, int line, const char* msg) {
  VMI_ILOG(ERROR, "bridge") << file << ":" << line << ": assertion \"" << msg << "\" failed";
  abort();
}

[[noreturn]] void Assert2(const char* file, int line, const char* function, const char* expr) {
  VMI_ILOG(ERROR, "bridge") << file << ":" << line << ": " << function << ": assertion \"" << expr << "\" failed";
  abort();
}

// Names the bridged object and offset whose stack protector fired, then aborts
// like glibc's __stack_chk_fail.
[[noreturn]] __attribute__((noinline)) void StackChkFail() {
  const uintptr_t ra = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  SharedObject* so = Linker::Instance().ObjectAt(ra);
  if (so != nullptr) {
    char off[32];
    snprintf(off, sizeof(off), "0x%lx", static_cast<unsigned long>(ra - so->bias()));
    VMI_ILOG(ERROR, "bridge") << "stack protector fired in " << so->path << " at " << off;
  } else {
    VMI_ILOG(ERROR, "bridge") << "stack protector fired outside bridged code";
  }
  abort();
}

// glibc implements these two in libc_nonshared.a, so libc.so.6 does not export them.
int PthreadAtfork(void (*prepare)(), void (*parent)(), void (*child)()) {
  return __register_atfork(prepare, parent, child, nullptr);
}
int Atexit(void (*fn)()) { return __cxa_atexit(reinterpret_cast<void (*)(void*)>(fn), nullptr, nullptr); }

const HookEntry kHooks[] = {
    VMI_HOOK("__errno", Errno),
    VMI_HOOK("__get_h_errno", HErrno),
    VMI_HOOK("strerror_r", StrerrorR),
    VMI_HOOK("__gnu_strerror_r", GnuStrerrorR),
    VMI_HOOK("strlcpy", Strlcpy),
    VMI_HOOK("strlcat", Strlcat),
    VMI_HOOK("android_set_abort_message", SetAbortMessage),
    VMI_HOOK("abort", Abort),
    VMI_HOOK("__assert", Assert),
    VMI_HOOK("__assert2", Assert2),
    VMI_HOOK("pthread_atfork", PthreadAtfork),
    VMI_HOOK("atexit", Atexit),
    VMI_HOOK("__stack_chk_fail", StackChkFail),
};

}  // namespace

const char* AbortMessage() { return g_abort_message.load(); }

void AddErrnoStringHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
