// Data symbols of bionic's libc that glibc lacks or lays out differently,
// and the functions bound to them:
//
//  * _ctype_: a pointer (bionic declares `extern const char* _ctype_`) to
//    the BSD table (1 + 256 chars, flag bits below) that old NDK <ctype.h>
//    macros index as _ctype_[1 + c]; glibc uses __ctype_b_loc().
//  * stdin/stdout/stderr: bionic FILE* variables pointing at &__sF[0..2], so
//    a stream compared or passed around by bionic code is the same object the
//    hooked stdio functions map to glibc's streams.
//  * __stack_chk_guard: the canary bionic code compares (glibc has no symbol).
//  * sys_siglist / sys_signame: glibc 2.32 dropped them from its ABI; bionic
//    keeps 65-entry arrays ("Hangup", "HUP").
//  * optreset and getopt: bionic's getopt is OpenBSD's, which does not
//    permute argv (glibc's does unless the option string starts with '+') and
//    restarts when optreset is set (glibc restarts on optind = 0).
//  * __malloc_hook & co: bionic reads them only when malloc hooks are enabled
//    by a system property, which they never are here, so writes to them have
//    no effect, exactly as on a device without that property.
// Tables are filled once at start-up; the getopt hooks are as thread-unsafe
// as getopt itself.
#include <getopt.h>
#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include "bridge/bionic_tls.h"
#include "bridge/hooks/hooks.h"

extern "C" const char* sigabbrev_np(int);
extern "C" const char* sigdescr_np(int);

namespace vmi::bridge::hooks {
namespace {

// bionic <ctype.h> (_CTYPE_*): the OpenBSD ctype_.c flags.
enum : unsigned char { kU = 0x01, kL = 0x02, kN = 0x04, kS = 0x08, kP = 0x10, kC = 0x20, kX = 0x40, kB = 0x80 };
constexpr int kNsig = 65;  // bionic LP64 _NSIG

char g_ctype[1 + 256];
const char* g_ctype_pointer = g_ctype;
const char* g_siglist[kNsig];
const char* g_signame[kNsig];
void* g_std[3];
uintptr_t g_stack_chk_guard;
int g_optreset;

void* DefaultMallocHook(size_t n, const void*) { return malloc(n); }
void* DefaultReallocHook(void* p, size_t n, const void*) { return realloc(p, n); }
void DefaultFreeHook(void* p, const void*) { free(p); }
void* DefaultMemalignHook(size_t a, size_t n, const void*) { return aligned_alloc(a, n); }
void* g_malloc_hook = reinterpret_cast<void*>(DefaultMallocHook);
void* g_realloc_hook = reinterpret_cast<void*>(DefaultReallocHook);
void* g_free_hook = reinterpret_cast<void*>(DefaultFreeHook);
void* g_memalign_hook = reinterpret_cast<void*>(DefaultMemalignHook);

struct Init {
  Init() {
    for (int c = 0; c < 128; ++c) {
      unsigned char f = 0;
      if (isupper(c)) f |= kU;
      if (islower(c)) f |= kL;
      if (isdigit(c)) f |= kN;
      if (isspace(c)) f |= kS;
      if (ispunct(c)) f |= kP;
      if (iscntrl(c)) f |= kC;
      if (isxdigit(c)) f |= kX;
      if (isblank(c)) f |= kB;
      g_ctype[1 + c] = static_cast<char>(f);
    }
    for (int s = 1; s < kNsig; ++s) {
      g_siglist[s] = sigdescr_np(s);
      g_signame[s] = sigabbrev_np(s);
    }
    for (int i = 0; i < 3; ++i) g_std[i] = static_cast<unsigned char*>(BionicSF()) + i * 152;
    g_stack_chk_guard = BionicStackGuard();
  }
} g_init;

// OpenBSD getopt never permutes; '+' asks glibc for the same. A leading '-'
// (return non-options as 1) or '+' is already an explicit mode.
std::string NoPermute(const char* opts) {
  if (opts == nullptr || opts[0] == '+' || opts[0] == '-') return opts == nullptr ? "" : opts;
  return std::string("+") + opts;
}

void ApplyOptreset() {
  if (g_optreset) {
    g_optreset = 0;
    optind = 0;  // glibc's full re-initialisation
  }
}

int Getopt(int argc, char* const* argv, const char* opts) {
  ApplyOptreset();
  return getopt(argc, argv, NoPermute(opts).c_str());
}
// bionic's getopt_long permutes like GNU's (OpenBSD FLAG_PERMUTE), so only optreset differs.
int GetoptLong(int argc, char* const* argv, const char* opts, const struct option* lo, int* idx) {
  ApplyOptreset();
  return getopt_long(argc, argv, opts, lo, idx);
}
int GetoptLongOnly(int argc, char* const* argv, const char* opts, const struct option* lo, int* idx) {
  ApplyOptreset();
  return getopt_long_only(argc, argv, opts, lo, idx);
}

const char* Getprogname() { return program_invocation_short_name; }
void Setprogname(const char* name) {
  const char* slash = strrchr(name, '/');
  program_invocation_short_name = const_cast<char*>(slash != nullptr ? slash + 1 : name);
}

const HookEntry kHooks[] = {
    VMI_HOOK("_ctype_", &g_ctype_pointer),
    VMI_HOOK("sys_siglist", g_siglist),
    VMI_HOOK("sys_signame", g_signame),
    VMI_HOOK("stdin", &g_std[0]),
    VMI_HOOK("stdout", &g_std[1]),
    VMI_HOOK("stderr", &g_std[2]),
    VMI_HOOK("__stack_chk_guard", &g_stack_chk_guard),
    VMI_HOOK("optreset", &g_optreset),
    VMI_HOOK("getopt", Getopt),
    VMI_HOOK("getopt_long", GetoptLong),
    VMI_HOOK("getopt_long_only", GetoptLongOnly),
    VMI_HOOK("getprogname", Getprogname),
    VMI_HOOK("setprogname", Setprogname),
    VMI_HOOK("__malloc_hook", &g_malloc_hook),
    VMI_HOOK("__realloc_hook", &g_realloc_hook),
    VMI_HOOK("__free_hook", &g_free_hook),
    VMI_HOOK("__memalign_hook", &g_memalign_hook),
};

}  // namespace

void AddDataHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
