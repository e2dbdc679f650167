#include "guest/init/manifest.h"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace vmi::guest {

const char* RestartPolicyName(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways: return "always";
    case RestartPolicy::kOnFailure: return "on-failure";
    case RestartPolicy::kNever: return "never";
  }
  return "?";
}

namespace {

using nlohmann::json;

// Returns a Result<void> error unchanged (VMI_CHECK_OK always adds context).
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    auto vmi_r_ = (expr);                              \
    if (!vmi_r_.ok()) return std::move(vmi_r_).error(); \
  } while (0)

Error Invalid(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

Result<void> CheckKeys(const json& obj, std::initializer_list<std::string_view> allowed,
                       const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) return Invalid(where + ": unknown key \"" + key + "\"");
  }
  return Ok();
}

Result<std::string> GetString(const json& v, const std::string& where, const Environment& env) {
  if (!v.is_string()) return Invalid(where + ": expected a string");
  return Substitute(v.get<std::string>(), env).Context(where);
}

Result<std::chrono::milliseconds> GetMillis(const json& v, const std::string& where) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 86400000) {
    return Invalid(where + ": expected milliseconds as an integer in [0, 86400000]");
  }
  return std::chrono::milliseconds(v.get<int64_t>());
}

Result<BackoffSpec> ParseBackoff(const json& v, BackoffSpec base, const std::string& where) {
  if (!v.is_object()) return Invalid(where + ": expected an object");
  RETURN_IF_ERROR(CheckKeys(v, {"initial_ms", "max_ms", "reset_after_ms"}, where));
  if (v.contains("initial_ms")) base.initial = VMI_TRY(GetMillis(v["initial_ms"], where + ".initial_ms"));
  if (v.contains("max_ms")) base.max = VMI_TRY(GetMillis(v["max_ms"], where + ".max_ms"));
  if (v.contains("reset_after_ms"))
    base.reset_after = VMI_TRY(GetMillis(v["reset_after_ms"], where + ".reset_after_ms"));
  if (base.initial.count() == 0) base.initial = std::chrono::milliseconds(1);
  if (base.max < base.initial) return Invalid(where + ": max_ms is below initial_ms");
  return base;
}

// Parses an {"K": "v"} object into KEY=value entries, substituting against
// `lookup` and adding each entry to `lookup` so later values may use it.
Result<void> ParseEnv(const json& v, const std::string& where, Environment& lookup,
                      std::vector<std::string>& out) {
  if (!v.is_object()) return Invalid(where + ": expected an object of strings");
  for (const auto& [key, value] : v.items()) {
    if (key.empty() || key.find('=') != std::string::npos)
      return Invalid(where + ": bad variable name \"" + key + "\"");
    std::string s = VMI_TRY(GetString(value, where + "." + key, lookup));
    lookup[key] = s;
    out.push_back(key + "=" + s);
  }
  return Ok();
}

bool ValidServiceName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Result<ServiceSpec> ParseService(const json& v, size_t index, const Environment& global_env,
                                 const std::vector<std::string>& global_entries,
                                 const BackoffSpec& backoff) {
  std::string where = "services[" + std::to_string(index) + "]";
  if (!v.is_object()) return Invalid(where + ": expected an object");
  RETURN_IF_ERROR(CheckKeys(v, {"name", "argv", "env", "cwd", "restart", "ready", "after",
                              "remove_before_start", "restart_backoff"},
                         where));
  ServiceSpec s;
  if (!v.contains("name") || !v["name"].is_string()) return Invalid(where + ": missing \"name\"");
  s.name = v["name"].get<std::string>();
  if (!ValidServiceName(s.name)) return Invalid(where + ": bad name \"" + s.name + "\"");
  where = "service " + s.name;

  Environment lookup = global_env;
  s.env = global_entries;
  if (v.contains("env")) RETURN_IF_ERROR(ParseEnv(v["env"], where + ".env", lookup, s.env));

  if (!v.contains("argv") || !v["argv"].is_array() || v["argv"].empty())
    return Invalid(where + ": \"argv\" must be a non-empty array of strings");
  for (size_t i = 0; i < v["argv"].size(); ++i) {
    s.argv.push_back(
        VMI_TRY(GetString(v["argv"][i], where + ".argv[" + std::to_string(i) + "]", lookup)));
  }
  if (s.argv[0].empty()) return Invalid(where + ": argv[0] is empty");
  if (v.contains("cwd")) s.cwd = VMI_TRY(GetString(v["cwd"], where + ".cwd", lookup));
  if (v.contains("restart")) {
    const json& r = v["restart"];
    std::string policy = r.is_string() ? r.get<std::string>() : "";
    if (policy == "always") s.restart = RestartPolicy::kAlways;
    else if (policy == "on-failure") s.restart = RestartPolicy::kOnFailure;
    else if (policy == "never") s.restart = RestartPolicy::kNever;
    else return Invalid(where + ".restart: expected always, on-failure or never");
  }
  if (v.contains("ready")) {
    const json& r = v["ready"];
    if (!r.is_object()) return Invalid(where + ".ready: expected an object");
    RETURN_IF_ERROR(CheckKeys(r, {"path", "unix_socket", "command", "timeout_ms", "interval_ms"},
                              where + ".ready"));
    Readiness ready;
    int kinds = r.contains("path") + r.contains("unix_socket") + r.contains("command");
    if (kinds != 1)
      return Invalid(where + ".ready: give exactly one of \"path\", \"unix_socket\" and \"command\"");
    if (r.contains("path")) {
      ready.path = VMI_TRY(GetString(r["path"], where + ".ready.path", lookup));
    } else if (r.contains("unix_socket")) {
      ready.kind = Readiness::Kind::kUnixSocket;
      ready.path = VMI_TRY(GetString(r["unix_socket"], where + ".ready.unix_socket", lookup));
    } else {
      ready.kind = Readiness::Kind::kCommand;
      const json& cmd = r["command"];
      if (!cmd.is_array() || cmd.empty())
        return Invalid(where + ".ready.command: expected a non-empty array of strings");
      for (size_t i = 0; i < cmd.size(); ++i)
        ready.command.push_back(VMI_TRY(GetString(cmd[i], where + ".ready.command", lookup)));
    }
    if (r.contains("interval_ms")) {
      ready.interval = VMI_TRY(GetMillis(r["interval_ms"], where + ".ready.interval_ms"));
      if (ready.interval.count() < 10) ready.interval = std::chrono::milliseconds(10);
    }
    if (ready.kind != Readiness::Kind::kCommand && ready.path.empty())
      return Invalid(where + ".ready: empty path");
    if (r.contains("timeout_ms"))
      ready.timeout = VMI_TRY(GetMillis(r["timeout_ms"], where + ".ready.timeout_ms"));
    s.ready = ready;
  }
  if (v.contains("after")) {
    if (!v["after"].is_array()) return Invalid(where + ".after: expected an array of names");
    for (const auto& a : v["after"]) {
      if (!a.is_string()) return Invalid(where + ".after: expected an array of names");
      s.after.push_back(a.get<std::string>());
    }
  }
  if (v.contains("remove_before_start")) {
    const json& r = v["remove_before_start"];
    if (!r.is_array()) return Invalid(where + ".remove_before_start: expected an array");
    for (size_t i = 0; i < r.size(); ++i) {
      std::string p = VMI_TRY(GetString(r[i], where + ".remove_before_start", lookup));
      if (p.empty() || p[0] != '/')
        return Invalid(where + ".remove_before_start: \"" + p + "\" is not absolute");
      s.remove_before_start.push_back(p);
    }
  }
  s.backoff = backoff;
  if (v.contains("restart_backoff"))
    s.backoff = VMI_TRY(ParseBackoff(v["restart_backoff"], backoff, where + ".restart_backoff"));
  return s;
}

Result<void> CheckDependencies(const std::vector<ServiceSpec>& services) {
  std::map<std::string, const ServiceSpec*> by_name;
  for (const auto& s : services) {
    if (!by_name.emplace(s.name, &s).second)
      return Invalid("service name \"" + s.name + "\" is used twice");
  }
  for (const auto& s : services) {
    for (const auto& a : s.after) {
      if (!by_name.count(a))
        return Invalid("service " + s.name + ": \"after\" names unknown service \"" + a + "\"");
      if (a == s.name) return Invalid("service " + s.name + " is listed in its own \"after\"");
    }
  }
  // Depth-first search for a cycle: 1 = on the current path, 2 = done.
  std::map<std::string, int> mark;
  std::function<Result<void>(const ServiceSpec&)> visit = [&](const ServiceSpec& s) -> Result<void> {
    int& m = mark[s.name];
    if (m == 2) return Ok();
    if (m == 1) return Invalid("dependency cycle through service " + s.name);
    m = 1;
    for (const auto& a : s.after) RETURN_IF_ERROR(visit(*by_name[a]));
    mark[s.name] = 2;
    return Ok();
  };
  for (const auto& s : services) RETURN_IF_ERROR(visit(s));
  return Ok();
}

// Merges the fragments named by root["include"] into root: their services
// after the manifest's, their env where the manifest's env has no value.
Result<void> MergeIncludes(json& root, const IncludeReader& include) {
  const json& names = root["include"];
  if (!names.is_array()) return Invalid("manifest.include: expected an array of names");
  json env = root.contains("env") ? root["env"] : json::object();
  if (!env.is_object()) return Invalid("env: expected an object of strings");
  if (!root.contains("services")) root["services"] = json::array();
  if (!root["services"].is_array()) return Invalid("manifest: \"services\" must be an array");
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!n.is_string() || !ValidServiceName(n.get<std::string>()))
      return Invalid("manifest.include: expected names matching [A-Za-z0-9._-]+");
    const std::string name = n.get<std::string>();
    if (!seen.insert(name).second) return Invalid("manifest.include: \"" + name + "\" twice");
    if (!include) return Invalid("manifest.include: no fragments available here (\"" + name + "\")");
    const std::string where = "include \"" + name + "\"";
    std::string text = VMI_TRY_CTX(include(name), where);
    json fragment = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (fragment.is_discarded() || !fragment.is_object())
      return Invalid(where + ": expected a JSON object");
    RETURN_IF_ERROR(CheckKeys(fragment, {"comment", "env", "services"}, where));
    if (fragment.contains("env")) {
      if (!fragment["env"].is_object()) return Invalid(where + ".env: expected an object of strings");
      for (const auto& [key, value] : fragment["env"].items())
        if (!env.contains(key)) env[key] = value;
    }
    if (fragment.contains("services")) {
      if (!fragment["services"].is_array()) return Invalid(where + ".services: expected an array");
      for (const auto& s : fragment["services"]) root["services"].push_back(s);
    }
  }
  root["env"] = std::move(env);
  root.erase("include");
  return Ok();
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view json_text, const Environment& env,
                               const IncludeReader& include) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Invalid("manifest is not valid JSON");
  if (!root.is_object()) return Invalid("manifest: expected a JSON object");
  RETURN_IF_ERROR(CheckKeys(
      root, {"version", "env", "stop_timeout_ms", "restart_backoff", "include", "services"}, "manifest"));
  if (root.contains("include")) RETURN_IF_ERROR(MergeIncludes(root, include));
  if (root.contains("version") && root["version"] != 1)
    return Invalid("manifest: unsupported version (only 1 is known)");
  Manifest m;
  Environment lookup = env;
  std::vector<std::string> global_entries;
  if (root.contains("env")) RETURN_IF_ERROR(ParseEnv(root["env"], "env", lookup, global_entries));
  if (root.contains("stop_timeout_ms"))
    m.stop_timeout = VMI_TRY(GetMillis(root["stop_timeout_ms"], "stop_timeout_ms"));
  BackoffSpec backoff;
  if (root.contains("restart_backoff"))
    backoff = VMI_TRY(ParseBackoff(root["restart_backoff"], backoff, "restart_backoff"));
  if (!root.contains("services") || !root["services"].is_array())
    return Invalid("manifest: \"services\" must be an array");
  for (size_t i = 0; i < root["services"].size(); ++i) {
    m.services.push_back(
        VMI_TRY(ParseService(root["services"][i], i, lookup, global_entries, backoff)));
  }
  VMI_CHECK_OK(CheckDependencies(m.services), "manifest");
  return m;
}

}  // namespace vmi::guest
