// sysconf()/pathconf()/fpathconf(): bionic numbers its _SC_* and _PC_*
// constants differently from glibc (bionic bits/sysconf.h and unistd.h). The
// tables below translate bionic numbers to glibc's by name; a name glibc does
// not know answers like bionic would or fails with EINVAL. Thread-safe.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

constexpr int kNone = -1000;  // no glibc counterpart
constexpr int kNsig = -1001;  // bionic's _SC_NSIG: NSIG (65)

// Index: bionic _SC_* value (0x00..0x9e); value: glibc _SC_* value.
const int kSysconf[] = {
    _SC_ARG_MAX, _SC_BC_BASE_MAX, _SC_BC_DIM_MAX, _SC_BC_SCALE_MAX, _SC_BC_STRING_MAX, _SC_CHILD_MAX,
    _SC_CLK_TCK, _SC_COLL_WEIGHTS_MAX, _SC_EXPR_NEST_MAX, _SC_LINE_MAX, _SC_NGROUPS_MAX, _SC_OPEN_MAX,
    _SC_PASS_MAX, _SC_2_C_BIND, _SC_2_C_DEV, _SC_2_C_VERSION, _SC_2_CHAR_TERM, _SC_2_FORT_DEV,
    _SC_2_FORT_RUN, _SC_2_LOCALEDEF, _SC_2_SW_DEV, _SC_2_UPE, _SC_2_VERSION, _SC_JOB_CONTROL,
    _SC_SAVED_IDS, _SC_VERSION, _SC_RE_DUP_MAX, _SC_STREAM_MAX, _SC_TZNAME_MAX, _SC_XOPEN_CRYPT,
    _SC_XOPEN_ENH_I18N, _SC_XOPEN_SHM, _SC_XOPEN_VERSION, _SC_XOPEN_XCU_VERSION, _SC_XOPEN_REALTIME,
    _SC_XOPEN_REALTIME_THREADS, _SC_XOPEN_LEGACY, _SC_ATEXIT_MAX, _SC_IOV_MAX, _SC_PAGESIZE,
    _SC_PAGESIZE /* 0x28 _SC_PAGE_SIZE */, _SC_XOPEN_UNIX, _SC_XBS5_ILP32_OFF32, _SC_XBS5_ILP32_OFFBIG,
    _SC_XBS5_LP64_OFF64, _SC_XBS5_LPBIG_OFFBIG, _SC_AIO_LISTIO_MAX, _SC_AIO_MAX, _SC_AIO_PRIO_DELTA_MAX,
    _SC_DELAYTIMER_MAX, _SC_MQ_OPEN_MAX, _SC_MQ_PRIO_MAX, _SC_RTSIG_MAX, _SC_SEM_NSEMS_MAX,
    _SC_SEM_VALUE_MAX, _SC_SIGQUEUE_MAX, _SC_TIMER_MAX, _SC_ASYNCHRONOUS_IO, _SC_FSYNC, _SC_MAPPED_FILES,
    _SC_MEMLOCK, _SC_MEMLOCK_RANGE, _SC_MEMORY_PROTECTION, _SC_MESSAGE_PASSING, _SC_PRIORITIZED_IO,
    _SC_PRIORITY_SCHEDULING, _SC_REALTIME_SIGNALS, _SC_SEMAPHORES, _SC_SHARED_MEMORY_OBJECTS,
    _SC_SYNCHRONIZED_IO, _SC_TIMERS, _SC_GETGR_R_SIZE_MAX, _SC_GETPW_R_SIZE_MAX, _SC_LOGIN_NAME_MAX,
    _SC_THREAD_DESTRUCTOR_ITERATIONS, _SC_THREAD_KEYS_MAX, _SC_THREAD_STACK_MIN, _SC_THREAD_THREADS_MAX,
    _SC_TTY_NAME_MAX, _SC_THREADS, _SC_THREAD_ATTR_STACKADDR, _SC_THREAD_ATTR_STACKSIZE,
    _SC_THREAD_PRIORITY_SCHEDULING, _SC_THREAD_PRIO_INHERIT, _SC_THREAD_PRIO_PROTECT,
    _SC_THREAD_SAFE_FUNCTIONS,
    kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone,  // 0x56..0x5f unused
    _SC_NPROCESSORS_CONF, _SC_NPROCESSORS_ONLN, _SC_PHYS_PAGES, _SC_AVPHYS_PAGES, _SC_MONOTONIC_CLOCK,
    _SC_2_PBS, _SC_2_PBS_ACCOUNTING, _SC_2_PBS_CHECKPOINT, _SC_2_PBS_LOCATE, _SC_2_PBS_MESSAGE,
    _SC_2_PBS_TRACK, _SC_ADVISORY_INFO, _SC_BARRIERS, _SC_CLOCK_SELECTION, _SC_CPUTIME, _SC_HOST_NAME_MAX,
    _SC_IPV6, _SC_RAW_SOCKETS, _SC_READER_WRITER_LOCKS, _SC_REGEXP, _SC_SHELL, _SC_SPAWN, _SC_SPIN_LOCKS,
    _SC_SPORADIC_SERVER, _SC_SS_REPL_MAX, _SC_SYMLOOP_MAX, _SC_THREAD_CPUTIME, _SC_THREAD_PROCESS_SHARED,
    _SC_THREAD_ROBUST_PRIO_INHERIT, _SC_THREAD_ROBUST_PRIO_PROTECT, _SC_THREAD_SPORADIC_SERVER,
    _SC_TIMEOUTS, _SC_TRACE, _SC_TRACE_EVENT_FILTER, _SC_TRACE_EVENT_NAME_MAX, _SC_TRACE_INHERIT,
    _SC_TRACE_LOG, _SC_TRACE_NAME_MAX, _SC_TRACE_SYS_MAX, _SC_TRACE_USER_EVENT_MAX,
    _SC_TYPED_MEMORY_OBJECTS, _SC_V7_ILP32_OFF32, _SC_V7_ILP32_OFFBIG, _SC_V7_LP64_OFF64,
    _SC_V7_LPBIG_OFFBIG, _SC_XOPEN_STREAMS, kNone /* _SC_XOPEN_UUCP */, _SC_LEVEL1_ICACHE_SIZE,
    _SC_LEVEL1_ICACHE_ASSOC, _SC_LEVEL1_ICACHE_LINESIZE, _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC,
    _SC_LEVEL1_DCACHE_LINESIZE, _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL2_CACHE_LINESIZE,
    _SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_ASSOC, _SC_LEVEL3_CACHE_LINESIZE, _SC_LEVEL4_CACHE_SIZE,
    _SC_LEVEL4_CACHE_ASSOC, _SC_LEVEL4_CACHE_LINESIZE, kNsig,
};
static_assert(sizeof(kSysconf) / sizeof(kSysconf[0]) == 0x9f, "bionic _SC_* values run 0x00..0x9e");

// Index: bionic _PC_* value (0..19).
const int kPathconf[] = {
    _PC_FILESIZEBITS,  _PC_LINK_MAX,           _PC_MAX_CANON,         _PC_MAX_INPUT,
    _PC_NAME_MAX,      _PC_PATH_MAX,           _PC_PIPE_BUF,          _PC_2_SYMLINKS,
    _PC_ALLOC_SIZE_MIN, _PC_REC_INCR_XFER_SIZE, _PC_REC_MAX_XFER_SIZE, _PC_REC_MIN_XFER_SIZE,
    _PC_REC_XFER_ALIGN, _PC_SYMLINK_MAX,       _PC_CHOWN_RESTRICTED,  _PC_NO_TRUNC,
    _PC_VDISABLE,      _PC_ASYNC_IO,           _PC_PRIO_IO,           _PC_SYNC_IO,
};

long Sysconf(int name) {
  if (name < 0 || name >= static_cast<int>(sizeof(kSysconf) / sizeof(kSysconf[0])) || kSysconf[name] == kNone) {
    errno = EINVAL;
    return -1;
  }
  if (kSysconf[name] == kNsig) return NSIG;
  return sysconf(kSysconf[name]);
}

int PathconfName(int name) {
  if (name < 0 || name >= static_cast<int>(sizeof(kPathconf) / sizeof(kPathconf[0]))) return -1;
  return kPathconf[name];
}

long Pathconf(const char* path, int name) {
  int g = PathconfName(name);
  if (g < 0) { errno = EINVAL; return -1; }
  return pathconf(path, g);
}

long Fpathconf(int fd, int name) {
  int g = PathconfName(name);
  if (g < 0) { errno = EINVAL; return -1; }
  return fpathconf(fd, g);
}

const HookEntry kHooks[] = {
    VMI_HOOK("sysconf", Sysconf),
    VMI_HOOK("pathconf", Pathconf),
    VMI_HOOK("fpathconf", Fpathconf),
};

}  // namespace

void AddSysconfHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
