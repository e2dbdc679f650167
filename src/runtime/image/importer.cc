#include <sys/stat.h>

#include "base/file.h"
#include "base/log.h"
#include "runtime/image/archive.h"
#include "runtime/image/fs_util.h"
#include "runtime/image/image_store.h"
#include "runtime/image/layer_merge.h"
#include "runtime/image/oci_layout.h"

namespace vmi::image {
namespace {

// Builds the rootfs of an OCI layout at `layout` into tmp/rootfs; fills the
// config fields of `image`.
Result<void> ImportOci(const std::string& layout, const std::string& tmp, Image& image) {
  OciImage oci = VMI_TRY(ReadOciLayout(layout));
  for (size_t i = 0; i < oci.layers.size(); ++i) {
    std::string ctx = "layer " + std::to_string(i + 1) + "/" + std::to_string(oci.layers.size());
    TarSafetyCheck scan = VMI_TRY_CTX(ScanArchive(oci.layers[i]), ctx);
    // Each layer is extracted alone into an empty directory (tar cannot be
    // misled by symlinks of lower layers there), then moved in-root.
    std::string layer_dir = tmp + "/layer";
    if (mkdir(layer_dir.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + layer_dir);
    VMI_CHECK_OK(ExtractArchive(oci.layers[i], layer_dir), ctx);
    VMI_CHECK_OK(ApplyLayer(layer_dir, scan, tmp + "/rootfs"), ctx);
    VMI_CHECK_OK(RemoveTree(layer_dir), ctx);
  }
  image.entrypoint = std::move(oci.entrypoint);
  image.cmd = std::move(oci.cmd);
  image.env = std::move(oci.env);
  image.working_dir = std::move(oci.working_dir);
  return Ok();
}

Result<void> ImportInto(const std::string& path, const std::string& tmp, Image& image) {
  if (mkdir((tmp + "/rootfs").c_str(), 0755) != 0) return Error::FromErrno("mkdir rootfs");
  if (IsDirectory(path)) {
    if (!IsOciLayout(path))
      return Error(ErrorCode::kInvalidArgument,
                   path + " is a directory but not an OCI image layout (no oci-layout/index.json)");
    image.source = "oci:" + path;
    return ImportOci(path, tmp, image);
  }
  TarSafetyCheck scan = VMI_TRY(ScanArchive(path));
  if (scan.has_member("oci-layout") && scan.has_member("index.json")) {
    std::string layout = tmp + "/layout";
    if (mkdir(layout.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + layout);
    VMI_CHECK_OK(ExtractArchive(path, layout), "unpack OCI layout");
    image.source = "oci:" + path;
    VMI_CHECK_OK(ImportOci(layout, tmp, image), "OCI layout");
    return RemoveTree(layout);
  }
  image.source = "tar:" + path;
  return ExtractArchive(path, tmp + "/rootfs");
}

}  // namespace

Result<Image> ImageStore::Import(const std::string& path, const std::string& name) {
  VMI_CHECK_OK(ValidateImageName(name), "import");
  if (Exists(name)) return Error(ErrorCode::kAlreadyExists, "image \"" + name + "\" already exists");
  if (!PathExists(path)) return Error(ErrorCode::kNotFound, "import: " + path + " does not exist");
  std::string tmp = TempSibling(ImageDir(name), "tmp");
  if (mkdir(tmp.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + tmp);
  Image image;
  image.name = name;
  auto fail = [&](Error e) -> Error {
    RemoveTree(tmp).ok();
    return std::move(e).Context("import " + path + " as " + name);
  };
  if (auto r = ImportInto(path, tmp, image); !r.ok()) return fail(std::move(r).error());
  image.kind = DetectKind(tmp + "/rootfs");
  auto done = Finalize(tmp, std::move(image));
  if (!done.ok()) return fail(std::move(done).error());
  if (auto r = Publish(tmp, name); !r.ok()) return fail(std::move(r).error());
  VMI_LOG(INFO) << "imported image " << name << " (" << ImageKindName(done->kind) << ", "
                << done->size_bytes << " bytes) from " << path;
  return Get(name);
}

}  // namespace vmi::image
