// Archives on disk: compression detection, a safety scan of every member
// (TarReader + TarSafetyCheck, streaming through the decompressor program)
// and extraction with the `tar` program into an empty directory.
//
// Threads: blocking calls; run them off any event loop.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "runtime/image/tar_check.h"

namespace vmi::image {

enum class Compression { kNone, kGzip, kXz, kZstd, kBzip2 };
// From the first bytes of the file (not its name).
Result<Compression> DetectCompression(const std::string& path);

// Reads the whole archive and checks each member; returns the checker with
// its members and whiteouts. Fails on malformed or unsafe archives.
// `extra` (optional) is called for every member after the safety check, to
// add a policy of the caller's (e.g. no setuid files in an app package).
Result<TarSafetyCheck> ScanArchive(const std::string& path,
                                   const std::function<Result<void>(const TarEntry&)>& extra = {});

// Extracts into `dir` (which must exist and should be empty) with numeric
// owners and permissions kept. Call ScanArchive first.
Result<void> ExtractArchive(const std::string& path, const std::string& dir);

}  // namespace vmi::image
