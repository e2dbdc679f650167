// What a Phone becomes (pure functions of the Phone and the controller's
// options; reconcile.h compares them with what exists):
//
//   Pod  phone-<name>        two containers sharing the instance's device
//                            directory through an emptyDir at /run/vmi:
//                              guest    the phone's image (vmi-init as PID 1)
//                              devhost  vmi-devhost from the vmi image: display
//                                       capture, input, sound, VNC for it
//                              gate     vmi-gate from the vmi image: the only
//                                       port of the Pod (gate_port), where the
//                                       control plane (with the phone's token)
//                                       reaches the device host's routes
//   PVC  phone-<name>-data   the phone's writable data, at /data in the guest
//
// Both carry the labels below and an owner reference to the Phone
// (controller, blockOwnerDeletion), so deleting the Phone deletes them even
// without the controller; the controller's finalizer orders it.
//
// Security: every guest kind but android runs under the `restricted` Pod
// Security Standard: a user namespace (hostUsers: false), non-root uid,
// seccomp RuntimeDefault, no privilege escalation, all capabilities
// dropped. Android needs binder from the node (a hostPath of the node
// agent's binderfs) and CAP_SYS_ADMIN for its own mounts: the documented
// exception (docs/kubernetes.md), in a namespace labelled privileged.
#pragma once

#include <string>

#include "cluster/phone.h"

namespace vmi::cluster {

struct PodOptions {
  // The OCI image of vmi (deploy/oci/build-vmi-image.sh), for the devhost
  // container.
  std::string devhost_image = "vmi:latest";
  // Where the node agent mounts binderfs instances (android only).
  std::string binderfs_host_path = "/dev/binderfs";
  // The gate (vmi-gate): its port, and the key its token is made with
  // (gate_token.h).
  int gate_port = 7070;
  std::string gate_key;
  // The cluster's vmi-modem line port (HOST:PORT, e.g. its Service's name);
  // empty: the phones have no modem. The device host connects its line
  // there with the line's token (gate_token.h, LineToken).
  std::string modem_lines;
};

inline constexpr char kPhoneLabel[] = "vmi.dev/phone";
inline constexpr char kOwnerLabel[] = "vmi.dev/owner";
inline constexpr char kNetworkLabel[] = "vmi.dev/network";
inline constexpr char kSpecHashAnnotation[] = "vmi.dev/spec-hash";

std::string PodName(const Phone& phone);
std::string ClaimName(const Phone& phone);

// Labels every object of the phone carries (the Pod's are a superset).
Json PhoneLabels(const Phone& phone);
Json OwnerReference(const Phone& phone);

Json DesiredPod(const Phone& phone, const PodOptions& options);
Json DesiredClaim(const Phone& phone);

// A digest of what the Pod runs (its spec), recorded in the Pod's
// kSpecHashAnnotation: a Pod whose digest differs is replaced (a Pod's spec
// is mostly immutable).
std::string PodSpecHash(const Json& pod_spec);

}  // namespace vmi::cluster
