#include "devices/audio/audio_host.h"

#include <pthread.h>

#include <future>

#include "base/log.h"

namespace vmi::audio {

Result<std::shared_ptr<AudioHost>> AudioHost::Create() {
  std::shared_ptr<AudioHost> h(new AudioHost());
  h->loop_ = VMI_TRY_CTX(EventLoop::Create(), "audio loop");
  // Created before the thread runs the loop: nothing else touches it yet.
  h->hub_ = VMI_TRY_CTX(audio::AudioHub::Create(h->loop_.get()), "audio hub");
  EventLoop* loop = h->loop_.get();
  h->thread_ = std::thread([loop] {
    pthread_setname_np(pthread_self(), "vmi-audio");
    auto r = loop->Run();
    if (!r.ok()) VMI_LOG(ERROR) << "audio loop: " << r.error().ToString();
  });
  return h;
}

AudioHost::~AudioHost() {
  // Devices go first (unlinking their sockets), on the thread that uses them.
  Call([this] { hub_.reset(); });
  loop_->Stop();
  thread_.join();
}

void AudioHost::Call(const std::function<void()>& fn) {
  std::promise<void> done;
  loop_->Post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

Result<audio::AudioDevice*> AudioHost::Add(const std::string& id, const std::string& devdir) {
  Result<audio::AudioDevice*> added = Error(ErrorCode::kInternal, "audio hub gone");
  Call([&] {
    hub_->RemoveDevice(id);
    added = hub_->AddDevice(id, devdir);
  });
  std::lock_guard lock(mu_);
  if (!added.ok()) {
    devices_.erase(id);
    return std::move(added).error();
  }
  audio::AudioDevice* d = *added;
  AudioSettings s = settings_.count(id) ? settings_[id] : AudioSettings{};
  d->SetVolume(s.volume);
  d->SetMuted(s.muted);
  devices_[id] = d;
  return d;
}

void AudioHost::Remove(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (!devices_.erase(id)) return;
  }
  Call([&] { hub_->RemoveDevice(id); });
}

AudioSettings AudioHost::settings(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = settings_.find(id);
  return it == settings_.end() ? AudioSettings{} : it->second;
}

void AudioHost::SetSettings(const std::string& id, AudioSettings s) {
  std::lock_guard lock(mu_);
  settings_[id] = s;
  auto it = devices_.find(id);
  if (it != devices_.end()) {
    // Thread-safe setters; the device cannot go while mu_ is held (Remove
    // erases it from devices_ under mu_ before destroying it).
    it->second->SetVolume(s.volume);
    it->second->SetMuted(s.muted);
  }
}

void AudioHost::SetCallLink(const std::string& id, UniqueFd fd, const std::string& peer) {
  auto link = std::make_unique<audio::CallLink>(std::move(fd), peer);
  Call([&] { hub_->SetCallLink(id, std::move(link)); });
}

void AudioHost::EndCallLink(const std::string& id) {
  Call([&] { hub_->EndCallLink(id); });
}

AudioHost::CallState AudioHost::call_state(const std::string& id) {
  CallState s;
  Call([&] {
    if (const auto* l = hub_->call_link(id)) s = {l->peer(), l->stats()};
  });
  return s;
}

audio::AudioDevice* AudioHost::device(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : it->second;
}

uint64_t AudioHost::AddMixListener(audio::MixCallback cb) {
  uint64_t id = 0;
  Call([&] { id = hub_->AddMixListener(std::move(cb)); });
  return id;
}

void AudioHost::SetMixInput(uint64_t listener, const std::string& id, float volume, bool muted) {
  Call([&] { hub_->SetMixInput(listener, id, volume, muted); });
}

void AudioHost::RemoveMixListener(uint64_t listener) {
  Call([&] { hub_->RemoveMixListener(listener); });
}

size_t AudioHost::device_count() const {
  std::lock_guard lock(mu_);
  return devices_.size();
}

}  // namespace vmi::audio
