#include "runtime/image/image_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "base/child_process.h"
#include "base/file.h"
#include "runtime/image/testing/store_test_base.h"

namespace vmi::image {
namespace {

using ImageStoreTest = testing::StoreTestBase;

bool IsSymlinkTo(const std::string& path, const std::string& target) {
  char buf[256];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 && std::string(buf, n) == target;
}

TEST_F(ImageStoreTest, BuildsLinuxMobileFromTheHostTree) {
  auto image = store_->BuildLinuxMobile();
  ASSERT_TRUE(image.ok()) << image.error().ToString();
  EXPECT_EQ(image->name, "linux-mobile");
  EXPECT_EQ(image->kind, ImageKind::kLinuxMobile);
  EXPECT_TRUE(image->session_manifest);
  EXPECT_EQ(image->source, "host");
  EXPECT_GT(image->created_unix, 0);
  EXPECT_GT(image->size_bytes, 0u);
  // Small: only its own files, the host's /usr is bound.
  EXPECT_LT(image->size_bytes, 1u << 20);
  const auto& binds = image->host_binds;
  EXPECT_NE(std::find(binds.begin(), binds.end(), "/usr"), binds.end());
  for (const auto& b : binds) {
    struct stat st;
    EXPECT_EQ(lstat((image->rootfs + b).c_str(), &st), 0) << "mount point for " << b;
  }
  std::string r = image->rootfs;
  EXPECT_TRUE(PathExists(r + "/etc/vmi/session.json"));
  EXPECT_TRUE(PathExists(r + "/etc/passwd"));
  EXPECT_TRUE(PathExists(r + "/etc/group"));
  EXPECT_TRUE(PathExists(r + "/etc/resolv.conf"));
  EXPECT_TRUE(PathExists(r + "/etc/hostname"));
  EXPECT_TRUE(PathExists(r + "/etc/nsswitch.conf"));
  EXPECT_TRUE(PathExists(r + "/opt/linux-mobile/share/applications/xterm.desktop"));
  EXPECT_TRUE(PathExists(r + "/root/.matchbox/vfolders/Root.order"));
  EXPECT_TRUE(IsDirectory(r + "/opt/vmi"));
  EXPECT_TRUE(IsDirectory(r + "/tmp"));
  struct stat host_bin;
  if (lstat("/bin", &host_bin) == 0 && S_ISLNK(host_bin.st_mode)) {
    EXPECT_TRUE(IsSymlinkTo(r + "/bin", "usr/bin"));
  }
  EXPECT_TRUE(IsSymlinkTo(r + "/var/run", "/run"));  // where GLib looks for the system bus
  auto passwd = ReadFile(r + "/etc/passwd");
  ASSERT_TRUE(passwd.ok());
  EXPECT_NE(passwd->find("\npolkitd:"), std::string::npos);  // polkitd drops to it
  // Nothing of the host's /usr was copied.
  EXPECT_FALSE(PathExists(r + "/usr/bin"));

  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "linux-mobile");
}

TEST_F(ImageStoreTest, LinuxMobileBuildIsIdempotent) {
  auto first = store_->BuildLinuxMobile("phone");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  // A marker in the rootfs survives an up-to-date "rebuild": nothing is redone.
  ASSERT_TRUE(WriteFile(first->rootfs + "/marker", "x").ok());
  auto second = store_->BuildLinuxMobile("phone");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->created_unix, first->created_unix);
  EXPECT_TRUE(PathExists(second->rootfs + "/marker"));
  // An outdated image is rebuilt (simulate by editing its recorded digest),
  // but not while it is in use.
  auto j = nlohmann::json::parse(*ReadFile(first->dir + "/image.json"));
  j["definition_digest"] = "old";
  ASSERT_TRUE(WriteFile(first->dir + "/image.json", j.dump()).ok());
  auto kept = store_->BuildLinuxMobile("phone", [](const std::string&) { return true; });
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->definition_digest, "old");
  auto rebuilt = store_->BuildLinuxMobile("phone");
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_NE(rebuilt->definition_digest, "old");
  EXPECT_FALSE(PathExists(rebuilt->rootfs + "/marker"));
}

TEST_F(ImageStoreTest, BuildsThePhoneImageFromItsOwnDefinition) {
  auto image = store_->BuildFromHost(ImageKind::kPhone, "phone");
  ASSERT_TRUE(image.ok()) << image.error().ToString();
  EXPECT_EQ(image->kind, ImageKind::kPhone);
  EXPECT_TRUE(image->session_manifest);
  std::string r = image->rootfs;
  // Its own session (phoc + phosh), configuration and none of linux-mobile's.
  auto manifest = ReadFile(r + "/etc/vmi/session.json");
  ASSERT_TRUE(manifest.ok());
  EXPECT_NE(manifest->find("/etc/vmi/phone/phoc.sh"), std::string::npos);
  EXPECT_EQ(manifest->find("matchbox"), std::string::npos);
  EXPECT_TRUE(PathExists(r + "/etc/vmi/phone/phoc.sh"));
  EXPECT_TRUE(PathExists(r + "/etc/pam.d/phosh"));
  EXPECT_TRUE(PathExists(r + "/etc/dbus-1/vmi-system.conf"));
  EXPECT_TRUE(PathExists(r + "/etc/dconf/db/vmi.d/00-phone"));
  EXPECT_FALSE(PathExists(r + "/root/.matchbox"));
  // The same guest modem stack as linux-mobile (docs/telephony.md): the
  // phone-line fragment, and what it asks of the image (the polkit rule,
  // the user polkitd drops to).
  EXPECT_NE(manifest->find("\"phone-line\""), std::string::npos);
  EXPECT_TRUE(PathExists(r + "/etc/polkit-1/rules.d/50-vmi.rules"));
  auto passwd = ReadFile(r + "/etc/passwd");
  ASSERT_TRUE(passwd.ok());
  EXPECT_NE(passwd->find("\npolkitd:"), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat((r + "/etc/vmi/phone/phoc.sh").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR) << "the session scripts keep their mode";
  const auto& binds = image->host_binds;
  EXPECT_NE(std::find(binds.begin(), binds.end(), "/usr"), binds.end());

  // The same name as another kind is refused; a kind that is imported, not
  // built, is refused.
  auto clash = store_->BuildLinuxMobile("phone");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code(), ErrorCode::kAlreadyExists);
  auto imported = store_->BuildFromHost(ImageKind::kRootfs, "x");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->Exists("x"));
}

TEST_F(ImageStoreTest, PhoneBuildRefusesWhenTheHostLacksItsPrograms) {
  // The phone definition with one required program the host cannot have.
  std::string def = dir_ + "/phone-def";
  ASSERT_TRUE(RunChecked({"cp", "-R", std::string(VMI_LINUX_MOBILE_DEFINITION) + "/../phone", def}).ok());
  auto j = nlohmann::json::parse(*ReadFile(def + "/image.json"));
  j["requires"].push_back("/usr/bin/vmi-no-such-program");
  ASSERT_TRUE(WriteFile(def + "/image.json", j.dump()).ok());
  auto store = ImageStore::Open({dir_ + "/data2", VMI_LINUX_MOBILE_DEFINITION, def});
  ASSERT_TRUE(store.ok());
  auto built = store->BuildFromHost(ImageKind::kPhone, "phone");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(built.error().ToString().find("/usr/bin/vmi-no-such-program"), std::string::npos);
  EXPECT_NE(built.error().ToString().find("apt-phone.txt"), std::string::npos);
  EXPECT_FALSE(store->Exists("phone"));
  auto left = ListDirectory(dir_ + "/data2/images");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "a failed build leaves nothing behind";
}

TEST_F(ImageStoreTest, GetAndRemove) {
  auto missing = store_->Get("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("../etc").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Remove("nope").error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store_->BuildLinuxMobile("phone").ok());
  auto busy = store_->Remove("phone", [](const std::string& n) { return n == "phone"; });
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Exists("phone"));
  ASSERT_TRUE(store_->Remove("phone", [](const std::string&) { return false; }).ok());
  EXPECT_FALSE(store_->Exists("phone"));
  EXPECT_FALSE(PathExists(dir_ + "/data/images/phone"));
}

TEST_F(ImageStoreTest, OpenSweepsLeftovers) {
  ASSERT_TRUE(MakeDirs(dir_ + "/data/images/.tmp-x-1-0/rootfs").ok());
  ASSERT_TRUE(MakeDirs(dir_ + "/data/images/.trash-y-1-0").ok());
  auto s = ImageStore::Open({dir_ + "/data", VMI_LINUX_MOBILE_DEFINITION});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(PathExists(dir_ + "/data/images/.tmp-x-1-0"));
  EXPECT_FALSE(PathExists(dir_ + "/data/images/.trash-y-1-0"));
}

TEST_F(ImageStoreTest, DetectsAndroidLayout) {
  std::string r = dir_ + "/fake";
  ASSERT_TRUE(MakeDirs(r + "/system/bin").ok());
  EXPECT_EQ(DetectKind(r), ImageKind::kRootfs);
  ASSERT_TRUE(WriteFile(r + "/init", "").ok());
  EXPECT_EQ(DetectKind(r), ImageKind::kAndroid);
}

}  // namespace
}  // namespace vmi::image
