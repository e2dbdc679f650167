// Layout probes, one or more per hook family: each checks a bionic-vs-glibc
// claim the hooks rely on, by calling the hook as bionic code would (looked up
// in the virtual library) and watching what glibc does with the bytes.
#include <dlfcn.h>
#include <regex.h>
#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "base/log.h"
#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"
#include "bridge/properties.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

template <typename F>
F Libc(const char* name) {
  uintptr_t a = VirtualLibc().Lookup(name);
  EXPECT_NE(a, 0u) << name;
  return reinterpret_cast<F>(a);
}

// --- signals ---------------------------------------------------------------
TEST(SignalLayoutProbe, GlibcSigsetIsLargerThanBionics) {
  EXPECT_EQ(sizeof(sigset_t), 128u);
  EXPECT_EQ(sizeof(bionic::sigset_t), 8u);
  unsigned char buf[136];
  memset(buf, 0xaa, sizeof(buf));
  sigemptyset(reinterpret_cast<sigset_t*>(buf));
  // Recorded, not asserted: glibc >= 2.34 clears only the first word here,
  // older glibc cleared all 128 bytes. The hook must not depend on which.
  int glibc_bytes = 0;
  for (int i = 0; i < 136; ++i) glibc_bytes = buf[i] == 0 ? i + 1 : glibc_bytes;
  RecordProperty("glibc_sigemptyset_bytes", glibc_bytes);
  memset(buf, 0xaa, sizeof(buf));
  auto hook = Libc<int (*)(void*)>("sigemptyset");
  EXPECT_EQ(hook(buf), 0);
  EXPECT_EQ(buf[7], 0);
  EXPECT_EQ(buf[8], 0xaa) << "the hook must write exactly bionic's 8 bytes";
  auto add = Libc<int (*)(void*, int)>("sigaddset");
  auto ismember = Libc<int (*)(const void*, int)>("sigismember");
  EXPECT_EQ(add(buf, SIGUSR1), 0);
  EXPECT_EQ(ismember(buf, SIGUSR1), 1);
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(buf), 1ull << (SIGUSR1 - 1));
  EXPECT_EQ(add(buf, 65), -1);
}

std::atomic<int> g_got_signal{0};
void Handler(int sig) { g_got_signal = sig; }

TEST(SignalLayoutProbe, SigactionConvertsBionicLayout) {
  // glibc's struct sigaction: handler first, 128-byte mask, then flags.
  EXPECT_EQ(offsetof(struct sigaction, sa_mask), 8u);
  EXPECT_EQ(offsetof(struct sigaction, sa_flags), 136u);
  bionic::sigaction_t act{};
  act.sa_flags = SA_RESTART;
  act.handler = Handler;
  act.sa_mask = 1ull << (SIGUSR2 - 1);
  bionic::sigaction_t old{};
  auto hook = Libc<int (*)(int, const bionic::sigaction_t*, bionic::sigaction_t*)>("sigaction");
  ASSERT_EQ(hook(SIGUSR1, &act, &old), 0);
  struct sigaction now;
  ASSERT_EQ(sigaction(SIGUSR1, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, Handler);
  EXPECT_TRUE(now.sa_flags & SA_RESTART);
  EXPECT_EQ(sigismember(&now.sa_mask, SIGUSR2), 1);
  EXPECT_EQ(sigismember(&now.sa_mask, SIGINT), 0);
  raise(SIGUSR1);
  EXPECT_EQ(g_got_signal.load(), SIGUSR1);
  bionic::sigaction_t back{};
  ASSERT_EQ(hook(SIGUSR1, &old, &back), 0);
  EXPECT_EQ(back.handler, Handler);
  EXPECT_EQ(back.sa_mask, 1ull << (SIGUSR2 - 1));
  // pthread_sigmask with an 8-byte set.
  auto mask = Libc<int (*)(int, const uint64_t*, uint64_t*)>("pthread_sigmask");
  uint64_t set = 1ull << (SIGUSR2 - 1), prev = 0;
  ASSERT_EQ(mask(SIG_BLOCK, &set, &prev), 0);
  uint64_t cur = 0;
  ASSERT_EQ(mask(SIG_SETMASK, nullptr, &cur), 0);
  EXPECT_TRUE(cur & set);
  ASSERT_EQ(mask(SIG_SETMASK, &prev, nullptr), 0);
}

// --- stdio ------------------------------------------------------------------
TEST(StdioLayoutProbe, SFMapsToGlibcStreams) {
  auto* sf = static_cast<unsigned char*>(reinterpret_cast<void*>(VirtualLibc().Lookup("__sF")));
  ASSERT_NE(sf, nullptr);
  EXPECT_EQ(hooks::ToGlibcFile(sf), stdin);
  EXPECT_EQ(hooks::ToGlibcFile(sf + bionic::kFileSize), stdout);
  EXPECT_EQ(hooks::ToGlibcFile(sf + 2 * bionic::kFileSize), stderr);
  int fd = -1;
  memcpy(&fd, sf + 2 * bionic::kFileSize + bionic::kFileFdOffset, sizeof(int));
  EXPECT_EQ(fd, 2);
  // fileno through the hook on &__sF[1] is glibc's stdout.
  EXPECT_EQ(Libc<int (*)(void*)>("fileno")(sf + bionic::kFileSize), 1);
  // A FILE from fopen passes unchanged, and fgetpos uses bionic's 8-byte fpos_t.
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(hooks::ToGlibcFile(f), f);
  Libc<int (*)(void*, const char*, ...)>("fprintf")(f, "%d-%s", 12, "ab");
  int64_t pos[2] = {-1, 0x5555};
  ASSERT_EQ(Libc<int (*)(void*, int64_t*)>("fgetpos")(f, pos), 0);
  EXPECT_EQ(pos[0], 5);
  EXPECT_EQ(pos[1], 0x5555) << "fgetpos wrote past bionic's fpos_t";
  EXPECT_GT(sizeof(fpos_t), 8u) << "glibc's fpos_t is larger (why the hook exists)";
  fclose(f);
}

// --- sysconf / pathconf ----------------------------------------------------------
TEST(SysconfLayoutProbe, TranslatesBionicNumbers) {
  auto sc = Libc<long (*)(int)>("sysconf");
  EXPECT_EQ(sc(0x27), sysconf(_SC_PAGESIZE));           // bionic _SC_PAGESIZE
  EXPECT_EQ(sc(0x28), sysconf(_SC_PAGESIZE));           // bionic _SC_PAGE_SIZE
  EXPECT_EQ(sc(0x60), sysconf(_SC_NPROCESSORS_CONF));   // bionic _SC_NPROCESSORS_CONF
  EXPECT_EQ(sc(0x61), sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_EQ(sc(0x06), sysconf(_SC_CLK_TCK));
  EXPECT_EQ(sc(0x0b), sysconf(_SC_OPEN_MAX));
  EXPECT_EQ(sc(0x9e), 65);                              // _SC_NSIG
  EXPECT_EQ(sc(0x5a), -1);                              // unused number
  EXPECT_NE(_SC_PAGESIZE, 0x27) << "glibc numbers differ (why the hook exists)";
  auto pc = Libc<long (*)(const char*, int)>("pathconf");
  EXPECT_EQ(pc("/", 4), pathconf("/", _PC_NAME_MAX));  // bionic _PC_NAME_MAX = 4
  EXPECT_EQ(pc("/", 5), pathconf("/", _PC_PATH_MAX));
  EXPECT_EQ(pc("/", 0), pathconf("/", _PC_FILESIZEBITS));
}

// --- regex ----------------------------------------------------------------------
TEST(RegexLayoutProbe, BionicStructsAndFlags) {
  EXPECT_EQ(sizeof(regex_t), 64u);
  EXPECT_EQ(sizeof(regmatch_t), 8u) << "glibc regoff_t is int";
  EXPECT_EQ(REG_NEWLINE, bionic::kRegNosub) << "glibc and bionic swap NOSUB/NEWLINE";
  auto comp = Libc<int (*)(bionic::regex_t*, const char*, int)>("regcomp");
  auto exec = Libc<int (*)(const bionic::regex_t*, const char*, size_t, bionic::regmatch_t*, int)>("regexec");
  auto rfree = Libc<void (*)(bionic::regex_t*)>("regfree");
  struct {
    bionic::regex_t re;
    unsigned char guard[32];
  } probe;
  memset(&probe, 0xcc, sizeof(probe));
  ASSERT_EQ(comp(&probe.re, "([a-z]+)-([0-9]+)", bionic::kRegExtended), 0);
  for (unsigned char g : probe.guard) ASSERT_EQ(g, 0xcc) << "regcomp wrote past bionic's regex_t";
  EXPECT_EQ(probe.re.re_nsub, 2u);
  bionic::regmatch_t m[3];
  ASSERT_EQ(exec(&probe.re, "xx abc-123 yy", 3, m, 0), 0);
  EXPECT_EQ(m[0].rm_so, 3);
  EXPECT_EQ(m[0].rm_eo, 10);
  EXPECT_EQ(m[2].rm_so, 7);
  EXPECT_EQ(m[2].rm_eo, 10);
  EXPECT_EQ(exec(&probe.re, "nothing", 0, nullptr, 0), bionic::kRegNomatch);
  rfree(&probe.re);
  // bionic REG_NEWLINE (010): '.' must not match a newline.
  bionic::regex_t nl;
  ASSERT_EQ(comp(&nl, "a.b", bionic::kRegNewline), 0);
  EXPECT_EQ(exec(&nl, "a\nb", 0, nullptr, 0), bionic::kRegNomatch);
  rfree(&nl);
  bionic::regex_t bad;
  EXPECT_EQ(comp(&bad, "a(", bionic::kRegExtended), bionic::kRegEparen);
}

// --- long double ------------------------------------------------------------------
TEST(LongDoubleProbe, StrtoldReturnsBinary128) {
  EXPECT_EQ(sizeof(long double), 16u);
  EXPECT_EQ(LDBL_MANT_DIG, 64) << "glibc x86_64 long double is x87 (why the hook exists)";
  auto strtold_hook = Libc<__float128 (*)(const char*, char**)>("strtold");
  char* end = nullptr;
  const char* text = "0.1x";
  __float128 v = strtold_hook(text, &end);
  EXPECT_EQ(end, text + 3);
  // 0.1 in binary128 differs from 0.1 in double by less than 1e-30.
  __float128 diff = v - static_cast<__float128>(0.1);
  EXPECT_LT(static_cast<double>(diff < 0 ? -diff : diff), 1e-17);
  EXPECT_GT(static_cast<double>(diff < 0 ? -diff : diff), 1e-33) << "only binary128 is this close to 1/10";
  uint64_t bits[2];
  __float128 one = strtold_hook("1", nullptr);
  memcpy(bits, &one, 16);
  EXPECT_EQ(bits[1], 0x3fff000000000000ull) << "IEEE binary128 1.0";
  EXPECT_EQ(bits[0], 0u);
  auto sqrtl_hook = reinterpret_cast<__float128 (*)(__float128)>(VirtualLibm().Lookup("sqrtl"));
  ASSERT_NE(sqrtl_hook, nullptr);
  EXPECT_EQ(static_cast<double>(sqrtl_hook(static_cast<__float128>(2.25))), 1.5);
}

// --- errno / strerror_r ------------------------------------------------------------
TEST(ErrnoStringProbe, ErrnoAndPosixStrerrorR) {
  auto e = Libc<int* (*)()>("__errno");
  EXPECT_EQ(e(), &errno);
  auto strerror_r_hook = Libc<int (*)(int, char*, size_t)>("strerror_r");
  char buf[64] = {};
  EXPECT_EQ(strerror_r_hook(ENOENT, buf, sizeof(buf)), 0);
  EXPECT_STREQ(buf, "No such file or directory");
  char tiny[4];
  EXPECT_EQ(strerror_r_hook(ENOENT, tiny, sizeof(tiny)), ERANGE) << "POSIX form returns an error number";
  auto strlcpy_hook = Libc<size_t (*)(char*, const char*, size_t)>("strlcpy");
  char small[4];
  EXPECT_EQ(strlcpy_hook(small, "abcdef", sizeof(small)), 6u);
  EXPECT_STREQ(small, "abc");
}

// --- fortify --------------------------------------------------------------------------
TEST(FortifyProbe, BionicOnlyChecksWorkAndAbortOnOverflow) {
  auto strlen_chk = Libc<size_t (*)(const char*, size_t)>("__strlen_chk");
  EXPECT_EQ(strlen_chk("abc", 4), 3u);
  auto strchr_chk = Libc<const char* (*)(const char*, int, size_t)>("__strchr_chk");
  const char* s = "hello";
  EXPECT_EQ(strchr_chk(s, 'l', 6), s + 2);
  EXPECT_DEATH(strlen_chk("abcdef", 3), "FORTIFY: strlen");
  // Same-signature fortify functions pass straight to glibc.
  EXPECT_EQ(VirtualLibc().Lookup("__memcpy_chk"), reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, "__memcpy_chk")));
}

// --- semaphores (no hook: probe that glibc stays inside bionic's 16 bytes) ----------
TEST(SemaphoreProbe, GlibcSemStaysWithinBionicSize) {
  EXPECT_EQ(VirtualLibc().IsHooked("sem_init"), false);
  unsigned char buf[48];
  memset(buf, 0xee, sizeof(buf));
  auto* sem = reinterpret_cast<sem_t*>(buf);
  ASSERT_EQ(sem_init(sem, 0, 3), 0);
  ASSERT_EQ(sem_post(sem), 0);
  ASSERT_EQ(sem_wait(sem), 0);
  int v = 0;
  ASSERT_EQ(sem_getvalue(sem, &v), 0);
  EXPECT_EQ(v, 3);
  for (size_t i = bionic::kSemSize; i < sizeof(buf); ++i) ASSERT_EQ(buf[i], 0xee) << "byte " << i;
  sem_destroy(sem);
}

// --- pthread types (opaque, sizes must not exceed bionic's) -------------------------
TEST(PthreadProbe, GlibcTypesFitBionicSizes) {
  // bionic LP64: mutex 40, cond 48, rwlock 56, attr 56, key int, once int.
  EXPECT_LE(sizeof(pthread_mutex_t), 40u);
  EXPECT_LE(sizeof(pthread_cond_t), 48u);
  EXPECT_LE(sizeof(pthread_rwlock_t), 56u);
  EXPECT_LE(sizeof(pthread_attr_t), 56u);
  EXPECT_EQ(sizeof(pthread_key_t), 4u);
  EXPECT_EQ(sizeof(pthread_once_t), 4u);
  // A zero-filled (bionic PTHREAD_MUTEX_INITIALIZER) mutex works with glibc.
  pthread_mutex_t m;
  memset(&m, 0, sizeof(m));
  EXPECT_EQ(pthread_mutex_lock(&m), 0);
  EXPECT_EQ(pthread_mutex_unlock(&m), 0);
}

// --- properties ------------------------------------------------------------------------
TEST(PropertyProbe, GetFindReadCallbackFromFile) {
  char path[] = "/tmp/vmi-bridge-props-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const char text[] = "# comment\nro.vmi.test = hello world\nro.vmi.long=" 
                      "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n";
  ASSERT_EQ(write(fd, text, sizeof(text) - 1), static_cast<ssize_t>(sizeof(text) - 1));
  close(fd);
  ASSERT_TRUE(PropertyStore::Instance().Load(path).ok());
  unlink(path);
  auto get = Libc<int (*)(const char*, char*)>("__system_property_get");
  char value[bionic::kPropValueMax];
  EXPECT_EQ(get("ro.vmi.test", value), 11);
  EXPECT_STREQ(value, "hello world");
  EXPECT_EQ(get("ro.vmi.long", value), 91) << "truncated to PROP_VALUE_MAX-1";
  EXPECT_EQ(get("ro.vmi.absent", value), 0);
  EXPECT_STREQ(value, "");
  EXPECT_EQ(get("ro.build.version.sdk", value), 2);
  auto find = Libc<const void* (*)(const char*)>("__system_property_find");
  auto read_cb = Libc<void (*)(const void*, void (*)(void*, const char*, const char*, uint32_t), void*)>(
      "__system_property_read_callback");
  const void* pi = find("ro.vmi.test");
  ASSERT_NE(pi, nullptr);
  EXPECT_EQ(find("ro.vmi.absent"), nullptr);
  std::string seen;
  read_cb(pi, [](void* cookie, const char* n, const char* v, uint32_t) {
    *static_cast<std::string*>(cookie) = std::string(n) + "=" + v;
  }, &seen);
  EXPECT_EQ(seen, "ro.vmi.test=hello world");
}

// --- liblog ----------------------------------------------------------------------------
TEST(LogProbe, AndroidLogWritesThroughVmiLogging) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  log::SetFd(p[1]);
  auto print = reinterpret_cast<int (*)(int, const char*, const char*, ...)>(VirtualLiblog().Lookup("__android_log_print"));
  ASSERT_NE(print, nullptr);
  print(bionic::kLogWarn, "probe", "value=%d", 42);
  log::SetFd(2);
  close(p[1]);
  char buf[512] = {};
  ASSERT_GT(read(p[0], buf, sizeof(buf) - 1), 0);
  close(p[0]);
  std::string line(buf);
  EXPECT_NE(line.find("android/probe"), std::string::npos) << line;
  EXPECT_NE(line.find("value=42"), std::string::npos) << line;
  // liblog is only liblog: it does not pass libc through.
  EXPECT_EQ(VirtualLiblog().Lookup("malloc"), 0u);
}

// --- dl ---------------------------------------------------------------------------------
TEST(DlProbe, DlHooksInLibdlAndDlIteratePhdrInLibc) {
  for (const char* n : {"dlopen", "dlsym", "dlclose", "dlerror", "dladdr", "dl_iterate_phdr"}) {
    EXPECT_TRUE(VirtualLibdl().IsHooked(n)) << n;
    EXPECT_NE(VirtualLibdl().Lookup(n), reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, n))) << n;
  }
  EXPECT_TRUE(VirtualLibc().IsHooked("dl_iterate_phdr"));
  // bionic LP64 RTLD_* values equal glibc's, so flags pass unchanged.
  EXPECT_EQ(bionic::kRtldNow, RTLD_NOW);
  EXPECT_EQ(bionic::kRtldGlobal, RTLD_GLOBAL);
  EXPECT_EQ(bionic::kRtldNoload, RTLD_NOLOAD);
  // libm does not answer libc's hooked names with glibc's versions.
  EXPECT_EQ(VirtualLibm().Lookup("sysconf"), 0u);
  EXPECT_NE(VirtualLibm().Lookup("cos"), 0u);
}

}  // namespace
}  // namespace vmi::bridge
