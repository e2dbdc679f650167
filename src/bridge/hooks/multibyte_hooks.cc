// Multibyte and wide-character classification. bionic only knows UTF-8: its
// mbrtowc/wcrtomb family decode and encode UTF-8 whatever the locale, its
// MB_CUR_MAX is 4 by default, and its isw*/tow* functions classify all of
// Unicode. glibc follows the locale, and a program that never called
// setlocale runs in "C", where bytes >= 0x80 are errors and only ASCII is
// classified. Each hook therefore runs the glibc function with the calling
// thread switched to C.UTF-8 (uselocale is per thread and cheap), or calls
// the glibc *_l function with it; the locale_t of bionic's *_l functions is
// ignored as bionic ignores it. If the host lacks C.UTF-8 the functions
// pass through unchanged (a warning is logged once).
#include <locale.h>
#include <uchar.h>
#include <wchar.h>
#include <wctype.h>

#include <cstdlib>

#include "base/log.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

locale_t Utf8() {
  static const locale_t loc = [] {
    locale_t l = newlocale(LC_ALL_MASK, "C.UTF-8", nullptr);
    if (l == nullptr) {
      VMI_ILOG(WARN, "bridge") << "no C.UTF-8 locale on the host: bionic multibyte functions follow glibc's locale";
      l = LC_GLOBAL_LOCALE;
    }
    return l;
  }();
  return static_cast<locale_t>(loc);
}

class Utf8Scope {
 public:
  Utf8Scope() : old_(uselocale(Utf8())) {}
  ~Utf8Scope() { uselocale(old_); }

 private:
  locale_t old_;
};

template <auto Fn, typename R, typename... A>
R InUtf8(A... a) {
  Utf8Scope s;
  return Fn(a...);
}

#define VMI_UTF8_HOOK(name, R, ...) VMI_HOOK(#name, (InUtf8<::name, R, __VA_ARGS__>))

// bionic's MB_CUR_MAX in its (always UTF-8) default locale is 4, the longest
// UTF-8 sequence it accepts; glibc's C.UTF-8 says 6.
size_t MbCurMax() { return 4; }

template <int (*Fn)(wint_t, locale_t)>
int Class(wint_t c) { return Fn(c, Utf8()); }
template <int (*Fn)(wint_t, locale_t)>
int ClassL(wint_t c, locale_t) { return Fn(c, Utf8()); }
template <wint_t (*Fn)(wint_t, locale_t)>
wint_t Map(wint_t c) { return Fn(c, Utf8()); }
template <wint_t (*Fn)(wint_t, locale_t)>
wint_t MapL(wint_t c, locale_t) { return Fn(c, Utf8()); }
int Iswctype(wint_t c, wctype_t t) { return iswctype_l(c, t, Utf8()); }
int IswctypeL(wint_t c, wctype_t t, locale_t) { return iswctype_l(c, t, Utf8()); }
wctype_t Wctype(const char* n) { return wctype_l(n, Utf8()); }
wctype_t WctypeL(const char* n, locale_t) { return wctype_l(n, Utf8()); }
wctrans_t Wctrans(const char* n) { return wctrans_l(n, Utf8()); }
wctrans_t WctransL(const char* n, locale_t) { return wctrans_l(n, Utf8()); }
wint_t Towctrans(wint_t c, wctrans_t t) { return towctrans_l(c, t, Utf8()); }
wint_t TowctransL(wint_t c, wctrans_t t, locale_t) { return towctrans_l(c, t, Utf8()); }

#define VMI_CLASS(n) VMI_HOOK(#n, Class<::n##_l>), VMI_HOOK(#n "_l", ClassL<::n##_l>)

const HookEntry kHooks[] = {
    VMI_HOOK("__ctype_get_mb_cur_max", MbCurMax),
    VMI_UTF8_HOOK(btowc, wint_t, int),
    VMI_UTF8_HOOK(wctob, int, wint_t),
    VMI_UTF8_HOOK(mblen, int, const char*, size_t),
    VMI_UTF8_HOOK(mbrlen, size_t, const char*, size_t, mbstate_t*),
    VMI_UTF8_HOOK(mbrtowc, size_t, wchar_t*, const char*, size_t, mbstate_t*),
    VMI_UTF8_HOOK(mbtowc, int, wchar_t*, const char*, size_t),
    VMI_UTF8_HOOK(mbsrtowcs, size_t, wchar_t*, const char**, size_t, mbstate_t*),
    VMI_UTF8_HOOK(mbsnrtowcs, size_t, wchar_t*, const char**, size_t, size_t, mbstate_t*),
    VMI_UTF8_HOOK(mbstowcs, size_t, wchar_t*, const char*, size_t),
    VMI_UTF8_HOOK(wcrtomb, size_t, char*, wchar_t, mbstate_t*),
    VMI_UTF8_HOOK(wctomb, int, char*, wchar_t),
    VMI_UTF8_HOOK(wcsrtombs, size_t, char*, const wchar_t**, size_t, mbstate_t*),
    VMI_UTF8_HOOK(wcsnrtombs, size_t, char*, const wchar_t**, size_t, size_t, mbstate_t*),
    VMI_UTF8_HOOK(wcstombs, size_t, char*, const wchar_t*, size_t),
    VMI_UTF8_HOOK(mbrtoc16, size_t, char16_t*, const char*, size_t, mbstate_t*),
    VMI_UTF8_HOOK(mbrtoc32, size_t, char32_t*, const char*, size_t, mbstate_t*),
    VMI_UTF8_HOOK(c16rtomb, size_t, char*, char16_t, mbstate_t*),
    VMI_UTF8_HOOK(c32rtomb, size_t, char*, char32_t, mbstate_t*),
    VMI_UTF8_HOOK(wcwidth, int, wchar_t),
    VMI_UTF8_HOOK(wcswidth, int, const wchar_t*, size_t),
    VMI_CLASS(iswalnum),
    VMI_CLASS(iswalpha),
    VMI_CLASS(iswblank),
    VMI_CLASS(iswcntrl),
    VMI_CLASS(iswdigit),
    VMI_CLASS(iswgraph),
    VMI_CLASS(iswlower),
    VMI_CLASS(iswprint),
    VMI_CLASS(iswpunct),
    VMI_CLASS(iswspace),
    VMI_CLASS(iswupper),
    VMI_CLASS(iswxdigit),
    VMI_HOOK("towlower", Map<::towlower_l>),
    VMI_HOOK("towlower_l", MapL<::towlower_l>),
    VMI_HOOK("towupper", Map<::towupper_l>),
    VMI_HOOK("towupper_l", MapL<::towupper_l>),
    VMI_HOOK("iswctype", Iswctype),
    VMI_HOOK("iswctype_l", IswctypeL),
    VMI_HOOK("wctype", Wctype),
    VMI_HOOK("wctype_l", WctypeL),
    VMI_HOOK("wctrans", Wctrans),
    VMI_HOOK("wctrans_l", WctransL),
    VMI_HOOK("towctrans", Towctrans),
    VMI_HOOK("towctrans_l", TowctransL),
};

}  // namespace

void AddMultibyteHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

}  // namespace vmi::bridge::hooks
