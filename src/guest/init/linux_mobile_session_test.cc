// End-to-end check of the linux-mobile image and vmi-init together, without
// the daemon: build the image from the host tree, boot its session as PID 1
// in new user/mount/pid/net namespaces (images/linux-mobile/try-session.sh:
// unprivileged uid range, only setuid/setgid capabilities), and read the
// framebuffer file Xvfb writes into the device directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "runtime/image/image_store.h"

namespace vmi {
namespace {

using namespace std::chrono_literals;

struct Xwd {
  uint32_t width = 0, height = 0, bytes_per_line = 0, bpp = 0;
  std::string data;   // whole file
  size_t offset = 0;  // first pixel
  uint32_t Pixel(uint32_t x, uint32_t y) const {
    uint32_t v;
    memcpy(&v, data.data() + offset + y * bytes_per_line + x * 4, 4);
    return v & 0xffffff;  // BGRX, little endian: 0x00RRGGBB
  }
};

uint32_t Be32(const std::string& s, size_t off) {
  auto b = reinterpret_cast<const unsigned char*>(s.data() + off);
  return (uint32_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
}

// XWD header: big-endian CARD32s; header_size at 0, width 16, height 20,
// bits_per_pixel 44, bytes_per_line 48, ncolors 76; 12-byte colormap entries
// follow the header, then the pixels.
bool ParseXwd(const std::string& file, Xwd& out) {
  if (file.size() < 100) return false;
  out.data = file;
  uint32_t header = Be32(file, 0);
  out.width = Be32(file, 16);
  out.height = Be32(file, 20);
  out.bpp = Be32(file, 44);
  out.bytes_per_line = Be32(file, 48);
  out.offset = header + Be32(file, 76) * 12;
  return out.bpp == 32 && file.size() >= out.offset + size_t(out.bytes_per_line) * out.height;
}

bool Near(uint32_t pixel, uint32_t rgb, int tolerance = 24) {
  for (int shift : {0, 8, 16}) {
    int a = (pixel >> shift) & 0xff, b = (rgb >> shift) & 0xff;
    if (std::abs(a - b) > tolerance) return false;
  }
  return true;
}

TEST(LinuxMobileSession, ShowsTheMatchboxDesktopWithItsApps) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, uid maps)";
  for (const char* tool : {"/usr/bin/Xvfb", "/usr/bin/matchbox-desktop",
                           "/usr/bin/matchbox-window-manager", "/usr/bin/matchbox-keyboard"}) {
    if (!PathExists(tool)) GTEST_SKIP() << tool << " is not installed";
  }
  auto tmp = TempDir::Create("vmi-session-test");
  ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
  std::string dir = tmp->path();
  auto store = image::ImageStore::Open({dir + "/data", VMI_LINUX_MOBILE_DEFINITION});
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto img = store->BuildLinuxMobile();
  ASSERT_TRUE(img.ok()) << img.error().ToString();

  std::string out = dir + "/out";
  SpawnOptions o;
  o.capture_stdout = true;
  o.capture_stderr = true;
  auto session = ChildProcess::Spawn(
      {"bash", VMI_TRY_SESSION_SCRIPT, img->rootfs, VMI_GUEST_KIT_DIR, out, "hold"}, o);
  ASSERT_TRUE(session.ok()) << session.error().ToString();

  // Wait (generously; no timing is asserted) for every service to be ready
  // and the desktop to show its grid: the calculator icon's orange bar and
  // the terminal icon's green prompt, the keyboard's keys at the bottom.
  std::string devdir, state, why = "nothing yet";
  bool ok = false;
  for (auto deadline = std::chrono::steady_clock::now() + 90s;
       !ok && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
    if (devdir.empty()) {
      auto p = ReadFile(out + "/devdir.path");
      if (p.ok()) devdir = std::string(Trim(*p));
      continue;
    }
    auto st = ReadFile(devdir + "/session.state");
    if (!st.ok()) continue;
    state = *st;
    bool all_ready = true;
    for (const char* svc :
         {"xvfb ready", "window-manager ready", "desktop ready", "keyboard ready"})
      all_ready = all_ready && state.find(svc) != std::string::npos;
    if (!all_ready) {
      why = "services: " + state;
      continue;
    }
    auto fb = ReadFile(devdir + "/Xvfb_screen0");
    Xwd xwd;
    if (!fb.ok() || !ParseXwd(*fb, xwd)) {
      why = "no framebuffer";
      continue;
    }
    // Xvfb starts square (side max(w, h), so RandR can rotate) and RandR
    // sets the instance's 720x1280: the file keeps the square size and the
    // visible screen is its top-left 720x1280.
    constexpr uint32_t kWidth = 720, kHeight = 1280;
    if (xwd.width < kWidth || xwd.height < kHeight) {
      std::ostringstream w;
      w << "framebuffer is " << xwd.width << "x" << xwd.height;
      why = w.str();
      continue;
    }
    std::set<uint32_t> colors, bottom_colors;
    bool orange = false, green = false;
    for (uint32_t y = 0; y < kHeight; y += 1) {
      for (uint32_t x = 0; x < kWidth; x += 1) {
        uint32_t p = xwd.Pixel(x, y);
        colors.insert(p);
        if (y < 200 && Near(p, 0xff9800)) orange = true;
        if (y < 200 && Near(p, 0x7cfc7c)) green = true;
        if (y >= kHeight - 150) bottom_colors.insert(p);
      }
    }
    ok = colors.size() > 16 && orange && green && bottom_colors.size() > 4;
    std::ostringstream w;
    w << "colors " << colors.size() << ", calculator icon " << orange << ", terminal icon " << green
      << ", keyboard colors " << bottom_colors.size();
    why = w.str();
  }
  ASSERT_TRUE(WriteFile(out + "/stop", "").ok());
  auto status = session->WaitOrKill(60s);
  EXPECT_TRUE(ok) << why << "\nconsole:\n" << ReadFile(out + "/console.log").value();
  ASSERT_TRUE(status.ok());
  // vmi-init stopped the session cleanly on SIGTERM.
  std::string console = ReadFile(out + "/console.log").value();
  EXPECT_NE(console.find("session ended, exit 0"), std::string::npos) << console;
}

}  // namespace
}  // namespace vmi
