// The app API against real instances: a .deb and a single binary into
// linux-mobile (installed, listed, in the app grid, started, removed), and
// every kind of bad input refused with nothing left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "daemon_fixture.h"

namespace vmi::testing {
namespace {

using Json = nlohmann::json;

// A .deb with a program, its desktop entry and an icon, built by dpkg-deb.
std::string BuildDeb(const std::string& dir, const std::string& name, mode_t program_mode = 0755) {
  std::string root = dir + "/" + name;
  MakeDirs(root + "/DEBIAN").ok();
  MakeDirs(root + "/usr/bin").ok();
  MakeDirs(root + "/usr/share/applications").ok();
  MakeDirs(root + "/usr/share/pixmaps").ok();
  WriteFile(root + "/DEBIAN/control", "Package: " + name +
                                          "\nVersion: 1.0\nArchitecture: all\nMaintainer: vmi "
                                          "<vmi@localhost>\nDescription: vmi app test\n")
      .ok();
  // The program proves it ran from the app's own layer, with its env.
  WriteFile(root + "/usr/bin/" + name, "#!/bin/sh\necho \"ran $0 $*\" > /tmp/" + name + ".ran\n")
      .ok();
  chmod((root + "/usr/bin/" + name).c_str(), program_mode);
  WriteFile(root + "/usr/share/applications/" + name + ".desktop",
            "[Desktop Entry]\nType=Application\nName=Hello Deb\nExec=" + name +
                " %U\nIcon=" + name + "\nCategories=Utility;\n")
      .ok();
  WriteFile(root + "/usr/share/pixmaps/" + name + ".xpm", "/* XPM */\n").ok();
  std::string deb = dir + "/" + name + ".deb";
  auto r = RunChecked({"dpkg-deb", "--root-owner-group", "--build", root, deb});
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return deb;
}

class AppsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root";
    auto d = TempDir::Create("vmi-apps-test");
    ASSERT_TRUE(d.ok());
    files_ = std::move(*d);
    daemon_ = std::make_unique<Daemon>(std::vector<std::string>{"VMI_APP_QUOTA=8M"});
    ASSERT_TRUE(daemon_->Start()) << ReadFile(daemon_->data_dir() + "/daemon.log").value();
    daemon_->Ok({"image", "build", "linux-mobile"});
    id_ = std::string(Trim(daemon_->Ok({"create", "--memory", "512M", "--start"})));
    ASSERT_TRUE(daemon_->WaitDisplay(id_));
  }
  void TearDown() override {
    if (daemon_) daemon_->Purge();
  }
  // Guest command; its stdout.
  std::string Guest(const std::string& sh) { return daemon_->Exec(id_, {"sh", "-c", sh}).second; }
  bool WaitGuest(const std::string& sh, int seconds = 20) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (daemon_->Exec(id_, {"sh", "-c", sh}).first == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  Json Apps() { return daemon_->Json({"--json", "app", "ls", id_}); }
  // The guest's installed-app state: what must be empty after a refusal.
  std::string Leftovers() {
    return Guest(
        "ls -A /opt/apps 2>/dev/null | grep -v '^share$'; ls /opt/apps/share/applications "
        "2>/dev/null; "
        "ls -A /run/vmi/incoming 2>/dev/null");
  }

  TempDir files_;
  std::unique_ptr<Daemon> daemon_;
  std::string id_;
};

TEST_F(AppsTest, DebInstallsIntoTheInstanceLayerAndRunsFromTheGrid) {
  std::string deb = BuildDeb(files_.path(), "vmi-hello");
  auto out = daemon_->Cli({"app", "install", id_, deb});
  ASSERT_EQ(out.status, 0) << out.err;
  std::string app = std::string(Trim(out.out));
  EXPECT_NE(out.err.find("uploading:"), std::string::npos) << out.err;  // progress in bytes
  EXPECT_NE(out.err.find("installed: Hello Deb"), std::string::npos) << out.err;

  Json list = Apps();
  EXPECT_EQ(list["kind"], "linux-mobile");
  ASSERT_EQ(list["apps"].size(), 1u) << list.dump();
  const Json& a = list["apps"][0];
  EXPECT_EQ(a["id"], app);
  EXPECT_EQ(a["type"], "deb");
  EXPECT_EQ(a["name"], "Hello Deb");
  ASSERT_EQ(a["entries"].size(), 1u);
  // Its files live in the instance's own layer, not on the host's /usr.
  EXPECT_EQ(Guest("test -x /opt/apps/" + app + "/root/usr/bin/vmi-hello && echo yes"), "yes\n");
  EXPECT_FALSE(PathExists("/usr/bin/vmi-hello"));
  // The app grid has its entry (the Matchbox desktop's category) and icon.
  std::string entry = Guest("cat /opt/apps/share/applications/vmi-" + app + "-1.desktop");
  EXPECT_NE(entry.find("Name=Hello Deb"), std::string::npos) << entry;
  EXPECT_NE(entry.find("Categories=X-VMI-Mobile;"), std::string::npos) << entry;
  EXPECT_NE(entry.find("Icon=/opt/apps/" + app + "/root/usr/share/pixmaps/vmi-hello.xpm"),
            std::string::npos)
      << entry;
  // The staged upload is gone.
  EXPECT_EQ(Guest("ls -A /run/vmi/incoming"), "");

  // Launch through the API: the program runs inside, from its layer.
  auto started = daemon_->Cli({"app", "start", id_, app});
  ASSERT_EQ(started.status, 0) << started.err;
  ASSERT_TRUE(WaitGuest("test -f /tmp/vmi-hello.ran"));
  EXPECT_NE(Guest("cat /tmp/vmi-hello.ran").find("/opt/apps/" + app + "/root/usr/bin/vmi-hello"),
            std::string::npos);

  // The records survive a stop/start of the instance (host side) and the
  // files (writable layer).
  daemon_->Ok({"stop", id_});
  daemon_->Ok({"start", id_});
  ASSERT_TRUE(daemon_->WaitDisplay(id_));
  EXPECT_EQ(Apps()["apps"].size(), 1u);
  EXPECT_EQ(Guest("test -d /opt/apps/" + app + " && echo yes"), "yes\n");

  auto rm = daemon_->Cli({"app", "rm", id_, app});
  ASSERT_EQ(rm.status, 0) << rm.err;
  EXPECT_EQ(Apps()["apps"].size(), 0u);
  EXPECT_EQ(Leftovers(), "");
  EXPECT_NE(daemon_->Cli({"app", "rm", id_, app}).status, 0);
}

TEST_F(AppsTest, SingleBinaryIsAnApp) {
  // Padded to 3 MiB (bytes after an ELF's sections are never loaded): an
  // upload over the 1 MiB every other route allows must stream through.
  std::string bin = files_.path() + "/vmi-true";
  std::string elf = *ReadFile("/usr/bin/true", 1 << 20);
  const size_t size = 3u << 20;
  ASSERT_LT(elf.size(), size);
  elf.resize(size, '\0');
  ASSERT_TRUE(WriteFile(bin, elf).ok());
  chmod(bin.c_str(), 0755);
  auto out = daemon_->Cli({"--json", "app", "install", id_, bin});
  ASSERT_EQ(out.status, 0) << out.err;
  Json a = Json::parse(out.out);
  EXPECT_EQ(a["type"], "binary");
  EXPECT_EQ(a["machine"], "x86_64");
  EXPECT_EQ(a["name"], "vmi-true");
  std::string id = a["id"];
  EXPECT_EQ(Guest("test -x /opt/apps/" + id + "/vmi-true && echo yes"), "yes\n");
  EXPECT_EQ(Guest("stat -c %s /opt/apps/" + id + "/vmi-true"), std::to_string(size) + "\n");
  EXPECT_EQ(Guest("/opt/apps/" + id + "/vmi-true && echo ran"), "ran\n");
}

TEST_F(AppsTest, BadInputIsRefusedAndLeavesNothing) {
  auto refused = [&](const std::string& path, const std::string& want) {
    auto r = daemon_->Cli({"app", "install", id_, path});
    EXPECT_NE(r.status, 0) << path;
    EXPECT_NE(r.err.find(want), std::string::npos) << path << ": " << r.err;
    EXPECT_EQ(Leftovers(), "") << path;
    EXPECT_EQ(Apps()["apps"].size(), 0u) << path;
  };
  std::string text = files_.path() + "/notes.txt";
  ASSERT_TRUE(WriteFile(text, "just text\n").ok());
  refused(text, "neither a Debian package nor an ELF program");

  // setuid file and device node inside the package.
  std::string setuid = BuildDeb(files_.path(), "vmi-setuid", 04755);
  refused(setuid, "setuid");
  std::string devroot = files_.path() + "/vmi-dev";
  BuildDeb(files_.path(), "vmi-dev");
  ASSERT_EQ(mknod((devroot + "/usr/bin/disk").c_str(), S_IFBLK | 0600, makedev(7, 0)), 0);
  ASSERT_TRUE(
      RunChecked({"dpkg-deb", "--root-owner-group", "--build", devroot, devroot + "2.deb"}).ok());
  refused(devroot + "2.deb", "device");

  // A truncated package.
  std::string whole = *ReadFile(BuildDeb(files_.path(), "vmi-cut"));
  ASSERT_TRUE(WriteFile(files_.path() + "/cut.deb", whole.substr(0, whole.size() / 2)).ok());
  refused(files_.path() + "/cut.deb", "truncated");

  // A program for another CPU.
  std::string elf = *ReadFile("/usr/bin/true");
  elf[18] = static_cast<char>(183), elf[19] = 0;  // EM_AARCH64
  ASSERT_TRUE(WriteFile(files_.path() + "/arm-prog", elf).ok());
  refused(files_.path() + "/arm-prog", "program for arm64; this instance runs x86_64");

  // Over the instance's app quota (8M in this daemon).
  ASSERT_TRUE(WriteFile(files_.path() + "/big", std::string(9 << 20, 'x')).ok());
  refused(files_.path() + "/big", "exceeds");

  // A stopped instance takes no apps.
  daemon_->Ok({"stop", id_});
  auto r = daemon_->Cli({"app", "install", id_, BuildDeb(files_.path(), "vmi-late")});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("not running"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vmi::testing
