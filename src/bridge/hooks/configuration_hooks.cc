// AConfiguration of libandroid.so: a plain record with the NDK's
// get/set/copy/diff. AConfiguration_fromAssetManager fills in the device's
// configuration, taken from the system properties (properties.h):
// `ro.product.locale` (default "en-US"), `ro.sf.lcd_density` (default 320),
// `ro.build.version.sdk` (default 30), `vmi.display.width`/`height` in pixels
// (default 720x1280; orientation and dp sizes follow from them); the rest
// is a touchscreen phone without keyboard or navigation keys.
// Not provided: AConfiguration_match and _isBetterThan (resource selection
// rules; a library importing them fails to load, naming them).
#include <cstdlib>
#include <cstring>
#include <string>

#include "bridge/hooks/hooks.h"
#include "bridge/properties.h"

namespace vmi::bridge::hooks {
namespace {

// name, ACONFIGURATION_* diff bit
#define VMI_CONFIG_FIELDS(X)       \
  X(Mcc, 0x0001)                   \
  X(Mnc, 0x0002)                   \
  X(Touchscreen, 0x0008)           \
  X(Keyboard, 0x0010)              \
  X(KeysHidden, 0x0020)            \
  X(NavHidden, 0x0020)             \
  X(Navigation, 0x0040)            \
  X(Orientation, 0x0080)           \
  X(Density, 0x0100)               \
  X(ScreenWidthDp, 0x0200)         \
  X(ScreenHeightDp, 0x0200)        \
  X(SdkVersion, 0x0400)            \
  X(ScreenSize, 0x0800)            \
  X(ScreenLong, 0x0800)            \
  X(UiModeType, 0x1000)            \
  X(UiModeNight, 0x1000)           \
  X(SmallestScreenWidthDp, 0x2000) \
  X(LayoutDirection, 0x4000)       \
  X(ScreenRound, 0x8000)           \
  X(GrammaticalGender, 0x20000)

struct Configuration {
#define VMI_CONFIG_MEMBER(name, bit) int32_t name = 0;
  VMI_CONFIG_FIELDS(VMI_CONFIG_MEMBER)
#undef VMI_CONFIG_MEMBER
  char language[2] = {0, 0};
  char country[2] = {0, 0};
};
constexpr int32_t kDiffLocale = 0x0004;

int32_t IntProperty(const char* name, int32_t fallback) {
  const PropInfo* p = PropertyStore::Instance().Find(name);
  if (p == nullptr || p->value.empty()) return fallback;
  char* end = nullptr;
  const long v = strtol(p->value.c_str(), &end, 10);
  return *end == '\0' && v > 0 && v < (1 << 20) ? static_cast<int32_t>(v) : fallback;
}

void FillDevice(Configuration* c) {
  *c = Configuration{};
  const PropInfo* locale = PropertyStore::Instance().Find("ro.product.locale");
  const std::string tag = locale != nullptr && locale->value.size() >= 5 ? locale->value : "en-US";
  memcpy(c->language, tag.data(), 2);
  memcpy(c->country, tag.data() + 3, 2);
  c->Density = IntProperty("ro.sf.lcd_density", 320);
  c->SdkVersion = IntProperty("ro.build.version.sdk", 30);
  const int32_t w = IntProperty("vmi.display.width", 720),
                h = IntProperty("vmi.display.height", 1280);
  c->Orientation = w > h ? 2 : 1;  // LAND : PORT
  c->Touchscreen = 3;              // FINGER
  c->Keyboard = 1;                 // NOKEYS
  c->KeysHidden = 3;               // SOFT
  c->Navigation = 1;               // NONAV
  c->NavHidden = 2;                // YES
  c->ScreenWidthDp = w * 160 / c->Density;
  c->ScreenHeightDp = h * 160 / c->Density;
  c->SmallestScreenWidthDp =
      c->ScreenWidthDp < c->ScreenHeightDp ? c->ScreenWidthDp : c->ScreenHeightDp;
  c->ScreenSize = c->SmallestScreenWidthDp >= 720 ? 4 : c->SmallestScreenWidthDp >= 600 ? 3 : 2;
  c->ScreenLong = 1;       // NO
  c->UiModeType = 1;       // NORMAL
  c->UiModeNight = 1;      // NO
  c->LayoutDirection = 1;  // LTR
  c->ScreenRound = 1;      // NO
}

Configuration* New() { return new Configuration(); }
void Delete(Configuration* c) { delete c; }
void FromAssetManager(Configuration* c, void*) {
  if (c != nullptr) FillDevice(c);
}
void Copy(Configuration* dst, Configuration* src) {
  if (dst != nullptr && src != nullptr) *dst = *src;
}
int32_t Diff(Configuration* a, Configuration* b) {
  if (a == nullptr || b == nullptr) return 0;
  int32_t diff = 0;
#define VMI_CONFIG_DIFF(name, bit) \
  if (a->name != b->name) diff |= bit;
  VMI_CONFIG_FIELDS(VMI_CONFIG_DIFF)
#undef VMI_CONFIG_DIFF
  if (memcmp(a->language, b->language, 2) != 0 || memcmp(a->country, b->country, 2) != 0)
    diff |= kDiffLocale;
  return diff;
}
void GetLanguage(Configuration* c, char* out) {
  if (c != nullptr && out != nullptr) memcpy(out, c->language, 2);
}
void SetLanguage(Configuration* c, const char* in) {
  if (c == nullptr) return;
  c->language[0] = in != nullptr ? in[0] : 0;
  c->language[1] = in != nullptr && in[0] != 0 ? in[1] : 0;
}
void GetCountry(Configuration* c, char* out) {
  if (c != nullptr && out != nullptr) memcpy(out, c->country, 2);
}
void SetCountry(Configuration* c, const char* in) {
  if (c == nullptr) return;
  c->country[0] = in != nullptr ? in[0] : 0;
  c->country[1] = in != nullptr && in[0] != 0 ? in[1] : 0;
}

#define VMI_CONFIG_ACCESSORS(name, bit)                                      \
  int32_t Get##name(Configuration* c) { return c != nullptr ? c->name : 0; } \
  void Set##name(Configuration* c, int32_t v) {                              \
    if (c != nullptr) c->name = v;                                           \
  }
VMI_CONFIG_FIELDS(VMI_CONFIG_ACCESSORS)
#undef VMI_CONFIG_ACCESSORS

const HookEntry kHooks[] = {VMI_HOOK("AConfiguration_new", New),
                            VMI_HOOK("AConfiguration_delete", Delete),
                            VMI_HOOK("AConfiguration_fromAssetManager", FromAssetManager),
                            VMI_HOOK("AConfiguration_copy", Copy),
                            VMI_HOOK("AConfiguration_diff", Diff),
                            VMI_HOOK("AConfiguration_getLanguage", GetLanguage),
                            VMI_HOOK("AConfiguration_setLanguage", SetLanguage),
                            VMI_HOOK("AConfiguration_getCountry", GetCountry),
                            VMI_HOOK("AConfiguration_setCountry", SetCountry),
#define VMI_CONFIG_ENTRIES(name, bit) \
  VMI_HOOK("AConfiguration_get" #name, Get##name), VMI_HOOK("AConfiguration_set" #name, Set##name),
                            VMI_CONFIG_FIELDS(VMI_CONFIG_ENTRIES)
#undef VMI_CONFIG_ENTRIES
};

}  // namespace

void AddConfigurationHooks(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
}

}  // namespace vmi::bridge::hooks
