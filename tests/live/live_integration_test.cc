// The live view end to end through the real daemon: one real instance
// (crun, the linux-mobile session on the guest's Xvfb), reached through the
// daemon's HTTP API on its Unix socket.
//
//  - `vmi screenshot` returns the PNG of the guest's desktop, equal to the
//    guest framebuffer; thumbnails (?max_width, ?format=jpeg) are the
//    desktop scaled down;
//  - a WebSocket viewer gets CONTROL STATE, CONFIG and an H.264 keyframe
//    that decodes to the framebuffer (a JPEG-only viewer, a JPEG of it); its input reaches the guest (pointer
//    position read back with xdotool inside the guest, text typed into an
//    xterm read back from a file the guest wrote; tapping the desktop's
//    Terminal icon starts xterm);
//  - of two viewers, only the controlling one drives the guest;
//  - 150 viewers connecting, misbehaving and dropping leave the remaining
//    viewer served and the daemon's fds and memory where they were;
//  - vncsnapshot (a standard VNC client) with the instance's password sees
//    the framebuffer; a wrong password is refused;
//  - a VNC client's pointer reaches the guest, and while it controls, a
//    browser viewer's input does not (one controller across transports);
//  - rotation changes the size for the X server, the stream, screenshots;
//  - a guest surface program (vmi-surface-demo) replaces the X picture;
//  - stopping the instance closes its viewers; starting it serves again.
//
// The suite shares one daemon and one instance (run as one process).
#include <gtest/gtest.h>
#include <rfb/rfbclient.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "base/file.h"
#include "base/line_reader.h"
#include "daemon_fixture.h"
#include "live_fixture.h"
#include "stream/video/test_h264_decoder.h"
#include "stream/vnc/vnc_server.h"
#include "ws_viewer.h"

namespace vmi::testing {
namespace {

using namespace std::chrono_literals;
constexpr int kW = 720, kH = 1280;

template <typename F>
bool Eventually(F&& f, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(500ms);
  }
  return f();
}

class LiveTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    if (!IsRoot()) return;
    daemon_ = new Daemon();
    if (!daemon_->Start()) {
      auto log = ReadFile(daemon_->data_dir() + "/daemon.log");
      error_ = "daemon did not start: " + (log.ok() ? *log : std::string("(no log)"));
      return;
    }
    try {
      id_ = std::string(Trim(daemon_->Ok({"create", "--name", "live", "--memory", "512M", "--cpus",
                                          "1", "--resolution", "720x1280"})));
      // The image's Xvfb screen is square (VMI_SCREEN_SIDE), so landscape
      // fits; the session sets the instance's 720x1280 inside it.
      daemon_->Ok({"start", id_});
      if (!daemon_->WaitDisplay(id_, 60)) {
        error_ = "display not ready: " + daemon_->Ok({"logs", id_});
        return;
      }
      if (!WaitDesktop()) error_ = "the desktop did not appear at 720x1280";
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    if (!daemon_) return;
    try {
      daemon_->Purge();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup: " << e.what();
    }
    delete daemon_;  // stops the daemon in any case
    daemon_ = nullptr;
  }

  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(error_.empty()) << error_;
  }

 protected:
  // The desktop is up: the framebuffer has the instance's size, some
  // colours, and stays the same for a second (the session finished drawing).
  static bool WaitDesktop() {
    Picture last;
    return Eventually(
        [&] {
          auto fb = Framebuffer(DevDir());
          if (!fb.ok() || fb->width != kW || fb->height != kH || DistinctColours(*fb) < 8)
            return false;
          bool still = Compare(*fb, last, 0).close_fraction == 1.0;
          last = std::move(*fb);
          return still;
        },
        60s);
  }
  static std::string DevDir() { return daemon_->data_dir() + "/instances/" + id_ + "/dev"; }
  static std::string Api(const std::string& what) { return "/api/v1/instances/" + id_ + what; }

  std::unique_ptr<WsViewer> Viewer() {
    auto v = WsViewer::Connect(daemon_->socket(), Api("/stream"));
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    if (!v.ok()) return nullptr;
    EXPECT_TRUE((*v)->Hello().ok());
    return std::move(*v);
  }

  // Runs a shell command in the guest with DISPLAY=:0; returns its output.
  static std::pair<int, std::string> Guest(const std::string& cmd) {
    return daemon_->Exec(id_, {"sh", "-c", "export DISPLAY=:0; " + cmd});
  }
  static std::pair<int, int> GuestMouse() {
    auto [code, out] = Guest("xdotool getmouselocation");
    int x = -1, y = -1;
    if (code != 0 || sscanf(out.c_str(), "x:%d y:%d", &x, &y) != 2) return {-1, -1};
    return {x, y};
  }
  static Picture Screenshot() {
    std::string out = daemon_->data_dir() + "/shot.png";
    daemon_->Ok({"screenshot", id_, out});
    auto png = ReadFile(out);
    if (!png.ok()) return {};
    auto p = PictureFromPng(*png);
    return p.ok() ? std::move(*p) : Picture{};
  }

  static Daemon* daemon_;
  static std::string id_;
  static std::string error_;
};

Daemon* LiveTest::daemon_ = nullptr;
std::string LiveTest::id_;
std::string LiveTest::error_;

TEST_F(LiveTest, ScreenshotIsThePngOfTheGuestDesktop) {
  Picture shot = Screenshot();
  ASSERT_EQ(shot.width, kW);
  ASSERT_EQ(shot.height, kH);
  EXPECT_GE(DistinctColours(shot), 8u) << "blank screenshot";
  auto fb = Framebuffer(DevDir());
  ASSERT_TRUE(fb.ok()) << fb.error().ToString();
  auto d = Compare(shot, *fb, 0);
  EXPECT_GT(d.close_fraction, 0.99) << "mean difference " << d.mean;

  auto r = Http(daemon_->socket(), "GET", Api("/screenshot"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.Get("Content-Type").value_or(""), "image/png");
  auto none = Http(daemon_->socket(), "GET", "/api/v1/instances/no-such/screenshot");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 404);

  // The surface server listens from the start, for guests that are not X.
  struct stat st;
  ASSERT_EQ(lstat((DevDir() + "/surface.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

// Console thumbnails: ?max_width=N scales the screenshot down (aspect kept),
// ?format=jpeg returns a JPEG; both show the guest's desktop; bad values
// are a 400.
TEST_F(LiveTest, ScreenshotThumbnailsArePngOrJpegOfTheScaledDesktop) {
  auto fb = Framebuffer(DevDir());
  ASSERT_TRUE(fb.ok()) << fb.error().ToString();
  // The framebuffer scaled down by 4 with a box filter, as the daemon does.
  Picture small;
  small.width = kW / 4;
  small.height = kH / 4;
  for (int y = 0; y < small.height; ++y) {
    for (int x = 0; x < small.width; ++x) {
      int sum[3] = {0, 0, 0};
      for (int dy = 0; dy < 4; ++dy)
        for (int dx = 0; dx < 4; ++dx) {
          uint32_t v = fb->At(4 * x + dx, 4 * y + dy);
          for (int c = 0; c < 3; ++c) sum[c] += (v >> (8 * c)) & 0xff;
        }
      small.px.push_back(static_cast<uint32_t>((sum[2] / 16) << 16 | (sum[1] / 16) << 8 |
                                               (sum[0] / 16)));
    }
  }

  auto png = Http(daemon_->socket(), "GET", Api("/screenshot?max_width=180"));
  ASSERT_TRUE(png.ok()) << png.error().ToString();
  ASSERT_EQ(png->status, 200) << png->body;
  EXPECT_EQ(png->headers.Get("Content-Type").value_or(""), "image/png");
  auto p = PictureFromPng(png->body);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->width, 180);
  EXPECT_EQ(p->height, 320);
  auto d = Compare(*p, small, 24);
  EXPECT_LT(d.mean, 6) << "thumbnail differs from the desktop";
  EXPECT_GT(d.close_fraction, 0.9);

  auto jpeg = Http(daemon_->socket(), "GET", Api("/screenshot?max_width=180&format=jpeg"));
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().ToString();
  ASSERT_EQ(jpeg->status, 200) << jpeg->body;
  EXPECT_EQ(jpeg->headers.Get("Content-Type").value_or(""), "image/jpeg");
  auto j = PictureFromJpeg(jpeg->body);
  ASSERT_TRUE(j.ok()) << j.error().ToString();
  EXPECT_EQ(j->width, 180);
  EXPECT_EQ(j->height, 320);
  d = Compare(*j, small, 48);
  EXPECT_LT(d.mean, 10) << "JPEG thumbnail differs from the desktop";
  // Full-size JPEG too; a thumbnail is much smaller than the screenshot.
  auto full_jpeg = Http(daemon_->socket(), "GET", Api("/screenshot?format=jpeg"));
  ASSERT_TRUE(full_jpeg.ok());
  auto fj = PictureFromJpeg(full_jpeg->body);
  ASSERT_TRUE(fj.ok());
  EXPECT_EQ(fj->width, kW);
  auto full = Http(daemon_->socket(), "GET", Api("/screenshot"));
  ASSERT_TRUE(full.ok());
  EXPECT_LT(png->body.size() * 4, full->body.size());

  for (const char* bad : {"?max_width=0", "?max_width=wide", "?max_width=99999", "?format=gif"}) {
    auto r = Http(daemon_->socket(), "GET", Api(std::string("/screenshot") + bad));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
  }
}

TEST_F(LiveTest, ViewerGetsConfigAndH264OfTheFramebuffer) {
  auto v = Viewer();
  ASSERT_TRUE(v);
  auto control = v->WaitControl(30s);
  ASSERT_TRUE(control);
  EXPECT_GE(control->viewers, 1);
  auto cfg = v->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->codec, 0);
  EXPECT_EQ(cfg->width, kW);
  EXPECT_EQ(cfg->height, kH);
  EXPECT_EQ(cfg->codec_string.rfind("avc1.42", 0), 0u) << cfg->codec_string;
  auto key = v->WaitVideo(30s, true);
  ASSERT_TRUE(key);
  auto decoder = video::TestH264Decoder::Create();
  ASSERT_TRUE(decoder.ok());
  auto pic = (*decoder)->Decode(key->access_unit);
  ASSERT_TRUE(pic.ok()) << pic.error().ToString();
  ASSERT_EQ(pic->width, kW);
  ASSERT_EQ(pic->height, kH);
  auto fb = Framebuffer(DevDir());
  ASSERT_TRUE(fb.ok());
  Picture decoded{pic->width, pic->height, pic->bgrx};
  auto d = Compare(decoded, *fb, 48);
  EXPECT_LT(d.mean, 6.0);
  EXPECT_GT(d.close_fraction, 0.95);

  // A malformed message closes that viewer only, with a reason.
  auto bad = Viewer();
  ASSERT_TRUE(bad);
  ASSERT_TRUE(bad->Send(std::string{0x11, 0}).ok());
  ASSERT_TRUE(bad->WaitClosed(10s));
  EXPECT_EQ(bad->close_code(), 1008);
  EXPECT_FALSE(bad->close_reason().empty());
  ASSERT_TRUE(v->KeyframeRequest().ok());
  EXPECT_TRUE(v->WaitVideo(30s, true)) << "the other viewer stopped receiving";
}

// The JPEG fallback (viewers without WebCodecs) through the daemon: the
// whole screen as one JPEG equal to the framebuffer. (The daemon once
// crashed here: LibVNCServer's copy of tjCompress2 shadowed libturbojpeg's.)
TEST_F(LiveTest, JpegViewerGetsTheFramebuffer) {
  auto v = WsViewer::Connect(daemon_->socket(), Api("/stream"));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  ASSERT_TRUE((*v)->Hello(2).ok());  // JPEG only
  auto cfg = (*v)->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->codec, 1);
  auto m = (*v)->WaitFor(
      [](const std::string& m) { return m.size() > 20 && m[0] == 0x03 && m[1] == 1; }, 30s);
  ASSERT_TRUE(m) << "no full-screen JPEG";
  auto pic = PictureFromJpeg(m->substr(20));
  ASSERT_TRUE(pic.ok()) << pic.error().ToString();
  ASSERT_EQ(pic->width, kW);
  ASSERT_EQ(pic->height, kH);
  auto fb = Framebuffer(DevDir());
  ASSERT_TRUE(fb.ok());
  auto d = Compare(*pic, *fb, 48);
  EXPECT_LT(d.mean, 6);
  EXPECT_GT(d.close_fraction, 0.95);
  // The daemon is still there.
  auto r = Http(daemon_->socket(), "GET", Api("/screenshot?format=jpeg&max_width=90"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST_F(LiveTest, ViewerInputReachesTheGuest) {
  auto v = Viewer();
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->WaitConfig(30s));

  // Pointer: the guest X server's pointer goes exactly where the viewer says.
  ASSERT_TRUE(v->Pointer(111, 222, 0).ok());
  EXPECT_TRUE(Eventually([] { return GuestMouse() == std::make_pair(111, 222); }, 15s))
      << "guest pointer at " << GuestMouse().first << "," << GuestMouse().second;

  // Keyboard: text typed in the viewer lands in a guest xterm.
  Guest(
      "rm -f /tmp/typed; setsid xterm -e sh -c 'read l; echo \"$l\" > /tmp/typed' "
      ">/dev/null 2>&1 </dev/null &");
  ASSERT_TRUE(Eventually(
      [] { return Guest("xdotool search --onlyvisible --class xterm").first == 0; }, 30s))
      << "xterm did not appear";
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(v->Pointer(kW / 2, kH / 4, 1).ok());  // click into it (focus)
  ASSERT_TRUE(v->Pointer(kW / 2, kH / 4, 0).ok());
  ASSERT_TRUE(v->Text("vmi-live ok").ok());
  ASSERT_TRUE(v->Key(0xff0d, true).ok());  // Return
  ASSERT_TRUE(v->Key(0xff0d, false).ok());
  std::string typed;
  EXPECT_TRUE(Eventually(
      [&] {
        auto [code, out] = Guest("cat /tmp/typed 2>/dev/null");
        typed = out;
        return code == 0 && Trim(out) == "vmi-live ok";
      },
      20s))
      << "guest read '" << typed << "'";
}

// The Terminal icon of the desktop's app grid: the centroid of its bright
// green prompt (">_"), the only such green near the top of the screen.
std::optional<std::pair<int, int>> TerminalIcon(const Picture& p) {
  long sx = 0, sy = 0, n = 0;
  for (int y = 0; y < std::min(p.height, 200); ++y) {
    for (int x = 0; x < p.width; ++x) {
      uint32_t v = p.At(x, y);
      int r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
      if (g > 150 && g - r > 90 && g - b > 90) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  if (n < 10) return std::nullopt;
  return std::make_pair(int(sx / n), int(sy / n));
}

TEST_F(LiveTest, TappingTheTerminalIconStartsXterm) {
  ASSERT_NE(Guest("pgrep -x xterm").first, 0) << "an xterm is already running";
  auto icon = TerminalIcon(Screenshot());
  ASSERT_TRUE(icon) << "no Terminal icon on the desktop";
  auto v = Viewer();
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->WaitConfig(30s));
  ASSERT_TRUE(v->Pointer(icon->first, icon->second, 0).ok());
  ASSERT_TRUE(v->Pointer(icon->first, icon->second, 1).ok());
  ASSERT_TRUE(v->Pointer(icon->first, icon->second, 0).ok());
  EXPECT_TRUE(Eventually([] { return Guest("pgrep -x xterm").first == 0; }, 30s))
      << "tapping the icon at " << icon->first << "," << icon->second << " started no xterm";
  Guest("for p in $(pgrep -x xterm); do kill $p; done");
  EXPECT_TRUE(Eventually([] { return Guest("pgrep -x xterm").first != 0; }, 15s));
}

TEST_F(LiveTest, OnlyTheControllingViewerDrivesTheGuest) {
  auto a = Viewer();
  auto b = Viewer();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->WaitConfig(30s));
  ASSERT_TRUE(b->WaitConfig(30s));
  ASSERT_TRUE(a->Pointer(50, 60, 0).ok());  // a takes control with its first input
  ASSERT_TRUE(Eventually([] { return GuestMouse() == std::make_pair(50, 60); }, 15s));
  auto seen = b->WaitFor(
      [](const std::string& m) {
        auto c = WsViewer::ParseControl(m);
        return c && c->state == 2;
      },
      10s);
  EXPECT_TRUE(seen) << "b was not told that another viewer controls";

  ASSERT_TRUE(b->Pointer(400, 500, 0).ok());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(GuestMouse(), std::make_pair(50, 60)) << "input of a viewer without control";

  ASSERT_TRUE(a->Control(2).ok());  // a releases; b's next input takes control
  ASSERT_TRUE(Eventually(
      [&] {
        b->Pointer(400, 500, 0).ok();
        return GuestMouse() == std::make_pair(400, 500);
      },
      15s));
}

// The daemon's pid (the `vmi serve` of this suite's data directory).
size_t OpenFds(pid_t pid) {
  auto r = RunChecked({"ls", "/proc/" + std::to_string(pid) + "/fd"});
  return r.ok() ? Split(*r, '\n').size() : 0;
}

long RssKb(pid_t pid) {
  auto s = ReadFile("/proc/" + std::to_string(pid) + "/status");
  if (!s.ok()) return 0;
  auto at = s->find("VmRSS:");
  return at == std::string::npos ? 0 : std::atol(s->c_str() + at + 6);
}

TEST_F(LiveTest, ViewersComingAndGoingLeaveTheOthersUnaffected) {
  pid_t pid = daemon_->pid();
  ASSERT_GT(pid, 0);
  auto good = Viewer();
  ASSERT_TRUE(good);
  ASSERT_TRUE(good->WaitVideo(30s, true));
  size_t fds = OpenFds(pid);
  long rss = RssKb(pid);

  for (int i = 0; i < 150; ++i) {
    auto v = WsViewer::Connect(daemon_->socket(), Api("/stream"));
    ASSERT_TRUE(v.ok()) << "connection " << i << ": " << v.error().ToString();
    if (i % 3 == 0) {
      ASSERT_TRUE((*v)->Send(std::string{0x13, 0, 9, 0, 'x'}).ok());  // malformed
    } else {
      ASSERT_TRUE((*v)->Hello().ok());
      if (i % 3 == 1) (*v)->WaitConfig(5s);
    }
  }  // each one drops its connection here

  ASSERT_TRUE(good->KeyframeRequest().ok());
  EXPECT_TRUE(good->WaitVideo(30s, true)) << "the remaining viewer stopped receiving";
  EXPECT_TRUE(Eventually([&] { return OpenFds(pid) <= fds + 4; }, 20s))
      << "fds " << fds << " -> " << OpenFds(pid);
  EXPECT_LT(RssKb(pid) - rss, 64 * 1024) << "daemon RSS grew from " << rss << " kB";
}

TEST_F(LiveTest, VncClientSeesTheFramebuffer) {
  auto r = Http(daemon_->socket(), "GET", Api("/vnc"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["host"], "127.0.0.1");
  int port = j["port"].get<int>();
  ASSERT_GT(port, 0);
  EXPECT_EQ(j["password"], daemon_->Inspect(id_)["vnc_password"]);

  std::string dir = daemon_->data_dir();
  ASSERT_TRUE(vnc::WriteVncPasswordFile(dir + "/vnc.pass", j["password"]).ok());
  ASSERT_TRUE(vnc::WriteVncPasswordFile(dir + "/wrong.pass", "wrong-pw").ok());
  auto snap = [&](const std::string& pass, const std::string& out) {
    return vmi::Run({"vncsnapshot", "-quiet", "-passwd", pass, "-nojpeg", "-nocursor", "-quality",
                     "100", "127.0.0.1::" + std::to_string(port), out},
                    {}, 60s);
  };
  auto ok = snap(dir + "/vnc.pass", dir + "/snap.jpg");
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->ok()) << ok->err << ok->out;
  auto jpeg = ReadFile(dir + "/snap.jpg");
  ASSERT_TRUE(jpeg.ok());
  auto pic = PictureFromJpeg(*jpeg);
  ASSERT_TRUE(pic.ok());
  auto fb = Framebuffer(DevDir());
  ASSERT_TRUE(fb.ok());
  ASSERT_EQ(pic->width, fb->width);
  ASSERT_EQ(pic->height, fb->height);
  auto d = Compare(*pic, *fb, 48);
  EXPECT_LT(d.mean, 4.0);
  EXPECT_GT(d.close_fraction, 0.97);

  auto refused = snap(dir + "/wrong.pass", dir + "/wrong.jpg");
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->ok()) << "a wrong VNC password was accepted";

  // The same server over the API's WebSocket (RFB in binary messages):
  // `vmi vnc ID --listen 127.0.0.1:0 --once` gives the client a local port
  // and carries its connection through the daemon's bridge.
  EXPECT_EQ(j["websocket"], Api("/vnc/websocket"));
  auto tunnel = ChildProcess::Spawn({BinDir() + "/vmi", "--server", "unix://" + daemon_->socket(),
                                     "vnc", id_, "--listen", "127.0.0.1:0", "--once"},
                                    {.capture_stdout = true, .parent_death_signal = SIGKILL});
  ASSERT_TRUE(tunnel.ok()) << tunnel.error().ToString();
  int local_port = 0;
  for (int i = 0; i < 5 && local_port == 0; ++i) {
    auto line = ReadLine(tunnel->stdout_pipe().get(), {.timeout = 10s, .what = "vmi vnc"});
    ASSERT_TRUE(line.ok()) << line.error().ToString();
    sscanf(line->c_str(), "listening on 127.0.0.1:%d", &local_port);
  }
  ASSERT_GT(local_port, 0);
  port = local_port;
  auto tunnelled = snap(dir + "/vnc.pass", dir + "/tunnel.jpg");
  ASSERT_TRUE(tunnelled.ok());
  ASSERT_TRUE(tunnelled->ok()) << tunnelled->err << tunnelled->out;
  auto tj = ReadFile(dir + "/tunnel.jpg");
  ASSERT_TRUE(tj.ok());
  auto tpic = PictureFromJpeg(*tj);
  ASSERT_TRUE(tpic.ok());
  ASSERT_EQ(tpic->width, fb->width);
  EXPECT_GT(Compare(*tpic, *fb, 48).close_fraction, 0.97);
  auto ended = tunnel->WaitOrKill(10s);
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(WIFEXITED(*ended) && WEXITSTATUS(*ended) == 0) << *ended;
}

void QuietRfbLog(const char*, ...) {}

// A VNC client on LibVNCClient that only sends input.
class VncInput {
 public:
  static std::unique_ptr<VncInput> Connect(int port, const std::string& password) {
    rfbClientLog = rfbClientErr = QuietRfbLog;
    auto v = std::unique_ptr<VncInput>(new VncInput());
    v->password_ = password;
    v->client_ = rfbGetClient(8, 3, 4);
    rfbClientSetClientData(v->client_, &kTag, v.get());
    v->client_->GetPassword = [](rfbClient* c) -> char* {
      return strdup(static_cast<VncInput*>(rfbClientGetClientData(c, &kTag))->password_.c_str());
    };
    v->client_->serverHost = strdup("127.0.0.1");
    v->client_->serverPort = port;
    if (!rfbInitClient(v->client_, nullptr, nullptr)) {
      v->client_ = nullptr;  // freed by rfbInitClient
      return nullptr;
    }
    return v;
  }
  ~VncInput() {
    if (client_) rfbClientCleanup(client_);
  }
  bool Pointer(int x, int y) { return SendPointerEvent(client_, x, y, 0); }

 private:
  VncInput() = default;
  static inline int kTag = 0;
  rfbClient* client_ = nullptr;
  std::string password_;
};

TEST_F(LiveTest, VncInputGoesThroughTheSameRouting) {
  auto r = Http(daemon_->socket(), "GET", Api("/vnc"));
  ASSERT_TRUE(r.ok());
  auto j = nlohmann::json::parse(r->body);
  const int port = j["port"].get<int>();
  const std::string password = j["password"];

  // No browser viewer: the VNC client controls (it asks when it connects;
  // a browser that just left may still be releasing, hence the retries).
  std::unique_ptr<VncInput> vnc;
  ASSERT_TRUE(Eventually(
      [&] {
        vnc.reset();
        vnc = VncInput::Connect(port, password);
        return vnc && vnc->Pointer(77, 88) &&
               Eventually([] { return GuestMouse() == std::make_pair(77, 88); }, 3s);
      },
      20s))
      << "VNC pointer did not reach the guest";

  // A browser viewer now gets no say while the VNC client controls.
  auto b = Viewer();
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->WaitConfig(30s));
  ASSERT_TRUE(b->Pointer(10, 10, 0).ok());
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(GuestMouse(), std::make_pair(77, 88)) << "browser input while VNC controls";

  // The VNC client leaves: the browser's next input takes control.
  vnc.reset();
  EXPECT_TRUE(Eventually(
      [&] {
        b->Pointer(10, 10, 0).ok();
        return GuestMouse() == std::make_pair(10, 10);
      },
      15s));
}

TEST_F(LiveTest, RotationChangesTheSizeOnBothEnds) {
  auto v = Viewer();
  ASSERT_TRUE(v);
  auto cfg = v->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  ASSERT_EQ(cfg->width, kW);

  auto bad = Http(daemon_->socket(), "POST", Api("/rotate"), R"({"orientation":"sideways"})");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);

  auto r = Http(daemon_->socket(), "POST", Api("/rotate"), R"({"orientation":"landscape"})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["width"], kH);
  EXPECT_EQ(j["height"], kW);
  EXPECT_EQ(j["orientation"], "landscape");

  // The stream follows: a new CONFIG and a keyframe of the new size.
  cfg = v->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->width, kH);
  EXPECT_EQ(cfg->height, kW);
  auto key = v->WaitVideo(30s, true);
  ASSERT_TRUE(key);
  auto decoder = video::TestH264Decoder::Create();
  ASSERT_TRUE(decoder.ok());
  auto pic = (*decoder)->Decode(key->access_unit);
  ASSERT_TRUE(pic.ok());
  EXPECT_EQ(pic->width, kH);
  EXPECT_EQ(pic->height, kW);
  // The guest sees it, and so do screenshots.
  auto [code, geo] = Guest("xdotool getdisplaygeometry");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Trim(geo), "1280 720");
  Picture shot = Screenshot();
  EXPECT_EQ(shot.width, kH);
  EXPECT_EQ(shot.height, kW);

  // The viewer's own rotate button turns it back.
  ASSERT_TRUE(v->Command(1).ok());
  cfg = v->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->width, kW);
  EXPECT_EQ(cfg->height, kH);
  EXPECT_TRUE(Eventually(
      [] { return Trim(Guest("xdotool getdisplaygeometry").second) == "720 1280"; }, 10s));
}

// Whether `p` shows the demo's background (r 20-60, g 30-90, b 70) in most
// places.
bool ShowsSurfaceDemo(const Picture& p, int tolerance) {
  if (p.px.empty()) return false;
  size_t n = 0;
  for (uint32_t v : p.px) {
    int r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
    if (r >= 20 - tolerance && r <= 60 + tolerance && g >= 30 - tolerance && g <= 90 + tolerance &&
        std::abs(b - 70) <= tolerance)
      n++;
  }
  return n > p.px.size() / 2;
}

TEST_F(LiveTest, SurfaceGuestReplacesTheXPicture) {
  ASSERT_FALSE(ShowsSurfaceDemo(Screenshot(), 0));
  auto [code, out] = Guest(
      "setsid /opt/vmi/bin/vmi-surface-demo --mode shapes --retry 10 >/tmp/demo.log 2>&1 "
      "</dev/null & echo $! > /tmp/demo.pid");
  ASSERT_EQ(code, 0) << out;
  Picture shot;
  EXPECT_TRUE(Eventually(
      [&] {
        shot = Screenshot();
        return ShowsSurfaceDemo(shot, 0);
      },
      30s))
      << Guest("cat /tmp/demo.log").second;
  EXPECT_EQ(shot.width, kW);
  EXPECT_EQ(shot.height, kH);

  auto v = Viewer();
  ASSERT_TRUE(v);
  auto cfg = v->WaitConfig(30s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->width, kW);
  auto key = v->WaitVideo(30s, true);
  ASSERT_TRUE(key);
  auto decoder = video::TestH264Decoder::Create();
  ASSERT_TRUE(decoder.ok());
  auto pic = (*decoder)->Decode(key->access_unit);
  ASSERT_TRUE(pic.ok());
  EXPECT_TRUE(ShowsSurfaceDemo(Picture{pic->width, pic->height, pic->bgrx}, 8));
  Guest("kill $(cat /tmp/demo.pid)");
}

TEST_F(LiveTest, StoppingClosesViewersAndStartingServesAgain) {
  auto v = Viewer();
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->WaitConfig(30s));
  daemon_->Ok({"stop", id_});
  ASSERT_TRUE(v->WaitClosed(30s));
  EXPECT_EQ(v->close_code(), 1001);
  EXPECT_EQ(v->close_reason(), "instance stopped");
  auto r = Http(daemon_->socket(), "GET", Api("/screenshot"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409);
  EXPECT_FALSE(PathExists(DevDir() + "/surface.sock"));
  auto refused = WsViewer::Connect(daemon_->socket(), Api("/stream"));
  EXPECT_FALSE(refused.ok()) << "upgrade to a stopped instance";

  daemon_->Ok({"start", id_});
  ASSERT_TRUE(daemon_->WaitDisplay(id_, 60));
  ASSERT_TRUE(WaitDesktop());
  EXPECT_TRUE(PathExists(DevDir() + "/surface.sock"));
  Picture shot = Screenshot();
  EXPECT_EQ(shot.width, kW);
  EXPECT_FALSE(ShowsSurfaceDemo(shot, 0)) << "the X desktop is back after a restart";
  auto again = Viewer();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->WaitVideo(30s, true));
}

}  // namespace
}  // namespace vmi::testing
