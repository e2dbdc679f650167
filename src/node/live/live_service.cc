#include "node/live/live_service.h"

#include <pthread.h>

#include <vector>

#include "base/log.h"

namespace vmi::node::live {

struct LiveService::Core {
  InstanceManager* manager = nullptr;
  LiveOptions options;
  // Shared with every InstanceLive (a browser connection may keep one
  // beyond the service).
  std::shared_ptr<input::InputRouter> router = std::make_shared<input::InputRouter>();
  // The node's sound card (null if it could not start: no sound, live view
  // otherwise unaffected).
  std::shared_ptr<AudioHost> audio;

  mutable std::mutex mu;  // guards the fields below
  std::condition_variable cv;
  bool closing = false;
  std::map<std::string, std::shared_ptr<InstanceLive>> running;

  void OnState(const InstanceRecord& r);
  void StopServices(const std::string& id);
};

void LiveService::Core::OnState(const InstanceRecord& r) {
  const std::string& id = r.spec.id;
  std::shared_ptr<InstanceLive> old;
  {
    std::lock_guard lock(mu);
    if (closing) return;
    auto it = running.find(id);
    if (it != running.end()) {
      // Still running (a notification that changed something else): keep.
      if (r.state == InstanceState::kRunning) return;
      old = std::move(it->second);
      running.erase(it);
    }
  }
  if (old) {
    VMI_ILOG(INFO, id) << "live view: instance " << InstanceStateName(r.state)
                       << ", stopping its services";
    old->Shutdown();
  }
  if (r.state != InstanceState::kRunning) return;
  auto live = InstanceLive::Start(r, manager->DeviceDir(id), router, options, audio);
  std::lock_guard lock(mu);
  if (closing) {
    live->Shutdown();
    return;
  }
  running[id] = std::move(live);
}

std::unique_ptr<LiveService> LiveService::Create(InstanceManager& manager, LiveOptions options) {
  auto core = std::make_shared<Core>();
  core->manager = &manager;
  core->options = std::move(options);
  if (core->options.audio) {
    auto audio = AudioHost::Create();
    if (audio.ok()) {
      core->audio = std::move(*audio);
    } else {
      VMI_LOG(WARN) << "live view without sound: " << audio.error().ToString();
    }
  }
  std::weak_ptr<Core> weak = core;
  manager.Subscribe([weak](const InstanceRecord& r) {
    if (auto c = weak.lock()) c->OnState(r);
  });
  // Instances that already run (found again by Reconcile after a daemon
  // restart) get their services now.
  for (const auto& r : manager.List()) core->OnState(r);
  return std::unique_ptr<LiveService>(new LiveService(std::move(core)));
}

LiveService::LiveService(std::shared_ptr<Core> core) : core_(std::move(core)) {
  upkeep_ = std::thread([this] { Upkeep(); });
}

LiveService::~LiveService() {
  std::map<std::string, std::shared_ptr<InstanceLive>> running;
  {
    std::lock_guard lock(core_->mu);
    core_->closing = true;
    running.swap(core_->running);
  }
  core_->cv.notify_all();
  upkeep_.join();
  for (auto& [id, live] : running) live->Shutdown();
}

input::InputRouter& LiveService::router() { return *core_->router; }

AudioHost* LiveService::audio() { return core_->audio.get(); }

std::shared_ptr<AudioHost> LiveService::shared_audio() { return core_->audio; }

void LiveService::Upkeep() {
  pthread_setname_np(pthread_self(), "vmi-live");
  std::unique_lock lock(core_->mu);
  while (!core_->closing) {
    std::vector<std::shared_ptr<InstanceLive>> all;
    for (auto& [id, live] : core_->running) all.push_back(live);
    lock.unlock();
    for (auto& live : all) live->Tick();
    all.clear();
    lock.lock();
    core_->cv.wait_for(lock, std::chrono::milliseconds(500), [this] { return core_->closing; });
  }
}

Result<InstanceRecord> LiveService::Find(const std::string& key) const {
  // List() takes a snapshot without waiting for running operations; Get()
  // would wait for a start or stop of the instance to finish.
  for (auto& r : core_->manager->List())
    if (r.spec.id == key || r.spec.name == key) return std::move(r);
  return core_->manager->Get(key);  // an id prefix
}

Result<std::shared_ptr<InstanceLive>> LiveService::Get(const std::string& id) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->running.find(id);
  if (it == core_->running.end())
    return Error(ErrorCode::kFailedPrecondition, "instance " + id + " is not running");
  return it->second;
}

std::vector<std::shared_ptr<InstanceLive>> LiveService::Running() const {
  std::lock_guard lock(core_->mu);
  std::vector<std::shared_ptr<InstanceLive>> out;
  for (const auto& [id, live] : core_->running) out.push_back(live);
  return out;
}

}  // namespace vmi::node::live
