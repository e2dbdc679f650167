// The rest of the FILE-taking functions of bionic's libc that stdio_hooks.cc
// does not cover: unlocked variants, stdio_ext queries, wide scanf, mntent,
// malloc_info and pclose. Each maps &__sF[i] to glibc's stream first (see
// stdio_hooks.cc); functions that only return a FILE* (fopen, popen,
// fmemopen, setmntent...) resolve straight, since glibc FILEs pass through
// every hook unchanged. Thread-safety: that of the glibc function.
#include <malloc.h>
#include <mntent.h>
#include <stdio_ext.h>
#include <wchar.h>

#include <cstdarg>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

inline FILE* F(void* fp) { return ToGlibcFile(fp); }

int Flbf(void* fp) { return __flbf(F(fp)); }
size_t Fpending(void* fp) { return __fpending(F(fp)); }
int Freadable(void* fp) { return __freadable(F(fp)); }
int Fwritable(void* fp) { return __fwritable(F(fp)); }
int FflushUnlocked(void* fp) { return fflush_unlocked(fp == nullptr ? nullptr : F(fp)); }
int FgetcUnlocked(void* fp) { return fgetc_unlocked(F(fp)); }
char* FgetsUnlocked(char* s, int n, void* fp) { return fgets_unlocked(s, n, F(fp)); }
int FputcUnlocked(int c, void* fp) { return fputc_unlocked(c, F(fp)); }
int FputsUnlocked(const char* s, void* fp) { return fputs_unlocked(s, F(fp)); }
size_t FreadUnlocked(void* p, size_t s, size_t n, void* fp) { return fread_unlocked(p, s, n, F(fp)); }
size_t FwriteUnlocked(const void* p, size_t s, size_t n, void* fp) { return fwrite_unlocked(p, s, n, F(fp)); }
int Vfwscanf(void* fp, const wchar_t* fmt, va_list ap) { return vfwscanf(F(fp), fmt, ap); }
int Fwscanf(void* fp, const wchar_t* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfwscanf(F(fp), fmt, ap);
  va_end(ap);
  return r;
}
struct mntent* Getmntent(void* fp) { return getmntent(F(fp)); }
struct mntent* GetmntentR(void* fp, struct mntent* e, char* buf, int len) { return getmntent_r(F(fp), e, buf, len); }
int Endmntent(void* fp) { return endmntent(F(fp)); }
int MallocInfo(int options, void* fp) { return malloc_info(options, F(fp)); }
int Pclose(void* fp) { return pclose(F(fp)); }

const HookEntry kHooks[] = {
    VMI_HOOK("__flbf", Flbf),
    VMI_HOOK("__fpending", Fpending),
    VMI_HOOK("__freadable", Freadable),
    VMI_HOOK("__fwritable", Fwritable),
    VMI_HOOK("fflush_unlocked", FflushUnlocked),
    VMI_HOOK("fgetc_unlocked", FgetcUnlocked),
    VMI_HOOK("fgets_unlocked", FgetsUnlocked),
    VMI_HOOK("fputc_unlocked", FputcUnlocked),
    VMI_HOOK("fputs_unlocked", FputsUnlocked),
    VMI_HOOK("fread_unlocked", FreadUnlocked),
    VMI_HOOK("fwrite_unlocked", FwriteUnlocked),
    VMI_HOOK("vfwscanf", Vfwscanf),
    VMI_HOOK("fwscanf", Fwscanf),
    VMI_HOOK("getmntent", Getmntent),
    VMI_HOOK("getmntent_r", GetmntentR),
    VMI_HOOK("endmntent", Endmntent),
    VMI_HOOK("malloc_info", MallocInfo),
    VMI_HOOK("pclose", Pclose),
};

}  // namespace

void AddStdioExtHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
