// Floating-point classification and the libm odds and ends of bionic:
//
//  * __fpclassify* return bionic's FP_* values, which are BSD's bit flags
//    (FP_INFINITE 0x01, FP_NAN 0x02, FP_NORMAL 0x04, FP_SUBNORMAL 0x08,
//    FP_ZERO 0x10), not glibc's 0..4.
//  * __isfinite/__isnormal and friends: bionic-only names.
//  * On x86_64 every `long double` argument is IEEE binary128 (passed in an
//    SSE register) where glibc's is x87, so the *l classifiers take __float128.
//  * __fe_dfl_env: bionic exports the default environment as data (glibc uses
//    FE_DFL_ENV = (fenv_t*)-1); the fenv_t layouts agree (x87 fnstenv image +
//    MXCSR on x86_64, FPCR/FPSR on arm64), so fesetenv(&__fe_dfl_env) works.
//  * gamma_r/gammaf_r are bionic's old names of lgamma_r/lgammaf_r.
// Pure functions.
#include <fenv.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "bridge/hooks/hooks.h"

extern "C" double lgamma_r(double, int*);
extern "C" float lgammaf_r(float, int*);

namespace vmi::bridge::hooks {
namespace {

#if defined(__x86_64__)
using BionicLongDouble = __float128;
#else
using BionicLongDouble = long double;
#endif

enum BionicFp { kInfinite = 0x01, kNan = 0x02, kNormal = 0x04, kSubnormal = 0x08, kZero = 0x10 };

template <typename T>
int Classify(T x) {
  return __builtin_fpclassify(kNan, kInfinite, kNormal, kSubnormal, kZero, x);
}
template <typename T>
int IsFinite(T x) {
  return __builtin_isfinite(x) ? 1 : 0;
}
template <typename T>
int IsNormal(T x) {
  return __builtin_isnormal(x) ? 1 : 0;
}
template <typename T>
int IsInf(T x) {
  return __builtin_isinf(x) ? 1 : 0;
}
template <typename T>
int IsNan(T x) {
  return __builtin_isnan(x) ? 1 : 0;
}
template <typename T>
int Signbit(T x) {
  return __builtin_signbit(x) ? 1 : 0;
}

// The default floating-point environment as bionic lays it out.
#if defined(__x86_64__)
struct BionicFenv {
  uint32_t control, status, tag, others[4];
  uint32_t mxcsr;
} g_fe_dfl_env = {0x037f, 0, 0xffff, {0, 0, 0, 0}, 0x1f80};
static_assert(sizeof(g_fe_dfl_env) == sizeof(fenv_t));
#else
fenv_t g_fe_dfl_env = {};  // FPCR 0 (round to nearest, no traps), FPSR 0
#endif

const HookEntry kLibcHooks[] = {
    VMI_HOOK("__fpclassify", Classify<double>),
    VMI_HOOK("__fpclassifyd", Classify<double>),
    VMI_HOOK("__fpclassifyf", Classify<float>),
    VMI_HOOK("__fpclassifyl", Classify<BionicLongDouble>),
    VMI_HOOK("__isfinite", IsFinite<double>),
    VMI_HOOK("__isfinitef", IsFinite<float>),
    VMI_HOOK("__isfinitel", IsFinite<BionicLongDouble>),
    VMI_HOOK("isfinite", IsFinite<double>),
    VMI_HOOK("isfinitef", IsFinite<float>),
    VMI_HOOK("isfinitel", IsFinite<BionicLongDouble>),
    VMI_HOOK("__isnormal", IsNormal<double>),
    VMI_HOOK("__isnormalf", IsNormal<float>),
    VMI_HOOK("__isnormall", IsNormal<BionicLongDouble>),
    VMI_HOOK("isnormal", IsNormal<double>),
    VMI_HOOK("isnormalf", IsNormal<float>),
    VMI_HOOK("isnormall", IsNormal<BionicLongDouble>),
#if defined(__x86_64__)
    VMI_HOOK("__isinfl", IsInf<BionicLongDouble>),
    VMI_HOOK("isinfl", IsInf<BionicLongDouble>),
    VMI_HOOK("__isnanl", IsNan<BionicLongDouble>),
    VMI_HOOK("isnanl", IsNan<BionicLongDouble>),
#endif
};

const HookEntry kLibmHooks[] = {
    VMI_HOOK("__fe_dfl_env", &g_fe_dfl_env),
#if defined(__x86_64__)
    VMI_HOOK("__signbitl", Signbit<BionicLongDouble>),
#endif
};

const HookEntry kLibmStraight[] = {
    VMI_HOOK("gamma_r", lgamma_r),
    VMI_HOOK("gammaf_r", lgammaf_r),
};

}  // namespace

void AddMathClassifyHooks(VirtualLibrary& lib) {
  if (lib.name() == "libc.so") {
    lib.AddHooks(kLibcHooks, sizeof(kLibcHooks) / sizeof(kLibcHooks[0]));
  } else {
    lib.AddHooks(kLibmHooks, sizeof(kLibmHooks) / sizeof(kLibmHooks[0]));
    lib.AddStraight(kLibmStraight, sizeof(kLibmStraight) / sizeof(kLibmStraight[0]));
  }
}

}  // namespace vmi::bridge::hooks
