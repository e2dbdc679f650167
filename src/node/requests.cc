#include "node/requests.h"

#include <cctype>
#include <cstdlib>

#include "api/json_reader.h"
#include "api/request_validation.h"

namespace vmi::node {

using nlohmann::json;

namespace {

Error Bad(const std::string& msg) { return Error(ErrorCode::kInvalidArgument, msg); }

// A size given as a number of bytes or a string like "512M".
std::optional<int64_t> Size(api::JsonReader& r, const char* field, int64_t min, int64_t max,
                            std::optional<Error>& error) {
  const json* v = r.Raw(field);
  if (!v) return std::nullopt;
  std::string what = std::string(field) + ": ";
  int64_t bytes = 0;
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    bytes = INT64_MAX;
  } else if (v->is_number_integer()) {
    bytes = v->get<int64_t>();
  } else if (v->is_string()) {
    auto parsed = runtime::ParseSize(v->get<std::string>());
    if (!parsed.ok()) {
      if (!error) error = Bad(what + parsed.error().message());
      return std::nullopt;
    }
    bytes = *parsed;
  } else {
    if (!error) error = Bad(what + "must be a number of bytes or a size like \"1G\"");
    return std::nullopt;
  }
  if (bytes < min || bytes > max) {
    if (!error)
      error = Bad(what + "must be between " + std::to_string(min >> 20) + "M and " +
                  std::to_string(max >> 20) + "M");
    return std::nullopt;
  }
  return bytes;
}

}  // namespace

Result<CreateInstanceBody> ParseCreateInstance(const json& body) {
  api::JsonReader r(body);
  std::optional<Error> size_error;
  auto name = r.String("name", {.max_len = 63});
  auto image = r.String("image", {.min_len = 1, .max_len = 64});
  auto cpus = r.Number("cpus", false, 0.01, 1024);
  auto memory = Size(r, "memory", 64LL << 20, 1LL << 42, size_error);
  auto resolution = r.String("resolution", {.max_len = 11});
  auto width = r.Int("width", {.min = 160, .max = 4096});
  auto height = r.Int("height", {.min = 160, .max = 4096});
  auto dpi = r.Int("dpi", {.min = 60, .max = 960});
  auto network = r.Enum("network", {"bridge", "none"});
  auto restart = r.Enum("restart", {"never", "on-failure", "always"});
  auto pids = r.Int("pids", {.min = 16, .max = api::kMaxPidsPerInstance});
  auto disk = Size(r, "disk", 64LL << 20, api::kMaxDiskMbPerInstance << 20, size_error);
  auto bandwidth = r.Int("bandwidth_mbit", {.min = 1, .max = api::kMaxBandwidthMbit});
  auto open_files = r.Int("open_files", {.min = 64, .max = api::kMaxOpenFilesPerInstance});
  const json* labels = r.Raw("labels");
  VMI_CHECK_OK(r.Finish(), "create instance");
  if (size_error) return std::move(*size_error).Context("create instance");

  CreateInstanceBody out;
  if (labels) out.labels = VMI_TRY_CTX(LabelsFromJson(*labels), "create instance");
  runtime::InstanceSpec& s = out.spec;
  s.image = image.value_or("linux-mobile");
  if (name) {
    s.name = *name;
    VMI_CHECK_OK(runtime::ValidateName(s.name), "create instance: name");
  }
  VMI_CHECK_OK(runtime::ValidateName(s.image), "create instance: image");
  if (cpus) s.cpus = *cpus;
  if (memory) s.memory_bytes = *memory;
  if (resolution) {
    if (width || height) return Bad("give either 'resolution' or 'width' and 'height', not both");
    auto wh = VMI_TRY_CTX(runtime::ParseResolution(*resolution), "create instance: resolution");
    s.width = wh.first;
    s.height = wh.second;
  } else if (width || height) {
    if (!width || !height) return Bad("create instance: 'width' and 'height' go together");
    s.width = static_cast<int>(*width);
    s.height = static_cast<int>(*height);
    VMI_CHECK_OK(runtime::ValidateResolution(s.width, s.height), "create instance: width/height");
  }
  if (dpi) s.dpi = static_cast<int>(*dpi);
  if (network) s.network = *network == "none" ? runtime::NetworkMode::kNone
                                              : runtime::NetworkMode::kBridge;
  if (restart) s.restart = VMI_TRY(runtime::ParseRestartPolicy(*restart));
  out.ask = {pids, disk, bandwidth, open_files};
  return out;
}

Result<ExecRequest> ParseExec(const json& body) {
  api::JsonReader r(body);
  const json* argv = r.Raw("argv");
  auto timeout = r.Int("timeout_ms", {.min = 1, .max = 600000});
  auto max_output = r.Int("max_output", {.min = 0, .max = 16 << 20});
  VMI_CHECK_OK(r.Finish(), "exec");
  ExecRequest out;
  if (!argv || !argv->is_array() || argv->empty())
    return Bad("exec: argv: must be a non-empty array of strings");
  if (argv->size() > 256) return Bad("exec: argv: at most 256 arguments");
  for (const auto& a : *argv) {
    if (!a.is_string()) return Bad("exec: argv: must be a non-empty array of strings");
    auto s = a.get<std::string>();
    if (s.size() > 8192) return Bad("exec: argv: each argument at most 8192 bytes");
    if (s.find('\0') != std::string::npos) return Bad("exec: argv: no NUL bytes in arguments");
    out.argv.push_back(std::move(s));
  }
  if (timeout) out.timeout = std::chrono::milliseconds(*timeout);
  if (max_output) out.max_output = static_cast<size_t>(*max_output);
  return out;
}

Result<size_t> ParseLogTail(const std::optional<std::string>& t) {
  if (!t) return size_t{1} << 20;
  char* end = nullptr;
  unsigned long long v = std::strtoull(t->c_str(), &end, 10);
  if (t->empty() || *end || !std::isdigit(static_cast<unsigned char>((*t)[0])) || v > (16ull << 20))
    return Bad("tail_bytes must be 0..16777216");
  return static_cast<size_t>(v);
}

Result<ImageRequest> ParseImageRequest(const json& body) {
  api::JsonReader r(body);
  auto name = r.String("name", {.max_len = 64});
  auto path = r.String("path", {.min_len = 1, .max_len = 4096});
  auto build = r.String("build", {.min_len = 1, .max_len = 64});
  auto arch = r.String("arch", {.min_len = 1, .max_len = 32});
  VMI_CHECK_OK(r.Finish(), "image");
  if (path.has_value() == build.has_value())
    return Bad("image: give 'path' (import) or 'build' (kind), one of them");
  if (arch && !build) return Bad("image: 'arch' applies to a build only");
  return ImageRequest{name.value_or(""), path.value_or(""), build.value_or(""),
                      arch.value_or("")};
}

Result<ImageExportRequest> ParseImageExportRequest(const json& body) {
  api::JsonReader r(body);
  auto oci = r.String("oci", {.min_len = 1, .max_len = 4096});
  auto tar = r.String("tar", {.min_len = 1, .max_len = 4096});
  auto tag = r.String("tag", {.min_len = 1, .max_len = 128});
  VMI_CHECK_OK(r.Finish(), "image export");
  if (oci.has_value() == tar.has_value())
    return Bad("image export: give 'oci' (a directory) or 'tar' (a file), one of them");
  const std::string& path = oci ? *oci : *tar;
  if (path[0] != '/') return Bad("image export: the path must be absolute");
  return ImageExportRequest{oci.value_or(""), tar.value_or(""), tag.value_or("")};
}

}  // namespace vmi::node
