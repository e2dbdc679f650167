// C sources of the small bionic-style objects the loader tests build.
#pragma once

namespace vmi::bridge::testing {

// Constructors/destructors report their order by writing one character to
// the fd in $VMI_TEST_TRACE_FD (getenv/atoi/write pass through to glibc).
inline constexpr const char* kTraceHelpers = R"(
extern char* getenv(const char*);
extern int atoi(const char*);
extern long write(int, const void*, unsigned long);
static void trace(const char* s) {
  const char* e = getenv("VMI_TEST_TRACE_FD");
  if (e) write(atoi(e), s, 1);
}
)";

// libb.so: a dependency of liba.so.
inline constexpr const char* kLibB = R"(
__attribute__((constructor)) static void b_init(void) { trace("B"); }
__attribute__((destructor)) static void b_fini(void) { trace("b"); }
int b_value(void) { return 7; }
int shared_name(void) { return 2; }
)";

// liba.so: needs libb.so and libc.so; exercises RELATIVE (pointer tables),
// 64/GLOB_DAT (pointer to an imported function), JUMP_SLOT (calls), a weak
// undefined import, errno and sysconf hooks.
inline constexpr const char* kLibA = R"(
extern int b_value(void);
extern unsigned long strlen(const char*);
extern int* __errno(void);
extern long sysconf(int);
__attribute__((weak)) extern int weak_missing(void);
#define S10(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"
static const char* const many[100] = { S10("a"), S10("bb"), S10("ccc"), S10("dddd"), S10("eeeee"),
  S10("ffffff"), S10("ggggggg"), S10("hhhhhhhh"), S10("iiiiiiiii"), S10("jjjjjjjjjj") };
static const char* const names[] = {"alpha", "beta", "gamma"};
int (*const b_ptr)(void) = b_value;
long a_sum(void) { return strlen(names[0]) + strlen(names[2]) + b_ptr(); }
long a_many(void) { long s = 0; for (int i = 0; i < 100; ++i) s += strlen(many[i]); return s; }
int a_weak_is_null(void) { return weak_missing == 0; }
int a_errno(int v) { *__errno() = v; return *__errno(); }
long a_pagesize(void) { return sysconf(0x27); }
int shared_name(void) { return 1; }
__attribute__((constructor)) static void a_init(void) { trace("A"); }
__attribute__((destructor)) static void a_fini(void) { trace("a"); }
)";

// libmissing.so: two imports nothing defines.
inline constexpr const char* kLibMissing = R"(
extern int nonexistent_function(void);
extern int nonexistent_variable;
int m(void) { return nonexistent_function() + nonexistent_variable; }
)";

// hello: a bionic-style PIE executable started through __libc_init.
inline constexpr const char* kHelloExe = R"(
extern void __libc_init(void* raw_args, void* onexit, int (*main)(int, char**, char**), void* structors);
extern int fputs(const char*, void*);
extern char __sF[];
extern unsigned long strlen(const char*);
static int main_(int argc, char** argv, char** envp) {
  (void)envp;
  fputs("hello from bionic\n", &__sF[152]);
  return argc == 3 ? (int)strlen(argv[2]) : 99;
}
__attribute__((used)) static void start_main(void* raw) { __libc_init(raw, 0, main_, 0); }
__asm__(".text; .global _start; .type _start,%function; _start: xorl %ebp,%ebp; movq %rsp,%rdi; andq $-16,%rsp; call start_main");
)";

// libthrow.so (C++): throws and catches through libc++_shared.so's
// __cxa_throw, whose unwinder finds this object via dl_iterate_phdr.
inline constexpr const char* kLibThrow = R"(
struct Boom { int code; };
extern "C" int throw_and_catch(int v) {
  try {
    if (v >= 0) throw v;
  } catch (int x) {
    return x + 1;
  } catch (...) {
    return -2;
  }
  return -1;
}
extern "C" int throw_struct(int v) {
  try {
    throw Boom{v};
  } catch (const Boom& b) {
    return b.code * 2;
  } catch (...) {
    return -3;
  }
}
)";

}  // namespace vmi::bridge::testing
