// libOpenSLES.so: slCreateEngine and the SL_IID_* interface-ID variables
// (audio/opensles.h; objects in audio/sl_engine.cc and audio/sl_player.cc),
// playing buffer queues through the host's ALSA device. IDs of interfaces
// the bridge does not implement are exported too (an app may name them);
// asking for one gives SL_RESULT_FEATURE_UNSUPPORTED.
#include <vector>

#include "bridge/audio/opensles.h"
#include "bridge/hooks/hooks.h"

namespace vmi::bridge::hooks {
namespace {

namespace sl = audio::sl;

// The engine offers SL_IID_OBJECT and SL_IID_ENGINE.
sl::SLresult QueryNumEngineInterfaces(sl::SLuint32* count) {
  if (count == nullptr) return sl::kParameterInvalid;
  *count = 2;
  return sl::kSuccess;
}
sl::SLresult QueryEngineInterface(sl::SLuint32 index, sl::SLInterfaceID* id) {
  if (id == nullptr || index > 1) return sl::kParameterInvalid;
  size_t n = 0;
  const sl::IidEntry* table = sl::IidTable(&n);
  for (size_t i = 0; i < n; ++i) {
    if (table[i].kind == (index == 0 ? sl::Iid::kObject : sl::Iid::kEngine))
      *id = *table[i].variable;
  }
  return sl::kSuccess;
}

const HookEntry kHooks[] = {
    VMI_HOOK("slCreateEngine", sl::CreateEngine),
    VMI_HOOK("slQueryNumSupportedEngineInterfaces", QueryNumEngineInterfaces),
    VMI_HOOK("slQuerySupportedEngineInterfaces", QueryEngineInterface),
};

}  // namespace

void RegisterLibOpenSLES(VirtualLibrary& lib) {
  lib.AddHooks(kHooks, sizeof(kHooks) / sizeof(kHooks[0]));
  size_t n = 0;
  const sl::IidEntry* table = sl::IidTable(&n);
  std::vector<HookEntry> variables;
  for (size_t i = 0; i < n; ++i) {
    variables.push_back({table[i].symbol, const_cast<sl::SLInterfaceID*>(table[i].variable)});
  }
  lib.AddHooks(variables.data(), variables.size());
}

}  // namespace vmi::bridge::hooks
