#include "node/live/devhost_mixer.h"

#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <deque>
#include <future>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "devices/audio/host_format.h"
#include "devices/host/control_client.h"

namespace vmi::node::live {
namespace {

constexpr size_t kSamples = devhost::kTapFrames * 2;
constexpr size_t kMaxBlocks = 8;    // 40 ms
constexpr size_t kStartBlocks = 3;  // 15 ms before a tap plays
constexpr auto kRetry = std::chrono::seconds(1);
static_assert(devhost::kTapFrames == audio::kBlockFrames);

}  // namespace

struct DeviceHostMixer::Impl {
  std::function<std::string(const std::string&)> socket_path;
  std::unique_ptr<EventLoop> loop;
  std::thread thread;

  // Everything below is touched on the loop thread only.
  struct Input {
    float volume = 1.0f;
    bool muted = false;
  };
  struct Listener {
    audio::MixCallback cb;
    std::map<std::string, Input> inputs;
  };
  struct Tap {
    UniqueFd fd;
    std::string partial;                    // bytes of a block not yet complete
    std::deque<std::vector<float>> blocks;  // complete blocks, oldest first
    bool playing = false;
    std::chrono::steady_clock::time_point next_try{};
  };
  std::map<uint64_t, Listener> listeners;
  std::map<std::string, Tap> taps;
  uint64_t next_listener = 1;
  int64_t t0_us = 0;
  uint64_t ticks = 0;
  std::vector<float> out = std::vector<float>(kSamples);

  void OnLoop(const std::function<void()>& fn) {
    std::promise<void> done;
    loop->Post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Taps for exactly the instances some listener mixes.
  void SyncTaps() {
    std::map<std::string, bool> wanted;
    for (auto& [id, l] : listeners)
      for (auto& [inst, in] : l.inputs) wanted[inst] = true;
    for (auto it = taps.begin(); it != taps.end();) {
      if (!wanted.count(it->first)) {
        if (it->second.fd) loop->RemoveFd(it->second.fd.get());
        it = taps.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [inst, w] : wanted) {
      Tap& t = taps[inst];
      if (!t.fd && std::chrono::steady_clock::now() >= t.next_try) OpenTap(inst, t);
    }
  }

  void OpenTap(const std::string& id, Tap& t) {
    t.next_try = std::chrono::steady_clock::now() + kRetry;
    auto fd = devhost::Open(socket_path(id), devhost::Request("audio_tap"),
                            std::chrono::milliseconds(500));
    if (!fd.ok()) return;  // not running (yet): silent, tried again later
    t.fd = std::move(*fd);
    t.partial.clear();
    t.blocks.clear();
    t.playing = false;
    auto ok = loop->AddFd(t.fd.get(), EPOLLIN, [this, id](uint32_t) { Read(id); });
    if (!ok.ok()) t.fd.reset();
  }

  void Read(const std::string& id) {
    auto it = taps.find(id);
    if (it == taps.end()) return;
    Tap& t = it->second;
    char buf[16384];
    ssize_t n = recv(t.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      loop->RemoveFd(t.fd.get());
      t.fd.reset();  // the device host went away: reopened by the clock
      t.blocks.clear();
      return;
    }
    t.partial.append(buf, static_cast<size_t>(n));
    size_t at = 0;
    while (t.partial.size() - at >= devhost::kTapBlockBytes) {
      std::vector<float> b(kSamples);
      devhost::DecodeTapBlock(t.partial.data() + at, b.data());
      t.blocks.push_back(std::move(b));
      at += devhost::kTapBlockBytes;
    }
    t.partial.erase(0, at);
    while (t.blocks.size() > kMaxBlocks) t.blocks.pop_front();
  }

  void OnTimer() {
    int64_t now = MonotonicMicros();
    uint64_t due = static_cast<uint64_t>((now - t0_us) / audio::kBlockUs);
    if (due > ticks + 40) ticks = due - 1;  // fell behind: skip, do not burst
    bool retry = false;
    for (auto& [id, t] : taps) retry |= !t.fd;
    if (retry) SyncTaps();
    const int64_t to_unix = WallMicros() - now;
    while (ticks < due) {
      Tick(t0_us + static_cast<int64_t>(ticks) * audio::kBlockUs + to_unix);
      ++ticks;
    }
  }

  void Tick(int64_t ts) {
    std::map<std::string, const float*> blocks;
    for (auto& [id, t] : taps) {
      if (!t.playing && t.blocks.size() >= kStartBlocks) t.playing = true;
      if (t.playing && t.blocks.empty()) t.playing = false;  // ran dry: buffer again
      if (t.playing) blocks[id] = t.blocks.front().data();
    }
    for (auto& [lid, l] : listeners) {
      std::fill(out.begin(), out.end(), 0.0f);
      for (auto& [id, in] : l.inputs) {
        auto b = blocks.find(id);
        if (b == blocks.end() || in.muted) continue;
        for (size_t i = 0; i < kSamples; ++i) out[i] += in.volume * b->second[i];
      }
      for (float& x : out) x = std::clamp(x, -1.0f, 1.0f);
      l.cb(out.data(), devhost::kTapFrames, ts);
    }
    for (auto& [id, b] : blocks) taps[id].blocks.pop_front();
  }
};

Result<std::shared_ptr<DeviceHostMixer>> DeviceHostMixer::Create(
    std::function<std::string(const std::string&)> socket_path) {
  auto impl = std::make_unique<Impl>();
  impl->socket_path = std::move(socket_path);
  impl->loop = VMI_TRY(EventLoop::Create());
  impl->t0_us = MonotonicMicros();
  Impl* raw = impl.get();
  (void)VMI_TRY_CTX(impl->loop->AddTimer(std::chrono::milliseconds(audio::kBlockUs / 1000),
                                   [raw] { raw->OnTimer(); }, /*repeat=*/true),
              "mix clock");
  impl->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "vmi-mix");
    auto r = raw->loop->Run();
    if (!r.ok()) VMI_LOG(ERROR) << "mixer loop: " << r.error().ToString();
  });
  return std::shared_ptr<DeviceHostMixer>(new DeviceHostMixer(std::move(impl)));
}

DeviceHostMixer::DeviceHostMixer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DeviceHostMixer::~DeviceHostMixer() {
  impl_->loop->Stop();
  impl_->thread.join();
}

uint64_t DeviceHostMixer::AddMixListener(audio::MixCallback cb) {
  uint64_t id = 0;
  impl_->OnLoop([&] {
    id = impl_->next_listener++;
    impl_->listeners[id].cb = std::move(cb);
  });
  return id;
}

void DeviceHostMixer::SetMixInput(uint64_t listener, const std::string& id, float volume,
                                  bool muted) {
  impl_->OnLoop([&] {
    auto it = impl_->listeners.find(listener);
    if (it == impl_->listeners.end()) return;
    it->second.inputs[id] = Impl::Input{std::clamp(volume, 0.0f, 1.0f), muted};
    impl_->SyncTaps();
  });
}

void DeviceHostMixer::RemoveMixListener(uint64_t listener) {
  impl_->OnLoop([&] {
    impl_->listeners.erase(listener);
    impl_->SyncTaps();
  });
}

}  // namespace vmi::node::live
