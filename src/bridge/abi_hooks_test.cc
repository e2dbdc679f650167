// Probes for the hook families added for full NDK coverage: each calls the
// hook the way bionic code would (looked up in the virtual library, with
// bionic's struct layouts and constants) and checks the result against
// glibc's behaviour or a known answer.
#include <arpa/inet.h>
#include <fenv.h>
#include <fts.h>
#include <glob.h>
#include <sys/stat.h>
#include <netdb.h>
#include <termios.h>
#include <netinet/in.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cwchar>
#include <clocale>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "base/temp_dir.h"
#include "bridge/hooks/hooks.h"
#include "bridge/virtual_library.h"

namespace vmi::bridge {
namespace {

template <typename F>
F Sym(const VirtualLibrary& lib, const char* name) {
  uintptr_t a = lib.Lookup(name);
  EXPECT_NE(a, 0u) << name;
  return reinterpret_cast<F>(a);
}
template <typename F>
F Libc(const char* name) { return Sym<F>(VirtualLibc(), name); }

TEST(DataHooks, CtypeTableHasBsdFlags) {
  // bionic's _ctype_ is a pointer variable, read before indexing.
  const auto* pointer = reinterpret_cast<const unsigned char* const*>(VirtualLibc().Lookup("_ctype_"));
  ASSERT_NE(pointer, nullptr);
  const unsigned char* ctype = *pointer;
  ASSERT_NE(ctype, nullptr);
  EXPECT_EQ(ctype[0], 0);                 // EOF
  EXPECT_EQ(ctype[1 + 'A'], 0x01 | 0x40);  // _U | _X
  EXPECT_EQ(ctype[1 + 'z'], 0x02);         // _L
  EXPECT_EQ(ctype[1 + '7'], 0x04 | 0x40);  // _N | _X
  EXPECT_EQ(ctype[1 + ' '], 0x08 | 0x80);  // _S | _B
  EXPECT_EQ(ctype[1 + '!'], 0x10);         // _P
  EXPECT_EQ(ctype[1 + '\n'], 0x20 | 0x08); // _C | _S
  EXPECT_EQ(ctype[1 + 0xe9], 0);
}

TEST(DataHooks, StdStreamsAreBionicFilesThatStdioAccepts) {
  void* sf = reinterpret_cast<void*>(VirtualLibc().Lookup("__sF"));
  void** out = reinterpret_cast<void**>(VirtualLibc().Lookup("stdout"));
  void** err = reinterpret_cast<void**>(VirtualLibc().Lookup("stderr"));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, static_cast<char*>(sf) + 152);
  EXPECT_EQ(*err, static_cast<char*>(sf) + 2 * 152);
  EXPECT_EQ(hooks::ToGlibcFile(*err), stderr);
  EXPECT_EQ(Libc<int (*)(void*)>("fileno")(*out), 1);
  EXPECT_EQ(Libc<int (*)(void*)>("fileno_unlocked")(*err), 2);
  EXPECT_EQ(Libc<size_t (*)(void*)>("__fpending")(*err), 0u);
}

TEST(DataHooks, SignalTablesAndGuard) {
  auto names = reinterpret_cast<const char* const*>(VirtualLibc().Lookup("sys_signame"));
  auto list = reinterpret_cast<const char* const*>(VirtualLibc().Lookup("sys_siglist"));
  ASSERT_NE(names, nullptr);
  EXPECT_STREQ(names[SIGHUP], "HUP");
  EXPECT_STREQ(names[SIGSEGV], "SEGV");
  EXPECT_STREQ(list[SIGINT], "Interrupt");
  auto guard = reinterpret_cast<const uintptr_t*>(VirtualLibc().Lookup("__stack_chk_guard"));
  ASSERT_NE(guard, nullptr);
#if defined(__x86_64__)
  uintptr_t fs28;
  asm("movq %%fs:0x28, %0" : "=r"(fs28));
  EXPECT_EQ(*guard, fs28);
#endif
}

TEST(DataHooks, GetoptDoesNotPermuteAndHonoursOptreset) {
  auto getopt_hook = Libc<int (*)(int, char* const*, const char*)>("getopt");
  auto* optreset = reinterpret_cast<int*>(VirtualLibc().Lookup("optreset"));
  char a0[] = "prog", a1[] = "file", a2[] = "-v";
  char* argv[] = {a0, a1, a2, nullptr};
  *optreset = 1;
  // OpenBSD getopt stops at the first non-option; GNU would permute and find -v.
  EXPECT_EQ(getopt_hook(3, argv, "v"), -1);
  EXPECT_STREQ(argv[1], "file");
  char* argv2[] = {a0, a2, a1, nullptr};
  *optreset = 1;
  EXPECT_EQ(getopt_hook(3, argv2, "v"), 'v');
  EXPECT_EQ(getopt_hook(3, argv2, "v"), -1);
  EXPECT_EQ(optind, 2);
}

TEST(NetdbHooks, GetaddrinfoUsesBionicLayoutFlagsAndCodes) {
  struct Ai {
    int flags, family, socktype, protocol;
    socklen_t addrlen;
    char* canonname;
    sockaddr* addr;
    Ai* next;
  };
  auto gai = Libc<int (*)(const char*, const char*, const Ai*, Ai**)>("getaddrinfo");
  auto freeai = Libc<void (*)(Ai*)>("freeaddrinfo");
  auto strerr = Libc<const char* (*)(int)>("gai_strerror");
  Ai hints{};
  hints.flags = 0x4 | 0x8;  // bionic AI_NUMERICHOST | AI_NUMERICSERV
  hints.family = AF_INET;
  hints.socktype = SOCK_STREAM;
  Ai* res = nullptr;
  ASSERT_EQ(gai("127.0.0.1", "8080", &hints, &res), 0);
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->family, AF_INET);
  EXPECT_EQ(res->addrlen, sizeof(sockaddr_in));
  ASSERT_NE(res->addr, nullptr);
  const auto* sin = reinterpret_cast<const sockaddr_in*>(res->addr);
  EXPECT_EQ(ntohs(sin->sin_port), 8080);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0x7f000001u);
  freeai(res);
  // bionic EAI_NONAME is 8 (glibc -2); flags outside AI_MASK give EAI_BADFLAGS (3).
  EXPECT_EQ(gai("not-an-address", nullptr, &hints, &res), 8);
  hints.flags = 0x800;  // AI_V4MAPPED is not in bionic's AI_MASK
  EXPECT_EQ(gai("127.0.0.1", nullptr, &hints, &res), 3);
  EXPECT_STREQ(strerr(8), gai_strerror(EAI_NONAME));
}

TEST(TermiosHooks, TcgetattrWritesOnlyBionicsThirtySixBytes) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  unsigned char buf[64];
  memset(buf, 0xab, sizeof(buf));
  ASSERT_EQ(Libc<int (*)(int, void*)>("tcgetattr")(slave, buf), 0);
  for (size_t i = 36; i < sizeof(buf); ++i) ASSERT_EQ(buf[i], 0xab) << "byte " << i;
  struct termios g;
  ASSERT_EQ(tcgetattr(slave, &g), 0);
  EXPECT_EQ(memcmp(buf, &g, 17), 0);
  EXPECT_EQ(memcmp(buf + 17, g.c_cc, 19), 0);
  // Speed lives in c_cflag: set, write back, read again.
  EXPECT_EQ(Libc<int (*)(void*, speed_t)>("cfsetospeed")(buf, B9600), 0);
  EXPECT_EQ(Libc<speed_t (*)(const void*)>("cfgetospeed")(buf), static_cast<speed_t>(B9600));
  Libc<void (*)(void*)>("cfmakeraw")(buf);
  ASSERT_EQ(Libc<int (*)(int, int, const void*)>("tcsetattr")(slave, TCSANOW, buf), 0);
  ASSERT_EQ(tcgetattr(slave, &g), 0);
  EXPECT_EQ(g.c_lflag & ICANON, 0u);
  EXPECT_EQ(cfgetospeed(&g), static_cast<speed_t>(B9600));
  close(master);
  close(slave);
}

TEST(SetjmpHooks, RoundTripStaysInsideBionicJmpBuf) {
#if defined(__x86_64__)
  constexpr int kJblen = 11;
#else
  constexpr int kJblen = 32;
#endif
  auto sj = Libc<int (*)(long*)>("setjmp");
  auto lj = Libc<void (*)(long*, int)>("longjmp");
  long env[kJblen + 4];
  for (long& w : env) w = 0x5a5a5a5a;
  sigset_t before, blocked, after;
  pthread_sigmask(SIG_BLOCK, nullptr, &before);
  volatile int passes = 0;
  int r = sj(env);
  passes = passes + 1;
  if (r == 0) {
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    lj(env, 0);  // 0 becomes 1
  }
  EXPECT_EQ(r, 1);
  EXPECT_EQ(passes, 2);
  pthread_sigmask(SIG_BLOCK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGUSR2), sigismember(&before, SIGUSR2)) << "setjmp saved the mask";
  for (int i = kJblen; i < kJblen + 4; ++i) EXPECT_EQ(env[i], 0x5a5a5a5a) << "word " << i;
}

TEST(MathHooks, FpclassifyReturnsBionicValues) {
  auto cls = Sym<int (*)(double)>(VirtualLibc(), "__fpclassify");
  EXPECT_EQ(cls(1.0), 0x04);
  EXPECT_EQ(cls(0.0), 0x10);
  EXPECT_EQ(cls(INFINITY), 0x01);
  EXPECT_EQ(cls(NAN), 0x02);
  EXPECT_EQ(cls(5e-324), 0x08);
  EXPECT_EQ(Sym<int (*)(float)>(VirtualLibc(), "isfinitef")(INFINITY), 0);
  const auto* env = reinterpret_cast<const fenv_t*>(VirtualLibm().Lookup("__fe_dfl_env"));
  ASSERT_NE(env, nullptr);
  fesetround(FE_UPWARD);
  EXPECT_EQ(Sym<int (*)(const fenv_t*)>(VirtualLibm(), "fesetenv")(env), 0);
  EXPECT_EQ(fegetround(), FE_TONEAREST);
  int sign = 0;
  EXPECT_NEAR(Sym<double (*)(double, int*)>(VirtualLibm(), "gamma_r")(5.0, &sign), std::log(24.0), 1e-12);
}

TEST(LibcExtraHooks, BasenameDirnameLeaveTheirArgumentAlone) {
  char path[] = "/usr/lib/";
  EXPECT_STREQ(Libc<char* (*)(const char*)>("basename")(path), "lib");
  EXPECT_STREQ(Libc<char* (*)(const char*)>("dirname")(path), "/usr");
  EXPECT_STREQ(path, "/usr/lib/");
  EXPECT_STREQ(Libc<const char* (*)(const char*)>("__gnu_basename")("/a/b"), "b");
}

TEST(LibcExtraHooks, ThreadsMallinfoFdsan) {
  EXPECT_EQ(Libc<pid_t (*)(pthread_t)>("pthread_gettid_np")(pthread_self()), gettid());
  struct Mi {
    size_t f[10];
  };
  Mi mi = Libc<Mi (*)()>("mallinfo")();
  EXPECT_GT(mi.f[0], 0u);  // arena, a size_t in bionic's layout
  auto create = Libc<uint64_t (*)(int, uint64_t)>("android_fdsan_create_owner_tag");
  auto exchange = Libc<void (*)(int, uint64_t, uint64_t)>("android_fdsan_exchange_owner_tag");
  auto owner = Libc<uint64_t (*)(int)>("android_fdsan_get_owner_tag");
  auto close_tag = Libc<int (*)(int, uint64_t)>("android_fdsan_close_with_tag");
  int fd = dup(1);
  uint64_t tag = create(3, 0x1234);
  EXPECT_EQ(tag >> 56, 3u);
  exchange(fd, 0, tag);
  EXPECT_EQ(owner(fd), tag);
  EXPECT_EQ(close_tag(fd, tag), 0);
  EXPECT_EQ(owner(fd), 0u);
}

TEST(LibcExtraHooks, FunopenAndFgetln) {
  struct Src {
    const char* data;
    int pos;
  } src{"one\ntwo\n", 0};
  auto rd = +[](void* c, char* buf, int n) -> int {
    auto* s = static_cast<Src*>(c);
    int left = static_cast<int>(strlen(s->data)) - s->pos;
    int k = left < n ? left : n;
    memcpy(buf, s->data + s->pos, static_cast<size_t>(k));
    s->pos += k;
    return k;
  };
  auto funopen = Libc<void* (*)(const void*, int (*)(void*, char*, int), void*, void*, void*)>("funopen");
  void* fp = funopen(&src, rd, nullptr, nullptr, nullptr);
  ASSERT_NE(fp, nullptr);
  size_t len = 0;
  char* line = Libc<char* (*)(void*, size_t*)>("fgetln")(fp, &len);
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(std::string(line, len), "one\n");
  line = Libc<char* (*)(void*, size_t*)>("fgetln")(fp, &len);
  EXPECT_EQ(std::string(line, len), "two\n");
  EXPECT_EQ(Libc<int (*)(void*)>("fclose")(fp), 0);
}

TEST(PosixHooks, SpawnWithBionicPointerTypes) {
  void* attr = nullptr;
  void* fa = nullptr;
  ASSERT_EQ(Libc<int (*)(void**)>("posix_spawnattr_init")(&attr), 0);
  ASSERT_EQ(Libc<int (*)(void**)>("posix_spawn_file_actions_init")(&fa), 0);
  unsigned long mask = 1ul << (SIGUSR1 - 1);
  EXPECT_EQ(Libc<int (*)(void**, const unsigned long*)>("posix_spawnattr_setsigmask")(&attr, &mask), 0);
  unsigned long got = 0;
  EXPECT_EQ(Libc<int (*)(void* const*, unsigned long*)>("posix_spawnattr_getsigmask64")(&attr, &got), 0);
  EXPECT_EQ(got, mask);
  EXPECT_EQ(Libc<int (*)(void**, int)>("posix_spawn_file_actions_addclose")(&fa, 0), 0);
  char a0[] = "sh", a1[] = "-c", a2[] = "exit 7";
  char* argv[] = {a0, a1, a2, nullptr};
  pid_t pid = 0;
  ASSERT_EQ((Libc<int (*)(pid_t*, const char*, void* const*, void* const*, char* const*, char* const*)>(
                "posix_spawnp")(&pid, "sh", &fa, &attr, argv, environ)),
            0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(Libc<int (*)(void**)>("posix_spawnattr_destroy")(&attr), 0);
  EXPECT_EQ(Libc<int (*)(void**)>("posix_spawn_file_actions_destroy")(&fa), 0);
}

TEST(PosixHooks, GlobWithBsdLayoutAndCodes) {
  auto dir = TempDir::Create("bridge-glob");
  ASSERT_TRUE(dir.ok());
  for (const char* n : {"a.txt", "b.txt", "c.bin"}) {
    FILE* f = fopen((dir->path() + "/" + n).c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  struct G {
    size_t pathc, matchc, offs;
    int flags;
    char** pathv;
    void* fns[6];
  } g{};
  auto glob_hook = Libc<int (*)(const char*, int, void*, G*)>("glob");
  ASSERT_EQ(glob_hook((dir->path() + "/*.txt").c_str(), 0, nullptr, &g), 0);
  EXPECT_EQ(g.pathc, 2u);
  EXPECT_EQ(g.matchc, 2u);
  EXPECT_EQ(std::string(g.pathv[1]), dir->path() + "/b.txt");
  EXPECT_NE(g.flags & 0x0100, 0);  // GLOB_MAGCHAR
  EXPECT_EQ(glob_hook((dir->path() + "/*.bin").c_str(), 0x0001 /* APPEND */, nullptr, &g), 0);
  EXPECT_EQ(g.pathc, 3u);
  EXPECT_EQ(g.matchc, 1u);
  Libc<void (*)(G*)>("globfree")(&g);
  EXPECT_EQ(glob_hook((dir->path() + "/*.none").c_str(), 0, nullptr, &g), -3);  // GLOB_NOMATCH
  Libc<void (*)(G*)>("globfree")(&g);
  EXPECT_EQ(Libc<void* (*)()>("getutent")(), nullptr);
}

TEST(FtsHooks, WalkInBionicLayoutWithParentsAndSkip) {
  auto dir = TempDir::Create("bridge-fts");
  ASSERT_TRUE(dir.ok());
  ASSERT_EQ(mkdir((dir->path() + "/sub").c_str(), 0700), 0);
  ASSERT_EQ(mkdir((dir->path() + "/skip").c_str(), 0700), 0);
  for (const char* n : {"/a", "/sub/b", "/skip/c"}) {
    FILE* f = fopen((dir->path() + n).c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  struct Ent {  // bionic (OpenBSD) FTSENT
    Ent *cycle, *parent, *link;
    long number;
    void* pointer;
    char *accpath, *path;
    int err, symfd;
    size_t pathlen, namelen;
    ino_t ino;
    dev_t dev;
    nlink_t nlink;
    int level;
    unsigned short info, flags, instr;
    struct stat* statp;
    char name[1];
  };
  auto open_fts = Libc<void* (*)(char* const*, int, int (*)(const Ent**, const Ent**))>("fts_open");
  auto read_fts = Libc<Ent* (*)(void*)>("fts_read");
  auto set_fts = Libc<int (*)(void*, Ent*, int)>("fts_set");
  auto close_fts = Libc<int (*)(void*)>("fts_close");
  std::string root = dir->path();
  char* argv[] = {root.data(), nullptr};
  auto by_name = +[](const Ent** a, const Ent** b) { return strcmp((*a)->name, (*b)->name); };
  void* fts = open_fts(argv, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
  ASSERT_NE(fts, nullptr);
  std::string seen;
  while (Ent* e = read_fts(fts)) {
    if (e->info == FTS_D && strcmp(e->name, "skip") == 0) {
      EXPECT_EQ(set_fts(fts, e, FTS_SKIP), 0);
      continue;
    }
    if (e->info == FTS_D && strcmp(e->name, "sub") == 0) e->number = 42;
    if (e->info == FTS_F) {
      EXPECT_EQ(e->namelen, strlen(e->name));
      EXPECT_EQ(e->pathlen, strlen(e->path));
      if (strcmp(e->name, "b") == 0) {
        EXPECT_EQ(e->parent->number, 42);
      }
      seen += std::string(e->name) + "@" + std::to_string(e->level) + " ";
    }
  }
  EXPECT_EQ(seen, "a@1 b@2 ");
  EXPECT_EQ(close_fts(fts), 0);
}

TEST(MultibyteHooks, Utf8EvenInTheCLocale) {
  ASSERT_STREQ(setlocale(LC_CTYPE, nullptr), "C");
  wchar_t wc = 0;
  mbstate_t st{};
  EXPECT_EQ((Libc<size_t (*)(wchar_t*, const char*, size_t, mbstate_t*)>("mbrtowc")(&wc, "\xc3\xa9", 2, &st)), 2u);
  EXPECT_EQ(wc, 0xe9);
  EXPECT_NE(Libc<int (*)(wint_t)>("iswalpha")(0xe9), 0);
  EXPECT_EQ(Libc<wint_t (*)(wint_t)>("towupper")(0xe9), 0xc9u);
  EXPECT_EQ(Libc<size_t (*)()>("__ctype_get_mb_cur_max")(), 4u);
  // glibc itself, in "C", refuses the byte.
  st = mbstate_t{};
  EXPECT_EQ(mbrtowc(&wc, "\xc3\xa9", 2, &st), static_cast<size_t>(-1));
}

TEST(LibzAndLibstdcxx, HostZlibAndBionicNew) {
  const VirtualLibrary& z = VirtualLibz();
  auto bound = Sym<unsigned long (*)(unsigned long)>(z, "compressBound");
  auto compress = Sym<int (*)(unsigned char*, unsigned long*, const unsigned char*, unsigned long)>(z, "compress");
  auto uncompress = Sym<int (*)(unsigned char*, unsigned long*, const unsigned char*, unsigned long)>(z, "uncompress");
  std::string text(1000, 'x');
  std::string packed(bound(text.size()), 0);
  unsigned long plen = packed.size();
  ASSERT_EQ(compress(reinterpret_cast<unsigned char*>(packed.data()), &plen,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()), 0);
  EXPECT_LT(plen, 100u);
  std::string back(text.size(), 0);
  unsigned long blen = back.size();
  ASSERT_EQ(uncompress(reinterpret_cast<unsigned char*>(back.data()), &blen,
                       reinterpret_cast<const unsigned char*>(packed.data()), plen), 0);
  EXPECT_EQ(back, text);
  EXPECT_NE(z.Lookup("_tr_init"), 0u);
  EXPECT_STREQ(Sym<const char* (*)()>(z, "zlibVersion")(), "1.2.13");
  auto nw = Sym<void* (*)(size_t)>(VirtualLibstdcxx(), "_Znwm");
  auto del = Sym<void (*)(void*)>(VirtualLibstdcxx(), "_ZdlPv");
  void* p = nw(0);
  EXPECT_NE(p, nullptr);
  del(p);
  EXPECT_NE(VirtualLibstdcxx().Lookup("__cxa_guard_acquire"), 0u);
}

TEST(LogHooks, CustomLoggerAndMinimumPriority) {
  struct Msg {
    size_t size;
    int32_t buffer, prio;
    const char *tag, *file;
    uint32_t line;
    const char* text;
  };
  static std::string seen;
  auto logger = +[](const Msg* m) { seen = std::string(m->tag) + ":" + m->text; };
  const VirtualLibrary& log = VirtualLiblog();
  Sym<void (*)(void*)>(log, "__android_log_set_logger")(reinterpret_cast<void*>(logger));
  Sym<int (*)(int, const char*, const char*)>(log, "__android_log_write")(4, "tag", "hello");
  EXPECT_EQ(seen, "tag:hello");
  int old = Sym<int (*)(int)>(log, "__android_log_set_minimum_priority")(5);
  seen.clear();
  Sym<int (*)(int, const char*, const char*)>(log, "__android_log_write")(4, "tag", "dropped");
  EXPECT_EQ(seen, "");
  Sym<int (*)(int)>(log, "__android_log_set_minimum_priority")(old);
  Sym<void (*)(void*)>(log, "__android_log_set_logger")(nullptr);
}

}  // namespace
}  // namespace vmi::bridge
