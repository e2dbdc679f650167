// Writing an image of the store as an OCI image layout
// (https://github.com/opencontainers/image-spec, image-layout.md), the form a
// registry accepts (`skopeo copy oci:DIR docker://...`) and kubelet pulls:
//
//   DIR/oci-layout                {"imageLayoutVersion":"1.0.0"}
//   DIR/index.json                one manifest descriptor, platform linux/<arch>,
//                                 annotation org.opencontainers.image.ref.name
//   DIR/blobs/sha256/<hex>        the manifest, the config and the layers, each
//                                 named by the sha256 of its bytes
//
// Layers, bottom first, as the instance sees its file system on one node:
//
//   1. rootfs/            the image's own files
//   2. host binds         the host paths the image binds read-only (/usr for
//                         linux-mobile and phone), copied so the image runs
//                         on a machine that is not this host
//   3. guest kit          vmi-init and the guest libraries at /opt/vmi (when
//                         a guest kit is given)
//
// Layers are gzip-compressed POSIX tarballs (`tar --sort=name`, numeric
// owners, no atime/ctime), so the same tree gives the same digests. The
// config's diff_ids are the sha256 of the uncompressed tarballs.
//
// Everything is written in a hidden sibling of the destination and renamed
// into place at the end: a failed export leaves nothing behind, and an
// existing destination is refused, never overwritten.
//
// Threads: blocking (runs tar, gzip, sha256sum); call it off any event loop.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "runtime/image/image.h"

namespace vmi::image {

struct OciExportOptions {
  // Host directory of the guest kit (vmi-init, guest libraries); added as a
  // layer at /opt/vmi. Empty: no such layer, and the image's own command is
  // the entrypoint.
  std::string guest_kit;
  // Where host binds are read from ("/" except in tests).
  std::string host_root = "/";
  // The tag recorded in index.json; "latest" when empty.
  std::string ref_name;
};

struct OciExportResult {
  std::string manifest_digest;  // "sha256:..."
  int layers = 0;
  uint64_t bytes = 0;           // sum of the blob sizes
};

// Writes the layout into `dir`, which must not exist.
Result<OciExportResult> ExportOciLayout(const Image& image, const std::string& dir,
                                        const OciExportOptions& options = {});

// Writes the layout as one tar file (what `vmi image import` and
// `skopeo copy oci-archive:` read); `file` must not exist.
Result<OciExportResult> ExportOciArchive(const Image& image, const std::string& file,
                                         const OciExportOptions& options = {});

// The architecture name OCI uses for this host ("amd64", "arm64", ...).
std::string OciHostArch();

}  // namespace vmi::image
