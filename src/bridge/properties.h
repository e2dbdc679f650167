// PropertyStore: the Android system properties seen by bridged code,
// read from a properties file ("key=value" lines, '#' comments, like
// build.prop). __system_property_get/find/read/read_callback/foreach are
// answered from here. A prop_info* handed to bionic code points to an entry
// that lives as long as the process. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::bridge {

struct PropInfo {
  std::string name;
  std::string value;
  uint32_t serial = 0;
};

class PropertyStore {
 public:
  static PropertyStore& Instance();  // process-wide, like bionic's property area

  // Replaces the contents with the file's (built-in defaults stay unless the
  // file overrides them). An empty path keeps only the defaults.
  Result<void> Load(const std::string& path);
  // Parses "key=value" text.
  void LoadText(const std::string& text);
  void Set(const std::string& name, const std::string& value);
  const PropInfo* Find(const std::string& name);
  std::vector<const PropInfo*> All();

 private:
  PropertyStore();
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<PropInfo>> props_;
};

}  // namespace vmi::bridge
