#include "runtime/image/image.h"

namespace vmi::image {

const char* ImageKindName(ImageKind kind) {
  switch (kind) {
    case ImageKind::kLinuxMobile: return "linux-mobile";
    case ImageKind::kPhone: return "phone";
    case ImageKind::kRootfs: return "rootfs";
    case ImageKind::kAndroid: return "android";
    case ImageKind::kWin32: return "win32";
  }
  return "?";
}

Result<ImageKind> ParseImageKind(std::string_view name) {
  if (name == "linux-mobile") return ImageKind::kLinuxMobile;
  if (name == "phone") return ImageKind::kPhone;
  if (name == "rootfs") return ImageKind::kRootfs;
  if (name == "android") return ImageKind::kAndroid;
  if (name == "win32") return ImageKind::kWin32;
  return Error(ErrorCode::kInvalidArgument, "unknown image kind \"" + std::string(name) + "\"");
}

std::vector<std::string> Image::Command() const {
  std::vector<std::string> out = entrypoint;
  out.insert(out.end(), cmd.begin(), cmd.end());
  return out;
}

Result<void> ValidateImageName(std::string_view name) {
  auto bad = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid image name \"" + std::string(name) +
                     "\": use 1-63 of a-z 0-9 . _ -, starting with a letter or digit");
  };
  if (name.empty() || name.size() > 63) return bad();
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) return bad();
  for (char c : name) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return bad();
  }
  return Ok();
}

nlohmann::json ImageToJson(const Image& image) {
  return nlohmann::json{
      {"name", image.name},
      {"kind", ImageKindName(image.kind)},
      {"host_binds", image.host_binds},
      {"session_manifest", image.session_manifest},
      {"created", image.created_unix},
      {"size_bytes", image.size_bytes},
      {"entrypoint", image.entrypoint},
      {"cmd", image.cmd},
      {"env", image.env},
      {"working_dir", image.working_dir},
      {"source", image.source},
      {"definition_digest", image.definition_digest},
      {"arch", image.arch},
      {"wine_i386", image.wine_i386},
  };
}

namespace {
Result<std::vector<std::string>> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) return Error(ErrorCode::kInvalidArgument, std::string(key) + ": not an array");
  for (const auto& v : j[key]) {
    if (!v.is_string()) return Error(ErrorCode::kInvalidArgument, std::string(key) + ": not strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}
std::string StringOr(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}
}  // namespace

Result<Image> ImageFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Error(ErrorCode::kInvalidArgument, "image.json: not an object");
  Image image;
  image.name = StringOr(j, "name");
  VMI_CHECK_OK(ValidateImageName(image.name), "image.json");
  image.kind = VMI_TRY_CTX(ParseImageKind(StringOr(j, "kind")), "image.json");
  image.host_binds = VMI_TRY_CTX(StringList(j, "host_binds"), "image.json");
  for (const auto& b : image.host_binds) {
    if (b.empty() || b[0] != '/' || b.find("..") != std::string::npos)
      return Error(ErrorCode::kInvalidArgument, "image.json: bad host bind \"" + b + "\"");
  }
  // Types are checked first: nlohmann's value() throws on a mismatch.
  if (j.contains("session_manifest") && j["session_manifest"].is_boolean())
    image.session_manifest = j["session_manifest"].get<bool>();
  if (j.contains("created") && j["created"].is_number_integer())
    image.created_unix = j["created"].get<int64_t>();
  if (j.contains("size_bytes") && j["size_bytes"].is_number_unsigned())
    image.size_bytes = j["size_bytes"].get<uint64_t>();
  image.entrypoint = VMI_TRY_CTX(StringList(j, "entrypoint"), "image.json");
  image.cmd = VMI_TRY_CTX(StringList(j, "cmd"), "image.json");
  image.env = VMI_TRY_CTX(StringList(j, "env"), "image.json");
  image.working_dir = StringOr(j, "working_dir");
  image.source = StringOr(j, "source");
  image.definition_digest = StringOr(j, "definition_digest");
  image.arch = StringOr(j, "arch");
  image.wine_i386 = StringOr(j, "wine_i386");
  return image;
}

}  // namespace vmi::image
