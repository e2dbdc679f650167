#include "node/instance_events.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "api/http/response_stream.h"

namespace vmi::node {

namespace {
constexpr size_t kMaxQueued = 1 << 20;
constexpr auto kKeepAlive = std::chrono::seconds(15);
}  // namespace

struct InstanceEvents::Core {
  Snapshot snapshot;
  Find find;
  InstanceAccessCheck check;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;                                    // guarded by mu
  uint64_t next_id = 1;                                     // guarded by mu
  struct Subscriber {
    std::shared_ptr<api::ResponseStream> stream;
    api::Request request;  // as authenticated (the caller the events are filtered for)
  };
  std::vector<Subscriber> subscribers;  // guarded by mu

  Core(Snapshot s, Find f, InstanceAccessCheck c)
      : snapshot(std::move(s)), find(std::move(f)), check(std::move(c)) {}

  bool Visible(const api::Request& who, const InstanceRecord& r) const {
    return !check || check(who, r, "list").ok();
  }

  // Sends to one stream, disconnecting it when it falls too far behind.
  static void Send(api::ResponseStream& s, std::string_view event, const std::string& data,
                   uint64_t id) {
    if (s.queued_bytes() > kMaxQueued) {
      s.Close();
      return;
    }
    s.SendEvent(event, data, std::to_string(id));
  }

  void Publish(std::string_view event, const InstanceRecord& r, const std::string& data) {
    std::lock_guard lock(mu);
    uint64_t id = next_id++;
    for (auto& s : subscribers)
      if (s.stream->is_open() && Visible(s.request, r)) Send(*s.stream, event, data, id);
  }
};

InstanceEvents::InstanceEvents(std::shared_ptr<Core> core) : core_(std::move(core)) {
  keepalive_ = std::thread([core = core_] {
    pthread_setname_np(pthread_self(), "vmi-events");
    std::unique_lock lock(core->mu);
    while (!core->stopping) {
      core->cv.wait_for(lock, kKeepAlive);
      std::erase_if(core->subscribers, [](const auto& s) { return !s.stream->is_open(); });
      for (auto& s : core->subscribers) s.stream->SendComment("keep-alive");
    }
  });
}

std::unique_ptr<InstanceEvents> InstanceEvents::Create(InstanceManager& manager,
                                                       InstanceAccessCheck check) {
  auto core = std::make_shared<Core>(
      [&manager] {
        std::vector<std::pair<InstanceRecord, nlohmann::json>> out;
        for (auto& r : manager.List()) out.emplace_back(r, InstanceJson(manager, r));
        return out;
      },
      [&manager](const std::string& id) -> std::optional<InstanceRecord> {
        auto r = manager.Get(id);
        if (!r.ok()) return std::nullopt;
        return *r;
      },
      std::move(check));
  std::weak_ptr<Core> weak = core;
  manager.Subscribe([weak, &manager](const InstanceRecord& r) {
    if (auto c = weak.lock()) c->Publish("instance", r, InstanceJson(manager, r).dump());
  });
  manager.SubscribeRemoved([weak](const InstanceRecord& r) {
    if (auto c = weak.lock())
      c->Publish("removed", r, api::Json{{"id", r.spec.id}, {"name", r.spec.name}}.dump());
  });
  return std::unique_ptr<InstanceEvents>(new InstanceEvents(std::move(core)));
}

std::unique_ptr<InstanceEvents> InstanceEvents::Create(Snapshot snapshot, Find find,
                                                       InstanceAccessCheck check) {
  auto core = std::make_shared<Core>(std::move(snapshot), std::move(find), std::move(check));
  return std::unique_ptr<InstanceEvents>(new InstanceEvents(std::move(core)));
}

InstanceEvents::~InstanceEvents() {
  {
    std::lock_guard lock(core_->mu);
    core_->stopping = true;
    for (auto& s : core_->subscribers) s.stream->Close();
    core_->subscribers.clear();
  }
  core_->cv.notify_all();
  keepalive_.join();
}

void InstanceEvents::Publish(std::string_view event, const InstanceRecord& r,
                             const nlohmann::json& data) {
  nlohmann::json j = data;
  j["id"] = r.spec.id;
  j["name"] = r.spec.name;
  core_->Publish(event, r, j.dump());
}

void InstanceEvents::PublishPhone(const std::string& id, const api::Json& event) {
  auto r = core_->find(id);
  if (!r) return;
  Publish("phone", *r, event);
}

size_t InstanceEvents::subscribers() const {
  std::lock_guard lock(core_->mu);
  size_t n = 0;
  for (const auto& s : core_->subscribers) n += s.stream->is_open();
  return n;
}

void InstanceEvents::Register(api::Router& router) {
  router.HandleStream(
      "GET", "/api/v1/events",
      [core = core_](api::Request& req, std::shared_ptr<api::ResponseStream> stream)
          -> Result<api::Response> {
        api::Response head;
        head.status = 200;
        head.headers.Set("Content-Type", "text/event-stream");
        head.headers.Set("Cache-Control", "no-cache");
        head.headers.Set("X-Accel-Buffering", "no");
        // The snapshot and the registration happen under the lock, so no
        // change published in between is lost or sent before the snapshot.
        std::lock_guard lock(core->mu);
        if (core->stopping) return Error(ErrorCode::kUnavailable, "the node is stopping");
        uint64_t id = core->next_id++;
        for (const auto& [r, j] : core->snapshot())
          if (core->Visible(req, r)) Core::Send(*stream, "instance", j.dump(), id);
        api::Request who;  // only what the filter needs: the caller, not the body
        who.auth = req.auth;
        who.peer = req.peer;
        core->subscribers.push_back({std::move(stream), std::move(who)});
        return head;
      });
}

}  // namespace vmi::node
