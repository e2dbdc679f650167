// The Phone resource (phones.vmi.dev/v1): one cloud phone on a Kubernetes
// cluster. The CustomResourceDefinition is deploy/kubernetes/base/
// crd-phones.yaml; ParsePhone applies the same rules as its schema, so a
// Phone that reaches the controller some other way (an older CRD, a test)
// is held to them too.
//
//   apiVersion: vmi.dev/v1
//   kind: Phone
//   metadata: {name: alice-1, namespace: phones}
//   spec:
//     image: registry.example/vmi/linux-mobile:1     (an OCI reference)
//     guest: linux-mobile | phone | win32 | rootfs | android
//     owner: alice                                    (the vmi user)
//     running: true
//     restartPolicy: Always | OnFailure | Never
//     resources: {cpu: "1", memory: 1Gi}
//     display: {width: 720, height: 1280, dpi: 320}
//     network: pod | none
//     storage: {size: 2Gi, storageClassName: fast}
//   status:
//     phase, node, podIP, observedGeneration, conditions[] (status.h)
//
// Plain values; no I/O, no threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace vmi::cluster {

using Json = nlohmann::json;

inline constexpr char kGroup[] = "vmi.dev";
inline constexpr char kVersion[] = "v1";
inline constexpr char kApiVersion[] = "vmi.dev/v1";
// The finalizer the controller puts on every Phone: it releases the phone's
// storage (and its line in the node's numbering) before the Phone goes.
inline constexpr char kFinalizer[] = "vmi.dev/release";

enum class GuestKind { kLinuxMobile, kPhone, kWin32, kRootfs, kAndroid };
const char* GuestKindName(GuestKind kind);

struct PhoneSpec {
  std::string image;
  GuestKind guest = GuestKind::kLinuxMobile;
  std::string owner;
  bool running = true;
  std::string restart_policy = "Always";
  std::string cpu = "1";       // Kubernetes quantity
  std::string memory = "1Gi";  // Kubernetes quantity
  int width = 720, height = 1280, dpi = 320;
  std::string network = "pod";  // pod: the Pod network; none: no egress
  std::string storage_size = "2Gi";
  std::string storage_class;  // empty: the cluster's default
};

// The metadata fields the controller reads.
struct ObjectMeta {
  std::string name, ns, uid, resource_version;
  int64_t generation = 0;
  bool deleting = false;  // metadata.deletionTimestamp is set
  std::vector<std::string> finalizers;
  bool HasFinalizer(const std::string& f) const;
};

struct Phone {
  ObjectMeta meta;
  PhoneSpec spec;
  Json status = Json::object();  // as stored
};

// The string at `path` in `j` ("" when a step is missing or not an object,
// or the value is not a string). Never throws: objects from the API server
// are data, not promises.
std::string JsonString(const Json& j, std::initializer_list<const char*> path);

// Reads metadata of any object (name, namespace, uid, resourceVersion,
// generation, deletionTimestamp, finalizers).
ObjectMeta ParseMeta(const Json& object);

// Reads and validates a Phone; kInvalidArgument names the first bad field
// ("spec.display.width: ...").
Result<Phone> ParsePhone(const Json& object);

// Kubernetes quantities as the CRD accepts them: cpu "500m", "1", "1.5";
// memory/storage "512Mi", "2Gi", "1073741824".
bool IsCpuQuantity(const std::string& q);
bool IsByteQuantity(const std::string& q);
// Their values, for quotas: millicpus (rounded up) and bytes; -1 when the
// quantity is not valid or does not fit.
int64_t CpuMilli(const std::string& q);
int64_t QuantityBytes(const std::string& q);

}  // namespace vmi::cluster
