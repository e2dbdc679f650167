#include "bridge/properties.h"

#include <cstdlib>

#include "base/file.h"

namespace vmi::bridge {

PropertyStore& PropertyStore::Instance() {
  static PropertyStore* store = new PropertyStore();
  return *store;
}

PropertyStore::PropertyStore() {
  // What an x86_64 Android 11 device would answer; a properties file overrides.
  Set("ro.build.version.sdk", "30");
  Set("ro.build.version.release", "11");
  Set("ro.product.cpu.abi", "x86_64");
  Set("ro.hardware", "vmi");
  Set("ro.product.model", "vmi-bridge");
  const char* env = getenv("VMI_BRIDGE_PROPERTIES");
  if (env != nullptr && *env != 0) (void)Load(env);
}

Result<void> PropertyStore::Load(const std::string& path) {
  if (path.empty()) return Ok();
  std::string text = VMI_TRY_CTX(ReadFile(path), "read properties file");
  LoadText(text);
  return Ok();
}

void PropertyStore::LoadText(const std::string& text) {
  for (const std::string& raw : Split(text, '\n')) {
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    Set(std::string(Trim(line.substr(0, eq))), std::string(Trim(line.substr(eq + 1))));
  }
}

void PropertyStore::Set(const std::string& name, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = props_[name];
  if (!slot) {
    slot = std::make_unique<PropInfo>();
    slot->name = name;
  }
  slot->value = value;
  slot->serial += 2;
}

const PropInfo* PropertyStore::Find(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = props_.find(name);
  return it == props_.end() ? nullptr : it->second.get();
}

std::vector<const PropInfo*> PropertyStore::All() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const PropInfo*> out;
  for (auto& [k, v] : props_) out.push_back(v.get());
  return out;
}

}  // namespace vmi::bridge
