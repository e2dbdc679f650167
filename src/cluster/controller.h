// Controller: the Phone controller of `vmi serve --kubernetes`. Three
// informers (Phones; Pods and claims labelled app.kubernetes.io/name=
// vmi-phone) feed the names of changed Phones into a WorkQueue; while this
// replica holds the Lease (LeaseElector), workers take names off it and
// carry out Reconcile's plan (reconcile.h):
//
//   create      POST; 409 AlreadyExists is fine (the cache was behind)
//   delete      DELETE; 404 is fine
//   finalizers  PUT of the Phone with the resourceVersion it was read at
//   status      PUT of phones/NAME/status, likewise
//   events      POST core/v1 Events on the Phone
//   admission   ControllerOptions::admit before anything is created,
//               ::release before the finalizer goes
//
// A 409 Conflict (someone wrote first), or any failure, puts the name back
// rate-limited; it is reconciled again from the caches once they catch up.
// On becoming leader every known Phone is queued. Followers keep their
// caches warm and do nothing else.
//
// Threads: the informers' and the elector's own, plus `workers` worker
// threads. Start/Stop from one thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/informer.h"
#include "cluster/lease_elector.h"
#include "cluster/reconcile.h"
#include "cluster/work_queue.h"

namespace vmi::cluster {

struct ControllerOptions {
  KubeConfig config;
  std::string phones_namespace;
  std::string lease_namespace;
  std::string identity;
  PodOptions pod;
  int workers = 2;
  int watch_timeout_seconds = 60;
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds lease_retry{2000};
  // Admission of a Phone that carries the finalizer (the owner's quota and
  // the phone's number, node/kube_ledger.h): the phone's number when it is
  // admitted (idempotent: an admitted Phone gets the same answer);
  // kResourceExhausted, kNotFound or kPermissionDenied refuse it with that
  // message (status Failed, no Pod; it is looked at again after
  // refused_retry and whenever another Phone is released); any other error
  // is retried. Unset: every Phone is admitted, without a number.
  std::function<Result<std::string>(const Phone&)> admit;
  // Called when the Pod and claim of a Phone being deleted are gone, before
  // its finalizer is removed: gives back what `admit` took (idempotent). An
  // error keeps the finalizer and is retried.
  std::function<Result<void>(const Phone&)> release;
  std::chrono::milliseconds refused_retry{30000};
  // Called on the Phone informer's thread of every replica (leader or not)
  // for each Phone that changed: its latest state, or its last one and
  // `gone` once deleted (the event stream, node/kube_daemon.cc). Keep it
  // short.
  std::function<void(const Json& phone, bool gone)> on_phone;
};

class Controller {
 public:
  explicit Controller(ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void Start();
  void Stop();

  bool leader() const { return elector_->leader(); }
  bool synced() const;
  // Reconciles done (whatever their outcome) and conflicts met, for tests
  // and the benchmark.
  int reconciles() const { return reconciles_; }
  int conflicts() const { return conflicts_; }
  int released() const { return released_; }
  const Informer& phones() const { return *phones_; }

 private:
  void Work();
  // Ok when the name is done for now; an Error puts it back rate-limited.
  Result<void> Sync(KubeClient& client, const std::string& name);
  Result<void> Execute(KubeClient& client, const Phone& phone, const Json& raw, const Action& a);
  void RecordEvent(KubeClient& client, const Phone& phone, const PhoneEvent& e);
  void EnqueueOwner(const Json& object);

  const ControllerOptions options_;
  WorkQueue queue_;
  std::unique_ptr<Informer> phones_, pods_, claims_;
  std::unique_ptr<LeaseElector> elector_;
  std::vector<std::thread> workers_;
  std::atomic<int> reconciles_{0};
  std::atomic<int> conflicts_{0};
  std::atomic<int> released_{0};
};

}  // namespace vmi::cluster
