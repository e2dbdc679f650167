// long double: on bionic x86_64 (and arm64) it is IEEE binary128, passed in
// SSE registers like __float128; glibc x86_64's long double is the 80-bit x87
// type passed on the stack. strtold/wcstold and every libm *l function are
// therefore routed to glibc's _Float128 functions (strtof128, sinf128, ...),
// which have exactly bionic's calling convention. printf-family %Lf is not
// converted (see docs/bridge.md). Thread-safe.
#include <dlfcn.h>
#include <locale.h>
#include <stdlib.h>
#include <wchar.h>

#include <cmath>
#include <string>
#include <vector>

#include "bridge/hooks/hooks.h"

#if defined(__x86_64__)
extern "C" __float128 strtof128(const char*, char**);
extern "C" __float128 strtof128_l(const char*, char**, locale_t);
extern "C" __float128 wcstof128(const wchar_t*, wchar_t**);
extern "C" __float128 wcstof128_l(const wchar_t*, wchar_t**, locale_t);
extern "C" __float128 nextafterf128(__float128, __float128);
extern "C" __float128 scalbnf128(__float128, int);
extern "C" int ilogbf128(__float128);
#endif

namespace vmi::bridge::hooks {
#if defined(__x86_64__)
namespace {

__float128 Strtold(const char* s, char** end) { return strtof128(s, end); }
__float128 StrtoldL(const char* s, char** end, locale_t l) { return strtof128_l(s, end, l); }
__float128 Wcstold(const wchar_t* s, wchar_t** end) { return wcstof128(s, end); }
__float128 WcstoldL(const wchar_t* s, wchar_t** end, locale_t l) { return wcstof128_l(s, end, l); }
// nexttoward's second argument is long double; nothing in glibc takes a
// binary128 there, so step towards it as a double (exact unless y lies
// between two doubles adjacent to x).
double Nexttoward(double x, __float128 y) { return std::nextafter(x, static_cast<double>(y)); }
float Nexttowardf(float x, __float128 y) { return std::nextafter(x, static_cast<float>(y)); }
__float128 Nexttowardl(__float128 x, __float128 y) { return nextafterf128(x, y); }
// significand(x) = scalb(x, -ilogb(x)); glibc has no binary128 significand.
__float128 Significandl(__float128 x) {
  if (x == 0 || __builtin_isinf(x) || __builtin_isnan(x)) return x;
  return scalbnf128(x, -ilogbf128(x));
}

const HookEntry kHooks[] = {
    VMI_HOOK("strtold", Strtold),
    VMI_HOOK("strtold_l", StrtoldL),
    VMI_HOOK("wcstold", Wcstold),
    VMI_HOOK("wcstold_l", WcstoldL),
};

const HookEntry kMathHooks[] = {
    VMI_HOOK("nexttoward", Nexttoward),
    VMI_HOOK("nexttowardf", Nexttowardf),
    VMI_HOOK("nexttowardl", Nexttowardl),
    VMI_HOOK("significandl", Significandl),
};

// libm functions with long double in their signature, mapped to <base>f128.
const char* const kLongDoubleMath[] = {
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign", "cos", "cosh",
    "erf", "erfc", "exp", "exp2", "expm1", "fabs", "fdim", "floor", "fma", "fmax", "fmin", "fmod", "frexp",
    "hypot", "ilogb", "ldexp", "lgamma", "llrint", "llround", "log", "log10", "log1p", "log2", "logb",
    "lrint", "lround", "modf", "nan", "nearbyint", "nextafter", "pow", "remainder", "remquo", "rint",
    "round", "scalbln", "scalbn", "sin", "sinh", "sqrt", "tan", "tanh", "tgamma", "trunc", "sincos",
    "lgamma_r",
    // Complex: bionic's `long double _Complex` is a pair of binary128 values,
    // the same C type as glibc's `_Complex _Float128`.
    "cabs", "cacos", "cacosh", "carg", "casin", "casinh", "catan", "catanh", "ccos", "ccosh", "cexp", "cimag",
    "clog", "conj", "cpow", "cproj", "creal", "csin", "csinh", "csqrt", "ctan", "ctanh",
};

}  // namespace

void AddStrtoldHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }


void AddLongDoubleMathHooks(VirtualLibrary& lib) {
  lib.AddHooks(kMathHooks, sizeof(kMathHooks) / sizeof(kMathHooks[0]));
  void* libm = dlopen("libm.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (libm == nullptr) libm = dlopen("libm.so.6", RTLD_NOW);
  // Names must outlive the library (the hook table keeps string_views).
  static std::vector<std::string>* names = [] {
    auto* v = new std::vector<std::string>();
    v->reserve(sizeof(kLongDoubleMath) / sizeof(kLongDoubleMath[0]));  // c_str() pointers must stay put
    return v;
  }();
  for (const char* base : kLongDoubleMath) {
    // "lgamma_r" -> "lgammaf128_r" / "lgammal_r".
    std::string b = base;
    std::string suffix;
    if (b.size() > 2 && b.compare(b.size() - 2, 2, "_r") == 0) {
      suffix = "_r";
      b.resize(b.size() - 2);
    }
    std::string f128 = b + "f128" + suffix;
    void* fn = libm != nullptr ? dlsym(libm, f128.c_str()) : nullptr;
    names->push_back(b + "l" + suffix);
    if (fn == nullptr) {
      lib.Block(names->back().c_str());
      continue;
    }
    HookEntry e{names->back().c_str(), fn};
    lib.AddHooks(&e, 1);
  }
}

#else  // aarch64: glibc's long double is IEEE binary128 like bionic's; nothing to convert.

void AddStrtoldHooks(VirtualLibrary&) {}
void AddLongDoubleMathHooks(VirtualLibrary&) {}

#endif

}  // namespace vmi::bridge::hooks
