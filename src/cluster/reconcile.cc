#include "cluster/reconcile.h"

namespace vmi::cluster {
namespace {

std::string Str(const Json& j, std::initializer_list<const char*> path) { return JsonString(j, path); }

// The status of condition `type` in a Pod's status.conditions.
std::string PodCondition(const Json& pod, const std::string& type, std::string* reason = nullptr) {
  if (!pod.is_object() || !pod.contains("status") || !pod["status"].is_object() ||
      !pod["status"].contains("conditions") || !pod["status"]["conditions"].is_array())
    return "";
  for (const auto& c : pod["status"]["conditions"]) {
    if (JsonString(c, {"type"}) == type) {
      if (reason) *reason = JsonString(c, {"reason"});
      return JsonString(c, {"status"});
    }
  }
  return "";
}

// The first container waiting or terminated with a reason, for messages.
std::string ContainerProblem(const Json& pod) {
  if (!pod.is_object() || !pod.contains("status") || !pod["status"].is_object() ||
      !pod["status"].contains("containerStatuses") || !pod["status"]["containerStatuses"].is_array())
    return "";
  for (const auto& cs : pod["status"]["containerStatuses"]) {
    for (const char* st : {"waiting", "terminated"}) {
      std::string r = Str(cs, {"state", st, "reason"});
      if (!r.empty() && r != "Completed" && r != "ContainerCreating")
        return JsonString(cs, {"name"}) + ": " + r;
    }
  }
  return "";
}

Json Condition(const Phone& phone, const Observed& o, const std::string& type, bool ok,
               const std::string& reason, const std::string& message) {
  std::string status = ok ? "True" : "False";
  std::string since = o.now;
  // Keep the transition time while the condition's status stays.
  if (phone.status.contains("conditions") && phone.status["conditions"].is_array()) {
    for (const auto& c : phone.status["conditions"]) {
      if (JsonString(c, {"type"}) == type && JsonString(c, {"status"}) == status &&
          !JsonString(c, {"lastTransitionTime"}).empty())
        since = JsonString(c, {"lastTransitionTime"});
    }
  }
  return {{"type", type},
          {"status", status},
          {"reason", reason},
          {"message", message},
          {"lastTransitionTime", since},
          {"observedGeneration", phone.meta.generation}};
}

// Status without the times, to decide whether an update is needed.
Json Comparable(Json status) {
  if (status.contains("conditions") && status["conditions"].is_array())
    for (auto& c : status["conditions"])
      if (c.is_object()) c.erase("lastTransitionTime");
  return status;
}

}  // namespace

const char* ActionKindName(Action::Kind kind) {
  switch (kind) {
    case Action::Kind::kAddFinalizer: return "add-finalizer";
    case Action::Kind::kRemoveFinalizer: return "remove-finalizer";
    case Action::Kind::kCreateClaim: return "create-claim";
    case Action::Kind::kCreatePod: return "create-pod";
    case Action::Kind::kDeletePod: return "delete-pod";
    case Action::Kind::kDeleteClaim: return "delete-claim";
    case Action::Kind::kUpdateStatus: return "update-status";
  }
  return "?";
}

bool OwnedBy(const Json& obj, const Phone& phone) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object() ||
      !obj["metadata"].contains("ownerReferences") || !obj["metadata"]["ownerReferences"].is_array())
    return false;
  for (const auto& ref : obj["metadata"]["ownerReferences"]) {
    if (JsonString(ref, {"uid"}) == phone.meta.uid && JsonString(ref, {"kind"}) == "Phone" &&
        ref.is_object() && ref.contains("controller") && ref["controller"] == true)
      return true;
  }
  return false;
}

Json ComputeStatus(const Phone& phone, const Observed& o) {
  Json st = {{"observedGeneration", phone.meta.generation}};
  std::string phase, message;
  bool ready = false, scheduled = false;
  std::string sched_reason = "NoPod";
  const bool claim_bound = o.claim && Str(*o.claim, {"status", "phase"}) == "Bound";
  if (o.pod) {
    const Json& pod = *o.pod;
    std::string pod_phase = Str(pod, {"status", "phase"});
    std::string node = Str(pod, {"spec", "nodeName"});
    std::string ip = Str(pod, {"status", "podIP"});
    if (!node.empty()) st["node"] = node;
    if (!ip.empty()) st["podIP"] = ip;
    std::string r;
    scheduled = PodCondition(pod, "PodScheduled", &r) == "True" || !node.empty();
    sched_reason = scheduled ? "Scheduled" : (r.empty() ? "Pending" : r);
    ready = PodCondition(pod, "Ready") == "True";
    message = ContainerProblem(pod);
    if (pod_phase == "Running") phase = ready ? "Running" : "Starting";
    else if (pod_phase == "Succeeded") phase = "Stopped";
    else if (pod_phase == "Failed") phase = "Failed";
    else phase = scheduled ? "Starting" : "Pending";
  } else {
    phase = phone.spec.running ? "Pending" : "Stopped";
  }
  const bool refused = !o.refused.empty() && !o.pod;
  if (refused) {
    phase = "Failed";
    message = o.refused;
  }
  if (phone.meta.deleting) phase = "Terminating";
  st["phase"] = phase;
  if (!o.number.empty()) st["number"] = o.number;
  if (!message.empty()) st["message"] = message;
  st["conditions"] = Json::array({
      Condition(phone, o, "Ready", ready, ready ? "PodReady" : phase, message),
      Condition(phone, o, "PodScheduled", scheduled, sched_reason, ""),
      Condition(phone, o, "StorageBound", claim_bound,
                claim_bound ? "Bound" : (o.claim ? "Pending" : "NoClaim"), ""),
      Condition(phone, o, "Admitted", !refused, refused ? "QuotaExceeded" : "Admitted",
                refused ? o.refused : ""),
  });
  return st;
}

Plan Reconcile(const Phone& phone, const Observed& o, const PodOptions& options) {
  Plan plan;
  auto act = [&plan](Action::Kind k, Json obj = nullptr, std::string name = "") {
    plan.actions.push_back(Action{k, std::move(obj), std::move(name)});
  };
  auto event = [&plan](std::string type, std::string reason, std::string msg) {
    plan.events.push_back({std::move(type), std::move(reason), std::move(msg)});
  };
  const bool pod_ours = o.pod && OwnedBy(*o.pod, phone);
  const bool claim_ours = o.claim && OwnedBy(*o.claim, phone);

  if (phone.meta.deleting) {
    if (!phone.meta.HasFinalizer(kFinalizer)) return plan;
    if (pod_ours && !Str(*o.pod, {"metadata", "deletionTimestamp"}).size())
      act(Action::Kind::kDeletePod, nullptr, PodName(phone));
    if (claim_ours && !Str(*o.claim, {"metadata", "deletionTimestamp"}).size())
      act(Action::Kind::kDeleteClaim, nullptr, ClaimName(phone));
    if (!pod_ours && !claim_ours) {
      act(Action::Kind::kRemoveFinalizer);
      event("Normal", "Released", "storage, number and quota released; the phone can go");
    }
    return plan;
  }
  if (!phone.meta.HasFinalizer(kFinalizer)) {
    act(Action::Kind::kAddFinalizer);
    return plan;
  }
  if (!o.refused.empty() && !o.pod) {
    // Not admitted: nothing is created, the status says why, and the event
    // is recorded once (when the status first says so).
    Json status = ComputeStatus(phone, o);
    if (Comparable(status) != Comparable(phone.status)) {
      act(Action::Kind::kUpdateStatus, status);
      if (Str(phone.status, {"message"}) != o.refused)
        event("Warning", "QuotaExceeded", o.refused);
    }
    return plan;
  }
  if (!o.claim) {
    act(Action::Kind::kCreateClaim, DesiredClaim(phone));
  } else if (!claim_ours) {
    event("Warning", "ClaimConflict", "claim " + ClaimName(phone) + " exists and is not this phone's");
  }
  Json desired = DesiredPod(phone, options);
  if (o.pod && !pod_ours) {
    event("Warning", "PodConflict", "pod " + PodName(phone) + " exists and is not this phone's");
  } else if (phone.spec.running) {
    if (!o.pod) {
      act(Action::Kind::kCreatePod, desired);
      event("Normal", "Created", "created pod " + PodName(phone));
    } else if (Str(*o.pod, {"metadata", "deletionTimestamp"}).empty() &&
               Str(*o.pod, {"metadata", "annotations", kSpecHashAnnotation}) !=
                   desired["metadata"]["annotations"][kSpecHashAnnotation].get<std::string>()) {
      act(Action::Kind::kDeletePod, nullptr, PodName(phone));
      event("Normal", "Replacing", "the phone's spec changed; replacing its pod");
    }
  } else if (o.pod && Str(*o.pod, {"metadata", "deletionTimestamp"}).empty()) {
    act(Action::Kind::kDeletePod, nullptr, PodName(phone));
    event("Normal", "Stopping", "deleting pod " + PodName(phone) + " (spec.running is false)");
  }
  Json status = ComputeStatus(phone, o);
  if (Comparable(status) != Comparable(phone.status)) act(Action::Kind::kUpdateStatus, status);
  return plan;
}

}  // namespace vmi::cluster
