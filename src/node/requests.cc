#include "node/requests.h"

#include <set>

namespace vmi::node {

using nlohmann::json;

namespace {

Error Bad(const std::string& msg) { return Error(ErrorCode::kInvalidArgument, msg); }

Result<void> OnlyKnownFields(const json& body, const std::set<std::string>& known) {
  if (!body.is_object()) return Bad("request body must be a JSON object");
  for (const auto& [k, v] : body.items()) {
    if (!known.count(k)) return Bad("unknown field '" + k + "'");
  }
  return Ok();
}

Result<std::string> String(const json& body, const char* field, size_t max = 256) {
  const json& v = body.at(field);
  if (!v.is_string()) return Bad(std::string("field '") + field + "' must be a string");
  auto s = v.get<std::string>();
  if (s.size() > max) return Bad(std::string("field '") + field + "' is too long");
  return s;
}

Result<int64_t> Integer(const json& body, const char* field) {
  const json& v = body.at(field);
  if (!v.is_number_integer()) return Bad(std::string("field '") + field + "' must be an integer");
  return v.get<int64_t>();
}

}  // namespace

Result<runtime::InstanceSpec> ParseCreateInstance(const json& body) {
  VMI_CHECK_OK(OnlyKnownFields(body, {"name", "image", "cpus", "memory", "resolution", "width",
                                      "height", "dpi", "network", "restart", "pids_max"}),
               "create instance");
  runtime::InstanceSpec s;
  s.image = "linux-mobile";
  if (body.contains("name")) s.name = VMI_TRY(String(body, "name"));
  if (body.contains("image")) s.image = VMI_TRY(String(body, "image"));
  if (body.contains("cpus")) {
    if (!body["cpus"].is_number()) return Bad("field 'cpus' must be a number");
    s.cpus = body["cpus"].get<double>();
  }
  if (body.contains("memory")) {
    if (body["memory"].is_number_integer()) {
      s.memory_bytes = body["memory"].get<int64_t>();
    } else if (body["memory"].is_string()) {
      s.memory_bytes = VMI_TRY(runtime::ParseSize(body["memory"].get<std::string>()));
    } else {
      return Bad("field 'memory' must be a number of bytes or a size like \"1G\"");
    }
  }
  if (body.contains("resolution")) {
    if (body.contains("width") || body.contains("height"))
      return Bad("give either 'resolution' or 'width' and 'height', not both");
    auto wh = VMI_TRY(runtime::ParseResolution(VMI_TRY(String(body, "resolution", 16))));
    s.width = wh.first;
    s.height = wh.second;
  } else if (body.contains("width") || body.contains("height")) {
    if (!body.contains("width") || !body.contains("height"))
      return Bad("'width' and 'height' go together");
    int64_t w = VMI_TRY(Integer(body, "width")), h = VMI_TRY(Integer(body, "height"));
    if (w > 100000 || h > 100000 || w < 0 || h < 0) return Bad("resolution out of range");
    s.width = static_cast<int>(w);
    s.height = static_cast<int>(h);
  }
  if (body.contains("dpi")) {
    int64_t dpi = VMI_TRY(Integer(body, "dpi"));
    if (dpi < 0 || dpi > 100000) return Bad("dpi out of range");
    s.dpi = static_cast<int>(dpi);
  }
  if (body.contains("pids_max")) s.pids_max = VMI_TRY(Integer(body, "pids_max"));
  if (body.contains("network")) {
    auto n = VMI_TRY(String(body, "network"));
    if (n == "bridge") s.network = runtime::NetworkMode::kBridge;
    else if (n == "none") s.network = runtime::NetworkMode::kNone;
    else return Bad("field 'network' must be \"bridge\" or \"none\"");
  }
  if (body.contains("restart"))
    s.restart = VMI_TRY(runtime::ParseRestartPolicy(VMI_TRY(String(body, "restart"))));
  if (!s.name.empty()) VMI_CHECK_OK(runtime::ValidateName(s.name), "create instance");
  VMI_CHECK_OK(runtime::ValidateName(s.image), "image");
  return s;
}

Result<ExecRequest> ParseExec(const json& body) {
  VMI_CHECK_OK(OnlyKnownFields(body, {"argv", "timeout_ms", "max_output"}), "exec");
  ExecRequest r;
  if (!body.contains("argv") || !body["argv"].is_array() || body["argv"].empty())
    return Bad("field 'argv' must be a non-empty array of strings");
  if (body["argv"].size() > 256) return Bad("too many arguments");
  for (const auto& a : body["argv"]) {
    if (!a.is_string()) return Bad("field 'argv' must be a non-empty array of strings");
    auto s = a.get<std::string>();
    if (s.size() > 8192 || s.find('\0') != std::string::npos) return Bad("invalid argument");
    r.argv.push_back(std::move(s));
  }
  if (body.contains("timeout_ms")) {
    int64_t t = VMI_TRY(Integer(body, "timeout_ms"));
    if (t < 1 || t > 600000) return Bad("timeout_ms must be between 1 and 600000");
    r.timeout = std::chrono::milliseconds(t);
  }
  if (body.contains("max_output")) {
    int64_t m = VMI_TRY(Integer(body, "max_output"));
    if (m < 0 || m > (16 << 20)) return Bad("max_output must be between 0 and 16 MiB");
    r.max_output = static_cast<size_t>(m);
  }
  return r;
}

}  // namespace vmi::node
