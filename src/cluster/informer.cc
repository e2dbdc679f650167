#include "cluster/informer.h"

#include "base/backoff.h"
#include "base/log.h"

namespace vmi::cluster {
namespace {

std::string NameOf(const Json& obj) { return JsonString(obj, {"metadata", "name"}); }
std::string RvOf(const Json& obj) { return JsonString(obj, {"metadata", "resourceVersion"}); }

}  // namespace

Informer::Informer(KubeConfig config, Options options, OnChange on_change)
    : config_(std::move(config)), options_(std::move(options)), on_change_(std::move(on_change)) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Informer::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<Json> Informer::Get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(name);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Informer::Names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : objects_) out.push_back(k);
  return out;
}

std::string Informer::resource_version() const {
  std::lock_guard lock(mu_);
  return rv_;
}

Informer::Stats Informer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Informer::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

Result<void> Informer::List(KubeClient& client) {
  std::string path = ResourcePath(options_.api_version, options_.ns, options_.resource);
  if (!options_.label_selector.empty()) path += "?labelSelector=" + options_.label_selector;
  auto r = VMI_TRY(client.Get(path));
  if (r.status != 200 || !r.body.is_object() || !r.body.contains("items") || !r.body["items"].is_array())
    return Error(ErrorCode::kUnavailable, "list " + path + ": status " + std::to_string(r.status));
  std::map<std::string, Json> fresh;
  for (const auto& item : r.body["items"])
    if (!NameOf(item).empty()) fresh[NameOf(item)] = item;
  std::vector<std::pair<std::string, Json>> changed;
  {
    std::lock_guard lock(mu_);
    // Everything new or different, and everything gone (with its last state).
    for (const auto& [name, obj] : fresh) {
      auto it = objects_.find(name);
      if (it == objects_.end() || RvOf(it->second) != RvOf(obj)) changed.emplace_back(name, obj);
    }
    for (const auto& [name, obj] : objects_)
      if (!fresh.count(name)) changed.emplace_back(name, obj);
    objects_ = std::move(fresh);
    rv_ = RvOf(r.body);
    stats_.lists++;
  }
  synced_ = true;
  for (const auto& [name, obj] : changed) on_change_(name, obj);
  return Ok();
}

Result<bool> Informer::WatchOnce(KubeClient& client) {
  std::string path = ResourcePath(options_.api_version, options_.ns, options_.resource) +
                     "?watch=true&allowWatchBookmarks=true&resourceVersion=" + resource_version() +
                     "&timeoutSeconds=" + std::to_string(options_.watch_timeout_seconds);
  if (!options_.label_selector.empty()) path += "&labelSelector=" + options_.label_selector;
  {
    std::lock_guard lock(mu_);
    stats_.watches++;
  }
  bool relist = false;
  auto r = client.Watch(path, [&](const Json& ev) {
    std::string type = JsonString(ev, {"type"});
    static const Json kNull;
    const Json& obj = ev.contains("object") ? ev["object"] : kNull;
    if (type == "ERROR") {
      // A Status object; 410 means our resourceVersion is too old.
      int code = obj.is_object() && obj.contains("code") && obj["code"].is_number_integer()
                     ? obj["code"].get<int>()
                     : 0;
      std::lock_guard lock(mu_);
      if (code == 410) stats_.gone++;
      relist = code == 410;
      return false;
    }
    std::string name = NameOf(obj);
    if (name.empty() && type != "BOOKMARK") return !stop_.load();
    {
      std::lock_guard lock(mu_);
      rv_ = RvOf(obj);
      if (type == "BOOKMARK") {
        stats_.bookmarks++;
        return !stop_.load();
      }
      if (type == "DELETED") objects_.erase(name);
      else if (type == "ADDED" || type == "MODIFIED") objects_[name] = obj;
      else return !stop_.load();
      stats_.events++;
    }
    on_change_(name, obj);
    return !stop_.load();
  });
  if (!r.ok()) {
    // A non-2xx answer (an HTTP 410 among them) or a broken connection: a
    // relist is always correct.
    VMI_LOG(WARN) << options_.resource << " watch: " << r.error().ToString();
    return true;
  }
  return relist;
}

void Informer::Loop() {
  Backoff backoff(BackoffSpec{std::chrono::milliseconds(100), std::chrono::seconds(5)});
  bool need_list = true;
  std::unique_ptr<KubeClient> client;
  while (!stop_) {
    if (!client) {
      auto c = KubeClient::Create(config_);
      if (!c.ok()) {
        VMI_LOG(WARN) << options_.resource << " informer: " << c.error().ToString();
        SleepFor(backoff.OnFailure());
        continue;
      }
      client = std::move(*c);
    }
    if (need_list) {
      auto r = List(*client);
      if (!r.ok()) {
        VMI_LOG(WARN) << options_.resource << " list: " << r.error().ToString();
        client.reset();
        SleepFor(backoff.OnFailure());
        continue;
      }
      need_list = false;
      backoff.Reset();
    }
    auto relist = WatchOnce(*client);
    if (relist.ok() && *relist) {
      need_list = true;
      // A fresh connection after a failed watch.
      client.reset();
    }
  }
}

}  // namespace vmi::cluster
