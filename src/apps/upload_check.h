// Decides what an uploaded file is and whether the instance can take it,
// from its content (magic bytes, headers) and the name the user gave it.
// Every refusal is kInvalidArgument (or kResourceExhausted for size) with a
// message that says what is wrong and, where it helps, what to do.
#pragma once

#include <cstdint>
#include <string>

#include "apps/app_service.h"
#include "base/result.h"

namespace vmi::apps {

struct CheckedUpload {
  std::string type;       // "exe", "installer", "msi", "zip", "deb", "binary", "apk"
  std::string installer;  // for "installer": "nsis" or "inno"
  std::string machine;
  std::string name;  // display name (PE version info or the file name)
  std::string ext;   // ".exe", ".msi", ... as staged in the instance
};

// `scratch` is a host directory for temporary files; `room` the bytes the
// quota still allows for what the file unpacks to.
Result<CheckedUpload> CheckUpload(const AppTarget& t, const std::string& path,
                                  const std::string& file_name, const std::string& scratch,
                                  uint64_t room);

// "My App-1.2.exe" -> "My App-1.2"; never empty.
std::string DisplayNameFromFile(const std::string& file_name);

}  // namespace vmi::apps
