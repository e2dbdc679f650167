// OCI export: layouts written by ExportOciLayout/ExportOciArchive are read
// back by independent implementations (umoci unpack and skopeo, from Debian,
// which check every digest and size) and by our own importer, and give the
// same digests twice. Bad destinations are refused and leave nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/file.h"
#include "runtime/image/image_store.h"
#include "runtime/image/oci_export.h"
#include "runtime/image/testing/store_test_base.h"

namespace vmi::image {
namespace {

using nlohmann::json;

class ExportTest : public testing::StoreTestBase {
 protected:
  void SetUp() override {
    StoreTestBase::SetUp();
    Sh(R"(
      mkdir -p rootfs/usr/bin rootfs/etc rootfs/tmp rootfs/hostonly
      echo hello > rootfs/etc/motd
      printf '#!/bin/sh\necho hi\n' > rootfs/usr/bin/hi; chmod 755 rootfs/usr/bin/hi
      ln rootfs/usr/bin/hi rootfs/usr/bin/hi2
      ln -s usr/bin rootfs/bin
      chmod 1777 rootfs/tmp
      tar -C rootfs -czf rootfs.tgz .
      mkdir -p host/hostonly/share kit/bin kit/lib
      echo from-host > host/hostonly/share/data
      printf '#!/bin/sh\nexec "$@"\n' > kit/bin/vmi-init; chmod 755 kit/bin/vmi-init
      echo lib > kit/lib/libvmi.so
    )");
    auto img = store_->Import(dir_ + "/rootfs.tgz", "small");
    ASSERT_TRUE(img.ok()) << img.error().ToString();
    image_ = *img;
    // As a linux-mobile image binds host paths, this one binds /hostonly.
    image_.host_binds = {"/hostonly"};
    options_ = {.guest_kit = dir_ + "/kit", .host_root = dir_ + "/host", .ref_name = "v1"};
  }

  RunOutput Sh(const std::string& script) {
    auto r = vmi::Run({"bash", "-euo", "pipefail", "-c", script}, {.cwd = dir_},
                      std::chrono::minutes(5));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->ok()) << script << "\n" << r->err;
    return *r;
  }

  Image image_;
  OciExportOptions options_;
};

TEST_F(ExportTest, LayoutIsReadByUmociSkopeoAndTheImporter) {
  auto r = ExportOciLayout(image_, dir_ + "/out", options_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->layers, 3);
  EXPECT_EQ(ReadFile(dir_ + "/out/oci-layout").value(), R"({"imageLayoutVersion":"1.0.0"})");

  // Every blob is named by its digest.
  std::string sums = Sh("cd out/blobs/sha256 && for f in *; do echo \"$f  $f\"; done | sha256sum -c --quiet && echo ok").out;
  EXPECT_EQ(sums, "ok\n");

  // umoci verifies digests and sizes while it unpacks all layers in order.
  Sh("umoci unpack --image out:v1 bundle >/dev/null");
  EXPECT_EQ(ReadFile(dir_ + "/bundle/rootfs/etc/motd").value(), "hello\n");
  EXPECT_EQ(ReadFile(dir_ + "/bundle/rootfs/hostonly/share/data").value(), "from-host\n");
  EXPECT_EQ(ReadFile(dir_ + "/bundle/rootfs/opt/vmi/lib/libvmi.so").value(), "lib\n");
  struct stat a {}, b {};
  ASSERT_EQ(stat((dir_ + "/bundle/rootfs/usr/bin/hi").c_str(), &a), 0);
  ASSERT_EQ(stat((dir_ + "/bundle/rootfs/usr/bin/hi2").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "hard link kept";
  EXPECT_EQ(a.st_mode & 07777, 0755u);
  struct stat t {};
  ASSERT_EQ(stat((dir_ + "/bundle/rootfs/tmp").c_str(), &t), 0);
  EXPECT_EQ(t.st_mode & 07777, 01777u);
  // The runtime config umoci derives runs vmi-init with the image's command.
  json runtime = json::parse(ReadFile(dir_ + "/bundle/config.json").value());
  EXPECT_EQ(runtime["process"]["args"],
            (json{"/opt/vmi/bin/vmi-init", "--", "/bin/sh"}));

  // skopeo copies the image (checking each blob) into its own format.
  Sh("skopeo --insecure-policy copy --quiet oci:out:v1 dir:copied");
  json inspected = json::parse(Sh("skopeo inspect oci:out:v1").out);
  EXPECT_EQ(inspected["Digest"], r->manifest_digest);
  EXPECT_EQ(inspected["Layers"].size(), 3u);
  EXPECT_EQ(inspected["Labels"]["dev.vmi.image.kind"], "rootfs");

  // Our own importer takes it back with the same files.
  auto back = store_->Import(dir_ + "/out", "back");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(ReadFile(back->rootfs + "/hostonly/share/data").value(), "from-host\n");
  EXPECT_EQ(back->entrypoint, std::vector<std::string>{"/opt/vmi/bin/vmi-init"});
  EXPECT_EQ(back->cmd, (std::vector<std::string>{"--", "/bin/sh"}));
}

TEST_F(ExportTest, SameTreeSameDigests) {
  auto one = ExportOciLayout(image_, dir_ + "/one", options_);
  auto two = ExportOciLayout(image_, dir_ + "/two", options_);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->manifest_digest, two->manifest_digest);
  EXPECT_EQ(one->bytes, two->bytes);
  EXPECT_GT(one->bytes, 1000u) << "layers hold the files";
}

TEST_F(ExportTest, ArchiveIsReadBySkopeoAndTheImporter) {
  auto r = ExportOciArchive(image_, dir_ + "/small.tar", options_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  json inspected = json::parse(Sh("skopeo inspect oci-archive:small.tar:v1").out);
  EXPECT_EQ(inspected["Digest"], r->manifest_digest);
  auto back = store_->Import(dir_ + "/small.tar", "back");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(ReadFile(back->rootfs + "/etc/motd").value(), "hello\n");
  // Nothing but the archive is left next to it.
  EXPECT_EQ(Sh("ls -A | grep -c '^\\.' || true").out, "0\n");
}

TEST_F(ExportTest, WithoutGuestKitTheImageCommandRuns) {
  image_.entrypoint = {"/bin/sh", "-c"};
  image_.cmd = {"echo hi"};
  options_.guest_kit.clear();
  auto r = ExportOciLayout(image_, dir_ + "/out", options_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->layers, 2);
  json inspected = json::parse(Sh("skopeo inspect --config oci:out:v1").out);
  EXPECT_EQ(inspected["config"]["Entrypoint"], (json{"/bin/sh", "-c"}));
  EXPECT_EQ(inspected["config"]["Cmd"], json{"echo hi"});
}

TEST_F(ExportTest, BadDestinationsAreRefusedAndLeaveNothing) {
  ASSERT_TRUE(MakeDirs(dir_ + "/exists").ok());
  auto exists = ExportOciLayout(image_, dir_ + "/exists", options_);
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Sh("ls -A exists | wc -l").out, "0\n");

  EXPECT_EQ(ExportOciLayout(image_, "relative/out", options_).error().code(),
            ErrorCode::kInvalidArgument);
  options_.ref_name = "bad/tag";
  EXPECT_EQ(ExportOciLayout(image_, dir_ + "/out", options_).error().code(),
            ErrorCode::kInvalidArgument);
  options_.ref_name = "v1";

  // A host bind that is missing fails half-way; the partial layout goes.
  image_.host_binds = {"/hostonly", "/missing"};
  auto missing = ExportOciArchive(image_, dir_ + "/out.tar", options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().ToString().find("/missing"), std::string::npos);
  EXPECT_FALSE(PathExists(dir_ + "/out.tar"));
  EXPECT_EQ(Sh("ls -A | grep -c '^\\.' || true").out, "0\n");
}

}  // namespace
}  // namespace vmi::image
