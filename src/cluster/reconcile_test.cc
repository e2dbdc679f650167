// The reconcile rules as data: a Phone and what exists in, actions, events
// and status out.
#include "cluster/reconcile.h"
#include "cluster/gate_token.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vmi::cluster {
namespace {

using K = Action::Kind;

Phone MakePhone(GuestKind guest = GuestKind::kLinuxMobile) {
  Json j = {{"apiVersion", "vmi.dev/v1"},
            {"kind", "Phone"},
            {"metadata",
             {{"name", "p1"},
              {"namespace", "phones"},
              {"uid", "uid-1"},
              {"generation", 2},
              {"finalizers", {kFinalizer}}}},
            {"spec", {{"image", "reg.example/vmi/lm:1"}, {"owner", "alice"}, {"guest", GuestKindName(guest)}}}};
  auto p = ParsePhone(j);
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  return *p;
}

std::vector<K> Kinds(const Plan& plan) {
  std::vector<K> out;
  for (const auto& a : plan.actions) out.push_back(a.kind);
  return out;
}

// What the API server makes of a created object: it exists, with a phase.
Json Existing(Json obj, const std::string& phase = "") {
  if (!phase.empty()) obj["status"]["phase"] = phase;
  return obj;
}

TEST(ReconcileTest, FinalizerComesFirstAndAlone) {
  Phone p = MakePhone();
  p.meta.finalizers.clear();
  Plan plan = Reconcile(p, {}, {});
  EXPECT_EQ(Kinds(plan), std::vector<K>{K::kAddFinalizer});
}

// A Phone over its owner's quota: no claim, no Pod, Failed with the reason,
// one event; once admitted it gets both; a running Pod is never taken away.
TEST(ReconcileTest, RefusedPhoneGetsNothingButItsStatus) {
  Phone p = MakePhone();
  Observed o{.now = "2026-01-01T00:00:00Z", .refused = "quota: at most 1 instance"};
  Plan plan = Reconcile(p, o, {});
  ASSERT_EQ(Kinds(plan), std::vector<K>{K::kUpdateStatus});
  const Json& st = plan.actions[0].object;
  EXPECT_EQ(st["phase"], "Failed");
  EXPECT_EQ(st["message"], "quota: at most 1 instance");
  EXPECT_EQ(st["conditions"][3]["type"], "Admitted");
  EXPECT_EQ(st["conditions"][3]["status"], "False");
  EXPECT_EQ(st["conditions"][3]["reason"], "QuotaExceeded");
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "QuotaExceeded");
  // The same refusal again: the status says it already, nothing to do.
  p.status = st;
  EXPECT_TRUE(Reconcile(p, o, {}).actions.empty());
  EXPECT_TRUE(Reconcile(p, o, {}).events.empty());
  // Admitted later (another phone of the owner went), with its number.
  o.refused.clear();
  o.number = "+15550100001";
  Plan admitted = Reconcile(p, o, {});
  ASSERT_EQ(Kinds(admitted), (std::vector<K>{K::kCreateClaim, K::kCreatePod, K::kUpdateStatus}));
  const Json& st2 = admitted.actions[2].object;
  EXPECT_EQ(st2["phase"], "Pending");
  EXPECT_EQ(st2["number"], "+15550100001");
  EXPECT_EQ(st2["conditions"][3]["status"], "True");
  // A Pod that runs already stays even if the quota no longer covers it.
  o.refused = "quota lowered";
  o.pod = Existing(admitted.actions[1].object, "Running");
  o.claim = Existing(admitted.actions[0].object, "Bound");
  for (const auto& a : Reconcile(p, o, {}).actions) EXPECT_NE(a.kind, K::kDeletePod);
}

TEST(ReconcileTest, NewPhoneGetsClaimPodAndStatus) {
  Phone p = MakePhone();
  Plan plan = Reconcile(p, {.now = "2026-01-01T00:00:00Z"}, {.devhost_image = "reg/vmi:9"});
  ASSERT_EQ(Kinds(plan), (std::vector<K>{K::kCreateClaim, K::kCreatePod, K::kUpdateStatus}));
  const Json& claim = plan.actions[0].object;
  EXPECT_EQ(claim["metadata"]["name"], "phone-p1-data");
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "2Gi");
  EXPECT_FALSE(claim["spec"].contains("storageClassName"));
  const Json& pod = plan.actions[1].object;
  EXPECT_EQ(pod["metadata"]["name"], "phone-p1");
  EXPECT_EQ(pod["metadata"]["namespace"], "phones");
  EXPECT_EQ(pod["metadata"]["labels"]["vmi.dev/phone"], "p1");
  EXPECT_EQ(pod["metadata"]["labels"]["vmi.dev/owner"], "alice");
  EXPECT_EQ(pod["metadata"]["labels"]["vmi.dev/network"], "pod");
  const Json& ref = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(ref["uid"], "uid-1");
  EXPECT_EQ(ref["controller"], true);
  EXPECT_EQ(ref["blockOwnerDeletion"], true);
  EXPECT_TRUE(OwnedBy(pod, p));
  EXPECT_TRUE(OwnedBy(claim, p));
  // Guest and device host share only the device directory.
  const Json& spec = pod["spec"];
  ASSERT_EQ(spec["containers"].size(), 3u);
  const Json& guest = spec["containers"][0];
  const Json& devhost = spec["containers"][1];
  // The gate: the Pod's only port, its token made from the key and the uid.
  const Json& gate = spec["containers"][2];
  EXPECT_EQ(gate["volumeMounts"][0], devhost["volumeMounts"][0]);
  // The app records and upload spool: the gate's own volume, the guest's
  // kind for the upload checks.
  EXPECT_EQ(gate["volumeMounts"][1]["name"], "gate");
  EXPECT_EQ(spec["volumes"][2]["name"], "gate");
  EXPECT_NE(std::find(gate["args"].begin(), gate["args"].end(), "--kind"), gate["args"].end());
  EXPECT_EQ(gate["ports"][0]["containerPort"], 7070);
  EXPECT_EQ(gate["env"][0]["value"], GateToken("", "uid-1"));
  EXPECT_NE(GateToken("k1", "uid-1"), GateToken("k2", "uid-1"));
  EXPECT_NE(GateToken("k1", "uid-1"), GateToken("k1", "uid-2"));
  EXPECT_EQ(GateToken("k1", "uid-1").size(), 64u);
  EXPECT_EQ(guest["image"], "reg.example/vmi/lm:1");
  EXPECT_EQ(devhost["image"], "reg/vmi:9");
  EXPECT_EQ(guest["volumeMounts"][0], (Json{{"name", "devdir"}, {"mountPath", "/run/vmi"}}));
  EXPECT_EQ(devhost["volumeMounts"], Json::array({{{"name", "devdir"}, {"mountPath", "/run/vmi"}}}));
  EXPECT_EQ(spec["volumes"][0]["emptyDir"]["medium"], "Memory");
  EXPECT_EQ(spec["volumes"][1]["persistentVolumeClaim"]["claimName"], "phone-p1-data");
  EXPECT_EQ(guest["resources"]["limits"]["memory"], "1Gi");
  // The restricted profile.
  EXPECT_EQ(spec["hostUsers"], false);
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  for (const auto& c : spec["containers"]) {
    EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
    EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json{"ALL"});
  }
  const Json& status = plan.actions[2].object;
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(status["observedGeneration"], 2);
  EXPECT_EQ(status["conditions"][0]["type"], "Ready");
  EXPECT_EQ(status["conditions"][0]["status"], "False");
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "Created");
}

TEST(ReconcileTest, AndroidIsTheDocumentedException) {
  Phone p = MakePhone(GuestKind::kAndroid);
  Json pod = DesiredPod(p, {});
  EXPECT_FALSE(pod["spec"].contains("hostUsers"));
  const Json& guest = pod["spec"]["containers"][0];
  EXPECT_EQ(guest["securityContext"]["capabilities"]["add"][0], "SYS_ADMIN");
  EXPECT_EQ(pod["spec"]["volumes"].back()["hostPath"]["path"], "/dev/binderfs");
  // Its device host stays restricted.
  EXPECT_EQ(pod["spec"]["containers"][1]["securityContext"]["allowPrivilegeEscalation"], false);
}

TEST(ReconcileTest, RunningPodGivesRunningStatusAndNothingElse) {
  Phone p = MakePhone();
  Json pod = Existing(DesiredPod(p, {}), "Running");
  pod["spec"]["nodeName"] = "node-a";
  pod["status"]["podIP"] = "10.1.2.3";
  pod["status"]["conditions"] = {{{"type", "PodScheduled"}, {"status", "True"}},
                                 {{"type", "Ready"}, {"status", "True"}}};
  Json claim = Existing(DesiredClaim(p), "Bound");
  Observed o{.pod = pod, .claim = claim, .now = "2026-01-01T00:00:05Z"};
  Plan plan = Reconcile(p, o, {});
  ASSERT_EQ(Kinds(plan), std::vector<K>{K::kUpdateStatus});
  Json st = plan.actions[0].object;
  EXPECT_EQ(st["phase"], "Running");
  EXPECT_EQ(st["node"], "node-a");
  EXPECT_EQ(st["podIP"], "10.1.2.3");
  for (const auto& c : st["conditions"]) EXPECT_EQ(c["status"], "True") << c.dump();
  // Once stored, the same observation plans nothing: no status churn.
  p.status = st;
  o.now = "2026-01-01T00:09:00Z";
  EXPECT_TRUE(Reconcile(p, o, {}).actions.empty());
  // A condition that flips gets a new transition time; the others keep theirs.
  o.pod->at("status")["conditions"][1]["status"] = "False";
  o.pod->at("status")["containerStatuses"] = {
      {{"name", "guest"}, {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}};
  Plan again = Reconcile(p, o, {});
  ASSERT_EQ(Kinds(again), std::vector<K>{K::kUpdateStatus});
  const Json& st2 = again.actions[0].object;
  EXPECT_EQ(st2["phase"], "Starting");
  EXPECT_EQ(st2["message"], "guest: CrashLoopBackOff");
  EXPECT_EQ(st2["conditions"][0]["lastTransitionTime"], "2026-01-01T00:09:00Z");
  EXPECT_EQ(st2["conditions"][1]["lastTransitionTime"], "2026-01-01T00:00:05Z");
}

TEST(ReconcileTest, UnschedulablePodIsPending) {
  Phone p = MakePhone();
  Json pod = Existing(DesiredPod(p, {}), "Pending");
  pod["status"]["conditions"] = {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}};
  Json st = ComputeStatus(p, {.pod = pod, .now = "t"});
  EXPECT_EQ(st["phase"], "Pending");
  EXPECT_EQ(st["conditions"][1]["reason"], "Unschedulable");
}

TEST(ReconcileTest, StopDeletesThePodAndKeepsTheClaim) {
  Phone p = MakePhone();
  p.spec.running = false;
  Json pod = Existing(DesiredPod(p, {}), "Running");
  Json claim = Existing(DesiredClaim(p), "Bound");
  Plan plan = Reconcile(p, {.pod = pod, .claim = claim, .now = "t"}, {});
  EXPECT_EQ(Kinds(plan), (std::vector<K>{K::kDeletePod, K::kUpdateStatus}));
  EXPECT_EQ(plan.actions[0].name, "phone-p1");
  Json st = ComputeStatus(p, {.claim = claim, .now = "t"});
  EXPECT_EQ(st["phase"], "Stopped");
}

TEST(ReconcileTest, SpecChangeReplacesThePod) {
  Phone p = MakePhone();
  Json pod = Existing(DesiredPod(p, {}), "Running");
  Json claim = Existing(DesiredClaim(p), "Bound");
  p.spec.memory = "4Gi";
  Plan plan = Reconcile(p, {.pod = pod, .claim = claim, .now = "t"}, {});
  ASSERT_FALSE(plan.actions.empty());
  EXPECT_EQ(plan.actions[0].kind, K::kDeletePod);
  // A Pod already terminating is not deleted again.
  pod["metadata"]["deletionTimestamp"] = "t";
  Plan later = Reconcile(p, {.pod = pod, .claim = claim, .now = "t"}, {});
  for (const auto& a : later.actions) EXPECT_NE(a.kind, K::kDeletePod);
}

TEST(ReconcileTest, ForeignObjectsAreLeftAlone) {
  Phone p = MakePhone();
  Json pod = DesiredPod(p, {});
  pod["metadata"]["ownerReferences"][0]["uid"] = "someone-else";
  Json claim = DesiredClaim(p);
  claim["metadata"].erase("ownerReferences");
  Plan plan = Reconcile(p, {.pod = pod, .claim = claim, .now = "t"}, {});
  for (const auto& a : plan.actions)
    EXPECT_EQ(a.kind, K::kUpdateStatus) << ActionKindName(a.kind);
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(plan.events[0].reason, "ClaimConflict");
  EXPECT_EQ(plan.events[1].reason, "PodConflict");
  // Nor deleted with the phone.
  p.meta.deleting = true;
  EXPECT_EQ(Kinds(Reconcile(p, {.pod = pod, .claim = claim}, {})), std::vector<K>{K::kRemoveFinalizer});
}

TEST(ReconcileTest, DeletionReleasesPodThenClaimThenFinalizer) {
  Phone p = MakePhone();
  p.meta.deleting = true;
  Json pod = Existing(DesiredPod(p, {}), "Running");
  Json claim = Existing(DesiredClaim(p), "Bound");
  EXPECT_EQ(Kinds(Reconcile(p, {.pod = pod, .claim = claim}, {})),
            (std::vector<K>{K::kDeletePod, K::kDeleteClaim}));
  // While they terminate, nothing more is asked.
  pod["metadata"]["deletionTimestamp"] = "t";
  claim["metadata"]["deletionTimestamp"] = "t";
  EXPECT_TRUE(Reconcile(p, {.pod = pod, .claim = claim}, {}).actions.empty());
  EXPECT_EQ(Kinds(Reconcile(p, {.claim = claim}, {})), std::vector<K>{});
  Plan last = Reconcile(p, {}, {});
  EXPECT_EQ(Kinds(last), std::vector<K>{K::kRemoveFinalizer});
  EXPECT_EQ(last.events[0].reason, "Released");
  // Without our finalizer, a deleted phone is none of our business.
  p.meta.finalizers.clear();
  EXPECT_TRUE(Reconcile(p, {.pod = pod}, {}).actions.empty());
}

TEST(ReconcileTest, PodHashTracksTheSpec) {
  Phone p = MakePhone();
  std::string h = DesiredPod(p, {})["metadata"]["annotations"][kSpecHashAnnotation];
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h, DesiredPod(p, {})["metadata"]["annotations"][kSpecHashAnnotation]);
  p.spec.dpi = 240;
  EXPECT_NE(h, DesiredPod(p, {})["metadata"]["annotations"][kSpecHashAnnotation]);
}

}  // namespace
}  // namespace vmi::cluster
