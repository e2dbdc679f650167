// APK/AAR libraries: "app.apk!/lib/x86_64/libfoo.so" names an ELF object
// inside a zip archive. A stored (uncompressed) entry whose data starts on a
// page boundary is mapped in place from the archive, as Android's linker
// does for extractNativeLibs=false; any other entry is inflated once into a
// cache directory (named by archive identity and entry CRC) and mapped from
// there. The zip directory is read with Debian's minizip.
//
// "app.apk!libfoo.so" (no directory) picks the host's ABI directory:
// lib/<abi>/ (APK), then jni/<abi>/ (AAR).
// Stateless apart from the cache directory; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::bridge {

struct ArchivePath {
  std::string archive;  // file system path of the .apk/.aar/.zip
  std::string entry;    // path inside it, without a leading '/'
  std::string ToString() const { return archive + "!/" + entry; }
};

// Splits "a.apk!/lib/x86_64/libfoo.so"; nullopt when `path` has no "!".
std::optional<ArchivePath> SplitArchivePath(const std::string& path);

// An entry ready for the loader: the object's bytes are `size` bytes of
// `fd` starting at `offset` (page-aligned).
struct ArchiveEntryFile {
  UniqueFd fd;
  uint64_t offset = 0;
  uint64_t size = 0;
  bool mapped_in_place = false;  // stored and aligned: no copy was made
  std::string display;           // "a.apk!/lib/x86_64/libfoo.so"
};

// Opens the entry (resolving a bare file name to the host ABI directory).
Result<ArchiveEntryFile> OpenArchiveEntry(const ArchivePath& path);
// True when `entry` exists in `archive` (used to resolve DT_NEEDED inside the
// same archive first).
bool ArchiveHasEntry(const std::string& archive, const std::string& entry);
// Entry names of an archive, for listings, tests and the fuzzer.
Result<std::vector<std::string>> ListArchive(const std::string& archive);
// The host's Android ABI directory name: "x86_64" or "arm64-v8a".
const char* HostAbiDirectory();
// Where inflated entries go: $VMI_BRIDGE_APK_CACHE, else
// $XDG_CACHE_HOME/vmi-bridge/apk, else ~/.cache/vmi-bridge/apk, else
// /tmp/vmi-bridge-apk-<uid>.
std::string ArchiveCacheDir();

}  // namespace vmi::bridge
