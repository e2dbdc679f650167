// In-call audio benchmark. Measures
//
//   - device-host layout (each instance's sound card in its own process, the
//     call carried by a CallLink socket pair, AudioHub::SetCallLink): A's
//     hub in this process, B's hub in a forked child with its own clock; a
//     click written into A's microphone until the child's mix listener of
//     B's output hears it (CLOCK_MONOTONIC is the same in both processes);
//   - one hub (AudioHub::SetCallPeer, both sound cards in one process as in
//     the former in-daemon layout): `pairs` pairs of bridged devices, the
//     same click at A0 until B0's output carries it;
//   - the anchor of both, same run: the same click into A's microphone
//     until A's own guest capture side takes it from the FIFO (the
//     microphone path without a call; MicIngress::buffered_frames drops);
//   - CPU: A's hub thread with its link talking both ways, and the one hub's
//     thread with every pair talking;
//   - concurrent calls in the device-host layout (`call_audio_concurrent`):
//     `pairs` calls, every sound card on a hub and thread of its own (as in
//     its own device host), A sides in this process and B sides in a forked
//     child, each pair joined by a CallLink, every microphone talking; the
//     CPU of both processes per call, and how many link blocks were played
//     or missed. Anchor, same run: the same sound cards talking, no calls.
//
// Usage: vmi_call_audio_bench [pairs] [clicks]. Prints JSON lines.
#include <opus/opus.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include <future>

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/temp_dir.h"
#include "devices/audio/audio_hub.h"
#include "devices/audio/call_link.h"

using namespace std::chrono_literals;
using vmi::audio::AudioDevice;

namespace {

// The hub on its own loop thread, as the daemon's AudioHost runs it.
class HubThread {
 public:
  HubThread() {
    loop_ = std::move(*vmi::EventLoop::Create());
    hub_ = std::move(*vmi::audio::AudioHub::Create(loop_.get()));
    thread_ = std::thread([this] { (void)loop_->Run(); });
  }
  ~HubThread() {
    Call([this] { hub_.reset(); });
    loop_->Stop();
    thread_.join();
  }
  void Call(const std::function<void()>& fn) {
    std::promise<void> done;
    loop_->Post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  vmi::audio::AudioHub& hub() { return *hub_; }

 private:
  std::unique_ptr<vmi::EventLoop> loop_;
  std::unique_ptr<vmi::audio::AudioHub> hub_;
  std::thread thread_;
};

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

nlohmann::json Percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(q * v.size()))]; };
  return {{"p50_ms", at(0.5)}, {"p99_ms", at(0.99)}, {"max_ms", v.empty() ? 0.0 : v.back()}};
}

struct Packet {
  std::vector<uint8_t> bytes;
};

Packet Encode(OpusEncoder* enc, float amplitude) {
  std::vector<float> pcm(960);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = amplitude * static_cast<float>(std::sin(2 * M_PI * 1000 * i / 48000.0));
  uint8_t buf[1500];
  int n = opus_encode_float(enc, pcm.data(), 960, buf, sizeof buf);
  return {std::vector<uint8_t>(buf, buf + std::max(n, 0))};
}

double ThreadCpuMs(pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char* p = strrchr(buf, ')');
  unsigned long utime = 0, stime = 0;
  if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return (utime + stime) * 1000.0 / sysconf(_SC_CLK_TCK);
}

int64_t NowNs() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

double ProcessCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

// One side of `n` concurrent calls: n sound cards, each on a hub and
// thread of its own (n device hosts), linked through links[i] when given;
// every microphone talks for `seconds` from the moment `go` is readable.
// Returns the process's CPU ms over that time and the links' counters.
struct SideResult {
  double cpu_ms = 0, wall_ms = 0;
  vmi::audio::CallLink::Stats links;
};
SideResult RunSide(const char* name, int n, std::vector<int> links, int ready, int go,
                   const std::vector<uint8_t>& talk, std::chrono::seconds seconds) {
  std::vector<vmi::TempDir> dirs;
  std::vector<std::unique_ptr<HubThread>> hubs;
  std::vector<AudioDevice*> dev(n);
  for (int i = 0; i < n; ++i) {
    dirs.push_back(vmi::TempDir::MustCreate(std::string("vmi-call-load-") + name));
    hubs.push_back(std::make_unique<HubThread>());
    hubs[i]->Call([&] {
      dev[i] = *hubs[i]->hub().AddDevice(name, dirs[i].path());
      if (!links.empty())
        hubs[i]->hub().SetCallLink(name, std::make_unique<vmi::audio::CallLink>(vmi::UniqueFd(links[i]), "peer"));
    });
  }
  char c = 'r';
  (void)!write(ready, &c, 1);
  (void)!read(go, &c, 1);
  SideResult r;
  // The links' counters over the talking time only (not the set-up).
  auto totals = [&] {
    vmi::audio::CallLink::Stats t;
    for (int i = 0; i < n; ++i)
      hubs[i]->Call([&] {
        if (const auto* l = hubs[i]->hub().call_link(name)) {
          const auto& s = l->stats();
          t.sent += s.sent;
          t.received += s.received;
          t.played += s.played;
          t.dropped += s.dropped;
          t.late += s.late;
        }
      });
    return t;
  };
  const vmi::audio::CallLink::Stats t0 = totals();
  double cpu0 = ProcessCpuMs();
  auto start = std::chrono::steady_clock::now(), next = start;
  while (std::chrono::steady_clock::now() - start < seconds) {
    for (auto* d : dev) (void)d->microphone().Feed(talk);
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  r.wall_ms = Ms(std::chrono::steady_clock::now() - start);
  r.cpu_ms = ProcessCpuMs() - cpu0;
  const vmi::audio::CallLink::Stats t1 = totals();
  r.links = {t1.sent - t0.sent, t1.received - t0.received, t1.played - t0.played,
             t1.dropped - t0.dropped, t1.late - t0.late};
  return r;
}

// Runs both sides of `n` calls (B in a forked child; this process must have
// no other threads) and prints one JSON line.
nlohmann::json ConcurrentCalls(int n, bool linked, const std::vector<uint8_t>& talk) {
  std::vector<int> a_links, b_links;
  for (int i = 0; linked && i < n; ++i) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return {{"error", "socketpair"}};
    a_links.push_back(sv[0]);
    b_links.push_back(sv[1]);
  }
  int ready[2], go[2], report[2];
  if (pipe(ready) != 0 || pipe(go) != 0 || pipe(report) != 0) return {{"error", "pipe"}};
  const auto seconds = 5s;
  pid_t child = fork();
  if (child == 0) {
    for (int fd : a_links) close(fd);
    SideResult b = RunSide("b", n, b_links, ready[1], go[0], talk, seconds);
    (void)!write(report[1], &b, sizeof b);
    _exit(0);
  }
  for (int fd : b_links) close(fd);
  // Both sides set up, then both talk at once.
  std::thread a_side;
  SideResult a;
  int a_ready[2];
  if (pipe(a_ready) != 0) return {{"error", "pipe"}};
  a_side = std::thread([&] { a = RunSide("a", n, a_links, a_ready[1], go[0], talk, seconds); });
  char c;
  (void)!read(ready[0], &c, 1);
  (void)!read(a_ready[0], &c, 1);
  (void)!write(go[1], "gg", 2);
  a_side.join();
  SideResult b;
  (void)!read(report[0], &b, sizeof b);
  waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], go[0], go[1], report[0], report[1], a_ready[0], a_ready[1]}) close(fd);
  double wall_s = a.wall_ms / 1000.0;
  double cpu = a.cpu_ms + b.cpu_ms;
  nlohmann::json j = {{"calls", n}, {"linked", linked}, {"cpu_percent_both_processes", 100.0 * cpu / a.wall_ms},
                      {"cpu_ms_per_call_per_s", cpu / n / wall_s}};
  if (linked) {
    // Every block a side sends should be played at the other (5 ms blocks);
    // late ticks are ticks of a sound card with nothing from its peer.
    uint64_t expected = static_cast<uint64_t>(2 * n * a.wall_ms / (vmi::audio::kBlockUs / 1000.0));
    j["blocks"] = {{"expected_both_ways", expected},
                   {"sent", a.links.sent + b.links.sent},
                   {"played", a.links.played + b.links.played},
                   {"dropped", a.links.dropped + b.links.dropped},
                   {"late_ticks", a.links.late + b.links.late}};
  }
  return j;
}

// B's device host: its own hub and sound card, linked to A by `link`. Writes
// the steady-clock time of each sound onset at B's output (the first loud
// block after 100 ms of quiet) to `report`; exits when `quit` hangs up.
[[noreturn]] void RunPeer(int link, int report, int quit) {
  {
    auto dir = vmi::TempDir::MustCreate("vmi-call-audio-b");
    int quiet = 0;  // before the hub, whose thread uses it
    HubThread hub;
    hub.Call([&] {
      (void)hub.hub().AddDevice("b", dir.path());
      uint64_t l = hub.hub().AddMixListener([&](const float* x, size_t n, int64_t) {
        bool loud = false;
        for (size_t k = 0; k < 2 * n && !loud; ++k) loud = std::fabs(x[k]) > 0.05f;
        if (loud && quiet >= 20) {
          int64_t t = NowNs();
          (void)!write(report, &t, sizeof t);
        }
        quiet = loud ? 0 : quiet + 1;
      });
      hub.hub().SetMixInput(l, "b", 1.0f, false);
      hub.hub().SetCallLink("b", std::make_unique<vmi::audio::CallLink>(vmi::UniqueFd(link), "a"));
    });
    char c;
    while (read(quit, &c, 1) > 0) {
    }
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  int pairs = argc > 1 ? atoi(argv[1]) : 100;
  int clicks = argc > 2 ? atoi(argv[2]) : 50;
  int err;
  OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
  Packet silence = Encode(enc, 0.0f), click = Encode(enc, 0.8f);

  // The device-host layout first, before this process has threads (fork).
  int link[2], report[2], quit[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) != 0 || pipe(report) != 0 ||
      pipe(quit) != 0)
    return 1;
  pid_t peer = fork();
  if (peer == 0) {
    close(link[0]);
    close(report[0]);
    close(quit[1]);
    RunPeer(link[1], report[1], quit[0]);
  }
  close(link[1]);
  close(report[1]);
  close(quit[0]);
  {
    auto dir = vmi::TempDir::MustCreate("vmi-call-audio-a");
    HubThread hub;
    AudioDevice* a = nullptr;
    pid_t tid = 0;
    hub.Call([&] {
      tid = static_cast<pid_t>(gettid());
      a = *hub.hub().AddDevice("a", dir.path());
      hub.hub().SetCallLink("a", std::make_unique<vmi::audio::CallLink>(vmi::UniqueFd(link[0]), "b"));
    });
    std::vector<double> linked, anchor;
    for (int c = 0; c < clicks; ++c) {
      for (int k = 0; k < 10; ++k) {  // 200 ms of silence between clicks
        (void)a->microphone().Feed(silence.bytes);
        std::this_thread::sleep_for(20ms);
      }
      int64_t t0 = NowNs();
      (void)a->microphone().Feed(click.bytes);
      // The anchor from the same click: the first of its four blocks leaves
      // A's FIFO (the hub drains it for the link as it would for A's guest).
      while (a->microphone().buffered_frames() > 960 - 240 && NowNs() - t0 < 500000000)
        std::this_thread::sleep_for(50us);
      anchor.push_back((NowNs() - t0) / 1e6);
      pollfd p{report[0], POLLIN, 0};
      if (poll(&p, 1, 500) == 1) {
        int64_t heard = 0;
        if (read(report[0], &heard, sizeof heard) == sizeof heard) linked.push_back((heard - t0) / 1e6);
      }
    }
    // CPU of A's hub thread while both sides talk for 5 s (B's microphone is
    // silent in the child; A's is fed here).
    Packet talk = Encode(enc, 0.3f);
    double cpu0 = ThreadCpuMs(tid);
    auto start = std::chrono::steady_clock::now(), next = start;
    while (std::chrono::steady_clock::now() - start < 5s) {
      (void)a->microphone().Feed(talk.bytes);
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
    double wall = Ms(std::chrono::steady_clock::now() - start);
    double cpu = ThreadCpuMs(tid) - cpu0;
    vmi::audio::CallLink::Stats st;
    hub.Call([&] {
      if (auto* l = hub.hub().call_link("a")) st = l->stats();
    });
    printf("%s\n",
           nlohmann::json{{"bench", "call_audio_latency_device_hosts"}, {"clicks", clicks},
                          {"heard", linked.size()},
                          {"mic_to_peer_output", Percentiles(linked)},
                          {"anchor_mic_to_own_capture", Percentiles(anchor)},
                          {"hub_cpu_percent_one_call", 100.0 * cpu / wall},
                          {"link", {{"sent", st.sent}, {"received", st.received}, {"played", st.played},
                                    {"late", st.late}, {"dropped", st.dropped}}},
                          {"block_ms", vmi::audio::kBlockUs / 1000.0}}
               .dump()
               .c_str());
  }
  close(quit[1]);
  waitpid(peer, nullptr, 0);
  close(report[0]);

  // Concurrent calls, device-host layout: anchor (no calls) then `pairs`
  // calls, every microphone talking. Forks: no thread of this process is
  // alive here.
  {
    Packet talk = Encode(enc, 0.3f);
    // The target (`pairs`) and a quarter of it, to see where this machine
    // stops keeping up.
    for (int n : {std::max(1, pairs / 4), pairs}) {
      nlohmann::json idle = ConcurrentCalls(n, false, talk.bytes);
      nlohmann::json calls = ConcurrentCalls(n, true, talk.bytes);
      double added = calls.value("cpu_ms_per_call_per_s", 0.0) - idle.value("cpu_ms_per_call_per_s", 0.0);
      printf("%s\n", nlohmann::json{{"bench", "call_audio_concurrent"}, {"calls", n},
                                    {"with_calls", calls}, {"anchor_no_calls", idle},
                                    {"call_adds_cpu_ms_per_call_per_s", added},
                                    {"note", "each sound card on its own hub thread (one device host each); "
                                             "A sides in one process, B sides in another; CPU of both "
                                             "processes, microphones' Opus decoding included"}}
                         .dump()
                         .c_str());
    }
  }

  std::vector<vmi::TempDir> dirs;
  for (int i = 0; i < 2 * pairs; ++i) dirs.push_back(vmi::TempDir::MustCreate("vmi-call-audio"));
  HubThread hub;
  std::vector<AudioDevice*> dev(2 * pairs);
  std::atomic<int64_t> heard_at{0};  // steady ns of the first loud block at B0
  pid_t hub_tid = 0;
  hub.Call([&] {
    hub_tid = static_cast<pid_t>(gettid());
    for (int i = 0; i < 2 * pairs; ++i) dev[i] = *hub.hub().AddDevice("d" + std::to_string(i), dirs[i].path());
    uint64_t l = hub.hub().AddMixListener([&](const float* x, size_t n, int64_t) {
      for (size_t k = 0; k < 2 * n; ++k)
        if (std::fabs(x[k]) > 0.05f && heard_at == 0) {
          heard_at = std::chrono::steady_clock::now().time_since_epoch().count();
          break;
        }
    });
    hub.hub().SetMixInput(l, "d1", 1.0f, false);
  });

  // Latency: bridged (A0 -> B0's output) and the anchor (A0's FIFO drained
  // by its own capture side, no call).
  auto measure = [&](bool bridged) {
    std::vector<double> ms;
    for (int c = 0; c < clicks; ++c) {
      for (int k = 0; k < 10; ++k) {  // 200 ms of silence between clicks
        (void)dev[0]->microphone().Feed(silence.bytes);
        std::this_thread::sleep_for(20ms);
      }
      heard_at = 0;
      auto t0 = std::chrono::steady_clock::now();
      (void)dev[0]->microphone().Feed(click.bytes);
      if (bridged) {
        while (heard_at == 0 && std::chrono::steady_clock::now() - t0 < 500ms) std::this_thread::sleep_for(50us);
        if (heard_at) ms.push_back((heard_at - t0.time_since_epoch().count()) / 1e6);
      } else {
        // The first of the click's four blocks leaves the FIFO.
        while (dev[0]->microphone().buffered_frames() > 960 - 240 &&
               std::chrono::steady_clock::now() - t0 < 500ms)
          std::this_thread::sleep_for(50us);
        ms.push_back(Ms(std::chrono::steady_clock::now() - t0));
      }
    }
    return ms;
  };
  auto anchor = measure(false);
  hub.Call([&] {
    for (int i = 0; i < pairs; ++i) hub.hub().SetCallPeer("d" + std::to_string(2 * i), "d" + std::to_string(2 * i + 1));
  });
  auto bridged = measure(true);
  printf("%s\n", nlohmann::json{{"bench", "call_audio_latency_one_hub"}, {"clicks", clicks},
                                {"mic_to_peer_output", Percentiles(bridged)},
                                {"anchor_mic_to_own_capture", Percentiles(anchor)},
                                {"block_ms", vmi::audio::kBlockUs / 1000.0}}
                     .dump()
                     .c_str());

  // Load: every side talks (one 20 ms packet each per 20 ms) for 5 s.
  Packet talk = Encode(enc, 0.3f);
  pid_t feeder_tid = static_cast<pid_t>(gettid());
  double cpu0 = ThreadCpuMs(hub_tid), dec0 = ThreadCpuMs(feeder_tid);
  auto start = std::chrono::steady_clock::now(), next = start;
  while (std::chrono::steady_clock::now() - start < 5s) {
    for (auto* d : dev) (void)d->microphone().Feed(talk.bytes);
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  double wall = Ms(std::chrono::steady_clock::now() - start);
  double cpu = ThreadCpuMs(hub_tid) - cpu0, dec = ThreadCpuMs(feeder_tid) - dec0;
  printf("%s\n", nlohmann::json{{"bench", "call_audio_load"}, {"bridged_calls", pairs},
                                {"hub_cpu_percent", 100.0 * cpu / wall},
                                {"hub_cpu_ms_per_call_per_s", cpu / pairs / (wall / 1000.0)},
                                {"mic_decode_cpu_percent", 100.0 * dec / wall},
                                {"note", "the hub thread mixes, bridges and feeds captures; every microphone's Opus "
                                         "decode runs on the thread that receives it (here one feeder thread)"}}
                     .dump()
                     .c_str());
  opus_encoder_destroy(enc);
  return 0;
}
