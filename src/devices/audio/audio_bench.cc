// vmi_audio_bench: figures for bench/audio/run, one JSON object per line.
//
//   latency   a guest program (this process, through libasound and the vmi
//             plugin) writes a click; the time until the click reaches the
//             host's encoder input (mix tick), p50/p99. Anchor: the guest's
//             ALSA buffer, which the click must wait behind.
//   cpu       CPU time of the hub's loop thread per 48 kHz stereo stream
//             (convert + mix + Opus encode, or fake playback), and per mixed
//             listener. Anchor: the idle hub's loop thread in the same run.
//   memory    RSS per idle audio device (listening socket, Opus encoder and
//             decoder). Anchor: RSS before creating them.
//
// Usage: vmi_audio_bench <guest-kit-dir> <asound.conf of the image>
#include <alsa/asoundlib.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/event_loop.h"
#include "base/file.h"
#include "base/log.h"
#include "base/temp_dir.h"
#include "devices/audio/audio_hub.h"

using namespace vmi;
using namespace vmi::audio;
using namespace std::chrono_literals;

namespace {

std::string g_kit, g_conf_src;

struct Loop {
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<AudioHub> hub;
  std::thread thread;
  clockid_t cpu_clock{};
  Loop() {
    loop = std::move(*EventLoop::Create());
    hub = std::move(*AudioHub::Create(loop.get()));
    thread = std::thread([this] { (void)loop->Run(); });
    pthread_getcpuclockid(thread.native_handle(), &cpu_clock);
  }
  ~Loop() {
    Call([&] { hub.reset(); });
    loop->Stop();
    thread.join();
  }
  void Call(const std::function<void()>& fn) {
    std::promise<void> p;
    loop->Post([&] {
      fn();
      p.set_value();
    });
    p.get_future().wait();
  }
  double CpuSeconds() const {
    timespec ts;
    clock_gettime(cpu_clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  }
};

// Points libasound at the image's asound.conf with the plugin from the kit.
void SetupAlsa(const std::string& dir, const std::string& devdir) {
  std::string text = *ReadFile(g_conf_src);
  for (size_t p; (p = text.find("/opt/vmi/lib")) != std::string::npos;)
    text.replace(p, 12, g_kit + "/lib");
  (void)WriteFile(dir + "/asound.conf", text);
  setenv("ALSA_CONFIG_PATH", ("/usr/share/alsa/alsa.conf:" + dir + "/asound.conf").c_str(), 1);
  setenv("VMI_DEVDIR", devdir.c_str(), 1);
}

snd_pcm_t* OpenPcm(unsigned rate, snd_pcm_uframes_t period, snd_pcm_uframes_t buffer) {
  snd_pcm_t* pcm = nullptr;
  if (snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0) < 0) return nullptr;
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  snd_pcm_hw_params_any(pcm, hw);
  snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE);
  snd_pcm_hw_params_set_channels(pcm, hw, 2);
  snd_pcm_hw_params_set_rate(pcm, hw, rate, 0);
  snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr);
  snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer);
  if (snd_pcm_hw_params(pcm, hw) < 0) {
    snd_pcm_close(pcm);
    return nullptr;
  }
  return pcm;
}

// A guest program playing a tone until stop.
void PlayTone(unsigned rate, std::atomic<bool>* stop) {
  snd_pcm_t* pcm = OpenPcm(rate, rate / 100, rate / 25);
  if (!pcm) return;
  std::vector<int16_t> buf(2 * (rate / 100));
  long n = 0;
  while (!*stop) {
    for (size_t i = 0; i < buf.size() / 2; ++i)
      buf[2 * i] = buf[2 * i + 1] =
          static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * n++ / rate));
    if (snd_pcm_writei(pcm, buf.data(), buf.size() / 2) < 0) snd_pcm_prepare(pcm);
  }
  snd_pcm_drop(pcm);
  snd_pcm_close(pcm);
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

void BenchLatency(unsigned period, unsigned buffer) {
  std::string dir = TempDir::MustCreate("vmi-audio-bench").Release();
  SetupAlsa(dir, dir);
  Loop l;
  std::mutex mu;
  std::vector<int64_t> arrivals;
  bool in_click = false;
  l.Call([&] {
    (void)l.hub->AddDevice("a", dir);
    uint64_t id = l.hub->AddMixListener([&](const float* b, size_t n, int64_t) {
      bool loud = false;
      for (size_t i = 0; i < 2 * n; ++i) loud |= std::fabs(b[i]) > 0.5f;
      if (loud && !in_click) {
        std::lock_guard lock(mu);
        arrivals.push_back(MonotonicMicros());
      }
      in_click = loud;
    });
    l.hub->SetMixInput(id, "a", 1.0f, false);
    // A subscriber, so the block really goes to the Opus encoder.
    l.hub->device("a")->Subscribe([](const OpusPacket&) {});
  });
  snd_pcm_t* pcm = OpenPcm(48000, period, buffer);
  if (!pcm) {
    std::printf("{\"bench\":\"audio_latency\",\"error\":\"cannot open the vmi PCM\"}\n");
    return;
  }
  snd_pcm_uframes_t got_buf, got_per;
  snd_pcm_get_params(pcm, &got_buf, &got_per);
  std::vector<int16_t> silence(2 * period, 0), click(2 * period, 30000);
  std::vector<int64_t> writes;
  const int clicks = 60;
  for (int k = 0; k < clicks; ++k) {
    for (unsigned i = 0; i < 4800 / period; ++i)
      snd_pcm_writei(pcm, silence.data(), period);  // 100 ms
    int64_t t = MonotonicMicros();
    if (snd_pcm_writei(pcm, click.data(), period) < 0) break;
    writes.push_back(t);
  }
  for (unsigned i = 0; i < 4800 / period; ++i) snd_pcm_writei(pcm, silence.data(), period);
  snd_pcm_drain(pcm);
  snd_pcm_close(pcm);
  std::this_thread::sleep_for(50ms);
  std::vector<double> lat;
  {
    std::lock_guard lock(mu);
    for (size_t i = 0; i < std::min(writes.size(), arrivals.size()); ++i)
      lat.push_back((arrivals[i] - writes[i]) / 1000.0);
  }
  std::printf(
      "{\"bench\":\"audio_latency_guest_write_to_encoder\",\"samples\":%zu,\"p50_ms\":%.1f,"
      "\"p99_ms\":%.1f,\"anchor_guest_buffer_ms\":%.1f,\"anchor_guest_period_ms\":%.1f,"
      "\"anchor_host_block_ms\":%.1f,\"opus_frame_ms\":%.1f}\n",
      lat.size(), Percentile(lat, 0.5), Percentile(lat, 0.99), got_buf / 48.0, got_per / 48.0,
      kBlockUs / 1000.0, kOpusFrameFrames / 48.0);
  (void)RemoveTree(dir);
}

void BenchCpu() {
  const int k = 4;
  const double seconds = 4;
  struct Case {
    const char* name;
    unsigned rate;
    bool subscribe;
  };
  Loop idle;
  double c0 = idle.CpuSeconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  double idle_pct = 100 * (idle.CpuSeconds() - c0) / seconds;

  for (Case c : {Case{"48k_stereo_opus", 48000, true}, Case{"44k1_resampled_opus", 44100, true},
                 Case{"48k_fake_playback", 48000, false}}) {
    Loop l;
    std::vector<std::string> dirs;
    for (int i = 0; i < k; ++i) {
      dirs.push_back(TempDir::MustCreate("vmi-audio-bench").Release());
      std::string name = "i" + std::to_string(i);
      l.Call([&] {
        auto d = l.hub->AddDevice(name, dirs.back());
        if (c.subscribe && d.ok()) (*d)->Subscribe([](const OpusPacket&) {});
      });
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> players;
    for (int i = 0; i < k; ++i) {
      SetupAlsa(dirs[i], dirs[i]);  // read at snd_pcm_open, before the next setenv
      players.emplace_back(PlayTone, c.rate, &stop);
      std::this_thread::sleep_for(100ms);
    }
    std::this_thread::sleep_for(300ms);
    double a = l.CpuSeconds();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    double streams_pct = 100 * (l.CpuSeconds() - a) / seconds;
    double listener_pct = 0;
    if (c.subscribe) {
      // Mixed listeners of all k instances; 8 of them so that one stands
      // out of the measurement noise.
      const int listeners = 8;
      l.Call([&] {
        for (int j = 0; j < listeners; ++j) {
          uint64_t id = l.hub->AddMixListener([](const float*, size_t, int64_t) {});
          for (int i = 0; i < k; ++i) l.hub->SetMixInput(id, "i" + std::to_string(i), 0.5f, false);
        }
      });
      double b = l.CpuSeconds();
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      listener_pct = (100 * (l.CpuSeconds() - b) / seconds - streams_pct) / listeners;
    }
    stop = true;
    for (auto& t : players) t.join();
    std::printf(
        "{\"bench\":\"audio_cpu\",\"case\":\"%s\",\"streams\":%d,\"cpu_pct_of_one_core_per_"
        "stream\":%.2f,"
        "\"cpu_pct_per_mixed_listener_of_%d\":%.2f,\"anchor_idle_hub_cpu_pct\":%.2f,\"target_pct\":"
        "2.0}\n",
        c.name, k, streams_pct / k, k, listener_pct, idle_pct);
    l.Call([&] { l.hub.reset(); });
    for (auto& d : dirs) (void)RemoveTree(d);
  }
}

long RssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

void BenchMemory() {
  const int n = 200;
  Loop l;
  std::vector<std::string> dirs;
  for (int i = 0; i < n; ++i) dirs.push_back(TempDir::MustCreate("vmi-audio-bench").Release());
  long before = RssKb();
  l.Call([&] {
    for (int i = 0; i < n; ++i) (void)l.hub->AddDevice("m" + std::to_string(i), dirs[i]);
  });
  std::this_thread::sleep_for(200ms);  // let them tick (fake playback of nothing)
  long after = RssKb();
  std::printf(
      "{\"bench\":\"audio_memory_idle_device\",\"devices\":%d,\"kib_per_device\":%.1f,"
      "\"anchor_rss_before_kib\":%ld,\"rss_after_kib\":%ld}\n",
      n, double(after - before) / n, before, after);
  l.Call([&] { l.hub.reset(); });
  for (auto& d : dirs) (void)RemoveTree(d);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <guest-kit-dir> <asound.conf>\n", argv[0]);
    return 2;
  }
  g_kit = argv[1];
  g_conf_src = argv[2];
  setenv("VMI_LOG_LEVEL", "WARN", 1);
  vmi::log::SetLevel(vmi::log::Level::WARN);
  BenchLatency(240, 960);  // 5 ms periods, 20 ms buffer
  BenchLatency(120, 480);  // 2.5 ms periods, 10 ms buffer
  BenchCpu();
  BenchMemory();
  return 0;
}
