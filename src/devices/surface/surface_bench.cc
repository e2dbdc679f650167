// vmi_surface_bench: measures the surface path on this machine. A
// SurfaceServer runs in this process with a consumer thread that captures
// like the video pipeline (at most one capture per period, as soon as
// wait_fd is readable); vmi-surface-demo runs as the guest in a child
// process. Prints one JSON line per run. Not a test: nothing is asserted.
//
//   vmi_surface_bench DEMO [MODE=clock] [FRAMES=600] [PERIOD_MS=16.7] [LATE_MS]
//
// PERIOD_MS 0 captures as fast as frames come; -1 never captures (idle
// pacing). LATE_MS is passed to the demo's --late-ms. In clock mode the
// draw-to-capture latency is read from the frame's own timestamp cells.
#include <poll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "base/child_process.h"
#include "base/clock.h"
#include "base/file.h"
#include "devices/surface/surface_server.h"

namespace vmi::surface {

namespace {

double CpuSeconds(int who) {
  rusage r{};
  getrusage(who, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// Reads 32 cells of the demo's clock mode (see demo/main.c).
uint64_t Cells(const display::FrameView& v, int row, int cell) {
  uint64_t x = 0;
  for (int i = 0; i < 32; ++i) {
    size_t off = static_cast<size_t>(row * cell + cell / 2) * v.stride +
                 static_cast<size_t>(i * cell + cell / 2) * 4 + 1;
    x = x << 1 | (v.pixels[off] > 128 ? 1 : 0);
  }
  return x;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DEMO [MODE] [FRAMES] [PERIOD_MS] [LATE_MS]\n", argv[0]);
    return 2;
  }
  std::string demo = argv[1];
  std::string mode = argc > 2 ? argv[2] : "clock";
  std::string frames = argc > 3 ? argv[3] : "600";
  double period_ms = argc > 4 ? atof(argv[4]) : 16.7;
  std::string late = argc > 5 ? argv[5] : "";

  char dir[] = "/tmp/vmi-surface-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  SurfaceServerOptions o;
  o.socket_path = std::string(dir) + "/surface.sock";
  o.width = 720;
  o.height = 1280;
  auto server = SurfaceServer::Start(o);
  if (!server.ok()) {
    fprintf(stderr, "%s\n", server.error().ToString().c_str());
    return 1;
  }
  SpawnOptions so;
  so.env = {std::string("VMI_DEVDIR=") + dir};
  so.capture_stdout = true;
  std::vector<std::string> args = {demo, "--mode", mode, "--frames", frames};
  if (!late.empty()) args.insert(args.end(), {"--late-ms", late});
  double cpu0 = CpuSeconds(RUSAGE_SELF);
  int64_t t0 = MonotonicMicros();
  auto child = ChildProcess::Spawn(args, so);
  if (!child.ok()) {
    fprintf(stderr, "%s\n", child.error().ToString().c_str());
    return 1;
  }
  std::vector<int64_t> latency;
  uint64_t captures = 0, damaged_px = 0;
  int64_t period_us = static_cast<int64_t>(period_ms * 1000), next = MonotonicMicros();
  for (;;) {
    auto st = child->TryWait();
    if (!st.ok() || st->has_value()) break;
    if (period_us < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    pollfd p{(*server)->wait_fd(), POLLIN, 0};
    if (poll(&p, 1, 50) != 1) continue;
    int64_t wait = next - MonotonicMicros();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
    next = std::max(next + period_us, MonotonicMicros());
    auto v = (*server)->Capture();
    if (!v.ok() || v->damage.empty()) continue;
    ++captures;
    for (const auto& r : v->damage) damaged_px += static_cast<uint64_t>(r.w) * r.h;
    if (mode == "clock") {
      int cell = std::min(16, v->width / 32);
      uint64_t ts = Cells(*v, 0, cell) << 32 | Cells(*v, 1, cell);
      if (ts > 0 && ts <= static_cast<uint64_t>(v->capture_time_us))
        latency.push_back(v->capture_time_us - static_cast<int64_t>(ts));
    }
  }
  double wall = static_cast<double>(MonotonicMicros() - t0) / 1e6;
  double host_cpu = CpuSeconds(RUSAGE_SELF) - cpu0, guest_cpu = CpuSeconds(RUSAGE_CHILDREN);
  std::string demo_line = "null";
  char buf[512];
  ssize_t n = read(child->stdout_pipe().get(), buf, sizeof buf - 1);
  if (n > 0) demo_line.assign(buf, static_cast<size_t>(n) - (buf[n - 1] == '\n' ? 1 : 0));
  std::sort(latency.begin(), latency.end());
  auto pct = [&](double q) {
    if (latency.empty()) return 0.0;
    return static_cast<double>(
               latency[std::min(latency.size() - 1, static_cast<size_t>(q * latency.size()))]) /
           1000.0;
  };
  printf(
      "{\"mode\":\"%s\",\"period_ms\":%.1f,\"late_ms\":\"%s\",\"captures\":%llu,"
      "\"wall_s\":%.2f,\"host_cpu_pct\":%.2f,\"guest_cpu_pct\":%.2f,\"avg_damage_px\":%.0f,"
      "\"draw_to_capture_ms_p50\":%.2f,\"draw_to_capture_ms_p99\":%.2f,\"demo\":%s}\n",
      mode.c_str(), period_ms, late.c_str(), static_cast<unsigned long long>(captures), wall,
      100 * host_cpu / wall, 100 * guest_cpu / wall,
      captures ? static_cast<double>(damaged_px) / static_cast<double>(captures) : 0.0, pct(0.5),
      pct(0.99), demo_line.c_str());
  server->reset();
  auto r = RemoveTree(dir);
  (void)r;
  return 0;
}

}  // namespace
}  // namespace vmi::surface

int main(int argc, char** argv) { return vmi::surface::Main(argc, argv); }
