// Display benchmark: capture + damage cost per 720x1280 frame (still and
// changing), next to a plain whole-frame memcmp/memcpy measured in the same
// run; and VNC bytes and server CPU for one animated workload against
// x11vnc on the same Xvfb. Prints JSON lines. Run through bench/display/run.
//
//   vmi_display_bench                       all measurements
//   vmi_display_bench --animate DISPLAY S   (internal) the workload client
//   vmi_display_bench --rfb-client PORT PASSWORD S   (internal) a VNC client
//   vmi_display_bench --damage-probe X_SOCKET S     how many 33 ms polls saw
//                                                   DAMAGE reports (diagnostics)
#include <X11/Xlib.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <rfb/rfbclient.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/child_process.h"
#include "base/file.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "devices/display/damage_tracker.h"
#include "devices/display/png.h"
#include "devices/display/testing/xvfb_server.h"
#include "devices/display/xwd_frame_source.h"
#include "stream/vnc/vnc_server.h"

using namespace vmi;
using namespace vmi::display;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kW = 720, kH = 1280;


// Median of per-call times: the machine is shared, means are noisy.
template <typename F>
double MedianNs(int n, F&& f) {
  std::vector<double> t;
  t.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    f(i);
    t.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  std::nth_element(t.begin(), t.begin() + n / 2, t.end());
  return t[n / 2];
}

// Keeps the compiler from dropping a result.
volatile uint64_t g_sink = 0;

struct Workload {
  std::vector<uint8_t> fb;
  int stride = kW * 4;
  std::mt19937 rng{42};
  int frame = 0;
  Workload() : fb(size_t(kW) * 4 * kH) {
    for (auto& b : fb) b = rng() & 0xff;
  }
  // One frame of the standard workload: a text band of 600 rows scrolls up
  // by 4 rows with a new line of "text" at the bottom, and a 120x120 square
  // moves by 8 pixels.
  void Step() {
    uint8_t* band = &fb[size_t(stride) * 200];
    std::memmove(band, band + stride * 4, size_t(stride) * 596);
    for (int y = 596; y < 600; ++y) {
      for (int x = 0; x < kW * 4; ++x) band[size_t(stride) * y + x] = rng() & 0xff;
    }
    auto square = [&](int x0, int y0, uint32_t c) {
      for (int y = y0; y < y0 + 120; ++y)
        for (int x = x0; x < x0 + 120; ++x) std::memcpy(&fb[size_t(stride) * y + 4 * x], &c, 4);
    };
    int pos = (frame * 8) % (kW - 120);
    square(pos == 0 ? 0 : pos - 8, 900, 0);
    square(pos, 900, 0xff00ff);
    ++frame;
  }
};

void Print(const std::string& name, double value, const std::string& unit,
           const std::string& anchor_name, double anchor, const std::string& extra = "") {
  std::printf(
      "{\"bench\":\"display\",\"name\":\"%s\",\"value\":%.1f,\"unit\":\"%s\","
      "\"anchor\":\"%s\",\"anchor_value\":%.1f%s}\n",
      name.c_str(), value, unit.c_str(), anchor_name.c_str(), anchor, extra.c_str());
  std::fflush(stdout);
}

void DamageBench() {
  const int n = 300;
  Workload w;
  std::vector<uint8_t> copy = w.fb;
  // Anchors: one whole-frame memcmp (a still frame compares all of it) and
  // one whole-frame memcpy (what a capture without damage would copy).
  const double memcmp_ns = MedianNs(n, [&](int) {
    g_sink = g_sink + std::memcmp(w.fb.data(), copy.data(), w.fb.size());
  });
  const double memcpy_ns = MedianNs(n, [&](int i) {
    std::memcpy(copy.data(), w.fb.data(), w.fb.size());
    g_sink = g_sink + copy[i];
  });

  for (SimdLevel level : {SimdLevel::kPortable, SimdLevel::kSse2, SimdLevel::kAvx2}) {
    if (GetRowDiff(level) != GetRowDiff(std::min(level, DetectSimdLevel())) &&
        level > DetectSimdLevel()) {
      continue;
    }
    DamageTracker still({64, 16, level});
    (void)still.Update(w.fb.data(), kW, kH, w.stride);
    const double still_ns = MedianNs(n, [&](int) {
      g_sink = g_sink + still.Update(w.fb.data(), kW, kH, w.stride).size();
    });
    Print(std::string("damage_still_720x1280_") + SimdLevelName(level), still_ns, "ns/frame",
          "memcmp_whole_frame", memcmp_ns);

    Workload moving;
    DamageTracker changing({64, 16, level});
    (void)changing.Update(moving.fb.data(), kW, kH, moving.stride);
    std::vector<double> times;
    size_t damaged_px = 0;
    for (int i = 0; i < n; ++i) {
      moving.Step();
      auto s1 = Clock::now();
      for (const auto& r : changing.Update(moving.fb.data(), kW, kH, moving.stride)) {
        damaged_px += size_t(r.w) * r.h;
      }
      times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - s1).count());
    }
    std::nth_element(times.begin(), times.begin() + n / 2, times.end());
    const double update_ns = times[n / 2];
    char extra[128];
    std::snprintf(extra, sizeof extra, ",\"damaged_fraction\":%.3f",
                  double(damaged_px) / n / (kW * kH));
    Print(std::string("damage_changing_720x1280_") + SimdLevelName(level), update_ns,
          "ns/frame", "memcmp_plus_memcpy_whole_frame", memcmp_ns + memcpy_ns, extra);
  }
}

void PngBench() {
  Workload w;
  // Screen-like content: a flat background with one noisy row in eight
  // (text-like detail).
  for (size_t i = 0; i < w.fb.size(); ++i) {
    if (i / (4 * kW) % 8 != 0) w.fb[i] = 0xee;
  }
  FrameView f;
  f.pixels = w.fb.data();
  f.width = kW;
  f.height = kH;
  f.stride = w.stride;
  const int n = 5;
  size_t bytes = 0;
  const double ns = MedianNs(n, [&](int) { bytes = EncodePng(f)->size(); });
  std::vector<uint8_t> copy(w.fb.size());
  const double copy_ns =
      MedianNs(n, [&](int) { std::memcpy(copy.data(), w.fb.data(), copy.size()); });
  char extra[64];
  std::snprintf(extra, sizeof extra, ",\"png_bytes\":%zu", bytes);
  Print("png_encode_720x1280", ns, "ns/frame", "memcpy_whole_frame", copy_ns, extra);
}

void XvfbStillBench() {
  testing::TempDir dir;
  auto x = testing::XvfbServer::Start(dir.path(), "720x1280x24");
  if (!x.ok()) {
    std::fprintf(stderr, "Xvfb: %s\n", x.error().ToString().c_str());
    return;
  }
  XwdSourceOptions o;
  o.fb_path = (*x)->fb_path();
  o.x_socket = (*x)->socket_path();
  XwdFrameSource src(o);
  for (int i = 0; i < 20; ++i) (void)src.Capture();
  const int n = 300;
  const double ns = MedianNs(n, [&](int) {
    auto f = src.Capture();
    if (f.ok()) g_sink = g_sink + f->damage.size();
  });
  std::vector<uint8_t> a(size_t(kW) * 4 * kH, 1), b(a);
  const double memcmp_ns = MedianNs(
      n, [&](int) { g_sink = g_sink + std::memcmp(a.data(), b.data(), a.size()); });
  char extra[128];
  std::snprintf(extra, sizeof extra, ",\"cpu_percent_at_60fps\":%.2f", ns * 60 / 1e9 * 100);
  Print("xwd_capture_still_xvfb_720x1280", ns, "ns/frame", "memcmp_whole_frame", memcmp_ns,
        extra);
}

// --- VNC comparison -------------------------------------------------------

int Animate(const char* display, int seconds) {
  Display* d = XOpenDisplay(display);
  if (!d) return 1;
  int screen = DefaultScreen(d);
  Window root = RootWindow(d, screen);
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  attrs.background_pixel = WhitePixel(d, screen);
  Window win = XCreateWindow(d, root, 0, 0, kW, kH, 0, CopyFromParent, InputOutput,
                             CopyFromParent, CWOverrideRedirect | CWBackPixel, &attrs);
  XMapRaised(d, win);
  GC gc = XCreateGC(d, win, 0, nullptr);
  XFontStruct* font = XLoadQueryFont(d, "fixed");
  if (font) XSetFont(d, gc, font->fid);
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  auto next = Clock::now();
  for (int frame = 0; Clock::now() < end; ++frame) {
    // Scroll the text band up by 4 rows and write a new line at the bottom.
    XCopyArea(d, win, win, gc, 0, 204, kW, 596, 0, 200);
    XSetForeground(d, gc, WhitePixel(d, screen));
    XFillRectangle(d, win, gc, 0, 780, kW, 20);
    XSetForeground(d, gc, BlackPixel(d, screen));
    char line[96];
    std::snprintf(line, sizeof line, "line %06d: the quick brown fox jumps over the lazy dog %d",
                  frame, frame * 7919 % 10007);
    XDrawString(d, win, gc, 4, 796, line, std::strlen(line));
    // A moving square.
    int pos = (frame * 8) % (kW - 120);
    XSetForeground(d, gc, WhitePixel(d, screen));
    XFillRectangle(d, win, gc, 0, 900, kW, 120);
    XSetForeground(d, gc, 0xff00ff);
    XFillRectangle(d, win, gc, pos, 900, 120, 120);
    XSync(d, False);
    next += std::chrono::microseconds(33333);
    std::this_thread::sleep_until(next);
  }
  XCloseDisplay(d);
  return 0;
}

void Quiet(const char*, ...) {}
std::string g_password;

int RfbClientMain(int port, const char* password, int seconds) {
  rfbClientLog = rfbClientErr = Quiet;
  g_password = password;
  rfbClient* c = rfbGetClient(8, 3, 4);
  c->GetPassword = [](rfbClient*) -> char* { return strdup(g_password.c_str()); };
  c->appData.encodingsString = "tight copyrect";
  c->appData.shareDesktop = TRUE;
  c->serverHost = strdup("127.0.0.1");
  c->serverPort = port;
  static int updates = 0;
  c->FinishedFrameBufferUpdate = [](rfbClient*) { ++updates; };
  if (!rfbInitClient(c, nullptr, nullptr)) return 1;
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    int n = WaitForMessage(c, 100000);
    if (n < 0) break;
    if (n > 0 && !HandleRFBServerMessage(c)) break;
  }
  tcp_info info{};
  socklen_t len = sizeof info;
  getsockopt(c->sock, IPPROTO_TCP, TCP_INFO, &info, &len);
  std::printf("%llu %d\n", static_cast<unsigned long long>(info.tcpi_bytes_received), updates);
  rfbClientCleanup(c);
  return 0;
}

double ProcessCpuSeconds(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return 0;
  auto close = stat->rfind(')');
  auto fields = Split(std::string_view(*stat).substr(close + 2), ' ');
  // utime and stime are fields 14 and 15; after "pid (comm) " index 11, 12.
  return (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
}

struct VncResult {
  double cpu_percent = 0;
  double kbytes_per_s = 0;
  int updates = 0;
};

VncResult Measure(const std::string& self, const std::string& display, int port,
                  const std::string& password, pid_t server_pid, int seconds, bool animate) {
  VncResult r;
  Result<ChildProcess> anim = Error(ErrorCode::kUnknown, "still");
  if (animate) anim = ChildProcess::Spawn({self, "--animate", display, std::to_string(seconds + 2)});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double cpu0 = ProcessCpuSeconds(server_pid);
  SpawnOptions so;
  so.capture_stdout = true;
  auto client = Run({self, "--rfb-client", std::to_string(port), password, std::to_string(seconds)},
                    so, std::chrono::seconds(seconds + 30));
  const double cpu1 = ProcessCpuSeconds(server_pid);
  if (anim.ok()) (void)anim->WaitOrKill(std::chrono::seconds(10));
  if (!client.ok() || !client->ok()) return r;
  unsigned long long bytes = 0;
  std::sscanf(client->out.c_str(), "%llu %d", &bytes, &r.updates);
  r.cpu_percent = (cpu1 - cpu0) / seconds * 100;
  r.kbytes_per_s = bytes / 1024.0 / seconds;
  return r;
}

void VncBench(const std::string& self) {
  const int seconds = 5;
  testing::TempDir dir;
  auto x = testing::XvfbServer::Start(dir.path(), "720x1280x24");
  if (!x.ok()) return;
  const std::string display = (*x)->display_name();

  // Ours: the VNC server runs in this process, which runs nothing else
  // meanwhile (the workload and the client are child processes), so this
  // process's CPU time is the server's: capture, damage, encoding.
  XwdSourceOptions o;
  o.fb_path = (*x)->fb_path();
  o.x_socket = (*x)->socket_path();
  XwdFrameSource src(o);
  vnc::VncOptions vo;
  vo.instance = "bench";
  vo.source = &src;
  vo.fps = 30;
  auto server = vnc::VncServer::Start(vo);
  if (!server.ok()) return;
  VncResult ours = Measure(self, display, (*server)->port(), (*server)->password(), getpid(),
                           seconds, true);
  VncResult ours_still = Measure(self, display, (*server)->port(), (*server)->password(),
                                 getpid(), seconds, false);
  server->reset();

  // x11vnc on the same Xvfb, its defaults (XDamage hints + polling).
  std::string pwfile = dir.path() + "/x11vnc.pw";
  (void)vnc::WriteVncPasswordFile(pwfile, "benchpw1");
  int port = 0;
  {
    // A free port: bind port 0, read it, close (x11vnc binds it right after).
    UniqueFd probe(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    bind(probe.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    getsockname(probe.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    port = ntohs(sin.sin_port);
  }
  SpawnOptions xs;
  UniqueFd devnull(open("/dev/null", O_WRONLY | O_CLOEXEC));
  xs.stdout_fd = devnull.get();  // x11vnc prints PORT=... on stdout
  auto x11vnc = ChildProcess::Spawn({"x11vnc", "-display", display, "-rfbport", std::to_string(port),
                                     "-localhost", "-rfbauth", pwfile, "-forever", "-shared",
                                     "-quiet", "-nopw", "-o", dir.path() + "/x11vnc.log"},
                                    xs);
  VncResult theirs, theirs_still;
  if (x11vnc.ok()) {
    // Wait until it accepts connections.
    for (int i = 0; i < 100; ++i) {
      UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      sin.sin_port = htons(port);
      if (connect(s.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    theirs = Measure(self, display, port, "benchpw1", x11vnc->pid(), seconds, true);
    theirs_still = Measure(self, display, port, "benchpw1", x11vnc->pid(), seconds, false);
    (void)x11vnc->Signal(SIGTERM);
    (void)x11vnc->WaitOrKill(std::chrono::seconds(5));
  }
  char extra[256];
  std::snprintf(extra, sizeof extra, ",\"workload\":\"scroll+square 30fps %ds, tight\",\"updates\":%d,\"anchor_updates\":%d",
                seconds, ours.updates, theirs.updates);
  Print("vnc_server_cpu_percent", ours.cpu_percent, "%core", "x11vnc", theirs.cpu_percent, extra);
  Print("vnc_kbytes_per_s", ours.kbytes_per_s, "KiB/s", "x11vnc", theirs.kbytes_per_s, extra);
  std::snprintf(extra, sizeof extra, ",\"workload\":\"still screen %ds\"", seconds);
  Print("vnc_still_server_cpu_percent", ours_still.cpu_percent, "%core", "x11vnc",
        theirs_still.cpu_percent, extra);
  Print("vnc_still_kbytes_per_s", ours_still.kbytes_per_s, "KiB/s", "x11vnc",
        theirs_still.kbytes_per_s, extra);
}

}  // namespace

int DamageProbe(const char* socket, int seconds) {
  auto x = XConnection::Connect(socket);
  if (!x.ok()) return 1;
  if (!(*x)->EnableDamage().ok()) return 2;
  std::vector<Rect> boxes;
  int reported = 0, total = 0;
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    ++total;
    if ((*x)->TakeDamage(&boxes)) ++reported;
    std::this_thread::sleep_for(std::chrono::milliseconds(33));
  }
  std::printf("probe: %d of %d captures had damage, errors %llu, alive %d\n", reported, total,
              (unsigned long long)(*x)->errors_seen(), (*x)->alive());
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "--damage-probe") == 0) {
    return DamageProbe(argv[2], std::atoi(argv[3]));
  }
  if (argc >= 4 && std::strcmp(argv[1], "--animate") == 0) return Animate(argv[2], std::atoi(argv[3]));
  if (argc >= 5 && std::strcmp(argv[1], "--rfb-client") == 0) {
    return RfbClientMain(std::atoi(argv[2]), argv[3], std::atoi(argv[4]));
  }
  vmi::log::SetLevel(vmi::log::Level::WARN);
  std::printf("{\"bench\":\"display\",\"simd\":\"%s\"}\n", SimdLevelName(DetectSimdLevel()));
  DamageBench();
  PngBench();
  XvfbStillBench();
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = 0;
  VncBench(self);
  return 0;
}
