#include "cluster/kube_client.h"

#include <cstdlib>

#include "base/child_process.h"
#include "base/file.h"

namespace vmi::cluster {
namespace {

constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

Error Bad(const std::string& what) { return Error(ErrorCode::kInvalidArgument, what); }

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<KubeConfig> InClusterConfig() {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port)
    return Error(ErrorCode::kFailedPrecondition,
                 "not in a Pod (KUBERNETES_SERVICE_HOST/PORT unset): give --kubeconfig");
  KubeConfig c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port;
  std::string dir = kServiceAccountDir;
  c.token = Trimmed(VMI_TRY_CTX(ReadFile(dir + "/token", 64 << 10), "service account token"));
  c.ca_file = dir + "/ca.crt";
  auto ns = ReadFile(dir + "/namespace", 256);
  if (ns.ok()) c.ns = Trimmed(*ns);
  return c;
}

Result<KubeConfig> KubeconfigFile(const std::string& path) {
  std::string text = VMI_TRY_CTX(ReadFile(path, 4 << 20), "kubeconfig");
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    // YAML: kubectl turns it into JSON (only the current context).
    text = VMI_TRY_CTX(RunChecked({"kubectl", "config", "view", "--raw", "--minify", "-o", "json",
                                   "--kubeconfig", path}),
                       "kubectl config view (kubeconfig " + path + " is not JSON)");
    j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) return Bad("kubeconfig " + path + ": kubectl did not print JSON");
  }
  // A kubeconfig is the operator's file: any shape it has is reported, never
  // thrown past here.
  try {
    auto find = [&](const char* list, const std::string& name) -> const Json* {
      if (!j.contains(list) || !j[list].is_array()) return nullptr;
      for (const auto& e : j[list])
        if (e.is_object() && e.value("name", "") == name) return &e;
      return nullptr;
    };
    std::string current = j.value("current-context", "");
    const Json* ctx = find("contexts", current);
    if (!ctx) return Bad("kubeconfig " + path + ": no context '" + current + "'");
    const Json& cx = ctx->at("context");
    const Json* cluster = find("clusters", cx.value("cluster", ""));
    const Json* user = find("users", cx.value("user", ""));
    if (!cluster) return Bad("kubeconfig " + path + ": no cluster for context " + current);
    KubeConfig c;
    const Json& cl = cluster->at("cluster");
    c.server = cl.value("server", "");
    c.insecure = cl.value("insecure-skip-tls-verify", false);
    c.ca_file = cl.value("certificate-authority", "");
    if (cl.contains("certificate-authority-data"))
      return Bad("kubeconfig " + path + ": inline certificate-authority-data is not supported; "
                 "write it to a file and use certificate-authority");
    if (user) c.token = user->at("user").value("token", "");
    c.ns = cx.value("namespace", "");
    if (c.server.empty()) return Bad("kubeconfig " + path + ": the cluster has no server");
    return c;
  } catch (const Json::exception& e) {
    return Bad("kubeconfig " + path + ": " + e.what());
  }
}

std::string ResourcePath(const std::string& api_version, const std::string& ns,
                         const std::string& resource, const std::string& name) {
  std::string p = api_version == "v1" ? "/api/v1" : "/apis/" + api_version;
  if (!ns.empty()) p += "/namespaces/" + ns;
  p += "/" + resource;
  if (!name.empty()) p += "/" + name;
  return p;
}

Result<std::unique_ptr<KubeClient>> KubeClient::Create(const KubeConfig& config) {
  auto http = VMI_TRY(api::HttpClient::Create({.server = config.server,
                                               .token = config.token,
                                               .ca_file = config.ca_file,
                                               .insecure = config.insecure,
                                               .timeout = std::chrono::seconds(90)}));
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(http)));
}

Result<KubeResponse> KubeClient::Send(const char* method, const std::string& path,
                                      const Json* body) {
  auto r = VMI_TRY_CTX(http_->Send(method, path, body ? body->dump() : std::string()),
                       std::string(method) + " " + path);
  KubeResponse out;
  out.status = r.status;
  out.body = Json::parse(r.body, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

Result<KubeResponse> KubeClient::Get(const std::string& path) { return Send("GET", path, nullptr); }
Result<std::pair<int, std::string>> KubeClient::GetText(const std::string& path) {
  auto r = VMI_TRY_CTX(http_->Send("GET", path), "GET " + path);
  return std::pair<int, std::string>(r.status, std::move(r.body));
}
Result<KubeResponse> KubeClient::Post(const std::string& path, const Json& object) {
  return Send("POST", path, &object);
}
Result<KubeResponse> KubeClient::Put(const std::string& path, const Json& object) {
  return Send("PUT", path, &object);
}
Result<KubeResponse> KubeClient::Delete(const std::string& path) {
  return Send("DELETE", path, nullptr);
}

Result<void> KubeClient::Watch(const std::string& path_and_query,
                               const std::function<bool(const Json& event)>& on_event) {
  std::string pending;
  bool go_on = true;
  auto status = http_->Stream("GET", path_and_query, [&](std::string_view data) {
    pending.append(data);
    size_t nl;
    while (go_on && (nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty()) continue;
      Json ev = Json::parse(line, nullptr, false);
      if (ev.is_discarded() || !ev.is_object()) continue;
      go_on = on_event(ev);
    }
    if (pending.size() > (16u << 20)) return false;  // one event larger than any object
    return go_on;
  });
  if (!status.ok()) return std::move(status).error().Context("watch " + path_and_query);
  return Ok();
}

}  // namespace vmi::cluster
