#include "node/kube_phones.h"

#include "base/secret.h"

namespace vmi::node {
namespace {

using cluster::Json;
using cluster::KubeClient;

Error StatusError(const std::string& what, const cluster::KubeResponse& r) {
  std::string msg = cluster::JsonString(r.body, {"message"});
  ErrorCode code = ErrorCode::kUnavailable;
  if (r.status == 404) code = ErrorCode::kNotFound;
  if (r.status == 409) code = ErrorCode::kAlreadyExists;
  if (r.status == 422 || r.status == 400) code = ErrorCode::kInvalidArgument;
  if (r.status == 403) code = ErrorCode::kPermissionDenied;
  return Error(code, what + ": Kubernetes answered " + std::to_string(r.status) +
                         (msg.empty() ? "" : ": " + msg));
}

// DNS-1123 label, short enough that phone-NAME-data is a label too.
Result<void> ValidPhoneName(const std::string& n) {
  bool ok = !n.empty() && n.size() <= 52 && n.front() != '-' && n.back() != '-';
  for (char c : n) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (ok) return Ok();
  return Error(ErrorCode::kInvalidArgument,
               "name '" + n + "': on Kubernetes a phone's name is 1-52 of a-z, 0-9 and '-', "
               "starting and ending with a letter or digit");
}

std::string Quantity(double cpus) {
  return std::to_string(static_cast<int64_t>(cpus * 1000 + 0.5)) + "m";
}

}  // namespace

std::string KubePhones::Path(const std::string& name) const {
  return cluster::ResourcePath(cluster::kApiVersion, options_.ns, "phones", name);
}

Json KubePhones::PhoneObject(const runtime::InstanceSpec& s, const std::string& owner,
                             bool start) const {
  const char* restart = s.restart == runtime::RestartPolicy::kAlways      ? "Always"
                        : s.restart == runtime::RestartPolicy::kOnFailure ? "OnFailure"
                                                                          : "Never";
  return {{"apiVersion", cluster::kApiVersion},
          {"kind", "Phone"},
          {"metadata", {{"name", s.name}, {"namespace", options_.ns}}},
          {"spec",
           {{"image", options_.image_prefix + s.image + ":" + options_.image_tag},
            {"owner", owner},
            {"running", start},
            {"restartPolicy", restart},
            {"resources",
             {{"cpu", Quantity(s.cpus)},
              {"memory", std::to_string((s.memory_bytes + (1 << 20) - 1) >> 20) + "Mi"}}},
            {"display", {{"width", s.width}, {"height", s.height}, {"dpi", s.dpi}}},
            {"network", s.network == runtime::NetworkMode::kNone ? "none" : "pod"}}}};
}

Result<std::vector<cluster::Phone>> KubePhones::List() {
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->Get(Path()));
  if (r.status != 200) return StatusError("list phones", r);
  std::vector<cluster::Phone> out;
  if (r.body.contains("items") && r.body["items"].is_array())
    for (const auto& item : r.body["items"])
      if (auto p = cluster::ParsePhone(item); p.ok()) out.push_back(std::move(*p));
  return out;
}

Result<cluster::Phone> KubePhones::Get(const std::string& name) {
  if (!ValidPhoneName(name).ok()) return Error(ErrorCode::kNotFound, "no such instance '" + name + "'");
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->Get(Path(name)));
  if (r.status == 404) return Error(ErrorCode::kNotFound, "no such instance '" + name + "'");
  if (r.status != 200) return StatusError("get phone " + name, r);
  return VMI_TRY_CTX(cluster::ParsePhone(r.body), "phone " + name);
}

Result<cluster::Phone> KubePhones::Create(const runtime::InstanceSpec& spec_in,
                                          const std::string& owner, bool start) {
  runtime::InstanceSpec spec = spec_in;
  if (spec.name.empty()) spec.name = "p-" + RandomHex(4);
  VMI_CHECK_OK(ValidPhoneName(spec.name), "create instance");
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->Post(Path(), PhoneObject(spec, owner, start)));
  if (r.status == 409)
    return Error(ErrorCode::kAlreadyExists, "an instance named '" + spec.name + "' exists");
  if (r.status != 201 && r.status != 200) return StatusError("create phone " + spec.name, r);
  return VMI_TRY_CTX(cluster::ParsePhone(r.body), "created phone");
}

Result<void> KubePhones::Delete(const std::string& name) {
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->Delete(Path(name)));
  if (r.status == 404) return Error(ErrorCode::kNotFound, "no such instance '" + name + "'");
  if (r.status != 200 && r.status != 202) return StatusError("delete phone " + name, r);
  return Ok();
}

Result<cluster::Phone> KubePhones::SetRunning(const std::string& name, bool running) {
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  // Optimistic concurrency: a 409 means someone wrote in between; read again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto got = VMI_TRY(client->Get(Path(name)));
    if (got.status == 404) return Error(ErrorCode::kNotFound, "no such instance '" + name + "'");
    if (got.status != 200) return StatusError("get phone " + name, got);
    Json obj = got.body;
    if (!obj.contains("spec") || !obj["spec"].is_object())
      return Error(ErrorCode::kInternal, "phone " + name + " without a spec");
    if (obj["spec"].value("running", true) == running)
      return VMI_TRY_CTX(cluster::ParsePhone(obj), "phone " + name);
    obj["spec"]["running"] = running;
    auto put = VMI_TRY(client->Put(Path(name), obj));
    if (put.status == 200) return VMI_TRY_CTX(cluster::ParsePhone(put.body), "phone " + name);
    if (put.status != 409) return StatusError("update phone " + name, put);
  }
  return Error(ErrorCode::kAborted, "phone " + name + " kept changing; try again");
}

Result<void> KubePhones::RestartPod(const std::string& name) {
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->Delete(cluster::ResourcePath("v1", options_.ns, "pods", "phone-" + name)));
  if (r.status != 200 && r.status != 202 && r.status != 404)
    return StatusError("delete the pod of " + name, r);
  return Ok();
}

Result<std::string> KubePhones::GuestLog(const std::string& name, size_t tail_bytes) {
  auto client = VMI_TRY(KubeClient::Create(options_.config));
  auto r = VMI_TRY(client->GetText(cluster::ResourcePath("v1", options_.ns, "pods", "phone-" + name) +
                                   "/log?container=guest&limitBytes=" +
                                   std::to_string(kMaxGuestLog)));
  // No Pod (stopped), or its guest has not started yet: no log, as on a node.
  if (r.first == 404 || r.first == 400) return std::string();
  if (r.first != 200)
    return Error(ErrorCode::kUnavailable, "the log of phone-" + name + ": status " +
                                              std::to_string(r.first));
  if (r.second.size() > tail_bytes) return r.second.substr(r.second.size() - tail_bytes);
  return std::move(r.second);
}

std::string InstanceStateOf(const cluster::Phone& p) {
  std::string phase = cluster::JsonString(p.status, {"phase"});
  if (phase == "Running") return "running";
  if (phase == "Starting" || phase == "Pending") return p.spec.running ? "starting" : "stopping";
  if (phase == "Stopped") return "stopped";
  if (phase == "Failed") return "exited";
  if (phase == "Terminating") return "stopping";
  return p.spec.running ? "created" : "stopped";
}

Json PhoneInstanceJson(const cluster::Phone& p, int64_t owner_id) {
  const auto& s = p.spec;
  int64_t milli = cluster::CpuMilli(s.cpu);
  Json j = {{"id", p.meta.name},
            {"name", p.meta.name},
            {"image", s.image},
            {"state", InstanceStateOf(p)},
            {"cpus", milli < 0 ? 0.0 : milli / 1000.0},
            {"memory", cluster::QuantityBytes(s.memory)},
            {"width", s.width},
            {"height", s.height},
            {"dpi", s.dpi},
            {"network", s.network == "none" ? "none" : "bridge"},
            {"restart", s.restart_policy == "Always"      ? "always"
                        : s.restart_policy == "OnFailure" ? "on-failure"
                                                          : "never"},
            {"owner_id", owner_id},
            {"owner", s.owner},
            {"phase", cluster::JsonString(p.status, {"phase"})},
            {"message", cluster::JsonString(p.status, {"message"})},
            {"node", cluster::JsonString(p.status, {"node"})},
            {"pod_ip", cluster::JsonString(p.status, {"podIP"})},
            {"number", cluster::JsonString(p.status, {"number"})},
            {"display_ready", cluster::JsonString(p.status, {"phase"}) == "Running"}};
  return j;
}

}  // namespace vmi::node
