#include "cluster/controller.h"

#include <algorithm>

#include "base/log.h"

namespace vmi::cluster {
namespace {

constexpr char kPhoneSelector[] = "app.kubernetes.io/name=vmi-phone";

Error StatusError(const std::string& what, const KubeResponse& r) {
  std::string msg = JsonString(r.body, {"message"});
  ErrorCode code = r.status == 409 ? ErrorCode::kAborted : ErrorCode::kUnavailable;
  return Error(code, what + ": status " + std::to_string(r.status) + (msg.empty() ? "" : " " + msg));
}

}  // namespace

Controller::Controller(ControllerOptions options) : options_(std::move(options)) {
  auto informer = [this](const char* api_version, const char* resource, const char* selector,
                         Informer::OnChange on_change) {
    return std::make_unique<Informer>(
        options_.config,
        Informer::Options{api_version, resource, options_.phones_namespace, selector,
                          options_.watch_timeout_seconds},
        std::move(on_change));
  };
  phones_ = informer(kApiVersion, "phones", "", [this](const std::string& name, const Json& obj) {
    queue_.Add(name);
    if (options_.on_phone) options_.on_phone(obj, !phones_->Get(name));
  });
  pods_ = informer("v1", "pods", kPhoneSelector,
                   [this](const std::string&, const Json& obj) { EnqueueOwner(obj); });
  claims_ = informer("v1", "persistentvolumeclaims", kPhoneSelector,
                     [this](const std::string&, const Json& obj) { EnqueueOwner(obj); });
  elector_ = std::make_unique<LeaseElector>(
      options_.config,
      LeaseElector::Options{.ns = options_.lease_namespace,
                            .identity = options_.identity,
                            .lease_duration = options_.lease_duration,
                            .retry_period = options_.lease_retry},
      [this](bool leading) {
        // A new leader looks at every Phone once.
        if (leading)
          for (const auto& n : phones_->Names()) queue_.Add(n);
      });
}

Controller::~Controller() { Stop(); }

void Controller::EnqueueOwner(const Json& obj) {
  std::string phone = JsonString(obj, {"metadata", "labels", kPhoneLabel});
  if (!phone.empty()) queue_.Add(phone);
}

bool Controller::synced() const {
  return phones_->synced() && pods_->synced() && claims_->synced();
}

void Controller::Start() {
  phones_->Start();
  pods_->Start();
  claims_->Start();
  elector_->Start();
  for (int i = 0; i < std::max(1, options_.workers); ++i)
    workers_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  queue_.ShutDown();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  if (elector_) elector_->Stop();
  for (auto* inf : {phones_.get(), pods_.get(), claims_.get()})
    if (inf) inf->Stop();
}

void Controller::Work() {
  std::unique_ptr<KubeClient> client;
  while (auto name = queue_.Get()) {
    // Followers (and a leader whose caches are still filling) wait.
    if (!elector_->leader() || !synced()) {
      queue_.Done(*name);
      queue_.AddAfter(*name, std::chrono::milliseconds(200));
      continue;
    }
    if (!client) {
      auto c = KubeClient::Create(options_.config);
      if (!c.ok()) {
        queue_.Done(*name);
        queue_.AddRateLimited(*name);
        continue;
      }
      client = std::move(*c);
    }
    auto r = Sync(*client, *name);
    reconciles_++;
    if (r.ok()) {
      queue_.Forget(*name);
    } else {
      if (r.error().code() == ErrorCode::kAborted) conflicts_++;
      else VMI_LOG(WARN) << "phone " << *name << ": " << r.error().ToString();
      if (r.error().code() == ErrorCode::kUnavailable) client.reset();
      queue_.AddRateLimited(*name);
    }
    queue_.Done(*name);
  }
}

Result<void> Controller::Sync(KubeClient& client, const std::string& name) {
  auto raw = phones_->Get(name);
  if (!raw) return Ok();  // gone: its Pod and claim go with it (owner references)
  auto phone = ParsePhone(*raw);
  if (!phone.ok()) {
    // A Phone the CRD let through but we cannot run: say so once, retry
    // only when it changes.
    Phone shell;
    shell.meta = ParseMeta(*raw);
    RecordEvent(client, shell, {"Warning", "InvalidSpec", phone.error().ToString()});
    return Ok();
  }
  Observed seen{.pod = pods_->Get(PodName(*phone)),
                .claim = claims_->Get(ClaimName(*phone)),
                .now = MicroTimeNow().substr(0, 19) + "Z"};
  if (options_.admit && !phone->meta.deleting && phone->meta.HasFinalizer(kFinalizer)) {
    auto number = options_.admit(*phone);
    if (number.ok()) {
      seen.number = *number;
    } else {
      ErrorCode c = number.error().code();
      if (c != ErrorCode::kResourceExhausted && c != ErrorCode::kNotFound &&
          c != ErrorCode::kPermissionDenied)
        return std::move(number).error().Context("admit");
      seen.refused = number.error().message();
      // Quotas change outside the cluster's view (an admin raises one).
      queue_.AddAfter(name, options_.refused_retry);
    }
  }
  Plan plan = Reconcile(*phone, seen, options_.pod);
  for (const auto& a : plan.actions) VMI_CHECK_OK(Execute(client, *phone, *raw, a), ActionKindName(a.kind));
  for (const auto& e : plan.events) RecordEvent(client, *phone, e);
  return Ok();
}

Result<void> Controller::Execute(KubeClient& client, const Phone& phone, const Json& raw,
                                 const Action& a) {
  const std::string& ns = phone.meta.ns;
  const std::string phone_path = ResourcePath(kApiVersion, ns, "phones", phone.meta.name);
  switch (a.kind) {
    case Action::Kind::kAddFinalizer:
    case Action::Kind::kRemoveFinalizer: {
      if (a.kind == Action::Kind::kRemoveFinalizer && options_.release)
        VMI_CHECK_OK(options_.release(phone), "release");
      Json updated = raw;
      if (!updated["metadata"].is_object()) return Error(ErrorCode::kInvalidArgument, "phone without metadata");
      Json& fin = updated["metadata"]["finalizers"];
      if (!fin.is_array()) fin = Json::array();
      if (a.kind == Action::Kind::kAddFinalizer) {
        fin.push_back(kFinalizer);
      } else {
        Json kept = Json::array();
        for (const auto& f : fin)
          if (f != kFinalizer) kept.push_back(f);
        fin = kept;
      }
      auto r = VMI_TRY(client.Put(phone_path, updated));
      if (r.status != 200) return StatusError("update phone", r);
      if (a.kind == Action::Kind::kRemoveFinalizer) {
        released_++;
        // What it held may admit a Phone that was refused.
        if (options_.admit)
          for (const auto& n : phones_->Names()) queue_.Add(n);
      }
      return Ok();
    }
    case Action::Kind::kCreateClaim:
    case Action::Kind::kCreatePod: {
      const char* res = a.kind == Action::Kind::kCreatePod ? "pods" : "persistentvolumeclaims";
      auto r = VMI_TRY(client.Post(ResourcePath("v1", ns, res), a.object));
      if (r.status != 201 && r.status != 200 && r.status != 409)
        return StatusError(std::string("create ") + res, r);
      return Ok();
    }
    case Action::Kind::kDeletePod:
    case Action::Kind::kDeleteClaim: {
      const char* res = a.kind == Action::Kind::kDeletePod ? "pods" : "persistentvolumeclaims";
      auto r = VMI_TRY(client.Delete(ResourcePath("v1", ns, res, a.name)));
      if (r.status != 200 && r.status != 202 && r.status != 404)
        return StatusError(std::string("delete ") + res, r);
      return Ok();
    }
    case Action::Kind::kUpdateStatus: {
      Json body = {{"apiVersion", kApiVersion},
                   {"kind", "Phone"},
                   {"metadata",
                    {{"name", phone.meta.name},
                     {"namespace", ns},
                     {"resourceVersion", phone.meta.resource_version}}},
                   {"status", a.object}};
      auto r = VMI_TRY(client.Put(phone_path + "/status", body));
      if (r.status != 200) return StatusError("update status", r);
      return Ok();
    }
  }
  return Ok();
}

void Controller::RecordEvent(KubeClient& client, const Phone& phone, const PhoneEvent& e) {
  std::string now = MicroTimeNow().substr(0, 19) + "Z";
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"generateName", phone.meta.name + "."}, {"namespace", phone.meta.ns}}},
             {"involvedObject",
              {{"apiVersion", kApiVersion},
               {"kind", "Phone"},
               {"name", phone.meta.name},
               {"namespace", phone.meta.ns},
               {"uid", phone.meta.uid},
               {"resourceVersion", phone.meta.resource_version}}},
             {"type", e.type},
             {"reason", e.reason},
             {"message", e.message},
             {"source", {{"component", "vmi-controller"}, {"host", options_.identity}}},
             {"reportingComponent", "vmi.dev/controller"},
             {"reportingInstance", options_.identity},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"count", 1}};
  auto r = client.Post(ResourcePath("v1", phone.meta.ns, "events"), ev);
  if (!r.ok() || (r->status != 201 && r->status != 200))
    VMI_LOG(WARN) << "event " << e.reason << " on phone " << phone.meta.name << " not recorded";
}

}  // namespace vmi::cluster
