#include "node/image_catalog.h"

#include <cstring>
#include <ctime>
#include <mutex>

#include "base/host_arch.h"
#include "runtime/image/image_store.h"
#include "runtime/image/oci_export.h"

namespace vmi::node {
namespace {

runtime::GuestKind KindOf(image::ImageKind k) {
  switch (k) {
    // A phone instance runs like a linux-mobile one (host binds, session
    // manifest, X display); only its session differs.
    case image::ImageKind::kLinuxMobile:
    case image::ImageKind::kPhone:
    // A win32 image runs the linux-mobile session (Xvfb) with Wine in it.
    case image::ImageKind::kWin32: return runtime::GuestKind::kLinuxMobile;
    case image::ImageKind::kAndroid: return runtime::GuestKind::kAndroid;
    case image::ImageKind::kRootfs: return runtime::GuestKind::kRootfs;
  }
  return runtime::GuestKind::kRootfs;
}

// The node's catalog over the image store. The store itself is not
// thread-safe for writers; one mutex serialises every call.
class StoreCatalog : public ImageCatalog {
 public:
  StoreCatalog(image::ImageStore store, std::string guest_kit)
      : store_(std::move(store)), guest_kit_(std::move(guest_kit)) {}

  Result<ResolvedImage> Resolve(const std::string& name) override {
    std::lock_guard lock(mu_);
    if (!store_.Exists(name)) return Error(ErrorCode::kNotFound, "no such image '" + name + "'");
    auto img = VMI_TRY(store_.Get(name));
    ResolvedImage r;
    r.name = img.name;
    r.rootfs = img.rootfs;
    r.guest.kind = KindOf(img.kind);
    r.guest.host_binds = img.host_binds;
    r.guest.env = img.env;
    r.kind = image::ImageKindName(img.kind);
    r.arch = img.arch.empty() ? HostArch() : img.arch;
    r.wine_i386 = img.wine_i386;
    if (!img.session_manifest && r.guest.kind != runtime::GuestKind::kAndroid) {
      r.guest.command = img.Command();
      if (r.guest.command.empty()) r.guest.command = {"/bin/sh"};
    }
    return r;
  }

  Result<std::vector<nlohmann::json>> List() override {
    std::lock_guard lock(mu_);
    std::vector<nlohmann::json> out;
    for (const auto& img : VMI_TRY(store_.List())) out.push_back(Json(img));
    return out;
  }

  Result<nlohmann::json> Import(const std::string& name, const std::string& path) override {
    std::lock_guard lock(mu_);
    if (path.empty() || path[0] != '/')
      return Error(ErrorCode::kInvalidArgument, "import path must be absolute: '" + path + "'");
    std::string n = name;
    if (n.empty()) {
      n = path.substr(path.rfind('/') + 1);
      for (const char* ext : {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".tar"}) {
        if (n.size() > strlen(ext) && n.ends_with(ext)) {
          n.resize(n.size() - strlen(ext));
          break;
        }
      }
      for (char& c : n) {
        c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
        if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
      }
    }
    return Json(VMI_TRY(store_.Import(path, n)));
  }

  Result<nlohmann::json> Build(const std::string& name, const std::string& kind, bool in_use,
                               const std::string& arch) override {
    std::lock_guard lock(mu_);
    if (!arch.empty() && NormalizeArch(arch) != HostArch()) {
      if (kind != "linux-mobile")
        return Error(ErrorCode::kInvalidArgument,
                     "images for another architecture are linux-mobile only (win32 images use "
                     "the host's Wine)");
      std::string n = name.empty() || name == kind ? kind + "-" + NormalizeArch(arch) : name;
      return Json(VMI_TRY(store_.BuildForeign(n, arch)));
    }
    auto k = image::ParseImageKind(kind);
    if (!k.ok() || (*k != image::ImageKind::kLinuxMobile && *k != image::ImageKind::kPhone &&
                    *k != image::ImageKind::kWin32))
      return Error(ErrorCode::kInvalidArgument,
                   "cannot build images of kind '" + kind + "' here (only linux-mobile, phone "
                   "and win32; import other images with `vmi image import`)");
    return Json(VMI_TRY(store_.BuildFromHost(*k, name.empty() ? kind : name,
                                             [in_use](const std::string&) { return in_use; })));
  }

  Result<void> Remove(const std::string& name, bool in_use) override {
    std::lock_guard lock(mu_);
    return store_.Remove(name, [in_use](const std::string&) { return in_use; });
  }

  Result<nlohmann::json> Export(const std::string& name, const std::string& path, bool as_tar,
                                const std::string& tag) override {
    image::Image img;
    {
      // The export reads a published image, which only Remove changes; it
      // runs without the lock so a long export does not stall the catalog,
      // and Remove renames the directory away before deleting it.
      std::lock_guard lock(mu_);
      if (!store_.Exists(name)) return Error(ErrorCode::kNotFound, "no such image '" + name + "'");
      img = VMI_TRY(store_.Get(name));
    }
    image::OciExportOptions o{.guest_kit = guest_kit_, .ref_name = tag};
    auto r = VMI_TRY(as_tar ? image::ExportOciArchive(img, path, o)
                            : image::ExportOciLayout(img, path, o));
    return nlohmann::json{{"name", name},
                          {"path", path},
                          {"format", as_tar ? "oci-archive" : "oci"},
                          {"digest", r.manifest_digest},
                          {"layers", r.layers},
                          {"bytes", r.bytes}};
  }

 private:
  static nlohmann::json Json(const image::Image& img) {
    nlohmann::json j = image::ImageToJson(img);
    j["name"] = img.name;
    j["kind"] = image::ImageKindName(img.kind);
    j["size"] = img.size_bytes;
    char buf[32];
    time_t t = static_cast<time_t>(img.created_unix);
    tm tmv;
    gmtime_r(&t, &tmv);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    j["created"] = buf;
    return j;
  }

  std::mutex mu_;
  image::ImageStore store_;
  std::string guest_kit_;
};

}  // namespace

Result<std::unique_ptr<ImageCatalog>> CreateImageCatalog(const std::string& data_dir,
                                                         const std::string& definition,
                                                         const std::string& guest_kit) {
  image::ImageStore::Options o;
  o.data_dir = data_dir;
  o.linux_mobile_definition = definition;
  auto store = VMI_TRY(image::ImageStore::Open(o));
  return std::unique_ptr<ImageCatalog>(new StoreCatalog(std::move(store), guest_kit));
}

}  // namespace vmi::node
