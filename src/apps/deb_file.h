// Checks a Debian package before anything of it is unpacked into an
// instance: the ar container is read, and every member of its data.tar.*
// goes through the image store's tar safety policy (no "..", no symlink
// escapes, no devices) plus the app policy: no setuid/setgid file, no FIFO,
// and a cap on the unpacked size. Maintainer scripts are never run (the
// package is unpacked, not installed), so control.tar is not needed.
//
// ar layout: "!<arch>\n", then per member a 60-byte header
//   name[16] | mtime[12] | uid[6] | gid[6] | mode[8] | size[10] (decimal) | "`\n"
// followed by `size` bytes, padded to an even offset. A .deb has
// debian-binary ("2.0\n"), control.tar.{gz,xz,zst}, data.tar.{gz,xz,zst,bz2}.
//
// Threads: blocking (reads the file, runs a decompressor); off event loops.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::apps {

struct ArMember {
  std::string name;     // trailing '/' removed
  uint64_t offset = 0;  // of the data in the file
  uint64_t size = 0;
};

// Parses the ar member list from the file's bytes (headers only need to be
// present; data is not read). Fuzz target: deb_file_fuzz.cc.
Result<std::vector<ArMember>> ReadArMembers(std::string_view data);

struct DebCheck {
  uint64_t unpacked_bytes = 0;
  std::vector<std::string> desktop_entries;  // usr/share/applications/*.desktop
  std::vector<std::string> executables;      // regular files with an x bit
};

// `scratch` is a directory the check may write a temporary copy of
// data.tar.* into (removed before returning).
Result<DebCheck> CheckDebFile(const std::string& path, const std::string& scratch,
                              uint64_t max_unpacked);

}  // namespace vmi::apps
