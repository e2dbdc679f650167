// Image: one guest image in the data directory, <data>/images/<name>/:
//
//   image.json   metadata (this struct, serialized by ToJson/FromJson)
//   rootfs/      the root file system, the read-only lower layer of every
//                instance's overlay
//
// Plain value type; no threads, no I/O except LoadImage/SaveImage.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::image {

// kLinuxMobile, kPhone and kWin32 are built from the host tree (a definition
// under images/<kind>/); kRootfs and kAndroid are imported.
enum class ImageKind { kLinuxMobile, kPhone, kRootfs, kAndroid, kWin32 };
const char* ImageKindName(ImageKind kind);
Result<ImageKind> ParseImageKind(std::string_view name);

struct Image {
  std::string name;
  ImageKind kind = ImageKind::kRootfs;
  // Absolute path of the image directory and of its rootfs/ (filled in by
  // the store on load; not serialized).
  std::string dir;
  std::string rootfs;
  // Host paths bound read-only at the same path in every instance (the
  // linux-mobile image shares the host's /usr and a few /etc entries).
  std::vector<std::string> host_binds;
  // True when rootfs/etc/vmi/session.json exists: vmi-init runs it.
  bool session_manifest = false;
  int64_t created_unix = 0;  // seconds since the epoch
  uint64_t size_bytes = 0;   // apparent size of rootfs/ (excluding host binds)
  // From an OCI image config (empty otherwise): what to run when the image
  // has no session manifest, and its environment ("KEY=value").
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  // Where it came from: "host" (built from the host tree), "tar:<path>",
  // "oci:<path>".
  std::string source;
  // linux-mobile and phone: digest of the definition it was built from, so a
  // rebuild is skipped when nothing changed.
  std::string definition_digest;
  // CPU architecture of the rootfs's programs ("x86_64", "arm64"); empty
  // means the host's (images made before this field existed).
  std::string arch;
  // win32: how 32-bit Windows programs run ("wow64": the cached new-WoW64
  // Wine build, "wine32": Debian's wine32 on an ia32-capable host; empty:
  // 64-bit programs only). See docs/win32.md.
  std::string wine_i386;

  // entrypoint + cmd, as OCI runtimes combine them.
  std::vector<std::string> Command() const;
};

// [a-z0-9][a-z0-9._-]{0,62}
Result<void> ValidateImageName(std::string_view name);

nlohmann::json ImageToJson(const Image& image);
Result<Image> ImageFromJson(const nlohmann::json& j);

}  // namespace vmi::image
