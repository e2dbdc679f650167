// KubeClient: the few calls of the Kubernetes REST API the controller makes,
// over api::HttpClient (Boost.Beast; HTTPS with the cluster's CA and a bearer
// token). Objects are JSON; paths are built by ResourcePath.
//
//   GET    list / get            -> {status, body}
//   POST   create                -> 201, or 409 AlreadyExists
//   PUT    replace (with metadata.resourceVersion: 409 Conflict when stale)
//   DELETE                       -> 200/202, 404 when gone
//   GET ?watch=true              -> a stream of {"type","object"} lines
//
// Configuration (KubeConfig): in a Pod, InClusterConfig() reads the service
// account (KUBERNETES_SERVICE_HOST/PORT, /var/run/secrets/kubernetes.io/
// serviceaccount/{token,ca.crt,namespace}); elsewhere a kubeconfig file
// (JSON, or YAML converted by `kubectl config view --raw -o json`).
//
// Threads: one KubeClient per thread (each holds one connection); a watch
// blocks its thread until the server ends it or `on_event` says stop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/http/client.h"
#include "base/result.h"
#include "cluster/phone.h"

namespace vmi::cluster {

struct KubeConfig {
  std::string server;  // https://host:port (http:// in tests)
  std::string token;
  std::string ca_file;
  bool insecure = false;
  std::string ns;  // the namespace the config names, if any
};

Result<KubeConfig> InClusterConfig();
Result<KubeConfig> KubeconfigFile(const std::string& path);

struct KubeResponse {
  int status = 0;
  Json body;  // null when the body is not JSON
};

// "/api/v1/namespaces/NS/pods[/NAME]" or "/apis/G/V/namespaces/NS/RES[/NAME]".
std::string ResourcePath(const std::string& api_version, const std::string& ns,
                         const std::string& resource, const std::string& name = "");

class KubeClient {
 public:
  static Result<std::unique_ptr<KubeClient>> Create(const KubeConfig& config);

  Result<KubeResponse> Get(const std::string& path);
  // A GET whose answer is not JSON (pods/NAME/log): status and body.
  Result<std::pair<int, std::string>> GetText(const std::string& path);
  Result<KubeResponse> Post(const std::string& path, const Json& object);
  Result<KubeResponse> Put(const std::string& path, const Json& object);
  Result<KubeResponse> Delete(const std::string& path);

  // Streams watch events (one JSON object per line) to on_event until the
  // server closes the stream or on_event returns false. A non-2xx answer
  // is an Error.
  Result<void> Watch(const std::string& path_and_query,
                     const std::function<bool(const Json& event)>& on_event);

 private:
  explicit KubeClient(std::unique_ptr<api::HttpClient> http) : http_(std::move(http)) {}
  Result<KubeResponse> Send(const char* method, const std::string& path, const Json* body);
  std::unique_ptr<api::HttpClient> http_;
};

}  // namespace vmi::cluster
