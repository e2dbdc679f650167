// POSIX families whose bionic types differ from glibc's:
//
//  * posix_spawn: bionic's posix_spawnattr_t and posix_spawn_file_actions_t
//    are single pointers to private structs (8 bytes); glibc's are 336 and
//    80 byte structs. The bionic object here holds a pointer to a heap glibc
//    object made by *_init and freed by *_destroy. bionic's sigset_t (and
//    sigset64_t) is 8 bytes, glibc's 128: sigmask/sigdefault convert.
//  * glob: bionic's glob_t is BSD's (gl_matchc, gl_flags, function pointers
//    in another order), its GLOB_* flags and error codes are BSD's. The
//    glibc glob_t behind a bionic one lives in a side table until globfree.
//  * utmp: bionic has no utmp database; getutent() always returns NULL and
//    utmpname() fails, and the hooks do exactly that (glibc's struct utmp on
//    x86_64 also has 32-bit time fields where bionic's are 64-bit).
// Thread-safety: that of the glibc functions; the glob side table is locked.
#include <glob.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

// --- posix_spawn ---------------------------------------------------------------
posix_spawnattr_t* Attr(void* const* a) { return static_cast<posix_spawnattr_t*>(*a); }
posix_spawn_file_actions_t* Fa(void* const* f) { return static_cast<posix_spawn_file_actions_t*>(*f); }

sigset_t FromBionic(const unsigned long* s) {
  sigset_t g;
  sigemptyset(&g);
  memcpy(&g, s, sizeof(*s));
  return g;
}
void ToBionic(const sigset_t& g, unsigned long* s) { memcpy(s, &g, sizeof(*s)); }

int AttrInit(void** a) {
  auto* g = new posix_spawnattr_t;
  int r = posix_spawnattr_init(g);
  if (r != 0) {
    delete g;
    return r;
  }
  *a = g;
  return 0;
}
int AttrDestroy(void** a) {
  int r = posix_spawnattr_destroy(Attr(a));
  delete Attr(a);
  *a = nullptr;
  return r;
}
int AttrGetflags(void* const* a, short* f) { return posix_spawnattr_getflags(Attr(a), f); }
int AttrSetflags(void** a, short f) { return posix_spawnattr_setflags(Attr(a), f); }
int AttrGetpgroup(void* const* a, pid_t* p) { return posix_spawnattr_getpgroup(Attr(a), p); }
int AttrSetpgroup(void** a, pid_t p) { return posix_spawnattr_setpgroup(Attr(a), p); }
int AttrGetschedparam(void* const* a, struct sched_param* p) { return posix_spawnattr_getschedparam(Attr(a), p); }
int AttrSetschedparam(void** a, const struct sched_param* p) { return posix_spawnattr_setschedparam(Attr(a), p); }
int AttrGetschedpolicy(void* const* a, int* p) { return posix_spawnattr_getschedpolicy(Attr(a), p); }
int AttrSetschedpolicy(void** a, int p) { return posix_spawnattr_setschedpolicy(Attr(a), p); }
int AttrGetsigmask(void* const* a, unsigned long* s) {
  sigset_t g;
  int r = posix_spawnattr_getsigmask(Attr(a), &g);
  if (r == 0) ToBionic(g, s);
  return r;
}
int AttrSetsigmask(void** a, const unsigned long* s) {
  sigset_t g = FromBionic(s);
  return posix_spawnattr_setsigmask(Attr(a), &g);
}
int AttrGetsigdefault(void* const* a, unsigned long* s) {
  sigset_t g;
  int r = posix_spawnattr_getsigdefault(Attr(a), &g);
  if (r == 0) ToBionic(g, s);
  return r;
}
int AttrSetsigdefault(void** a, const unsigned long* s) {
  sigset_t g = FromBionic(s);
  return posix_spawnattr_setsigdefault(Attr(a), &g);
}
int FaInit(void** f) {
  auto* g = new posix_spawn_file_actions_t;
  int r = posix_spawn_file_actions_init(g);
  if (r != 0) {
    delete g;
    return r;
  }
  *f = g;
  return 0;
}
int FaDestroy(void** f) {
  int r = posix_spawn_file_actions_destroy(Fa(f));
  delete Fa(f);
  *f = nullptr;
  return r;
}
int FaAddopen(void** f, int fd, const char* path, int flags, mode_t mode) {
  return posix_spawn_file_actions_addopen(Fa(f), fd, path, flags, mode);
}
int FaAddclose(void** f, int fd) { return posix_spawn_file_actions_addclose(Fa(f), fd); }
int FaAdddup2(void** f, int fd, int to) { return posix_spawn_file_actions_adddup2(Fa(f), fd, to); }
int FaAddchdir(void** f, const char* path) { return posix_spawn_file_actions_addchdir_np(Fa(f), path); }
int FaAddfchdir(void** f, int fd) { return posix_spawn_file_actions_addfchdir_np(Fa(f), fd); }
int Spawn(pid_t* pid, const char* path, void* const* fa, void* const* attr, char* const argv[], char* const envp[]) {
  return posix_spawn(pid, path, fa != nullptr ? Fa(fa) : nullptr, attr != nullptr ? Attr(attr) : nullptr, argv,
                     envp);
}
int Spawnp(pid_t* pid, const char* file, void* const* fa, void* const* attr, char* const argv[],
           char* const envp[]) {
  return posix_spawnp(pid, file, fa != nullptr ? Fa(fa) : nullptr, attr != nullptr ? Attr(attr) : nullptr, argv,
                      envp);
}

// --- glob ----------------------------------------------------------------------------
struct BionicGlob {
  size_t gl_pathc;
  size_t gl_matchc;
  size_t gl_offs;
  int gl_flags;
  char** gl_pathv;
  int (*gl_errfunc)(const char*, int);
  void (*gl_closedir)(void*);
  void* (*gl_readdir)(void*);
  void* (*gl_opendir)(const char*);
  int (*gl_lstat)(const char*, void*);
  int (*gl_stat)(const char*, void*);
};
// bionic <glob.h> (NetBSD numbering).
enum : int {
  kGlobAppend = 0x0001, kGlobDooffs = 0x0002, kGlobErr = 0x0004, kGlobMark = 0x0008, kGlobNocheck = 0x0010,
  kGlobNosort = 0x0020, kGlobAltdirfunc = 0x0040, kGlobBrace = 0x0080, kGlobMagchar = 0x0100,
  kGlobNomagic = 0x0200, kGlobQuote = 0x0400, kGlobTilde = 0x0800, kGlobNoescape = 0x2000, kGlobLimit = 0x4000,
};
constexpr struct {
  int bionic, glibc;
} kGlobFlags[] = {
    {kGlobAppend, GLOB_APPEND}, {kGlobDooffs, GLOB_DOOFFS}, {kGlobErr, GLOB_ERR},
    {kGlobMark, GLOB_MARK},     {kGlobNocheck, GLOB_NOCHECK}, {kGlobNosort, GLOB_NOSORT},
    {kGlobAltdirfunc, GLOB_ALTDIRFUNC}, {kGlobBrace, GLOB_BRACE}, {kGlobMagchar, GLOB_MAGCHAR},
    {kGlobNomagic, GLOB_NOMAGIC}, {kGlobTilde, GLOB_TILDE}, {kGlobNoescape, GLOB_NOESCAPE},
};

std::mutex g_glob_mu;
std::unordered_map<BionicGlob*, glob_t*>& Globs() {
  static auto* m = new std::unordered_map<BionicGlob*, glob_t*>();
  return *m;
}

int Glob(const char* pattern, int flags, int (*errfunc)(const char*, int), BionicGlob* b) {
  int gflags = 0;
  for (const auto& f : kGlobFlags) {
    if (flags & f.bionic) gflags |= f.glibc;
  }
  glob_t* g;
  {
    std::lock_guard<std::mutex> lock(g_glob_mu);
    auto it = Globs().find(b);
    if ((flags & kGlobAppend) != 0 && it != Globs().end()) {
      g = it->second;
    } else {
      g = new glob_t{};
      Globs()[b] = g;  // a previous result not globfree'd is leaked, as with bionic
    }
  }
  g->gl_offs = b->gl_offs;
  if (flags & kGlobAltdirfunc) {
    g->gl_closedir = b->gl_closedir;
    g->gl_readdir = reinterpret_cast<struct dirent* (*)(void*)>(b->gl_readdir);
    g->gl_opendir = b->gl_opendir;
    g->gl_lstat = reinterpret_cast<int (*)(const char*, struct stat*)>(b->gl_lstat);
    g->gl_stat = reinterpret_cast<int (*)(const char*, struct stat*)>(b->gl_stat);
  }
  size_t before = g->gl_pathc;
  int r = glob(pattern, gflags, errfunc, g);
  b->gl_pathc = g->gl_pathc;
  b->gl_matchc = g->gl_pathc - before;
  b->gl_pathv = g->gl_pathv;
  int out_flags = flags & ~kGlobMagchar;
  if (g->gl_flags & GLOB_MAGCHAR) out_flags |= kGlobMagchar;
  b->gl_flags = out_flags;
  switch (r) {
    case 0: return 0;
    case GLOB_NOSPACE: return -1;
    case GLOB_ABORTED: return -2;
    case GLOB_NOMATCH: return -3;
    default: return -4;  // GLOB_NOSYS
  }
}

void Globfree(BionicGlob* b) {
  glob_t* g = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_glob_mu);
    auto it = Globs().find(b);
    if (it == Globs().end()) return;
    g = it->second;
    Globs().erase(it);
  }
  globfree(g);
  delete g;
  b->gl_pathc = 0;
  b->gl_matchc = 0;
  b->gl_pathv = nullptr;
}

// --- utmp (bionic: no database) ------------------------------------------------
void* GetutentNull() { return nullptr; }
void* PututlineNull(const void*) { return nullptr; }
void UtNoop() {}
int UtmpnameFail(const char*) { return -1; }

// --- BIND's __p_secstodate: "YYYYmmddHHMMSS" in a static buffer -------------------
char* PSecstodate(unsigned long secs) {
  static thread_local char out[32];
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, sizeof(out), "%Y%m%d%H%M%S", &tm);
  return out;
}

const HookEntry kHooks[] = {
    VMI_HOOK("posix_spawnattr_init", AttrInit),
    VMI_HOOK("posix_spawnattr_destroy", AttrDestroy),
    VMI_HOOK("posix_spawnattr_getflags", AttrGetflags),
    VMI_HOOK("posix_spawnattr_setflags", AttrSetflags),
    VMI_HOOK("posix_spawnattr_getpgroup", AttrGetpgroup),
    VMI_HOOK("posix_spawnattr_setpgroup", AttrSetpgroup),
    VMI_HOOK("posix_spawnattr_getschedparam", AttrGetschedparam),
    VMI_HOOK("posix_spawnattr_setschedparam", AttrSetschedparam),
    VMI_HOOK("posix_spawnattr_getschedpolicy", AttrGetschedpolicy),
    VMI_HOOK("posix_spawnattr_setschedpolicy", AttrSetschedpolicy),
    VMI_HOOK("posix_spawnattr_getsigmask", AttrGetsigmask),
    VMI_HOOK("posix_spawnattr_setsigmask", AttrSetsigmask),
    VMI_HOOK("posix_spawnattr_getsigmask64", AttrGetsigmask),
    VMI_HOOK("posix_spawnattr_setsigmask64", AttrSetsigmask),
    VMI_HOOK("posix_spawnattr_getsigdefault", AttrGetsigdefault),
    VMI_HOOK("posix_spawnattr_setsigdefault", AttrSetsigdefault),
    VMI_HOOK("posix_spawnattr_getsigdefault64", AttrGetsigdefault),
    VMI_HOOK("posix_spawnattr_setsigdefault64", AttrSetsigdefault),
    VMI_HOOK("posix_spawn_file_actions_init", FaInit),
    VMI_HOOK("posix_spawn_file_actions_destroy", FaDestroy),
    VMI_HOOK("posix_spawn_file_actions_addopen", FaAddopen),
    VMI_HOOK("posix_spawn_file_actions_addclose", FaAddclose),
    VMI_HOOK("posix_spawn_file_actions_adddup2", FaAdddup2),
    VMI_HOOK("posix_spawn_file_actions_addchdir_np", FaAddchdir),
    VMI_HOOK("posix_spawn_file_actions_addfchdir_np", FaAddfchdir),
    VMI_HOOK("posix_spawn", Spawn),
    VMI_HOOK("posix_spawnp", Spawnp),
    VMI_HOOK("glob", Glob),
    VMI_HOOK("globfree", Globfree),
    VMI_HOOK("getutent", GetutentNull),
    VMI_HOOK("pututline", PututlineNull),
    VMI_HOOK("setutent", UtNoop),
    VMI_HOOK("endutent", UtNoop),
    VMI_HOOK("utmpname", UtmpnameFail),
    VMI_HOOK("__p_secstodate", PSecstodate),
};

}  // namespace

void AddPosixHooks(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
}

}  // namespace vmi::bridge::hooks
