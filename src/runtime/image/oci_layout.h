// Reading an OCI image layout (https://github.com/opencontainers/image-spec,
// image-layout.md): oci-layout + index.json + blobs/<alg>/<hex>.
//
//   index.json --manifests[]--> manifest (or a nested index)
//   manifest   --config------> config (Entrypoint, Cmd, Env, WorkingDir)
//              --layers[]----> layer tarballs, applied in order
//
// Every blob is checked against its sha256 digest (with sha256sum) before
// use; digests are validated before they become paths.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::image {

struct OciImage {
  std::vector<std::string> layers;  // blob paths, bottom layer first
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
};

bool IsOciLayout(const std::string& dir);

// Picks the manifest for this host's architecture (linux), or the only one.
Result<OciImage> ReadOciLayout(const std::string& dir);

// "sha256:<64 lowercase hex>" -> dir/blobs/sha256/<hex>, after checking it.
Result<std::string> BlobPath(const std::string& dir, const std::string& digest);

}  // namespace vmi::image
