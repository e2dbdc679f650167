// Bionic (Android libc) ABI facts for LP64 that differ from glibc, written
// down from bionic's public headers (libc/include/...) and libc/stdio/local.h.
// Each fact is checked by a probe in hooks_layout_test.cc against what glibc
// does, so a wrong assumption fails a test instead of corrupting memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::bridge::bionic {

// bits/signal_types.h: on LP64 sigset_t is the kernel's single unsigned long,
// and struct sigaction is { int sa_flags; handler; sigset_t sa_mask;
// void (*sa_restorer)(); }. glibc's sigset_t is 128 bytes and its
// struct sigaction puts the handler first.
using sigset_t = unsigned long;
struct sigaction_t {
  int sa_flags;
  // Named so as not to clash with glibc's sa_handler/sa_sigaction macros.
  union {
    void (*handler)(int);
    void (*action)(int, void*, void*);
  };
  sigset_t sa_mask;
  void (*sa_restorer)();
};
static_assert(sizeof(sigaction_t) == 32);
static_assert(offsetof(sigaction_t, sa_mask) == 16);

// stdio/local.h: struct __sFILE is 152 bytes on LP64; NDK code indexes
// __sF[0..2] for stdin/stdout/stderr. _flags is at 16 and _file at 20.
inline constexpr size_t kFileSize = 152;
// Kernel flag both libcs strip and replace with their own restorer.
inline constexpr int kSaRestorer = 0x04000000;
inline constexpr size_t kFileFlagsOffset = 16;
inline constexpr size_t kFileFdOffset = 20;

// semaphore.h: sem_t is { unsigned int count; int __reserved[3]; } = 16 bytes.
inline constexpr size_t kSemSize = 16;

// regex.h (NetBSD/OpenBSD regex): regoff_t is ssize_t, regex_t is
// { int re_magic; size_t re_nsub; const char* re_endp; struct re_guts* re_g; }.
using regoff_t = long;
struct regmatch_t {
  regoff_t rm_so;
  regoff_t rm_eo;
};
struct regex_t {
  int re_magic;
  size_t re_nsub;
  const char* re_endp;
  void* re_g;
};
static_assert(sizeof(regex_t) == 32);
inline constexpr int kRegExtended = 0001;
inline constexpr int kRegIcase = 0002;
inline constexpr int kRegNosub = 0004;
inline constexpr int kRegNewline = 0010;
inline constexpr int kRegNospec = 0020;
inline constexpr int kRegPend = 0040;
inline constexpr int kRegNotbol = 00001;
inline constexpr int kRegNoteol = 00002;
inline constexpr int kRegStartend = 00004;
inline constexpr int kRegNomatch = 1;
inline constexpr int kRegBadpat = 2;
inline constexpr int kRegEparen = 8;
inline constexpr int kRegEspace = 12;
inline constexpr int kRegBadrpt = 13;
inline constexpr int kRegEmpty = 14;
inline constexpr int kRegInvarg = 16;

// sys/system_properties.h.
inline constexpr size_t kPropValueMax = 92;
inline constexpr size_t kPropNameMax = 32;

// android/log.h priorities.
enum LogPriority { kLogUnknown = 0, kLogDefault, kLogVerbose, kLogDebug, kLogInfo, kLogWarn, kLogError, kLogFatal,
                   kLogSilent };

// dlfcn.h (LP64).
inline constexpr int kRtldLazy = 0x00001;
inline constexpr int kRtldNow = 0x00002;
inline constexpr int kRtldNoload = 0x00004;
inline constexpr int kRtldGlobal = 0x00100;
inline constexpr int kRtldNodelete = 0x01000;

// unistd.h: pathconf names 0..19 in this order.
inline constexpr int kPcFilesizebits = 0;

}  // namespace vmi::bridge::bionic
