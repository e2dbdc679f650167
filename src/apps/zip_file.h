// Checks a .zip before anything is extracted from it: the central directory
// is read and every member is refused if its name is absolute ("/x", "\x",
// "C:x"), climbs with "..", is empty, or if it is a symlink, a device, or
// carries setuid/setgid bits; the sum of the uncompressed sizes is capped
// (a small zip must not fill the instance's disk). ZIP64 and multi-disk
// archives are refused. The archive crosses a trust boundary: every offset
// is bounds-checked (fuzz target zip_file_fuzz.cc).
//
// Layout read (little-endian):
//   end of central directory (22 + comment, found from the end):
//     "PK\5\6" | disk u16 | cd disk u16 | entries here u16 | entries u16 |
//     cd size u32 | cd offset u32 | comment length u16 | comment
//   central directory header (46 + name + extra + comment):
//     "PK\1\2" | made by u16 | needed u16 | flags u16 | method u16 | time u16 |
//     date u16 | crc u32 | compressed u32 | size u32 | name len u16 |
//     extra len u16 | comment len u16 | disk u16 | internal u16 |
//     external u32 (unix mode << 16 when made on unix) | local offset u32
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::apps {

struct ZipMember {
  std::string name;  // as stored, '\\' turned into '/'
  uint64_t size = 0;
  bool directory = false;
};

// `max_total` caps the sum of the uncompressed sizes.
Result<std::vector<ZipMember>> CheckZip(std::string_view data, uint64_t max_total);
Result<std::vector<ZipMember>> CheckZipFile(const std::string& path, uint64_t max_total);

// A relative member path is safe: not empty, not absolute, no drive letter,
// no "." or ".." component. Shared by the zip and deb checks.
Result<void> CheckRelativePath(std::string_view name);

}  // namespace vmi::apps
