// ImageStore: the images of one node, in <data>/images/<name>/ (image.json +
// rootfs/). See docs/images.md.
//
// Every mutation builds or removes in a hidden sibling directory
// (.tmp-* / .trash-*) and switches with one rename(2), so a crash or a failed
// import never leaves a half-made image under a real name; leftovers are
// swept by Open().
//
// Threads: not thread-safe; the daemon serializes calls per store. Imports
// and builds block (they run tar, cp, decompressors) and belong on a worker
// thread, not on an event loop.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "runtime/image/image.h"

namespace vmi::image {

class ImageStore {
 public:
  struct Options {
    std::string data_dir;  // images live in <data_dir>/images
    // images/linux-mobile of the source tree (or its installed copy).
    std::string linux_mobile_definition;
    // images/phone; empty: "phone" beside linux_mobile_definition.
    std::string phone_definition;
  };
  // Tells whether an instance uses the named image (the caller owns that
  // knowledge). Empty: nothing is in use.
  using InUse = std::function<bool(const std::string& name)>;

  static Result<ImageStore> Open(Options options);

  const std::string& images_dir() const { return images_dir_; }

  Result<std::vector<Image>> List() const;
  Result<Image> Get(const std::string& name) const;
  bool Exists(const std::string& name) const;
  // Refuses (kFailedPrecondition) while in_use(name) is true.
  Result<void> Remove(const std::string& name, const InUse& in_use = {});

  // Builds the linux-mobile image from the host tree. Idempotent: when the
  // image exists and was built from the same definition and host layout it
  // is returned as is (fast); when outdated it is rebuilt and swapped in,
  // unless in use (then the existing one is kept and returned).
  Result<Image> BuildLinuxMobile(const std::string& name = "linux-mobile",
                                 const InUse& in_use = {});
  // The same for any kind built from the host tree (linux-mobile, phone,
  // win32):
  // the definition is images/<kind>/. Other kinds are kInvalidArgument.
  Result<Image> BuildFromHost(ImageKind kind, const std::string& name, const InUse& in_use = {});

  // Builds the win32 image: linux-mobile plus Wine and a prefix initialised
  // here (see win32_builder.h). Idempotent like BuildLinuxMobile; the
  // digest includes the Wine chosen, so a new WoW64 build means a rebuild.
  Result<Image> BuildWin32(const std::string& name = "win32", const InUse& in_use = {});

  // Builds a linux-mobile image for another CPU architecture with mmdebstrap
  // (foreign_builder.h); needs the network or a filled package cache.
  // Fails with kAlreadyExists when `name` exists.
  Result<Image> BuildForeign(const std::string& name, const std::string& arch);

  // Imports a rootfs tarball (.tar, .tar.gz/.tgz, .tar.xz, .tar.zst, .tar.bz2;
  // compression detected from content), or an OCI image layout (directory
  // or tar). Fails with kAlreadyExists if `name` exists.
  Result<Image> Import(const std::string& path, const std::string& name);

 private:
  explicit ImageStore(Options options);
  std::string ImageDir(const std::string& name) const { return images_dir_ + "/" + name; }
  // Fills in the metadata of a freshly made image dir and writes image.json.
  Result<Image> Finalize(const std::string& tmp_dir, Image image);
  // The definition directory of a kind built from the host tree.
  Result<std::string> DefinitionOf(ImageKind kind) const;
  // Moves a finished tmp dir to its name (fails if the name is taken).
  Result<void> Publish(const std::string& tmp_dir, const std::string& name);

  Options options_;
  std::string images_dir_;
};

// android when /init and /system exist (redroid-compatible layout), else
// rootfs.
ImageKind DetectKind(const std::string& rootfs);

}  // namespace vmi::image
