// stdio hooks: bionic code reaches stdin/stdout/stderr as &__sF[0..2], an
// array of bionic FILE structs (152 bytes each). The bridge exports such an
// array (with _flags/_file filled in for code that peeks) and every FILE
// function that may receive one of its addresses maps it to glibc's stream
// first. Other FILE* values come from glibc's fopen and pass unchanged.
// fpos_t differs (bionic: off_t, 8 bytes; glibc: 16-byte struct), so
// fgetpos/fsetpos convert. Thread-safety: that of the glibc function.
#include <stdio_ext.h>
#include <wchar.h>

#include <atomic>
#include <cstdarg>
#include <cstring>

#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

alignas(16) unsigned char g_sf[3 * bionic::kFileSize];

struct SfInit {
  SfInit() {
    for (int i = 0; i < 3; ++i) {
      unsigned char* f = g_sf + i * bionic::kFileSize;
      int flags = i == 0 ? 0x0004 /* __SRD */ : 0x0008 /* __SWR */;
      memcpy(f + bionic::kFileFlagsOffset, &flags, sizeof(int));
      memcpy(f + bionic::kFileFdOffset, &i, sizeof(int));
    }
  }
} g_sf_init;

inline FILE* F(void* fp) { return ToGlibcFile(fp); }

int Fclose(void* fp) { return fclose(F(fp)); }
int Fflush(void* fp) { return fflush(fp == nullptr ? nullptr : F(fp)); }
char* Fgets(char* s, int n, void* fp) { return fgets(s, n, F(fp)); }
int Fgetc(void* fp) { return fgetc(F(fp)); }
int GetcUnlocked(void* fp) { return getc_unlocked(F(fp)); }
int Fputc(int c, void* fp) { return fputc(c, F(fp)); }
int PutcUnlocked(int c, void* fp) { return putc_unlocked(c, F(fp)); }
int Fputs(const char* s, void* fp) { return fputs(s, F(fp)); }
size_t Fread(void* p, size_t s, size_t n, void* fp) { return fread(p, s, n, F(fp)); }
size_t Fwrite(const void* p, size_t s, size_t n, void* fp) { return fwrite(p, s, n, F(fp)); }
int Fseek(void* fp, long off, int whence) { return fseek(F(fp), off, whence); }
int Fseeko(void* fp, off_t off, int whence) { return fseeko(F(fp), off, whence); }
long Ftell(void* fp) { return ftell(F(fp)); }
off_t Ftello(void* fp) { return ftello(F(fp)); }
void Rewind(void* fp) { rewind(F(fp)); }
int Setvbuf(void* fp, char* buf, int mode, size_t size) { return setvbuf(F(fp), buf, mode, size); }
void Setbuf(void* fp, char* buf) { setbuf(F(fp), buf); }
void Setbuffer(void* fp, char* buf, int size) { setbuffer(F(fp), buf, static_cast<size_t>(size)); }
int Setlinebuf(void* fp) { setlinebuf(F(fp)); return 0; }
int Vfprintf(void* fp, const char* fmt, va_list ap) { return vfprintf(F(fp), fmt, ap); }
int Fprintf(void* fp, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfprintf(F(fp), fmt, ap);
  va_end(ap);
  return r;
}
int Vfscanf(void* fp, const char* fmt, va_list ap) { return vfscanf(F(fp), fmt, ap); }
int Fscanf(void* fp, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfscanf(F(fp), fmt, ap);
  va_end(ap);
  return r;
}
int Ungetc(int c, void* fp) { return ungetc(c, F(fp)); }
int Fileno(void* fp) { return fileno(F(fp)); }
int Feof(void* fp) { return feof(F(fp)); }
int Ferror(void* fp) { return ferror(F(fp)); }
void Clearerr(void* fp) { clearerr(F(fp)); }
int FeofUnlocked(void* fp) { return feof_unlocked(F(fp)); }
int FerrorUnlocked(void* fp) { return ferror_unlocked(F(fp)); }
int FilenoUnlocked(void* fp) { return fileno_unlocked(F(fp)); }
void ClearerrUnlocked(void* fp) { clearerr_unlocked(F(fp)); }
// bionic fpos_t is off_t.
int Fgetpos(void* fp, off_t* pos) {
  off_t o = ftello(F(fp));
  if (o < 0) return -1;
  *pos = o;
  return 0;
}
int Fsetpos(void* fp, const off_t* pos) { return fseeko(F(fp), *pos, SEEK_SET); }
void Flockfile(void* fp) { flockfile(F(fp)); }
void Funlockfile(void* fp) { funlockfile(F(fp)); }
int Ftrylockfile(void* fp) { return ftrylockfile(F(fp)); }
ssize_t Getline(char** line, size_t* n, void* fp) { return getline(line, n, F(fp)); }
ssize_t Getdelim(char** line, size_t* n, int delim, void* fp) { return getdelim(line, n, delim, F(fp)); }
FILE* Freopen(const char* path, const char* mode, void* fp) { return freopen(path, mode, F(fp)); }
wint_t Fgetwc(void* fp) { return fgetwc(F(fp)); }
wint_t Fputwc(wchar_t c, void* fp) { return fputwc(c, F(fp)); }
int Fputws(const wchar_t* s, void* fp) { return fputws(s, F(fp)); }
wchar_t* Fgetws(wchar_t* s, int n, void* fp) { return fgetws(s, n, F(fp)); }
int Fwide(void* fp, int mode) { return fwide(F(fp), mode); }
wint_t Ungetwc(wint_t c, void* fp) { return ungetwc(c, F(fp)); }
int Vfwprintf(void* fp, const wchar_t* fmt, va_list ap) { return vfwprintf(F(fp), fmt, ap); }
int Fwprintf(void* fp, const wchar_t* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfwprintf(F(fp), fmt, ap);
  va_end(ap);
  return r;
}
int Fsetlocking(void* fp, int type) { return __fsetlocking(F(fp), type); }
int Fpurge(void* fp) {
  __fpurge(F(fp));
  return 0;
}
size_t Fbufsize(void* fp) { return __fbufsize(F(fp)); }
int Freading(void* fp) { return __freading(F(fp)); }
int Fwriting(void* fp) { return __fwriting(F(fp)); }
void Fpurge_(void* fp) { __fpurge(F(fp)); }

const HookEntry kHooks[] = {
    {"__sF", g_sf},
    VMI_HOOK("fclose", Fclose),       VMI_HOOK("fflush", Fflush),
    VMI_HOOK("fgets", Fgets),         VMI_HOOK("fgetc", Fgetc),
    VMI_HOOK("getc", Fgetc),          VMI_HOOK("getc_unlocked", GetcUnlocked),
    VMI_HOOK("fputc", Fputc),         VMI_HOOK("putc", Fputc),
    VMI_HOOK("putc_unlocked", PutcUnlocked),
    VMI_HOOK("fputs", Fputs),         VMI_HOOK("fread", Fread),
    VMI_HOOK("fwrite", Fwrite),       VMI_HOOK("fseek", Fseek),
    VMI_HOOK("fseeko", Fseeko),       VMI_HOOK("fseeko64", Fseeko),
    VMI_HOOK("ftell", Ftell),         VMI_HOOK("ftello", Ftello),
    VMI_HOOK("ftello64", Ftello),     VMI_HOOK("rewind", Rewind),
    VMI_HOOK("setvbuf", Setvbuf),     VMI_HOOK("setbuf", Setbuf),
    VMI_HOOK("setbuffer", Setbuffer), VMI_HOOK("setlinebuf", Setlinebuf),
    VMI_HOOK("vfprintf", Vfprintf),   VMI_HOOK("fprintf", Fprintf),
    VMI_HOOK("vfscanf", Vfscanf),     VMI_HOOK("fscanf", Fscanf),
    VMI_HOOK("ungetc", Ungetc),       VMI_HOOK("fileno", Fileno),
    VMI_HOOK("feof", Feof),           VMI_HOOK("ferror", Ferror),
    VMI_HOOK("clearerr", Clearerr),   VMI_HOOK("feof_unlocked", FeofUnlocked),
    VMI_HOOK("ferror_unlocked", FerrorUnlocked),
    VMI_HOOK("fileno_unlocked", FilenoUnlocked),
    VMI_HOOK("clearerr_unlocked", ClearerrUnlocked),
    VMI_HOOK("fgetpos", Fgetpos),     VMI_HOOK("fsetpos", Fsetpos),
    VMI_HOOK("fgetpos64", Fgetpos),   VMI_HOOK("fsetpos64", Fsetpos),
    VMI_HOOK("flockfile", Flockfile), VMI_HOOK("funlockfile", Funlockfile),
    VMI_HOOK("ftrylockfile", Ftrylockfile),
    VMI_HOOK("getline", Getline),     VMI_HOOK("getdelim", Getdelim),
    VMI_HOOK("freopen", Freopen),     VMI_HOOK("freopen64", Freopen),
    VMI_HOOK("fgetwc", Fgetwc),       VMI_HOOK("getwc", Fgetwc),
    VMI_HOOK("fputwc", Fputwc),       VMI_HOOK("putwc", Fputwc),
    VMI_HOOK("fputws", Fputws),       VMI_HOOK("fgetws", Fgetws),
    VMI_HOOK("fwide", Fwide),         VMI_HOOK("ungetwc", Ungetwc),
    VMI_HOOK("vfwprintf", Vfwprintf), VMI_HOOK("fwprintf", Fwprintf),
    VMI_HOOK("__fsetlocking", Fsetlocking),
    VMI_HOOK("fpurge", Fpurge),       VMI_HOOK("__fpurge", Fpurge_),
    VMI_HOOK("__fbufsize", Fbufsize), VMI_HOOK("__freading", Freading),
    VMI_HOOK("__fwriting", Fwriting),
};

}  // namespace

namespace {

std::atomic<uintptr_t> g_sf_alias{0};

FILE* StreamAt(uintptr_t index) {
  switch (index) {
    case 0: return stdin;
    case 1: return stdout;
    default: return stderr;
  }
}

}  // namespace

void AddSFAlias(void* copy, size_t size) {
  if (size >= sizeof(g_sf)) g_sf_alias = reinterpret_cast<uintptr_t>(copy);
}

FILE* ToGlibcFile(void* fp) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(fp);
  const uintptr_t base = reinterpret_cast<uintptr_t>(g_sf);
  if (p - base < sizeof(g_sf)) return StreamAt((p - base) / bionic::kFileSize);
  const uintptr_t alias = g_sf_alias.load(std::memory_order_relaxed);
  if (alias != 0 && p - alias < sizeof(g_sf)) return StreamAt((p - alias) / bionic::kFileSize);
  return static_cast<FILE*>(fp);
}

void* BionicSF() { return g_sf; }

void AddStdioHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
