// Test helper: writes APK-like zip archives with minizip. Stored entries
// start on a page boundary (the local header's extra field padded the way
// Android's zipalign does) as long as they come before any deflated entry,
// whose compressed size is not tracked. Failures are gtest assertions.
#pragma once

#include <string>
#include <vector>

namespace vmi::bridge::testing {

struct ZipEntry {
  std::string name;
  std::string data;
  bool stored;
};

void WriteZip(const std::string& path, const std::vector<ZipEntry>& entries);

}  // namespace vmi::bridge::testing
