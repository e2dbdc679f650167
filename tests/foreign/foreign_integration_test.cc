// An arm64 phone on an x86_64 host: the image built from Debian's arm64
// packages, every guest program translated by qemu-aarch64 (registered with
// binfmt_misc, fix-binary), the screen live in the viewer and taking input;
// and an image for a CPU this host cannot run refused at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include <thread>

#include "base/file.h"
#include "base/host_arch.h"
#include "daemon_fixture.h"
#include "ws_viewer.h"

namespace vmi::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

bool Eventually(const std::function<bool()>& f, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return f();
}

class ForeignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    if (HostArch() != "x86_64") GTEST_SKIP() << "written for an x86_64 host running arm64 guests";
    daemon_ = std::make_unique<Daemon>();
    ASSERT_TRUE(daemon_->Start()) << ReadFile(daemon_->data_dir() + "/daemon.log").value();
  }
  void TearDown() override {
    if (daemon_) daemon_->Purge();
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ForeignTest, ArchitecturesAreListedAndAnUnknownOneIsRefusedAtOnce) {
  Json node = daemon_->Json({"--json", "info"});
  ASSERT_TRUE(node["architectures"].is_array()) << node.dump();
  EXPECT_EQ(node["architectures"][0]["arch"], "x86_64");
  EXPECT_EQ(node["architectures"][0]["how"], "native");
  std::string info = daemon_->Ok({"info"});
  EXPECT_NE(info.find("Architecture:     arm64"), std::string::npos) << info;

  // An image whose programs are for a CPU nothing here translates.
  daemon_->Ok({"image", "build", "linux-mobile"});
  std::string src = daemon_->data_dir() + "/images/linux-mobile";
  std::string dst = daemon_->data_dir() + "/images/fake-riscv64";
  ASSERT_EQ(system(("cp -a " + src + " " + dst).c_str()), 0);
  auto j = Json::parse(*ReadFile(dst + "/image.json"));
  j["name"] = "fake-riscv64";
  j["arch"] = "riscv64";
  ASSERT_TRUE(WriteFile(dst + "/image.json", j.dump()).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto r = daemon_->Cli({"create", "--image", "fake-riscv64"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("cannot run riscv64 programs"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(daemon_->Json({"--json", "ls"}).size(), 0u) << "nothing created";
}

TEST_F(ForeignTest, Arm64InstanceBootsRunsTranslatedAndIsLive) {
  if (access("/usr/bin/qemu-aarch64-static", X_OK) != 0 || access("/usr/bin/mmdebstrap", X_OK) != 0)
    GTEST_SKIP() << "needs qemu-user-static and mmdebstrap";
  // The image build runs every maintainer script translated: 28 minutes on
  // the loaded 2-core build machine, too long for every `make test`.
  if (!getenv("VMI_TEST_ARM64")) GTEST_SKIP() << "set VMI_TEST_ARM64=1 to build and boot an arm64 image";
  auto built = daemon_->Cli({"image", "build", "linux-mobile", "--arch", "arm64"});
  ASSERT_EQ(built.status, 0) << built.err;
  EXPECT_EQ(Trim(built.out), "linux-mobile-arm64");
  std::string binfmt = *ReadFile("/proc/sys/fs/binfmt_misc/qemu-aarch64");
  EXPECT_NE(binfmt.find("enabled"), std::string::npos);
  EXPECT_NE(binfmt.find("flags: "), std::string::npos);
  EXPECT_NE(binfmt.substr(binfmt.find("flags: ")).find('F'), std::string::npos) << binfmt;

  std::string id(Trim(daemon_->Ok({"create", "--image", "linux-mobile-arm64", "--memory", "1G",
                                   "--resolution", "480x800", "--start"})));
  ASSERT_TRUE(daemon_->WaitDisplay(id, 180)) << daemon_->Ok({"logs", id});
  auto [code, arch] = daemon_->Exec(id, {"uname", "-m"});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(arch, "aarch64\n");
  // The session's programs are arm64 ELF files run by the translator.
  auto [c2, xvfb] = daemon_->Exec(id, {"sh", "-c", "od -An -tx1 -j18 -N2 /usr/bin/Xvfb"});
  EXPECT_EQ(xvfb, " b7 00\n");  // EM_AARCH64

  // Live: the viewer gets the screen, and typed text reaches an xterm.
  auto v = WsViewer::Connect(daemon_->socket(), "/api/v1/instances/" + id + "/stream");
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  ASSERT_TRUE((*v)->Hello().ok());
  auto cfg = (*v)->WaitConfig(60s);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->width, 480);
  EXPECT_EQ(cfg->height, 800);
  EXPECT_TRUE((*v)->WaitVideo(60s, true)) << "no frame from the arm64 screen";
  daemon_->Exec(id, {"sh", "-c",
                     "rm -f /tmp/typed; setsid xterm -e sh -c 'read l; echo \"$l\" > /tmp/typed' "
                     ">/dev/null 2>&1 </dev/null &"});
  ASSERT_TRUE(Eventually(
      [&] {
        return daemon_->Exec(id, {"sh", "-c", "DISPLAY=:0 xwininfo -root -tree | grep -q -i xterm"})
                   .first == 0;
      },
      60s))
      << "xterm did not appear";
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE((*v)->Pointer(240, 200, 1).ok());
  ASSERT_TRUE((*v)->Pointer(240, 200, 0).ok());
  ASSERT_TRUE((*v)->Text("typed on arm64").ok());
  ASSERT_TRUE((*v)->Key(0xff0d, true).ok());
  ASSERT_TRUE((*v)->Key(0xff0d, false).ok());
  EXPECT_TRUE(Eventually(
      [&] {
        return daemon_->Exec(id, {"cat", "/tmp/typed"}).second == "typed on arm64\n";
      },
      60s))
      << daemon_->Exec(id, {"cat", "/tmp/typed"}).second;
}

}  // namespace
}  // namespace vmi::testing
