// Win32 programs as phone apps, end to end: real Win32 GUI programs built
// here with Debian's mingw-w64, an installer built with NSIS, installed
// through the app API into a real win32 instance (Wine on the instance's
// Xvfb), checked on the framebuffer, driven through the live view's input
// path. One daemon and one instance for the whole suite (the image build
// initialises a Wine prefix). Skips when Wine or mingw-w64 is missing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "daemon_fixture.h"
#include "ws_viewer.h"

namespace vmi::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr int kW = 720, kH = 1280;

bool Eventually(const std::function<bool()>& f, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return f();
}

// A 32x32 32-bit icon (orange), as an .ico file for windres.
std::string IcoFile() {
  std::string ico;
  auto put = [&](uint32_t v, int n) {
    for (int i = 0; i < n; ++i) ico += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  uint32_t size = 40 + 32 * 32 * 4 + 32 * 4;
  put(0, 2), put(1, 2), put(1, 2);
  ico += std::string{32, 32, 0, 0};
  put(1, 2), put(32, 2), put(size, 4), put(22, 4);
  put(40, 4), put(32, 4), put(64, 4), put(1, 2), put(32, 2), put(0, 4), put(0, 4);
  put(0, 4), put(0, 4), put(0, 4), put(0, 4);
  for (int i = 0; i < 32 * 32; ++i) put(0xffff8000u, 4);
  ico += std::string(32 * 4, '\0');
  return ico;
}

struct Box {
  int x0 = kW, y0 = kH, x1 = -1, y1 = -1;
  int w() const { return x1 - x0 + 1; }
  int h() const { return y1 - y0 + 1; }
};

class Win32Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!IsRoot()) return;
    if (access("/usr/lib/wine/wine64", X_OK) != 0 ||
        access("/usr/bin/x86_64-w64-mingw32-gcc", X_OK) != 0) {
      skip_ = "needs Debian's wine64 and mingw-w64 (scripts/deps/apt-win32.txt)";
      return;
    }
    auto d = TempDir::Create("vmi-win32-test");
    files_ = new TempDir(std::move(*d));
    if (!BuildPrograms()) return;
    daemon_ = new Daemon();
    if (!daemon_->Start()) {
      skip_ = "daemon did not start";
      return;
    }
    auto built = daemon_->Cli({"--json", "image", "build", "win32"});
    if (built.status != 0) {
      error_ = "image build win32: " + built.err;
      return;
    }
    for (const auto& i : daemon_->Json({"--json", "image", "ls"}))
      if (i["name"] == "win32") wine_i386_ = i.value("wine_i386", "");
    id_ = std::string(Trim(daemon_->Ok(
        {"create", "--image", "win32", "--memory", "1G", "--resolution", "720x1280", "--start"})));
    if (!daemon_->WaitDisplay(id_, 60)) error_ = "display did not come up";
  }
  static void TearDownTestSuite() {
    if (daemon_) daemon_->Purge();
    delete daemon_;
    delete files_;
    daemon_ = nullptr;
    files_ = nullptr;
  }
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(error_, "");
  }

  static bool BuildPrograms() {
    std::string d = files_->path(), src = VMI_APPS_TEST_DIR;
    WriteFile(d + "/probe.ico", IcoFile()).ok();
    for (const char* arch : {"x86_64", "i686"}) {
      std::string cc = std::string("/usr/bin/") + arch + "-w64-mingw32-gcc";
      std::string rc = std::string("/usr/bin/") + arch + "-w64-mingw32-windres";
      std::string bits = std::string(arch) == "x86_64" ? "64" : "32";
      SpawnOptions o;
      o.cwd = d;
      auto res = RunChecked(
          {rc, "-I", d, src + "/win32_probe.rc", "-O", "coff", "-o", d + "/probe" + bits + ".res"},
          o);
      auto exe = res.ok() ? RunChecked({cc, "-O2", "-mwindows", "-o", d + "/probe" + bits + ".exe",
                                        src + "/win32_probe.c", d + "/probe" + bits + ".res"},
                                       o)
                          : std::move(res);
      if (!exe.ok()) {
        error_ = "mingw-w64 build: " + exe.error().ToString();
        return false;
      }
    }
    if (access("/usr/bin/makensis", X_OK) == 0) {
      for (bool hang : {false, true}) {
        std::string out = d + (hang ? "/hang-setup.exe" : "/probe-setup.exe");
        std::vector<std::string> argv = {"makensis", "-V2", "-DOUT=" + out,
                                         "-DPROBE=" + d + "/probe64.exe"};
        if (hang) argv.push_back("-DHANG");
        argv.push_back(src + "/probe_installer.nsi");
        auto r = RunChecked(argv);
        if (!r.ok()) {
          error_ = "makensis: " + r.error().ToString();
          return false;
        }
      }
    }
    if (access("/usr/bin/wixl", X_OK) == 0) {
      // wixl takes the file's path relative to where it runs.
      SpawnOptions o;
      o.cwd = d;
      o.capture_stderr = true;
      auto r = RunChecked({"wixl", "-a", "x64", "-D", "PROBE=probe64.exe", "-o", d + "/probe.msi",
                           src + "/probe.wxs"},
                          o);
      if (!r.ok()) {
        error_ = "wixl: " + r.error().ToString();
        return false;
      }
    }
    return true;
  }

  static std::pair<int, std::string> Guest(const std::string& sh) {
    return daemon_->Exec(id_, {"sh", "-c", sh});
  }
  static std::string ProbeState() {
    return Guest("cat /root/.wine/drive_c/probe.txt 2>/dev/null").second;
  }
  static Json Apps() { return daemon_->Json({"--json", "app", "ls", id_}); }
  static RunOutput Install(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "app", "install", id_, file};
    args.insert(args.end(), extra.begin(), extra.end());
    return daemon_->Cli(args);
  }

  // The screen's pixels (the framebuffer is square; the screen is its top
  // left kW x kH).
  static std::string Screen() {
    auto fb = ReadFile(daemon_->data_dir() + "/instances/" + id_ + "/dev/Xvfb_screen0", 64 << 20);
    if (!fb.ok() || fb->size() < size_t{kH} * kH * 4) return {};
    return fb->substr(fb->size() - size_t{kH} * kH * 4);
  }
  static uint32_t Pixel(const std::string& s, int x, int y) {
    uint32_t v;
    memcpy(&v, s.data() + (size_t{static_cast<size_t>(y)} * kH + x) * 4, 4);
    return v & 0xffffff;
  }
  static Box Find(const std::string& s, uint32_t rgb) {
    Box b;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        if (Pixel(s, x, y) == rgb) {
          b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y);
          b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
        }
    return b;
  }

  static inline Daemon* daemon_ = nullptr;
  static inline TempDir* files_ = nullptr;
  static inline std::string id_, skip_, error_, wine_i386_;
};

constexpr uint32_t kRed = 0xff0000, kGreen = 0x00ff00, kBlue = 0x0000ff, kYellow = 0xffff00;

TEST_F(Win32Test, GuiProgramInstallsDrawsAndTakesInputThroughTheLiveView) {
  auto out = Install(files_->path() + "/probe64.exe");
  ASSERT_EQ(out.status, 0) << out.err;
  Json app = Json::parse(out.out);
  EXPECT_EQ(app["type"], "exe");
  EXPECT_EQ(app["machine"], "x86_64");
  EXPECT_EQ(app["name"], "VMI Probe");  // from the PE's version resource
  ASSERT_EQ(app["entries"].size(), 1u);
  std::string icon = app["entries"][0]["icon"];
  EXPECT_NE(icon, "");
  // The icon was extracted from the PE's resources as an .ico file.
  EXPECT_EQ(Guest("head -c 4 '" + icon + "' | od -An -tx1 | tr -d ' \\n'").second, "00000100");
  std::string entry =
      Guest("cat /opt/apps/share/applications/vmi-" + app["id"].get<std::string>() + "-1.desktop")
          .second;
  EXPECT_NE(entry.find("Name=VMI Probe"), std::string::npos) << entry;

  // Its C: is the instance's own: the program lives in the writable layer.
  EXPECT_EQ(Guest("ls /root/.wine/drive_c/Apps/" + app["id"].get<std::string>()).second,
            "VMI Probe.exe\n");

  auto started = daemon_->Cli({"app", "start", id_, app["id"]});
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(Eventually([] { return ProbeState().find("started=1") != std::string::npos; }, 60s))
      << daemon_->Ok({"logs", id_});
  EXPECT_NE(ProbeState().find("bits=64"), std::string::npos) << ProbeState();

  // GDI shapes in known colours at their places relative to each other.
  Box red;
  std::string screen;
  ASSERT_TRUE(Eventually(
      [&] {
        screen = Screen();
        if (screen.empty()) return false;
        red = Find(screen, kRed);
        return red.w() == 200 && red.h() == 100;
      },
      30s))
      << "no 200x100 red rectangle; red box " << red.w() << "x" << red.h();
  EXPECT_EQ(Pixel(screen, red.x0 + 220 + 100, red.y0 + 50), kGreen);
  EXPECT_EQ(Pixel(screen, red.x0 + 440 + 100, red.y0 + 50), kBlue);
  Box green = Find(screen, kGreen);
  EXPECT_EQ(green.w(), 200);
  EXPECT_EQ(green.x0, red.x0 + 220);
  // The client area's origin is 20 px up-left of the red rectangle.
  int cx = red.x0 - 20, cy = red.y0 - 20;
  EXPECT_EQ(Pixel(screen, cx + 340, cy + 240), 0u) << "indicator before the click";

  // A click through the live view presses the button.
  auto v = WsViewer::Connect(daemon_->socket(), "/api/v1/instances/" + id_ + "/stream");
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  ASSERT_TRUE((*v)->Hello().ok());
  ASSERT_TRUE((*v)->WaitConfig(30s));
  ASSERT_TRUE((*v)->Pointer(cx + 120, cy + 240, 0).ok());
  ASSERT_TRUE((*v)->Pointer(cx + 120, cy + 240, 1).ok());
  ASSERT_TRUE((*v)->Pointer(cx + 120, cy + 240, 0).ok());
  ASSERT_TRUE(Eventually([] { return ProbeState().find("clicks=1") != std::string::npos; }, 20s))
      << ProbeState();
  EXPECT_TRUE(Eventually([&] { return Pixel(Screen(), cx + 340, cy + 240) == kYellow; }, 10s));

  // Text typed in the viewer lands in the edit control.
  ASSERT_TRUE((*v)->Pointer(cx + 300, cy + 330, 1).ok());
  ASSERT_TRUE((*v)->Pointer(cx + 300, cy + 330, 0).ok());
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE((*v)->Text("hello vmi").ok());
  EXPECT_TRUE(
      Eventually([] { return ProbeState().find("text=hello vmi") != std::string::npos; }, 20s))
      << ProbeState();

  // The menu's message box (a second copy started with /message posts the
  // menu command to itself): a window titled "vmi message" appears.
  auto [code, shown] = Guest(
      "setsid /opt/vmi/bin/vmi-app wine /root/.wine/drive_c/Apps/" + app["id"].get<std::string>() +
      "/'VMI Probe.exe' /message >/dev/null 2>&1 </dev/null & "
      "for i in $(seq 150); do xwininfo -root -tree | grep -q '\"vmi message\"' && echo shown && "
      "break; sleep 0.2; done");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(shown, "shown\n") << "no message box";
}

TEST_F(Win32Test, WinesOwnProgramsStartFromTheAppGrid) {
  for (const char* prog : {"notepad", "winemine"}) {
    std::string desktop = std::string("/opt/win32/share/applications/vmi-") + prog + ".desktop";
    auto [code, out] = Guest("grep -q X-VMI-Mobile " + desktop +
                             " && setsid sh -c \"$(sed -n 's/^Exec=//p' " + desktop +
                             ")\" >/dev/null 2>&1 </dev/null & "
                             "for i in $(seq 150); do xdotool search --onlyvisible --class " +
                             prog + " >/dev/null && echo up && break; sleep 0.2; done");
    EXPECT_EQ(out, "up\n") << prog;
  }
}

TEST_F(Win32Test, NsisInstallerRunsUnattendedAndItsProgramAppears) {
  if (!PathExists(files_->path() + "/probe-setup.exe")) GTEST_SKIP() << "needs nsis";
  auto out = Install(files_->path() + "/probe-setup.exe");
  ASSERT_EQ(out.status, 0) << out.err;
  Json app = Json::parse(out.out);
  EXPECT_EQ(app["type"], "installer");
  ASSERT_EQ(app["entries"].size(), 1u) << app.dump();  // not the uninstaller
  EXPECT_EQ(app["entries"][0]["name"], "VMI Probe");
  EXPECT_EQ(
      Guest("test -f '/root/.wine/drive_c/Program Files/VMI Probe/probe.exe' && echo yes").second,
      "yes\n");
  auto rm = daemon_->Cli({"app", "rm", id_, app["id"]});
  EXPECT_EQ(rm.status, 0) << rm.err;
}

TEST_F(Win32Test, MsiInstallsUnattendedAndItsProgramAppears) {
  if (!PathExists(files_->path() + "/probe.msi")) GTEST_SKIP() << "needs wixl (msitools)";
  auto out = Install(files_->path() + "/probe.msi");
  ASSERT_EQ(out.status, 0) << out.err;
  Json app = Json::parse(out.out);
  EXPECT_EQ(app["type"], "msi");
  ASSERT_EQ(app["entries"].size(), 1u) << app.dump();
  EXPECT_EQ(app["entries"][0]["name"], "VMI Probe");  // the program's own version resource
  EXPECT_EQ(
      Guest("test -f '/root/.wine/drive_c/Program Files/VMI Probe MSI/probe.exe' && echo yes")
          .second,
      "yes\n");
  auto rm = daemon_->Cli({"app", "rm", id_, app["id"]});
  EXPECT_EQ(rm.status, 0) << rm.err;
}

TEST_F(Win32Test, HangingInstallerIsKilledAndTheInstanceKeepsWorking) {
  if (!PathExists(files_->path() + "/hang-setup.exe")) GTEST_SKIP() << "needs nsis";
  size_t before = Apps()["apps"].size();
  auto t0 = std::chrono::steady_clock::now();
  auto out = Install(files_->path() + "/hang-setup.exe", {"--timeout", "5"});
  EXPECT_NE(out.status, 0);
  EXPECT_NE(out.err.find("did not finish within 5 s"), std::string::npos) << out.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
  EXPECT_EQ(Apps()["apps"].size(), before);
  EXPECT_EQ(Guest("echo alive").second, "alive\n");
  EXPECT_TRUE(daemon_->WaitDisplay(id_, 5));
}

TEST_F(Win32Test, BadProgramsAndArchivesAreRefused) {
  size_t before = Apps()["apps"].size();
  auto refused = [&](const std::string& name, const std::string& bytes, const std::string& want) {
    std::string path = files_->path() + "/" + name;
    ASSERT_TRUE(WriteFile(path, bytes).ok());
    auto r = Install(path);
    EXPECT_NE(r.status, 0) << name;
    EXPECT_NE(r.err.find(want), std::string::npos) << name << ": " << r.err;
    EXPECT_EQ(Apps()["apps"].size(), before) << name;
    EXPECT_EQ(Guest("ls -A /run/vmi/incoming").second, "") << name;
  };
  std::string exe = *ReadFile(files_->path() + "/probe64.exe", 64 << 20);
  refused("notes.exe", "just text\n", "not a Windows program, .msi or .zip");
  refused("cut.exe", exe.substr(0, 1000), "truncated");
  std::string arm = exe;
  uint32_t pe;
  memcpy(&pe, arm.data() + 0x3c, 4);
  arm[pe + 4] = static_cast<char>(0x64),
           arm[pe + 5] = static_cast<char>(0xaa);  // IMAGE_FILE_MACHINE_ARM64
  refused("arm.exe", arm, "Wine here runs x86");
  if (wine_i386_.empty()) {
    refused("probe32.exe", *ReadFile(files_->path() + "/probe32.exe", 64 << 20),
            "only 64-bit Wine");
  }
  // Zips whose members climb out or are absolute (built with Python's zipfile).
  for (auto [name, member, want] : {std::tuple{"climb.zip", "../../evil.exe", "climbs out"},
                                    {"abs.zip", "/evil.exe", "absolute"}}) {
    std::string path = files_->path() + "/" + name;
    auto r = RunChecked({"python3", "-c",
                         "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w')\n"
                         "z.writestr(zipfile.ZipInfo(sys.argv[2]),b'MZ')\nz.close()",
                         path, member});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    auto out = Install(path);
    EXPECT_NE(out.status, 0) << name;
    EXPECT_NE(out.err.find(want), std::string::npos) << name << ": " << out.err;
  }
  EXPECT_EQ(Apps()["apps"].size(), before);
}

TEST_F(Win32Test, ZipWithAProgramInstalls) {
  std::string zip = files_->path() + "/probe.zip";
  auto r = RunChecked({"python3", "-c",
                       "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w')\n"
                       "z.write(sys.argv[2],'VMI Probe/probe.exe')\nz.close()",
                       zip, files_->path() + "/probe64.exe"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto out = Install(zip);
  ASSERT_EQ(out.status, 0) << out.err;
  Json app = Json::parse(out.out);
  EXPECT_EQ(app["type"], "zip");
  ASSERT_EQ(app["entries"].size(), 1u);
  EXPECT_EQ(app["entries"][0]["name"], "VMI Probe");
}

TEST_F(Win32Test, ThirtyTwoBitProgramRunsWhereTheImageHasA32BitPath) {
  if (wine_i386_.empty()) GTEST_SKIP() << "this host's win32 image runs 64-bit programs only";
  auto out = Install(files_->path() + "/probe32.exe");
  ASSERT_EQ(out.status, 0) << out.err;
  Json app = Json::parse(out.out);
  EXPECT_EQ(app["machine"], "i386");
  // The program's own C:\Apps copy is a 32-bit PE, loaded by the i386 half
  // of Wine (WoW64's syswow64 or wine32), and says so itself.
  // The 64-bit probe of the first row is closed first (in the guest's own
  // process namespace), so the red on screen is the 32-bit one's.
  Guest("pkill -f 'VMI Probe' ; rm -f /root/.wine/drive_c/probe.txt");
  ASSERT_TRUE(Eventually(
      [] {
        std::string s = Screen();
        return !s.empty() && Find(s, kRed).w() <= 0;
      },
      20s));
  ASSERT_EQ(daemon_->Cli({"app", "start", id_, app["id"]}).status, 0);
  ASSERT_TRUE(Eventually([] { return ProbeState().find("started=1") != std::string::npos; }, 60s))
      << daemon_->Ok({"logs", id_});
  EXPECT_NE(ProbeState().find("bits=32"), std::string::npos) << ProbeState();
  // Its GDI drawing reaches the screen: the 200x100 red rectangle with the
  // green one 220 px to its right.
  Box red;
  std::string screen;
  EXPECT_TRUE(Eventually(
      [&] {
        screen = Screen();
        red = Find(screen, kRed);
        return !screen.empty() && red.w() == 200 && red.h() == 100 &&
               Pixel(screen, red.x0 + 220 + 100, red.y0 + 50) == kGreen;
      },
      30s))
      << "no 200x100 red rectangle; red box " << red.w() << "x" << red.h();
}

}  // namespace
}  // namespace vmi::testing
