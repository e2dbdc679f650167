// Reconciling one Phone, as a pure function: from the Phone and what exists
// (its Pod and its claim, as the controller's caches see them) to the
// actions that move the cluster toward the Phone's spec, and the status
// that describes it. The controller (controller.h) carries the actions out
// and calls Reconcile again on the next change; nothing here does I/O, so
// every rule is tested as data (reconcile_test.cc).
//
// Rules, in order:
//   1. A Phone being deleted: delete its Pod, then its claim; when both are
//      gone, remove the finalizer (the API server then deletes the Phone).
//   2. A Phone without the finalizer gets it first (nothing else in that
//      pass), so no Pod ever exists for a Phone that could vanish unseen.
//   3. The claim is created when missing (it outlives stops).
//   4. running: the Pod is created when missing, replaced when its spec
//      hash differs; not running: the Pod is deleted. A Pod of the same
//      name that the Phone does not own is left alone (event, no action).
//   5. The status is recomputed; an update is planned only if it changed.
// Admission (quotas, node/kube_ledger.h) is decided outside, with I/O, and
// given in Observed::refused: a refused Phone without a Pod gets neither a
// claim nor a Pod, phase Failed, condition Admitted=False (QuotaExceeded)
// and one event; a Pod that already runs is never taken away by it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/desired.h"
#include "cluster/phone.h"

namespace vmi::cluster {

struct Action {
  enum class Kind {
    kAddFinalizer,
    kRemoveFinalizer,
    kCreateClaim,
    kCreatePod,
    kDeletePod,
    kDeleteClaim,
    kUpdateStatus,
  };
  Kind kind;
  Json object = nullptr;  // create: the object; update status: the status
  std::string name;       // delete: the object's name
};
const char* ActionKindName(Action::Kind kind);

// An event to record on the Phone (core/v1 Event: type, reason, message).
struct PhoneEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<PhoneEvent> events;
};

struct Observed {
  std::optional<Json> pod;    // phone-<name>, if it exists
  std::optional<Json> claim;  // phone-<name>-data, if it exists
  // RFC 3339, for conditions' lastTransitionTime.
  std::string now;
  // Why the Phone may not run (its owner's quota, an unknown owner); empty
  // when it is admitted.
  std::string refused;
  // The phone's number, when one is assigned (status.number).
  std::string number;
};

Plan Reconcile(const Phone& phone, const Observed& observed, const PodOptions& options);

// The Phone's status from its Pod and claim:
//   phase: Pending (no Pod yet / unschedulable) | Starting | Running |
//          Stopped | Failed | Terminating
//   node, podIP, observedGeneration, conditions Ready / PodScheduled /
//   StorageBound, Admitted (a condition's lastTransitionTime is kept while
//   its status does not change); number.
Json ComputeStatus(const Phone& phone, const Observed& observed);

// True when `obj`'s controller owner reference is the Phone.
bool OwnedBy(const Json& obj, const Phone& phone);

}  // namespace vmi::cluster
