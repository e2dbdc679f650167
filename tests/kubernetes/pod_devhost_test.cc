// A phone as its Pod runs it (src/cluster/desired.h): the guest and the
// device host are two unrelated processes that share only the instance's
// device directory, the Pod's emptyDir. Here the "guest container" is Xvfb
// (plus xsetroot painting its screen) in private mount and network
// namespaces (no clash with any other X server on the host) and a pid
// namespace that ends with it, whose
// /tmp/.X11-unix is the device directory's x11/, as vmi-init's session sets
// it up; the "devhost container" is vmi-devhost with --devdir pointing at
// the same directory, started as the Pod's devhost container is. A
// screenshot through the device host's control socket shows the guest's
// pixels. The device host's memory while idle is printed (bench/scaleout
// records it; not asserted).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "devices/display/png.h"
#include "devices/host/control_client.h"

namespace vmi {
namespace {

using namespace std::chrono_literals;

int64_t RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

TEST(PodDevhostTest, GuestAndDeviceHostShareOnlyTheDeviceDirectory) {
  // Not under /tmp: the guest gets a private /tmp.
  char tmpl[] = "/var/tmp/vmi-pod-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dev = tmpl;
  ASSERT_TRUE(MakeDirs(dev + "/x11", 01777).ok());
  chmod((dev + "/x11").c_str(), 01777);

  // The guest container.
  std::string guest_script =
      "set -e; mount --make-rprivate /; mount -t tmpfs tmpfs /tmp; mkdir -m 1777 /tmp/.X11-unix; "
      "mount --bind \"$DEV/x11\" /tmp/.X11-unix; "
      "Xvfb :0 -screen 0 720x1280x24 -fbdir \"$DEV\" -nolisten tcp & x=$!; "
      "for i in $(seq 100); do [ -S /tmp/.X11-unix/X0 ] && break; sleep 0.1; done; "
      "while kill -0 $x; do DISPLAY=:0 xsetroot -solid '#20c040'; sleep 0.2; done";
  auto guest = ChildProcess::Spawn({"unshare", "-m", "-n", "-p", "-f", "--kill-child", "--", "bash", "-c", guest_script},
                                   {.env = {"DEV=" + dev}});
  ASSERT_TRUE(guest.ok()) << guest.error().ToString();
  for (int i = 0; i < 100 && !PathExists(dev + "/x11/X0"); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(PathExists(dev + "/Xvfb_screen0"));

  // The devhost container: its own process, given only the directory.
  std::string bin = VMI_BIN_DIR;
  std::string sock = dev + "/devhost.sock";
  auto devhost = ChildProcess::Spawn({bin + "/vmi-devhost", "--id", "pod1", "--name", "pod1",
                                      "--devdir", dev, "--socket", sock, "--width", "720",
                                      "--height", "1280", "--dpi", "320", "--audio", "0"});
  ASSERT_TRUE(devhost.ok()) << devhost.error().ToString();
  for (int i = 0; i < 100 && !PathExists(sock); ++i) std::this_thread::sleep_for(100ms);
  auto hello = devhost::Call(sock, devhost::Request("hello"));
  ASSERT_TRUE(hello.ok()) << hello.error().ToString();
  EXPECT_EQ(hello->header.value("id", ""), "pod1");

  // The guest paints its screen every 200 ms (the device host may resize it
  // with RandR as it starts, which clears it).
  display::DecodedImage img;
  size_t at = (static_cast<size_t>(640) * 720 + 360) * 4;
  auto green = [&] {
    return img.bgrx.size() > at + 2 && static_cast<uint8_t>(img.bgrx[at]) == 0x40 &&
           static_cast<uint8_t>(img.bgrx[at + 1]) == 0xc0 &&
           static_cast<uint8_t>(img.bgrx[at + 2]) == 0x20;
  };
  for (int i = 0; i < 50 && !green(); ++i) {
    auto shot = devhost::Call(sock, devhost::Request("screenshot"));
    ASSERT_TRUE(shot.ok()) << shot.error().ToString();
    auto decoded = display::DecodePng(shot->data);
    ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
    img = std::move(*decoded);
    if (!green()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(img.width, 720);
  EXPECT_EQ(img.height, 1280);
  // The guest's colour (BGRX), in the middle of the screen.
  EXPECT_TRUE(green()) << "the device host does not show the guest's screen";

  // Idle: no viewer. The figure goes to bench/scaleout.
  std::this_thread::sleep_for(1s);
  int64_t rss = RssKb(devhost->pid());
  std::printf("devhost_idle_rss_kb %lld\n", static_cast<long long>(rss));
  RecordProperty("devhost_idle_rss_kb", std::to_string(rss));
  EXPECT_GT(rss, 0);

  devhost->Signal(SIGTERM).ok();
  devhost->WaitOrKill(5s).ok();
  guest->Signal(SIGTERM).ok();
  guest->WaitOrKill(5s).ok();
  RemoveTree(dev).ok();
}

}  // namespace
}  // namespace vmi
