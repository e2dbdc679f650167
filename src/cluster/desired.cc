#include "cluster/desired.h"

#include <cstdio>

#include "cluster/gate_token.h"

namespace vmi::cluster {
namespace {

constexpr int64_t kGuestUid = 65532;

Json RestrictedContainerContext() {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", {"ALL"}}}},
          {"runAsNonRoot", true},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

}  // namespace

std::string PodName(const Phone& phone) { return "phone-" + phone.meta.name; }
std::string ClaimName(const Phone& phone) { return "phone-" + phone.meta.name + "-data"; }

Json PhoneLabels(const Phone& phone) {
  return {{"app.kubernetes.io/name", "vmi-phone"},
          {"app.kubernetes.io/part-of", "vmi"},
          {"app.kubernetes.io/managed-by", "vmi-controller"},
          {kPhoneLabel, phone.meta.name},
          {kOwnerLabel, phone.spec.owner}};
}

Json OwnerReference(const Phone& phone) {
  return {{"apiVersion", kApiVersion},
          {"kind", "Phone"},
          {"name", phone.meta.name},
          {"uid", phone.meta.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

std::string PodSpecHash(const Json& pod_spec) {
  // FNV-1a 64 of the canonical dump (nlohmann sorts object keys): a change
  // detector, not a security digest.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : pod_spec.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Json DesiredPod(const Phone& phone, const PodOptions& options) {
  const PhoneSpec& s = phone.spec;
  const bool android = s.guest == GuestKind::kAndroid;
  auto dim = [](int v) { return std::to_string(v); };
  Json env = Json::array({
      {{"name", "VMI_INSTANCE"}, {"value", phone.meta.name}},
      {{"name", "VMI_NAME"}, {"value", phone.meta.name}},
      {{"name", "VMI_WIDTH"}, {"value", dim(s.width)}},
      {{"name", "VMI_HEIGHT"}, {"value", dim(s.height)}},
      {{"name", "VMI_DPI"}, {"value", dim(s.dpi)}},
      {{"name", "VMI_SCREEN_SIDE"}, {"value", dim(std::max(s.width, s.height))}},
      {{"name", "VMI_DEVDIR"}, {"value", "/run/vmi"}},
      // vmi-init starts the exec agent there (guest/exec/exec_agent.h);
      // the gate forwards exec requests to it.
      {{"name", "VMI_EXEC_SOCKET"}, {"value", "/run/vmi/exec.sock"}},
  });
  Json devdir_mount = {{"name", "devdir"}, {"mountPath", "/run/vmi"}};
  Json guest = {
      {"name", "guest"},
      {"image", s.image},
      {"env", env},
      {"resources",
       {{"requests", {{"cpu", s.cpu}, {"memory", s.memory}}},
        {"limits", {{"cpu", s.cpu}, {"memory", s.memory}}}}},
      {"volumeMounts", Json::array({devdir_mount, {{"name", "data"}, {"mountPath", "/data"}}})},
  };
  Json devhost = {
      {"name", "devhost"},
      {"image", options.devhost_image},
      {"command", {"/opt/vmi/bin/vmi-devhost"}},
      {"args",
       {"--id", phone.meta.name, "--name", phone.meta.name, "--devdir", "/run/vmi", "--socket",
        "/run/vmi/devhost.sock", "--width", dim(s.width), "--height", dim(s.height), "--dpi",
        dim(s.dpi)}},
      {"resources",
       {{"requests", {{"cpu", "100m"}, {"memory", "32Mi"}}},
        {"limits", {{"cpu", "1"}, {"memory", "256Mi"}}}}},
      {"volumeMounts", Json::array({devdir_mount})},
      {"securityContext", RestrictedContainerContext()},
  };
  if (!options.modem_lines.empty()) {
    // The phone's modem: its endpoint in the device directory, its line at
    // the cluster's vmi-modem (docs/kubernetes.md, "Telephony").
    devhost["args"].push_back("--modem-line");
    devhost["args"].push_back(options.modem_lines);
    devhost["env"] = Json::array({{{"name", "VMI_LINE_TOKEN"},
                                   {"value", LineToken(options.gate_key, phone.meta.uid)}}});
  }
  Json gate = {
      {"name", "gate"},
      {"image", options.devhost_image},
      {"command", {"/opt/vmi/bin/vmi-gate"}},
      {"args",
       {"--id", phone.meta.name, "--devdir", "/run/vmi", "--listen",
        "0.0.0.0:" + std::to_string(options.gate_port), "--kind", GuestKindName(s.guest),
        "--apps-dir", "/var/lib/vmi-gate"}},
      {"env", Json::array({{{"name", "VMI_GATE_TOKEN"},
                            {"value", GateToken(options.gate_key, phone.meta.uid)}}})},
      {"ports", Json::array({{{"name", "gate"},
                              {"containerPort", options.gate_port},
                              {"protocol", "TCP"}}})},
      {"resources",
       {{"requests", {{"cpu", "10m"}, {"memory", "8Mi"}}},
        {"limits", {{"cpu", "500m"}, {"memory", "64Mi"}}}}},
      // The app records (gate_apps.h) and the upload spool: the gate's
      // own, out of the guest's reach.
      {"volumeMounts",
       Json::array({devdir_mount, {{"name", "gate"}, {"mountPath", "/var/lib/vmi-gate"}}})},
      {"securityContext", RestrictedContainerContext()},
  };
  Json volumes = Json::array({
      {{"name", "devdir"}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "256Mi"}}}},
      {{"name", "data"}, {"persistentVolumeClaim", {{"claimName", ClaimName(phone)}}}},
      {{"name", "gate"}, {"emptyDir", {{"sizeLimit", "512Mi"}}}},
  });
  Json spec = {
      {"restartPolicy", s.restart_policy},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", 10},
      {"volumes", volumes},
  };
  if (android) {
    // The documented exception: binder comes from the node agent's
    // binderfs, and Android mounts its own file systems.
    guest["securityContext"] = {{"allowPrivilegeEscalation", true},
                                {"capabilities", {{"add", {"SYS_ADMIN", "NET_ADMIN", "SYS_NICE"}}}},
                                {"seccompProfile", {{"type", "Unconfined"}}}};
    guest["volumeMounts"].push_back({{"name", "binderfs"}, {"mountPath", "/dev/binderfs"}});
    spec["volumes"].push_back(
        {{"name", "binderfs"},
         {"hostPath", {{"path", options.binderfs_host_path}, {"type", "Directory"}}}});
  } else {
    guest["securityContext"] = RestrictedContainerContext();
    spec["hostUsers"] = false;
    spec["securityContext"] = {{"runAsNonRoot", true},
                               {"runAsUser", kGuestUid},
                               {"runAsGroup", kGuestUid},
                               {"fsGroup", kGuestUid},
                               {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  }
  spec["containers"] = Json::array({guest, devhost, gate});

  Json labels = PhoneLabels(phone);
  labels[kNetworkLabel] = s.network;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", PodName(phone)},
            {"namespace", phone.meta.ns},
            {"labels", labels},
            {"annotations",
             {{kSpecHashAnnotation, PodSpecHash(spec)}, {"vmi.dev/guest", GuestKindName(s.guest)}}},
            {"ownerReferences", Json::array({OwnerReference(phone)})}}},
          {"spec", spec}};
}

Json DesiredClaim(const Phone& phone) {
  Json spec = {{"accessModes", {"ReadWriteOnce"}},
               {"resources", {{"requests", {{"storage", phone.spec.storage_size}}}}}};
  if (!phone.spec.storage_class.empty()) spec["storageClassName"] = phone.spec.storage_class;
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata",
           {{"name", ClaimName(phone)},
            {"namespace", phone.meta.ns},
            {"labels", PhoneLabels(phone)},
            {"ownerReferences", Json::array({OwnerReference(phone)})}}},
          {"spec", spec}};
}

}  // namespace vmi::cluster
