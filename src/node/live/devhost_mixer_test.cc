// DeviceHostMixer against a stand-in device host: a real Unix socket that
// answers "audio_tap" and then streams tap blocks of a known level, as
// vmi-devhost does. The listener hears them at its volume, nothing of a
// muted input, silence for an instance whose device host is gone, and the
// tap is opened again when the device host comes back.
#include "node/live/devhost_mixer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include "base/temp_dir.h"
#include "devices/host/control_message.h"

namespace vmi::node::live {
namespace {

using namespace std::chrono_literals;

// Serves one tap connection at a time at `path`, writing blocks whose
// samples are all `level`, every 5 ms, until stopped.
class FakeDeviceHost {
 public:
  FakeDeviceHost(std::string path, float level) : path_(std::move(path)), level_(level) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    listener_ = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    unlink(path_.c_str());
    EXPECT_EQ(bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener_.get(), 4), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDeviceHost() {
    stop_ = true;
    shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
    unlink(path_.c_str());
  }
  int taps() const { return taps_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      UniqueFd conn(c);
      auto req = devhost::ReceiveMessage(conn.get(), 2s);
      if (!req.ok() || req->header.value("op", "") != "audio_tap") continue;
      if (!devhost::SendMessage(conn.get(), devhost::OkReply()).ok()) continue;
      ++taps_;
      std::vector<float> block(devhost::kTapFrames * 2, level_);
      int64_t ts = 0;
      // Paced by the clock, as a device host's sound card is.
      auto next = std::chrono::steady_clock::now();
      while (!stop_) {
        std::string b = devhost::EncodeTapBlock(block.data(), ts += 5000);
        if (send(conn.get(), b.data(), b.size(), MSG_NOSIGNAL) < 0) break;
        std::this_thread::sleep_until(next += 5ms);
      }
    }
  }

  std::string path_;
  float level_;
  UniqueFd listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> taps_{0};
  std::thread thread_;
};

// What the listener hears: the loudest sample of the blocks of a window
// (robust to a block of silence while a tap buffers again).
class Heard {
 public:
  void Add(const float* block, size_t frames) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < 2 * frames; ++i) max_ = std::max(max_, std::abs(block[i]));
    ++blocks_;
  }
  // The loudest sample of the next `n` blocks; -1 if they do not come.
  float LevelOfNext(int n) {
    int start;
    {
      std::lock_guard lock(mu_);
      start = blocks_;
      max_ = 0;
    }
    for (int i = 0; i < 1000; ++i) {
      std::this_thread::sleep_for(5ms);
      std::lock_guard lock(mu_);
      if (blocks_ - start >= n) return max_;
    }
    return -1;
  }

 private:
  std::mutex mu_;
  float max_ = 0;
  int blocks_ = 0;
};

TEST(DeviceHostMixer, MixesTheTapsOfSeveralDeviceHosts) {
  auto dir = TempDir::Create("vmi-mixer");
  ASSERT_TRUE(dir.ok());
  std::string base = dir->path();
  auto a = std::make_unique<FakeDeviceHost>(base + "/a.sock", 0.25f);
  FakeDeviceHost b(base + "/b.sock", 0.125f);
  auto mixer = DeviceHostMixer::Create([base](const std::string& id) {
    return base + "/" + id + ".sock";
  });
  ASSERT_TRUE(mixer.ok()) << mixer.error().ToString();
  Heard heard;
  uint64_t l = (*mixer)->AddMixListener(
      [&heard](const float* block, size_t frames, int64_t) { heard.Add(block, frames); });
  (*mixer)->SetMixInput(l, "a", 1.0f, false);
  (*mixer)->SetMixInput(l, "b", 1.0f, false);
  heard.LevelOfNext(20);  // the taps open and buffer
  EXPECT_NEAR(heard.LevelOfNext(40), 0.375f, 1e-6);
  (*mixer)->SetMixInput(l, "a", 0.5f, false);
  heard.LevelOfNext(2);
  EXPECT_NEAR(heard.LevelOfNext(40), 0.25f, 1e-6);
  (*mixer)->SetMixInput(l, "b", 1.0f, true);
  heard.LevelOfNext(2);
  EXPECT_NEAR(heard.LevelOfNext(40), 0.125f, 1e-6);
  // Device host a goes away: silence; it comes back: heard again.
  a.reset();
  heard.LevelOfNext(20);
  EXPECT_NEAR(heard.LevelOfNext(40), 0.0f, 1e-6);
  a = std::make_unique<FakeDeviceHost>(base + "/a.sock", 0.25f);
  heard.LevelOfNext(300);  // opened again within a second
  EXPECT_NEAR(heard.LevelOfNext(40), 0.125f, 1e-6);
  EXPECT_EQ(a->taps(), 1);
  (*mixer)->RemoveMixListener(l);
}

}  // namespace
}  // namespace vmi::node::live
