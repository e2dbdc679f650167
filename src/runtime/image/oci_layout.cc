#include "runtime/image/oci_layout.h"

#include <sys/utsname.h>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::image {
namespace {

using nlohmann::json;

Error Bad(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "OCI layout: " + what);
}

std::string HostArch() {
  utsname u{};
  uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.rfind("arm", 0) == 0) return "arm";
  return m;
}

Result<void> VerifyBlob(const std::string& path, const std::string& digest) {
  std::string out = VMI_TRY_CTX(RunChecked({"sha256sum", "--", path}, {}, std::chrono::minutes(10)),
                                "hash " + path);
  if (out.compare(0, 64, digest.substr(7)) != 0)
    return Bad("blob " + digest + " does not match its digest");
  return Ok();
}

Result<json> ReadJsonBlob(const std::string& dir, const std::string& digest) {
  std::string path = VMI_TRY(BlobPath(dir, digest));
  VMI_CHECK_OK(VerifyBlob(path, digest), "verify");
  std::string text = VMI_TRY(ReadFile(path, 16 << 20));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("blob " + digest + " is not a JSON object");
  return j;
}

Result<std::vector<std::string>> Strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.contains(key) || obj[key].is_null()) return out;
  if (!obj[key].is_array()) return Bad(std::string("config ") + key + " is not an array");
  for (const auto& v : obj[key]) {
    if (!v.is_string()) return Bad(std::string("config ") + key + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string MediaType(const json& j) {
  return j.contains("mediaType") && j["mediaType"].is_string() ? j["mediaType"].get<std::string>()
                                                               : "";
}

bool IsIndex(const json& desc_or_doc) {
  std::string mt = MediaType(desc_or_doc);
  return mt == "application/vnd.oci.image.index.v1+json" ||
         mt == "application/vnd.docker.distribution.manifest.list.v2+json";
}

// Chooses a descriptor from an index's manifests.
Result<json> Choose(const json& index) {
  if (!index.contains("manifests") || !index["manifests"].is_array() || index["manifests"].empty())
    return Bad("index has no manifests");
  const json& list = index["manifests"];
  std::string arch = HostArch();
  for (const auto& d : list) {
    if (!d.is_object()) continue;
    if (!d.contains("platform")) continue;
    const json& p = d["platform"];
    auto str = [&](const char* key) {
      return p.is_object() && p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : "";
    };
    if (str("os") == "linux" && str("architecture") == arch) return d;
  }
  for (const auto& d : list) {
    if (d.is_object() && !d.contains("platform")) return d;
  }
  if (list.size() == 1 && list[0].is_object()) return list[0];
  return Bad("no manifest for linux/" + arch);
}

std::string DescriptorDigest(const json& d) {
  return d.contains("digest") && d["digest"].is_string() ? d["digest"].get<std::string>() : "";
}

}  // namespace

bool IsOciLayout(const std::string& dir) {
  return PathExists(dir + "/oci-layout") && PathExists(dir + "/index.json");
}

Result<std::string> BlobPath(const std::string& dir, const std::string& digest) {
  if (digest.size() != 71 || digest.compare(0, 7, "sha256:") != 0)
    return Bad("unsupported digest \"" + digest + "\" (only sha256)");
  for (size_t i = 7; i < digest.size(); ++i) {
    char c = digest[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return Bad("bad digest " + digest);
  }
  std::string path = dir + "/blobs/sha256/" + digest.substr(7);
  if (!PathExists(path)) return Bad("missing blob " + digest);
  return path;
}

Result<OciImage> ReadOciLayout(const std::string& dir) {
  std::string layout_text = VMI_TRY(ReadFile(dir + "/oci-layout", 1 << 16));
  json layout = json::parse(layout_text, nullptr, false);
  if (layout.is_discarded() || !layout.is_object() || !layout.contains("imageLayoutVersion"))
    return Bad("oci-layout file is not valid");
  std::string index_text = VMI_TRY(ReadFile(dir + "/index.json", 16 << 20));
  json doc = json::parse(index_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Bad("index.json is not a JSON object");

  // index.json -> (nested indexes) -> manifest.
  json manifest;
  for (int depth = 0;; ++depth) {
    if (depth > 4) return Bad("indexes nested too deep");
    json desc = VMI_TRY(Choose(doc));
    json next = VMI_TRY(ReadJsonBlob(dir, DescriptorDigest(desc)));
    if (IsIndex(desc) || IsIndex(next) || next.contains("manifests")) {
      doc = std::move(next);
      continue;
    }
    manifest = std::move(next);
    break;
  }
  if (!manifest.contains("config") || !manifest["config"].is_object())
    return Bad("manifest has no config");
  if (!manifest.contains("layers") || !manifest["layers"].is_array())
    return Bad("manifest has no layers");
  OciImage image;
  json config = VMI_TRY(ReadJsonBlob(dir, DescriptorDigest(manifest["config"])));
  if (config.contains("config") && config["config"].is_object()) {
    const json& c = config["config"];
    image.entrypoint = VMI_TRY(Strings(c, "Entrypoint"));
    image.cmd = VMI_TRY(Strings(c, "Cmd"));
    image.env = VMI_TRY(Strings(c, "Env"));
    if (c.contains("WorkingDir") && c["WorkingDir"].is_string())
      image.working_dir = c["WorkingDir"].get<std::string>();
  }
  for (const auto& layer : manifest["layers"]) {
    if (!layer.is_object()) return Bad("bad layer descriptor");
    std::string mt = MediaType(layer);
    if (mt.find("nondistributable") != std::string::npos || mt.find("foreign") != std::string::npos)
      return Bad("foreign layers are not supported");
    std::string digest = DescriptorDigest(layer);
    std::string path = VMI_TRY(BlobPath(dir, digest));
    VMI_CHECK_OK(VerifyBlob(path, digest), "verify layer");
    image.layers.push_back(path);
  }
  return image;
}

}  // namespace vmi::image
