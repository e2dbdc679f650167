// bionic libc functions glibc lacks, spells differently, or implements with
// another ABI, one small group each (the why is next to each group):
// BSD string helpers, POSIX basename/dirname, pthread extensions, mallinfo,
// sigset64 aliases, fdsan, the BIND resolver's state functions, nsdispatch,
// funopen and other stdio extensions, timezone_t, and the few platform hooks
// that have nothing to do in a glibc process. All are thread-safe unless noted.
#include <arpa/nameser.h>
#include <libgen.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <cstdarg>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/log.h"
#include "bridge/hooks/hooks.h"

extern "C" int epoll_pwait2(int, struct epoll_event*, int, const struct timespec*, const sigset_t*);

namespace vmi::bridge::hooks {
namespace {

// --- BSD wide-string helpers (glibc 2.36 has none) -----------------------------
size_t Wcslcpy(wchar_t* dst, const wchar_t* src, size_t size) {
  size_t len = wcslen(src);
  if (size != 0) {
    size_t n = len >= size ? size - 1 : len;
    wmemcpy(dst, src, n);
    dst[n] = 0;
  }
  return len;
}
size_t Wcslcat(wchar_t* dst, const wchar_t* src, size_t size) {
  size_t dlen = wcsnlen(dst, size);
  if (dlen == size) return size + wcslen(src);
  return dlen + Wcslcpy(dst + dlen, src, size - dlen);
}

// --- basename/dirname ------------------------------------------------------------
// bionic's basename/dirname are POSIX (trailing slashes ignored) but never
// modify their argument and return a thread-local buffer; glibc's POSIX
// versions write into the argument, and its plain `basename` is the GNU one.
thread_local char t_path[4096];
char* CopyForPosix(const char* path) {
  if (path == nullptr) return nullptr;
  size_t n = strnlen(path, sizeof(t_path) - 1);
  memcpy(t_path, path, n);
  t_path[n] = 0;
  return t_path;
}
char* Basename(const char* path) { return __xpg_basename(CopyForPosix(path)); }
char* Dirname(const char* path) { return dirname(CopyForPosix(path)); }
const char* GnuBasename(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

// --- pthread extensions ---------------------------------------------------------------
// bionic's pthread_cleanup_push/pop macros call these with a caller-owned
// record; handlers still pushed when the thread exits run in pthread_exit.
struct CleanupRecord {
  CleanupRecord* prev;
  void (*routine)(void*);
  void* arg;
};
thread_local CleanupRecord* t_cleanup = nullptr;
void CleanupPush(CleanupRecord* c, void (*routine)(void*), void* arg) {
  c->prev = t_cleanup;
  c->routine = routine;
  c->arg = arg;
  t_cleanup = c;
}
void CleanupPop(CleanupRecord* c, int execute) {
  t_cleanup = c->prev;
  if (execute != 0) c->routine(c->arg);
}
[[noreturn]] void PthreadExit(void* value) {
  while (t_cleanup != nullptr) {
    CleanupRecord* c = t_cleanup;
    t_cleanup = c->prev;
    c->routine(c->arg);
  }
  pthread_exit(value);
}
// glibc 2.36 has no pthread_gettid_np; its thread CPU clock id encodes the
// kernel tid (Linux's MAKE_THREAD_CPUCLOCK: ~tid << 3 | 6).
pid_t PthreadGettidNp(pthread_t t) {
  clockid_t clk;
  if (pthread_getcpuclockid(t, &clk) != 0) return -1;
  return static_cast<pid_t>(~(clk >> 3));
}
int CondTimedwaitMonotonic(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* ts) {
  return pthread_cond_clockwait(GlibcCond(c), m, CLOCK_MONOTONIC, ts);
}
int MutexTimedlockMonotonic(pthread_mutex_t* m, const struct timespec* ts) {
  return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, ts);
}
int RwlockTimedrdlockMonotonic(pthread_rwlock_t* l, const struct timespec* ts) {
  return pthread_rwlock_clockrdlock(l, CLOCK_MONOTONIC, ts);
}
int RwlockTimedwrlockMonotonic(pthread_rwlock_t* l, const struct timespec* ts) {
  return pthread_rwlock_clockwrlock(l, CLOCK_MONOTONIC, ts);
}
int SemTimedwaitMonotonic(sem_t* s, const struct timespec* ts) {
  return sem_clockwait(GlibcSem(s), CLOCK_MONOTONIC, ts);
}

// --- mallinfo --------------------------------------------------------------------
// bionic's struct mallinfo has size_t fields (80 bytes); glibc's has int
// fields (40 bytes) and mallinfo2 is the size_t one.
struct mallinfo2 Mallinfo() { return mallinfo2(); }

// --- fortify for ppoll64 -------------------------------------------------------
int Ppoll64Chk(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* ss, size_t fds_size) {
  if (fds_size / sizeof(struct pollfd) < n) {
    VMI_ILOG(ERROR, "bridge") << "ppoll64: " << n << " fds do not fit in a " << fds_size << "-byte buffer";
    abort();
  }
  return ppoll(fds, n, ts, ss);
}

// --- fdsan -------------------------------------------------------------------------
// bionic's fd ownership tags. The bridge keeps the tag table and checks
// close_with_tag like bionic's default error level (warn once, then off),
// logging instead of writing a tombstone.
std::mutex g_fdsan_mu;
std::unordered_map<int, uint64_t>& FdTags() {
  static auto* m = new std::unordered_map<int, uint64_t>();
  return *m;
}
int g_fdsan_level = 1;  // ANDROID_FDSAN_ERROR_LEVEL_WARN_ONCE
uint64_t FdsanCreateTag(int type, uint64_t value) {
  if (value == 0) return 0;
  return (static_cast<uint64_t>(type) << 56) | (value & ((1ull << 56) - 1));
}
void FdsanError(const char* what, int fd) {
  if (g_fdsan_level == 0) return;
  VMI_ILOG(WARN, "bridge") << "fdsan: " << what << " fd " << fd;
  if (g_fdsan_level == 1) g_fdsan_level = 0;
  else if (g_fdsan_level == 2) abort();
}
void FdsanExchange(int fd, uint64_t expected, uint64_t tag) {
  std::lock_guard<std::mutex> lock(g_fdsan_mu);
  uint64_t& cur = FdTags()[fd];
  if (cur != expected) FdsanError("exchange_owner_tag: wrong expected tag for", fd);
  else cur = tag;
}
int FdsanCloseWithTag(int fd, uint64_t tag) {
  {
    std::lock_guard<std::mutex> lock(g_fdsan_mu);
    auto it = FdTags().find(fd);
    uint64_t cur = it == FdTags().end() ? 0 : it->second;
    if (cur != tag) FdsanError("close_with_tag: wrong tag for", fd);
    if (it != FdTags().end()) FdTags().erase(it);
  }
  return close(fd);
}
uint64_t FdsanGetOwnerTag(int fd) {
  std::lock_guard<std::mutex> lock(g_fdsan_mu);
  auto it = FdTags().find(fd);
  return it == FdTags().end() ? 0 : it->second;
}
const char* FdsanTagType(uint64_t tag) {
  static const char* kTypes[] = {"not owned", "FILE*", "DIR*", "unique_fd", "sqlite", "FileInputStream",
                                 "FileOutputStream", "RandomAccessFile", "ParcelFileDescriptor", "ART FdFile",
                                 "DatagramSocketImpl", "SocketImpl", "ZipArchive", "native_handle_t", "Parcel"};
  uint64_t type = tag >> 56;
  return type < sizeof(kTypes) / sizeof(kTypes[0]) ? kTypes[type] : "native object of unknown type";
}
uint64_t FdsanTagValue(uint64_t tag) { return tag & ((1ull << 56) - 1); }
int FdsanGetLevel() { return g_fdsan_level; }
int FdsanSetLevel(int level) {
  int old = g_fdsan_level;
  g_fdsan_level = level;
  return old;
}

// --- resolver state functions ----------------------------------------------------
// bionic's struct __res_state is private to bionic (NDK code only ever holds
// pointers to it), so the n-variants run on glibc's per-thread resolver state.
int ResNinit(void*) { return res_init(); }
void ResNclose(void*) {}
int ResNquery(void*, const char* d, int c, int t, u_char* a, int n) { return res_query(d, c, t, a, n); }
int ResNsearch(void*, const char* d, int c, int t, u_char* a, int n) { return res_search(d, c, t, a, n); }
int ResNquerydomain(void*, const char* name, const char* domain, int c, int t, u_char* a, int n) {
  return res_querydomain(name, domain, c, t, a, n);
}
int ResNmkquery(void*, int op, const char* d, int c, int t, const u_char* data, int dlen, const u_char* nr,
                u_char* buf, int blen) {
  return res_mkquery(op, d, c, t, data, dlen, nr, buf, blen);
}
int ResNsend(void*, const u_char* m, int mlen, u_char* a, int alen) { return res_send(m, mlen, a, alen); }
// Query/response hooks and the per-network caches belong to Android's netd.
void ResSetHook(void*) {}
void ResolvNetNoop(unsigned) {}
int ResolvSetNameservers(unsigned, const char**, unsigned, const char*) { return 0; }

// --- nsdispatch (NetBSD) --------------------------------------------------------
// bionic has no nsswitch.conf: the caller's default source list decides,
// and each source's method from the dispatch table is called in order.
struct NsDtab {
  const char* src;
  int (*callback)(void* retval, void* cb_data, va_list ap);
  void* cb_data;
};
struct NsSrc {
  const char* name;
  uint32_t flags;
};
constexpr int kNsUnavail = 1 << 1;
int Nsdispatch(void* retval, const NsDtab* dtab, const char*, const char*, const NsSrc* defaults, ...) {
  int result = kNsUnavail;
  for (const NsSrc* s = defaults; s != nullptr && s->name != nullptr; ++s) {
    const NsDtab* d = dtab;
    while (d != nullptr && d->src != nullptr && strcasecmp(d->src, s->name) != 0) ++d;
    if (d == nullptr || d->src == nullptr || d->callback == nullptr) continue;
    va_list ap;
    va_start(ap, defaults);
    result = d->callback(retval, d->cb_data, ap);
    va_end(ap);
    if ((result & static_cast<int>(s->flags)) != 0) break;
  }
  return result;
}

// --- stdio extensions ------------------------------------------------------------
size_t Freadahead(void* fp) {
  FILE* f = ToGlibcFile(fp);
  if (f->_IO_write_ptr > f->_IO_write_base) return 0;
  return static_cast<size_t>(f->_IO_read_end - f->_IO_read_ptr);
}
void Fseterr(void* fp) { ToGlibcFile(fp)->_flags |= 0x20; /* _IO_ERR_SEEN */ }
// BSD fgetln: the line stays valid until the next call on the same stream.
char* Fgetln(void* fp, size_t* len) {
  static std::mutex mu;
  static auto* lines = new std::unordered_map<FILE*, std::string>();
  FILE* f = ToGlibcFile(fp);
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, f);
  if (n <= 0) {
    free(line);
    *len = 0;
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu);
  std::string& keep = (*lines)[f];
  keep.assign(line, static_cast<size_t>(n));
  free(line);
  *len = keep.size();
  return keep.data();
}
// funopen (BSD): function-backed streams, on glibc's fopencookie.
struct Funopen {
  void* cookie;
  int (*readfn)(void*, char*, int);
  int (*writefn)(void*, const char*, int);
  int64_t (*seekfn)(void*, int64_t, int);
  int (*closefn)(void*);
};
ssize_t FunRead(void* c, char* buf, size_t n) {
  auto* f = static_cast<Funopen*>(c);
  return f->readfn(f->cookie, buf, static_cast<int>(n > 0x7fffffff ? 0x7fffffff : n));
}
ssize_t FunWrite(void* c, const char* buf, size_t n) {
  auto* f = static_cast<Funopen*>(c);
  int r = f->writefn(f->cookie, buf, static_cast<int>(n > 0x7fffffff ? 0x7fffffff : n));
  return r < 0 ? 0 : r;  // fopencookie: 0 means error
}
int FunSeek(void* c, off64_t* off, int whence) {
  auto* f = static_cast<Funopen*>(c);
  int64_t r = f->seekfn(f->cookie, *off, whence);
  if (r < 0) return -1;
  *off = r;
  return 0;
}
int FunClose(void* c) {
  auto* f = static_cast<Funopen*>(c);
  int r = f->closefn != nullptr ? f->closefn(f->cookie) : 0;
  delete f;
  return r;
}
FILE* FunopenImpl(const void* cookie, int (*rd)(void*, char*, int), int (*wr)(void*, const char*, int),
                  int64_t (*sk)(void*, int64_t, int), int (*cl)(void*)) {
  if (rd == nullptr && wr == nullptr) {
    errno = EINVAL;
    return nullptr;
  }
  auto* f = new Funopen{const_cast<void*>(cookie), rd, wr, sk, cl};
  cookie_io_functions_t io{};
  io.read = rd != nullptr ? FunRead : nullptr;
  io.write = wr != nullptr ? FunWrite : nullptr;
  io.seek = sk != nullptr ? FunSeek : nullptr;
  io.close = FunClose;
  FILE* fp = fopencookie(f, rd != nullptr && wr != nullptr ? "r+" : (rd != nullptr ? "r" : "w"), io);
  if (fp == nullptr) delete f;
  return fp;
}

// --- timezone_t (API 35) ------------------------------------------------------
// glibc has no tzalloc; the zone is applied by switching TZ under a lock,
// so concurrent localtime_rz/mktime_z calls are serialised.
std::mutex g_tz_mu;
void* Tzalloc(const char* name) { return strdup(name != nullptr ? name : ""); }
void Tzfree(void* tz) { free(tz); }
template <typename F>
auto WithTz(const void* tz, F f) {
  std::lock_guard<std::mutex> lock(g_tz_mu);
  const char* old = getenv("TZ");
  std::string saved = old != nullptr ? old : "";
  setenv("TZ", static_cast<const char*>(tz), 1);
  tzset();
  auto r = f();
  if (old != nullptr) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
  return r;
}
struct tm* LocaltimeRz(void* tz, const time_t* t, struct tm* out) {
  return WithTz(tz, [&] { return localtime_r(t, out); });
}
time_t MktimeZ(void* tz, struct tm* tm) {
  return WithTz(tz, [&] { return mktime(tm); });
}

// --- signals by name (API 36) ------------------------------------------------
int Sig2str(int sig, char* out) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) {
    strcpy(out, abbrev);
    return 0;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    sprintf(out, sig - SIGRTMIN <= SIGRTMAX - sig ? "RTMIN+%d" : "RTMAX-%d",
            sig - SIGRTMIN <= SIGRTMAX - sig ? sig - SIGRTMIN : SIGRTMAX - sig);
    if (sig == SIGRTMIN) strcpy(out, "RTMIN");
    if (sig == SIGRTMAX) strcpy(out, "RTMAX");
    return 0;
  }
  return -1;
}
int Str2sig(const char* s, int* sig) {
  for (int i = 1; i < NSIG; ++i) {
    const char* abbrev = sigabbrev_np(i);
    if (abbrev != nullptr && strcmp(abbrev, s) == 0) {
      *sig = i;
      return 0;
    }
  }
  if (strcmp(s, "RTMIN") == 0) return *sig = SIGRTMIN, 0;
  if (strcmp(s, "RTMAX") == 0) return *sig = SIGRTMAX, 0;
  char* end = nullptr;
  if (strncmp(s, "RTMIN+", 6) == 0 || strncmp(s, "RTMAX-", 6) == 0) {
    long n = strtol(s + 6, &end, 10);
    int v = s[3] == 'I' ? SIGRTMIN + static_cast<int>(n) : SIGRTMAX - static_cast<int>(n);
    if (*end == 0 && n >= 0 && v >= SIGRTMIN && v <= SIGRTMAX) return *sig = v, 0;
    return -1;
  }
  long n = strtol(s, &end, 10);
  if (end != s && *end == 0 && n > 0 && n < NSIG) return *sig = static_cast<int>(n), 0;
  return -1;
}

// --- system calls glibc 2.36 does not wrap ----------------------------------------
int SchedGetattr(pid_t pid, void* attr, unsigned size, unsigned flags) {
  return static_cast<int>(syscall(SYS_sched_getattr, pid, attr, size, flags));
}
int SchedSetattr(pid_t pid, void* attr, unsigned flags) {
  return static_cast<int>(syscall(SYS_sched_setattr, pid, attr, flags));
}
int Mseal(void* addr, size_t len, unsigned long flags) {
  return static_cast<int>(syscall(462 /* __NR_mseal */, addr, len, flags));
}
void* MemsetExplicit(void* p, int c, size_t n) {
  memset(p, c, n);
  asm volatile("" : : "r"(p) : "memory");  // keep the stores
  return p;
}

// --- locale-explicit multibyte conversions -----------------------------------
size_t MbsrtowcsL(wchar_t* dst, const char** src, size_t n, mbstate_t* ps, locale_t loc) {
  locale_t old = uselocale(loc);
  size_t r = mbsrtowcs(dst, src, n, ps);
  uselocale(old);
  return r;
}
size_t WcsrtombsL(char* dst, const wchar_t** src, size_t n, mbstate_t* ps, locale_t loc) {
  locale_t old = uselocale(loc);
  size_t r = wcsrtombs(dst, src, n, ps);
  uselocale(old);
  return r;
}

// --- platform-only entry points with nothing to do here --------------------------
// Crash details go into tombstones, which a glibc process does not write.
void* CrashDetailRegister(const void*, size_t, const void*, size_t) {
  static char token;
  return &token;
}
void CrashDetailNoop(void*) {}
void CrashDetailReplace(void*, const void*, size_t) {}
// Zygote children re-randomise their guards; a bridged process is no zygote.
void ResetStackGuards() {}
// Bridged objects cannot have ELF TLS (the loader refuses PT_TLS), so bionic's
// static TLS area holds nothing of theirs and no dynamic TLS block exists.
void StaticTlsBounds(void** begin, void** end) {
  *begin = nullptr;
  *end = nullptr;
}
void IterateDynamicTls(pid_t, void (*)(void*, void*, size_t, void*), void*) {}
void RegisterDynamicTlsListeners(void*, void*) {}
// A per-thread exit callback for every thread would need a hook into glibc's
// thread exit that does not exist; fail loudly rather than never call it.
[[noreturn]] void RegisterThreadExitCallback(void*) {
  VMI_ILOG(ERROR, "bridge") << "__libc_register_thread_exit_callback is not supported by the bridge";
  abort();
}

const HookEntry kHooks[] = {
    VMI_HOOK("wcslcpy", Wcslcpy),
    VMI_HOOK("wcslcat", Wcslcat),
    VMI_HOOK("basename", Basename),
    VMI_HOOK("dirname", Dirname),
    VMI_HOOK("__gnu_basename", GnuBasename),
    VMI_HOOK("__pthread_cleanup_push", CleanupPush),
    VMI_HOOK("__pthread_cleanup_pop", CleanupPop),
    VMI_HOOK("pthread_exit", PthreadExit),
    VMI_HOOK("pthread_gettid_np", PthreadGettidNp),
    VMI_HOOK("pthread_cond_timedwait_monotonic_np", CondTimedwaitMonotonic),
    VMI_HOOK("pthread_mutex_timedlock_monotonic_np", MutexTimedlockMonotonic),
    VMI_HOOK("pthread_rwlock_timedrdlock_monotonic_np", RwlockTimedrdlockMonotonic),
    VMI_HOOK("pthread_rwlock_timedwrlock_monotonic_np", RwlockTimedwrlockMonotonic),
    VMI_HOOK("sem_timedwait_monotonic_np", SemTimedwaitMonotonic),
    VMI_HOOK("mallinfo", Mallinfo),
    VMI_HOOK("__ppoll64_chk", Ppoll64Chk),
    VMI_HOOK("android_fdsan_create_owner_tag", FdsanCreateTag),
    VMI_HOOK("android_fdsan_exchange_owner_tag", FdsanExchange),
    VMI_HOOK("android_fdsan_close_with_tag", FdsanCloseWithTag),
    VMI_HOOK("android_fdsan_get_owner_tag", FdsanGetOwnerTag),
    VMI_HOOK("android_fdsan_get_tag_type", FdsanTagType),
    VMI_HOOK("android_fdsan_get_tag_value", FdsanTagValue),
    VMI_HOOK("android_fdsan_get_error_level", FdsanGetLevel),
    VMI_HOOK("android_fdsan_set_error_level", FdsanSetLevel),
    VMI_HOOK("__res_ninit", ResNinit),
    VMI_HOOK("__res_nclose", ResNclose),
    VMI_HOOK("__res_nquery", ResNquery),
    VMI_HOOK("__res_nsearch", ResNsearch),
    VMI_HOOK("__res_nquerydomain", ResNquerydomain),
    VMI_HOOK("__res_nmkquery", ResNmkquery),
    VMI_HOOK("__res_nsend", ResNsend),
    VMI_HOOK("__res_send_setqhook", ResSetHook),
    VMI_HOOK("__res_send_setrhook", ResSetHook),
    VMI_HOOK("_resolv_flush_cache_for_net", ResolvNetNoop),
    VMI_HOOK("_resolv_delete_cache_for_net", ResolvNetNoop),
    VMI_HOOK("_resolv_set_nameservers_for_net", ResolvSetNameservers),
    VMI_HOOK("nsdispatch", Nsdispatch),
    VMI_HOOK("__freadahead", Freadahead),
    VMI_HOOK("__fseterr", Fseterr),
    VMI_HOOK("fgetln", Fgetln),
    VMI_HOOK("funopen", FunopenImpl),
    VMI_HOOK("funopen64", FunopenImpl),
    VMI_HOOK("tzalloc", Tzalloc),
    VMI_HOOK("tzfree", Tzfree),
    VMI_HOOK("localtime_rz", LocaltimeRz),
    VMI_HOOK("mktime_z", MktimeZ),
    VMI_HOOK("sig2str", Sig2str),
    VMI_HOOK("str2sig", Str2sig),
    VMI_HOOK("sched_getattr", SchedGetattr),
    VMI_HOOK("sched_setattr", SchedSetattr),
    VMI_HOOK("mseal", Mseal),
    VMI_HOOK("memset_explicit", MemsetExplicit),
    VMI_HOOK("mbsrtowcs_l", MbsrtowcsL),
    VMI_HOOK("wcsrtombs_l", WcsrtombsL),
    VMI_HOOK("android_crash_detail_register", CrashDetailRegister),
    VMI_HOOK("android_crash_detail_unregister", CrashDetailNoop),
    VMI_HOOK("android_crash_detail_replace_name", CrashDetailReplace),
    VMI_HOOK("android_crash_detail_replace_data", CrashDetailReplace),
    VMI_HOOK("android_reset_stack_guards", ResetStackGuards),
    VMI_HOOK("__libc_get_static_tls_bounds", StaticTlsBounds),
    VMI_HOOK("__libc_iterate_dynamic_tls", IterateDynamicTls),
    VMI_HOOK("__libc_register_dynamic_tls_listeners", RegisterDynamicTlsListeners),
    VMI_HOOK("__libc_register_thread_exit_callback", RegisterThreadExitCallback),
};

// Same ABI, other name (or a version glibc keeps only as a compat symbol,
// which dlsym does not find). bionic's sigset64_t is its 8-byte sigset_t on
// LP64, which glibc's functions accept (they pass _NSIG/8 bytes to the kernel).
const HookEntry kStraight[] = {
    VMI_HOOK("at_quick_exit", at_quick_exit),
    VMI_HOOK("__dn_comp", dn_comp),
    VMI_HOOK("__dn_skipname", dn_skipname),
    VMI_HOOK("__res_dnok", res_dnok),
    VMI_HOOK("__res_hnok", res_hnok),
    VMI_HOOK("__res_mailok", res_mailok),
    VMI_HOOK("__res_ownok", res_ownok),
    VMI_HOOK("__res_querydomain", res_querydomain),
    VMI_HOOK("__res_send", res_send),
    VMI_HOOK("res_init", res_init),
    VMI_HOOK("epoll_pwait64", epoll_pwait),
    VMI_HOOK("epoll_pwait2_64", epoll_pwait2),
    VMI_HOOK("ppoll64", ppoll),
    VMI_HOOK("pselect64", pselect),
    VMI_HOOK("signalfd64", signalfd),
};

}  // namespace

void AddLibcExtraHooks(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
  lib.AddStraight(kStraight, sizeof(kStraight) / sizeof(kStraight[0]));
}

// libdl's control-flow-integrity entry points: bionic's are no-ops until a
// CFI shadow is mapped, which only happens for CFI-built platform code.
namespace {
size_t CfiShadowSize() { return 0; }
void CfiSlowpath(uint64_t, void*) {}
void CfiSlowpathDiag(uint64_t, void*, void*) {}
}  // namespace

void AddDlExtraHooks(VirtualLibrary& lib) {
  static const HookEntry kDl[] = {
      VMI_HOOK("__cfi_shadow_size", CfiShadowSize),
      VMI_HOOK("__cfi_slowpath", CfiSlowpath),
      VMI_HOOK("__cfi_slowpath_diag", CfiSlowpathDiag),
  };
  lib.AddHooks(kDl, sizeof(kDl) / sizeof(kDl[0]));
  AddDlPropertyHooks(lib);
}

}  // namespace vmi::bridge::hooks
