#include "runtime/image/oci_export.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "runtime/image/fs_util.h"

namespace vmi::image {
namespace {

using nlohmann::json;
using std::chrono::minutes;

constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kConfigType[] = "application/vnd.oci.image.config.v1+json";
constexpr char kLayerType[] = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr char kGuestKitDir[] = "opt/vmi";

struct Blob {
  std::string digest;  // sha256:<hex>
  uint64_t size = 0;
};

Result<std::string> Sha256Hex(const std::string& path) {
  std::string out = VMI_TRY_CTX(RunChecked({"sha256sum", "--", path}, {}, minutes(30)),
                                "hash " + path);
  if (out.size() < 64) return Error(ErrorCode::kInternal, "sha256sum printed " + out);
  return out.substr(0, 64);
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Error::FromErrno("stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

// Moves a finished file into blobs/sha256/ under its digest.
Result<Blob> AddBlobFile(const std::string& layout, const std::string& file) {
  Blob b;
  b.digest = "sha256:" + VMI_TRY(Sha256Hex(file));
  b.size = VMI_TRY(FileSize(file));
  std::string dest = layout + "/blobs/sha256/" + b.digest.substr(7);
  if (rename(file.c_str(), dest.c_str()) != 0) return Error::FromErrno("rename " + file);
  return b;
}

Result<Blob> AddJsonBlob(const std::string& layout, const json& doc) {
  std::string tmp = layout + "/blob.tmp";
  VMI_CHECK_OK(WriteFile(tmp, doc.dump()), "write blob");
  return AddBlobFile(layout, tmp);
}

// Runs argv with its stdout in `out_path` (created, 0644); its stderr goes
// to a file beside it, read back only to explain a failure (tar over a host
// tree may warn a lot, more than a pipe holds).
Result<void> RunToFile(const std::vector<std::string>& argv, const std::string& out_path) {
  UniqueFd out(open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.valid()) return Error::FromErrno("create " + out_path);
  std::string err_path = out_path + ".stderr";
  UniqueFd err(open(err_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!err.valid()) return Error::FromErrno("create " + err_path);
  auto child = VMI_TRY(ChildProcess::Spawn(argv, {.stdout_fd = out.get(), .stderr_fd = err.get()}));
  int status = VMI_TRY(child.WaitOrKill(minutes(60)));
  auto text = ReadFile(err_path, 4096);
  std::string message = text.ok() ? *text : "";
  unlink(err_path.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error(ErrorCode::kInternal, argv[0] + " failed: " + message);
  return Ok();
}

struct Layer {
  Blob blob;
  std::string diff_id;
  std::string what;
};

// One layer: `tar` of `members` (relative to `base`), optionally renamed by
// a tar --transform expression, then gzip -n. Deterministic for one tree.
Result<Layer> WriteLayer(const std::string& layout, const std::string& base,
                         const std::vector<std::string>& members, const std::string& transform,
                         std::string what) {
  std::string tar_path = layout + "/layer.tar";
  std::vector<std::string> argv = {"tar",
                                   "--create",
                                   "--file=-",
                                   "--format=posix",
                                   "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
                                   "--sort=name",
                                   "--numeric-owner",
                                   "--xattrs",
                                   "--directory=" + base};
  if (!transform.empty()) argv.push_back("--transform=" + transform);
  argv.push_back("--");
  argv.insert(argv.end(), members.begin(), members.end());
  VMI_CHECK_OK(RunToFile(argv, tar_path), "tar " + what);
  Layer layer;
  layer.what = std::move(what);
  layer.diff_id = "sha256:" + VMI_TRY(Sha256Hex(tar_path));
  std::string gz_path = layout + "/layer.tar.gz";
  VMI_CHECK_OK(RunToFile({"gzip", "-n", "-c", "--", tar_path}, gz_path), "gzip " + layer.what);
  if (unlink(tar_path.c_str()) != 0) return Error::FromErrno("unlink " + tar_path);
  layer.blob = VMI_TRY(AddBlobFile(layout, gz_path));
  return layer;
}

std::string Rfc3339(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// The config's process: with the guest kit, vmi-init starts the session (or
// the image's own command after "--"), as on a node; without it, the
// image's command as it came.
void SetProcess(const Image& image, bool guest_kit, json& c) {
  std::vector<std::string> command = image.Command();
  if (image.kind == ImageKind::kAndroid || !guest_kit) {
    if (!image.entrypoint.empty()) c["Entrypoint"] = image.entrypoint;
    if (!image.cmd.empty()) c["Cmd"] = image.cmd;
    if (image.kind == ImageKind::kAndroid && image.entrypoint.empty() && image.cmd.empty())
      c["Entrypoint"] = {"/init"};
    return;
  }
  c["Entrypoint"] = {std::string("/") + kGuestKitDir + "/bin/vmi-init"};
  if (!image.session_manifest) {
    if (command.empty()) command = {"/bin/sh"};
    command.insert(command.begin(), "--");
    c["Cmd"] = command;
  }
}

Result<OciExportResult> WriteLayout(const Image& image, const std::string& layout,
                                    const OciExportOptions& options) {
  VMI_CHECK_OK(MakeDirs(layout + "/blobs/sha256"), "layout");
  std::vector<Layer> layers;
  layers.push_back(VMI_TRY(WriteLayer(layout, image.rootfs, {"."}, "", "rootfs")));
  if (!image.host_binds.empty()) {
    std::vector<std::string> members;
    for (const auto& b : image.host_binds) {
      std::string rel = b.substr(b.find_first_not_of('/'));
      if (!PathExists(options.host_root + "/" + rel))
        return Error(ErrorCode::kFailedPrecondition, "host bind " + b + " does not exist");
      members.push_back(rel);
    }
    layers.push_back(VMI_TRY(WriteLayer(layout, options.host_root, members, "", "host binds")));
  }
  if (!options.guest_kit.empty()) {
    if (!IsDirectory(options.guest_kit))
      return Error(ErrorCode::kFailedPrecondition, "guest kit " + options.guest_kit + " is missing");
    // "./bin/vmi-init" -> "opt/vmi/bin/vmi-init"; "." -> "opt/vmi".
    std::string t = std::string("s,^\\./,") + kGuestKitDir + "/,;s,^\\.$," + kGuestKitDir + ",";
    layers.push_back(VMI_TRY(WriteLayer(layout, options.guest_kit, {"."}, t, "guest kit")));
  }

  json c = json::object();
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                  "VMI_DEVDIR=/run/vmi"};
  env.insert(env.end(), image.env.begin(), image.env.end());
  c["Env"] = env;
  SetProcess(image, !options.guest_kit.empty(), c);
  if (!image.working_dir.empty()) c["WorkingDir"] = image.working_dir;
  c["Labels"] = {{"dev.vmi.image.name", image.name},
                 {"dev.vmi.image.kind", ImageKindName(image.kind)},
                 {"dev.vmi.image.session-manifest", image.session_manifest ? "true" : "false"}};
  json diff_ids = json::array(), history = json::array(), layer_descs = json::array();
  OciExportResult result;
  for (const auto& l : layers) {
    diff_ids.push_back(l.diff_id);
    history.push_back({{"created", Rfc3339(image.created_unix)},
                       {"created_by", "vmi image export: " + l.what}});
    layer_descs.push_back({{"mediaType", kLayerType}, {"digest", l.blob.digest}, {"size", l.blob.size}});
    result.bytes += l.blob.size;
  }
  json config = {{"created", Rfc3339(image.created_unix)},
                 {"architecture", OciHostArch()},
                 {"os", "linux"},
                 {"config", c},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                 {"history", history}};
  Blob config_blob = VMI_TRY(AddJsonBlob(layout, config));
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kManifestType},
                   {"config", {{"mediaType", kConfigType},
                               {"digest", config_blob.digest},
                               {"size", config_blob.size}}},
                   {"layers", layer_descs}};
  Blob manifest_blob = VMI_TRY(AddJsonBlob(layout, manifest));
  std::string ref = options.ref_name.empty() ? "latest" : options.ref_name;
  json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests",
                 {{{"mediaType", kManifestType},
                   {"digest", manifest_blob.digest},
                   {"size", manifest_blob.size},
                   {"platform", {{"architecture", OciHostArch()}, {"os", "linux"}}},
                   {"annotations", {{"org.opencontainers.image.ref.name", ref}}}}}}};
  VMI_CHECK_OK(WriteFile(layout + "/index.json", index.dump()), "index.json");
  VMI_CHECK_OK(WriteFile(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"),
               "oci-layout");
  result.manifest_digest = manifest_blob.digest;
  result.layers = static_cast<int>(layers.size());
  result.bytes += config_blob.size + manifest_blob.size;
  return result;
}

Result<void> CheckExportable(const Image& image, const std::string& dest,
                             const OciExportOptions& options) {
  if (dest.empty() || dest[0] != '/')
    return Error(ErrorCode::kInvalidArgument, "export path must be absolute: '" + dest + "'");
  if (PathExists(dest)) return Error(ErrorCode::kAlreadyExists, dest + " already exists");
  if (!options.ref_name.empty()) {
    // The tag grammar of the distribution spec.
    const std::string& r = options.ref_name;
    bool ok = r.size() <= 128 && (isalnum(static_cast<unsigned char>(r[0])) || r[0] == '_');
    for (char ch : r) ok = ok && (isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-');
    if (!ok) return Error(ErrorCode::kInvalidArgument, "bad tag '" + r + "'");
  }
  if (!IsDirectory(image.rootfs))
    return Error(ErrorCode::kFailedPrecondition, "image " + image.name + " has no rootfs");
  return Ok();
}

}  // namespace

std::string OciHostArch() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.rfind("arm", 0) == 0) return "arm";
  return m;
}

Result<OciExportResult> ExportOciLayout(const Image& image, const std::string& dir,
                                        const OciExportOptions& options) {
  VMI_CHECK_OK(CheckExportable(image, dir, options), "export " + image.name);
  std::string tmp = TempSibling(dir, "tmp");
  auto r = WriteLayout(image, tmp, options);
  if (r.ok() && renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) != 0)
    r = Error::FromErrno("rename into " + dir);
  if (!r.ok()) {
    RemoveTree(tmp).ok();
    return std::move(r).error().Context("export " + image.name + " to " + dir);
  }
  return r;
}

Result<OciExportResult> ExportOciArchive(const Image& image, const std::string& file,
                                         const OciExportOptions& options) {
  VMI_CHECK_OK(CheckExportable(image, file, options), "export " + image.name);
  std::string tmp = TempSibling(file, "tmp");
  std::string tar_tmp = tmp + ".tar";
  auto r = WriteLayout(image, tmp, options);
  if (r.ok()) {
    auto t = RunChecked({"tar", "--create", "--file=" + tar_tmp, "--format=posix", "--sort=name",
                         "--numeric-owner", "--owner=0", "--group=0", "--directory=" + tmp, "--",
                         "oci-layout", "index.json", "blobs"},
                        {}, minutes(60));
    if (!t.ok()) r = std::move(t).error();
  }
  if (r.ok() && renameat2(AT_FDCWD, tar_tmp.c_str(), AT_FDCWD, file.c_str(), RENAME_NOREPLACE) != 0)
    r = Error::FromErrno("rename into " + file);
  RemoveTree(tmp).ok();
  if (!r.ok()) {
    unlink(tar_tmp.c_str());
    return std::move(r).error().Context("export " + image.name + " to " + file);
  }
  return r;
}

}  // namespace vmi::image
