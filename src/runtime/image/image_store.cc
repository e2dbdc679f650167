#include "runtime/image/image_store.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <optional>

#include "base/file.h"
#include "base/host_arch.h"
#include "base/log.h"
#include "runtime/image/foreign_builder.h"
#include "runtime/image/fs_util.h"
#include "runtime/image/linux_mobile_builder.h"
#include "runtime/image/win32_builder.h"

namespace vmi::image {

ImageKind DetectKind(const std::string& rootfs) {
  struct stat init, system;
  bool has_init = lstat((rootfs + "/init").c_str(), &init) == 0 &&
                  (S_ISREG(init.st_mode) || S_ISLNK(init.st_mode));
  bool has_system = lstat((rootfs + "/system").c_str(), &system) == 0 && S_ISDIR(system.st_mode);
  return has_init && has_system ? ImageKind::kAndroid : ImageKind::kRootfs;
}

ImageStore::ImageStore(Options options)
    : options_(std::move(options)), images_dir_(options_.data_dir + "/images") {}

Result<ImageStore> ImageStore::Open(Options options) {
  ImageStore store(std::move(options));
  VMI_CHECK_OK(MakeDirs(store.images_dir_, 0755), "image store");
  // Sweep what an interrupted build, import or removal left behind.
  for (const auto& n : VMI_TRY(ListDirectory(store.images_dir_))) {
    if (n.rfind(".tmp-", 0) != 0 && n.rfind(".trash-", 0) != 0) continue;
    auto r = RemoveTree(store.images_dir_ + "/" + n);
    if (!r.ok()) {
      VMI_LOG(WARN) << "image store: " << r.error().ToString();
    }
  }
  return store;
}

Result<Image> ImageStore::Get(const std::string& name) const {
  VMI_CHECK_OK(ValidateImageName(name), "get image");
  std::string dir = ImageDir(name);
  auto text = ReadFile(dir + "/image.json");
  if (!text.ok()) {
    if (text.error().err_no() == ENOENT)
      return Error(ErrorCode::kNotFound, "no image named \"" + name + "\"");
    return std::move(text).error().Context("image " + name);
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  Image image = VMI_TRY_CTX(ImageFromJson(j), "image " + name);
  if (image.name != name)
    return Error(ErrorCode::kInternal, "image " + name + ": image.json names " + image.name);
  image.dir = dir;
  image.rootfs = dir + "/rootfs";
  return image;
}

bool ImageStore::Exists(const std::string& name) const {
  return ValidateImageName(name).ok() && PathExists(ImageDir(name) + "/image.json");
}

Result<std::vector<Image>> ImageStore::List() const {
  std::vector<Image> out;
  for (const auto& n : VMI_TRY(ListDirectory(images_dir_))) {
    if (!ValidateImageName(n).ok()) continue;
    auto image = Get(n);
    if (image.ok()) {
      out.push_back(std::move(image).value());
    } else if (image.error().code() != ErrorCode::kNotFound) {
      VMI_LOG(WARN) << "skipping image " << n << ": " << image.error().ToString();
    }
  }
  return out;
}

Result<void> ImageStore::Remove(const std::string& name, const InUse& in_use) {
  VMI_CHECK_OK(ValidateImageName(name), "remove image");
  if (!Exists(name)) return Error(ErrorCode::kNotFound, "no image named \"" + name + "\"");
  if (in_use && in_use(name)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "image \"" + name + "\" is used by an instance; remove the instance first");
  }
  std::string trash = TempSibling(ImageDir(name), "trash");
  if (rename(ImageDir(name).c_str(), trash.c_str()) != 0)
    return Error::FromErrno("remove image " + name);
  return RemoveTree(trash).Context("remove image " + name);
}

Result<Image> ImageStore::Finalize(const std::string& tmp_dir, Image image) {
  std::string rootfs = tmp_dir + "/rootfs";
  image.session_manifest = PathExists(rootfs + "/etc/vmi/session.json");
  image.created_unix = static_cast<int64_t>(time(nullptr));
  image.size_bytes = VMI_TRY(TreeSize(rootfs));
  VMI_CHECK_OK(WriteFileAtomic(tmp_dir + "/image.json", ImageToJson(image).dump(2) + "\n"),
               "write image.json");
  return image;
}

Result<void> ImageStore::Publish(const std::string& tmp_dir, const std::string& name) {
  if (renameat2(AT_FDCWD, tmp_dir.c_str(), AT_FDCWD, ImageDir(name).c_str(), RENAME_NOREPLACE) !=
      0) {
    if (errno == EEXIST || errno == ENOTEMPTY)
      return Error(ErrorCode::kAlreadyExists, "image \"" + name + "\" already exists");
    return Error::FromErrno("publish image " + name);
  }
  return Ok();
}

Result<std::string> ImageStore::DefinitionOf(ImageKind kind) const {
  const std::string& lm = options_.linux_mobile_definition;
  switch (kind) {
    case ImageKind::kLinuxMobile: return lm;
    case ImageKind::kPhone:
      if (!options_.phone_definition.empty()) return options_.phone_definition;
      return lm.substr(0, lm.find_last_of('/') + 1) + "phone";
    case ImageKind::kWin32: return lm.substr(0, lm.find_last_of('/') + 1) + "win32";
    default:
      return Error(ErrorCode::kInvalidArgument,
                   std::string("images of kind '") + ImageKindName(kind) +
                       "' are imported, not built here (only linux-mobile, phone and win32)");
  }
}

Result<Image> ImageStore::BuildLinuxMobile(const std::string& name, const InUse& in_use) {
  return BuildFromHost(ImageKind::kLinuxMobile, name, in_use);
}

Result<Image> ImageStore::BuildWin32(const std::string& name, const InUse& in_use) {
  return BuildFromHost(ImageKind::kWin32, name, in_use);
}

Result<Image> ImageStore::BuildForeign(const std::string& name, const std::string& arch) {
  VMI_CHECK_OK(ValidateImageName(name), "build image");
  if (Exists(name))
    return Error(ErrorCode::kAlreadyExists, "image \"" + name + "\" already exists");
  std::string tmp = TempSibling(ImageDir(name), "tmp");
  auto cleanup = [&](Error e) -> Error {
    RemoveTree(tmp).ok();
    return std::move(e).Context("build image " + name);
  };
  if (mkdir(tmp.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + tmp);
  ForeignBuildOptions o;
  o.arch = arch;
  o.definition_dir = options_.linux_mobile_definition;
  o.rootfs = tmp + "/rootfs";
  auto build = BuildForeignRootfs(o);
  if (!build.ok()) return cleanup(std::move(build).error());
  Image image;
  image.name = name;
  image.kind = ImageKind::kLinuxMobile;
  image.host_binds = build->host_binds;
  image.arch = NormalizeArch(arch);
  image.source = "mmdebstrap:" + image.arch;
  auto done = Finalize(tmp, std::move(image));
  if (!done.ok()) return cleanup(std::move(done).error());
  auto r = Publish(tmp, name);
  if (!r.ok()) return cleanup(std::move(r).error());
  VMI_LOG(INFO) << "built image " << name << " for " << arch << " (" << done->size_bytes
                << " bytes)";
  return Get(name);
}

Result<Image> ImageStore::BuildFromHost(ImageKind kind, const std::string& name,
                                        const InUse& in_use) {
  VMI_CHECK_OK(ValidateImageName(name), "build image");
  const std::string def = VMI_TRY_CTX(DefinitionOf(kind), "build " + name);
  const std::string& lm = options_.linux_mobile_definition;
  const char* kind_name = ImageKindName(kind);
  // win32 is linux-mobile plus Wine: both definitions and the Wine chosen
  // make its digest.
  std::optional<WineInstall> wine;
  std::string digest;
  if (kind == ImageKind::kWin32) {
    wine = VMI_TRY_CTX(FindWine(), "build " + name);
    digest = VMI_TRY_CTX(Win32Digest(def, lm, *wine), "build " + name);
  } else {
    digest = VMI_TRY_CTX(LinuxMobileDigest(def), "build " + name);
  }
  bool exists = Exists(name);
  if (exists) {
    auto current = VMI_TRY(Get(name));
    if (current.kind != kind)
      return Error(ErrorCode::kAlreadyExists,
                   "image \"" + name + "\" exists and is not " + kind_name);
    if (current.definition_digest == digest) return current;
    if (in_use && in_use(name)) {
      VMI_LOG(WARN) << "image " << name << " is outdated but in use; keeping it";
      return current;
    }
  }
  std::string tmp = TempSibling(ImageDir(name), "tmp");
  auto cleanup = [&](Error e) -> Error {
    RemoveTree(tmp).ok();
    return std::move(e).Context("build image " + name);
  };
  if (mkdir(tmp.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + tmp);
  auto build = kind == ImageKind::kWin32 ? BuildWin32Rootfs(def, lm, tmp + "/rootfs", *wine)
                                         : BuildLinuxMobileRootfs(def, tmp + "/rootfs");
  if (!build.ok()) return cleanup(std::move(build).error());
  Image image;
  image.name = name;
  image.kind = kind;
  image.host_binds = build->host_binds;
  image.source = "host";
  image.definition_digest = build->definition_digest;
  image.arch = HostArch();
  if (wine) image.wine_i386 = wine->i386;
  auto done = Finalize(tmp, std::move(image));
  if (!done.ok()) return cleanup(std::move(done).error());
  if (exists) {
    // Swap atomically, then drop the old one.
    if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, ImageDir(name).c_str(), RENAME_EXCHANGE) != 0)
      return cleanup(Error::FromErrno("replace image " + name));
    RemoveTree(tmp).ok();
  } else {
    auto r = Publish(tmp, name);
    if (!r.ok()) return cleanup(std::move(r).error());
  }
  VMI_LOG(INFO) << "built image " << name << " (" << kind_name << ", " << done->size_bytes
                << " bytes, binds " << done->host_binds.size() << ")";
  return Get(name);
}

}  // namespace vmi::image
