#include "cluster/lease_elector.h"

#include <sys/time.h>

#include <ctime>

#include "base/log.h"

namespace vmi::cluster {

std::string MicroTimeNow() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm utc{};
  gmtime_r(&tv.tv_sec, &utc);
  char buf[40];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(buf + n, sizeof buf - n, ".%06ldZ", static_cast<long>(tv.tv_usec));
  return buf;
}

LeaseElector::LeaseElector(KubeConfig config, Options options, OnChange on_change)
    : config_(std::move(config)), options_(std::move(options)), on_change_(std::move(on_change)) {}

LeaseElector::~LeaseElector() { Stop(); }

void LeaseElector::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void LeaseElector::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseElector::SetLeader(bool leading) {
  if (leader_.exchange(leading) == leading) return;
  VMI_LOG(INFO) << options_.identity << (leading ? " leads" : " no longer leads") << " (lease "
                << options_.ns << "/" << options_.name << ")";
  if (on_change_) on_change_(leading);
}

Result<bool> LeaseElector::TryAcquireOrRenew(KubeClient& client) {
  const std::string path = ResourcePath("coordination.k8s.io/v1", options_.ns, "leases", options_.name);
  const int duration_s = static_cast<int>((options_.lease_duration.count() + 999) / 1000);
  auto got = VMI_TRY(client.Get(path));
  std::string now = MicroTimeNow();
  if (got.status == 404) {
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                  {"spec",
                   {{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", duration_s},
                    {"acquireTime", now},
                    {"renewTime", now},
                    {"leaseTransitions", 0}}}};
    auto created = VMI_TRY(client.Post(ResourcePath("coordination.k8s.io/v1", options_.ns, "leases"), lease));
    return created.status == 201 || created.status == 200;
  }
  if (got.status != 200 || !got.body.is_object())
    return Error(ErrorCode::kUnavailable, "get lease: status " + std::to_string(got.status));
  Json lease = got.body;
  Json& spec = lease["spec"];
  if (!spec.is_object()) spec = Json::object();
  std::string holder = JsonString(spec, {"holderIdentity"});
  std::string record = holder + "|" + JsonString(spec, {"renewTime"});
  auto t = Clock::now();
  if (record != observed_record_) {
    observed_record_ = record;
    observed_at_ = t;
    transitions_seen_++;
  }
  if (!holder.empty() && holder != options_.identity &&
      t < observed_at_ + options_.lease_duration)
    return false;  // someone else holds a live lease
  if (holder != options_.identity) {
    spec["acquireTime"] = now;
    int transitions = spec.contains("leaseTransitions") && spec["leaseTransitions"].is_number_integer()
                          ? spec["leaseTransitions"].get<int>()
                          : 0;
    spec["leaseTransitions"] = transitions + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = duration_s;
  spec["renewTime"] = now;
  // lease still carries the resourceVersion we read: a stale one is 409.
  auto put = VMI_TRY(client.Put(path, lease));
  if (put.status == 200) {
    observed_record_ = options_.identity + "|" + now;
    observed_at_ = t;
    return true;
  }
  return false;
}

void LeaseElector::Release(KubeClient& client) {
  const std::string path = ResourcePath("coordination.k8s.io/v1", options_.ns, "leases", options_.name);
  auto got = client.Get(path);
  if (!got.ok() || got->status != 200) return;
  Json lease = got->body;
  if (JsonString(lease, {"spec", "holderIdentity"}) != options_.identity) return;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["renewTime"] = MicroTimeNow();
  client.Put(path, lease).ok();
}

void LeaseElector::Loop() {
  std::unique_ptr<KubeClient> client;
  while (!stop_) {
    if (!client) {
      auto c = KubeClient::Create(config_);
      if (c.ok()) client = std::move(*c);
    }
    bool held = false;
    if (client) {
      auto r = TryAcquireOrRenew(*client);
      if (!r.ok()) {
        VMI_LOG(WARN) << "lease: " << r.error().ToString();
        client.reset();
      } else {
        held = *r;
      }
    }
    auto t = Clock::now();
    if (held) {
      last_renew_ = t;
      SetLeader(true);
    } else if (leader_ && t >= last_renew_ + options_.lease_duration) {
      SetLeader(false);  // could not renew in time: another may lead now
    } else if (leader_ && client) {
      // Read the Lease and it is someone else's: we lost it.
      SetLeader(false);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.retry_period, [this] { return stop_.load(); });
  }
  if (leader_ && client) Release(*client);
  SetLeader(false);
}

}  // namespace vmi::cluster
