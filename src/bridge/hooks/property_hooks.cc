// __system_property_* hooks over PropertyStore. Values are truncated to
// PROP_VALUE_MAX-1 bytes for the fixed-buffer APIs, as bionic does.
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "bridge/hooks/bionic_abi.h"
#include "bridge/hooks/hooks.h"
#include "bridge/properties.h"

namespace vmi::bridge::hooks {
namespace {

size_t CopyBounded(char* dst, const std::string& s, size_t cap) {
  size_t n = std::min(s.size(), cap - 1);
  memcpy(dst, s.data(), n);
  dst[n] = 0;
  return n;
}

int Get(const char* name, char* value) {
  const PropInfo* pi = PropertyStore::Instance().Find(name);
  if (pi == nullptr) {
    value[0] = 0;
    return 0;
  }
  return static_cast<int>(CopyBounded(value, pi->value, bionic::kPropValueMax));
}

const void* Find(const char* name) { return PropertyStore::Instance().Find(name); }

int Read(const void* pi_v, char* name, char* value) {
  const auto* pi = static_cast<const PropInfo*>(pi_v);
  if (name != nullptr) CopyBounded(name, pi->name, bionic::kPropNameMax);
  return static_cast<int>(CopyBounded(value, pi->value, bionic::kPropValueMax));
}

void ReadCallback(const void* pi_v, void (*cb)(void*, const char*, const char*, uint32_t), void* cookie) {
  const auto* pi = static_cast<const PropInfo*>(pi_v);
  cb(cookie, pi->name.c_str(), pi->value.c_str(), pi->serial);
}

int Foreach(void (*cb)(const void*, void*), void* cookie) {
  for (const PropInfo* pi : PropertyStore::Instance().All()) cb(pi, cookie);
  return 0;
}

uint32_t Serial(const void* pi_v) { return static_cast<const PropInfo*>(pi_v)->serial; }

const void* FindNth(unsigned n) {
  auto all = PropertyStore::Instance().All();
  return n < all.size() ? all[n] : nullptr;
}

// The store is read-only (it is the device's build description): setting a
// property fails as bionic's does when the property service refuses (-1).
int Set(const char*, const char*) { return -1; }

// Nothing changes the properties, so the area serial is constant and a wait
// for a change behaves as bionic's when none comes: it times out (false), or
// blocks for good when no timeout is given.
uint32_t AreaSerial() { return 1; }
bool Wait(const void*, uint32_t, uint32_t*, const struct timespec* timeout) {
  if (timeout == nullptr) {
    for (;;) pause();
  }
  nanosleep(timeout, nullptr);
  return false;
}
uint32_t WaitAny(uint32_t old_serial) {
  for (;;) pause();
  return old_serial;
}

int TargetSdk() {
  const PropInfo* pi = PropertyStore::Instance().Find("ro.build.version.sdk");
  return pi != nullptr ? atoi(pi->value.c_str()) : 30;
}

const HookEntry kHooks[] = {
    VMI_HOOK("__system_property_get", Get),
    VMI_HOOK("__system_property_find", Find),
    VMI_HOOK("__system_property_read", Read),
    VMI_HOOK("__system_property_read_callback", ReadCallback),
    VMI_HOOK("__system_property_foreach", Foreach),
    VMI_HOOK("__system_property_serial", Serial),
    VMI_HOOK("__system_property_find_nth", FindNth),
    VMI_HOOK("__system_property_set", Set),
    VMI_HOOK("__system_property_area_serial", AreaSerial),
    VMI_HOOK("__system_property_wait", Wait),
    VMI_HOOK("__system_property_wait_any", WaitAny),
    VMI_HOOK("android_get_device_api_level", TargetSdk),
    VMI_HOOK("android_get_application_target_sdk_version", TargetSdk),
};

}  // namespace

void AddPropertyHooks(VirtualLibrary& lib) { lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0])); }

void AddDlPropertyHooks(VirtualLibrary& lib) {
  static const HookEntry kDl[] = {VMI_HOOK("android_get_application_target_sdk_version", TargetSdk)};
  lib.AddHooks(kDl, 1);
}

}  // namespace vmi::bridge::hooks
