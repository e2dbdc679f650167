// regcomp/regexec/regerror/regfree. bionic's regex_t (32 bytes) is smaller
// than glibc's (64 bytes), its regoff_t is ssize_t (glibc: int), and its
// REG_NOSUB/REG_NEWLINE flag values are swapped relative to glibc's. The
// hook keeps a heap-allocated glibc regex_t behind bionic's re_g pointer,
// translates flags and error codes, and converts match arrays. Thread-safety:
// as POSIX regex (one regex_t used by one thread at a time for comp/free).
#include <regex.h>

#include <cstring>
#include <new>
#include <vector>

#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

constexpr int kMagic = 0xb1d6e;  // marks a bionic regex_t compiled by the bridge

int ToBionicError(int e) {
  switch (e) {
    case 0: return 0;
    case REG_NOMATCH: return bionic::kRegNomatch;
    case REG_BADPAT: case REG_ECOLLATE: case REG_ECTYPE: case REG_EESCAPE: case REG_ESUBREG:
    case REG_EBRACK: case REG_EPAREN: case REG_EBRACE: case REG_BADBR: case REG_ERANGE: case REG_ESPACE:
    case REG_BADRPT:
      return e;  // glibc and bionic agree on 1..13
    case REG_ERPAREN: return bionic::kRegEparen;
    case REG_ESIZE: return bionic::kRegEspace;
    default: return bionic::kRegBadpat;
  }
}

int Regcomp(bionic::regex_t* re, const char* pattern, int cflags) {
  if (cflags & (bionic::kRegNospec | bionic::kRegPend)) return bionic::kRegInvarg;
  int g = 0;
  if (cflags & bionic::kRegExtended) g |= REG_EXTENDED;
  if (cflags & bionic::kRegIcase) g |= REG_ICASE;
  if (cflags & bionic::kRegNosub) g |= REG_NOSUB;
  if (cflags & bionic::kRegNewline) g |= REG_NEWLINE;
  auto* compiled = new (std::nothrow) regex_t;
  if (compiled == nullptr) return bionic::kRegEspace;
  int r = regcomp(compiled, pattern, g);
  if (r != 0) {
    delete compiled;
    return ToBionicError(r);
  }
  re->re_magic = kMagic;
  re->re_nsub = compiled->re_nsub;
  re->re_endp = nullptr;
  re->re_g = compiled;
  return 0;
}

int Regexec(const bionic::regex_t* re, const char* str, size_t nmatch, bionic::regmatch_t* pmatch, int eflags) {
  if (re == nullptr || re->re_magic != kMagic || re->re_g == nullptr) return bionic::kRegBadpat;
  auto* compiled = static_cast<regex_t*>(re->re_g);
  int g = 0;
  if (eflags & bionic::kRegNotbol) g |= REG_NOTBOL;
  if (eflags & bionic::kRegNoteol) g |= REG_NOTEOL;
  if (eflags & bionic::kRegStartend) g |= REG_STARTEND;
  if (compiled->no_sub) nmatch = 0;
  std::vector<regmatch_t> m(nmatch > 0 ? nmatch : (g & REG_STARTEND ? 1 : 0));
  if ((g & REG_STARTEND) && pmatch != nullptr) {
    m[0].rm_so = static_cast<regoff_t>(pmatch[0].rm_so);
    m[0].rm_eo = static_cast<regoff_t>(pmatch[0].rm_eo);
  }
  int r = regexec(compiled, str, nmatch, m.empty() ? nullptr : m.data(), g);
  if (r == 0) {
    for (size_t i = 0; i < nmatch; ++i) {
      pmatch[i].rm_so = m[i].rm_so;
      pmatch[i].rm_eo = m[i].rm_eo;
    }
  }
  return ToBionicError(r);
}

size_t Regerror(int code, const bionic::regex_t* re, char* buf, size_t size) {
  const regex_t* compiled = re != nullptr && re->re_magic == kMagic ? static_cast<const regex_t*>(re->re_g) : nullptr;
  int g = code;  // 1..13 agree
  if (code == bionic::kRegEmpty || code == bionic::kRegInvarg || code > 13) g = REG_BADPAT;
  return regerror(g, compiled, buf, size);
}

void Regfree(bionic::regex_t* re) {
  if (re == nullptr || re->re_magic != kMagic) return;
  auto* compiled = static_cast<regex_t*>(re->re_g);
  regfree(compiled);
  delete compiled;
  re->re_g = nullptr;
  re->re_magic = 0;
}

const HookEntry kHooks[] = {
    VMI_HOOK("regcomp", Regcomp),
    VMI_HOOK("regexec", Regexec),
    VMI_HOOK("regerror", Regerror),
    VMI_HOOK("regfree", Regfree),
};

}  // namespace

void AddRegexHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
