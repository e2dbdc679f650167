// KubePhones: the instance API's view of Phones (cluster/phone.h) in one
// namespace of a cluster, for `vmi serve --kubernetes`. Every call is one or
// a few requests to the Kubernetes API (read-your-writes: a Phone created
// by one replica is listed by the next request to any replica); the
// controller's caches are not used here.
//
//   instance API                  Kubernetes
//   POST   /instances             POST phones (then KubeLedger::Admit; a
//                                 refusal deletes it again and is the answer)
//   GET    /instances[/{id}]      GET phones[/NAME]
//   DELETE /instances/{id}        DELETE phones/NAME (the finalizer releases)
//   start | stop                  PUT phones/NAME with spec.running (409: again)
//   restart                       DELETE pods/phone-NAME (the controller makes
//                                 a new one)
//   GET    /instances/{id}/logs   GET pods/phone-NAME/log?container=guest
//
// An instance's JSON (PhoneInstanceJson) carries the node API's fields that make
// sense for a Phone plus `phase`, `node`, `pod_ip` and `number`.
//
// Threads: thread-safe; each call makes its own KubeClient (one connection).
#pragma once

#include <string>
#include <vector>

#include "cluster/kube_client.h"
#include "cluster/phone.h"
#include "runtime/core/instance_spec.h"

namespace vmi::node {

struct KubePhonesOptions {
  cluster::KubeConfig config;
  std::string ns;  // the phones' namespace
  // An instance's image name `lm` becomes the OCI reference
  // `<image_prefix>lm:<image_tag>` (images are pushed there with vmi image
  // export + skopeo; docs/kubernetes.md).
  std::string image_prefix = "vmi/";
  std::string image_tag = "latest";
};

class KubePhones {
 public:
  explicit KubePhones(KubePhonesOptions options) : options_(std::move(options)) {}

  Result<std::vector<cluster::Phone>> List();
  // kNotFound when there is none.
  Result<cluster::Phone> Get(const std::string& name);
  // Creates the Phone of `spec` for `owner` (running when `start`); the
  // answer is the stored object (with its uid).
  Result<cluster::Phone> Create(const runtime::InstanceSpec& spec, const std::string& owner,
                                bool start);
  Result<void> Delete(const std::string& name);
  Result<cluster::Phone> SetRunning(const std::string& name, bool running);
  // Deletes the phone's Pod (the controller creates a new one).
  Result<void> RestartPod(const std::string& name);

  // The last `tail_bytes` of the guest container's log, from the
  // Kubernetes API (pods/phone-NAME/log, at most kMaxGuestLog read); empty
  // when the phone has no Pod.
  static constexpr size_t kMaxGuestLog = 16 << 20;
  Result<std::string> GuestLog(const std::string& name, size_t tail_bytes);

  // The Phone object a create request makes (pure; tested).
  cluster::Json PhoneObject(const runtime::InstanceSpec& spec, const std::string& owner, bool start) const;
  const KubePhonesOptions& options() const { return options_; }

 private:
  std::string Path(const std::string& name = "") const;
  const KubePhonesOptions options_;
};

// The instance JSON of a Phone; `number` from KubeLedger ("" if none).
cluster::Json PhoneInstanceJson(const cluster::Phone& phone, int64_t owner_id);
// "running" | "starting" | "stopped" | "exited" | "created" | "stopping",
// the node API's states, from the Phone's status.
std::string InstanceStateOf(const cluster::Phone& phone);

}  // namespace vmi::node
