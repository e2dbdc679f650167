// Imports of real archives: tarballs made by `tar`, OCI layouts assembled in
// the test with tar and sha256sum, and hand-made hostile archives.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/child_process.h"
#include "base/file.h"
#include "runtime/image/image_store.h"
#include "runtime/image/testing/store_test_base.h"
#include "runtime/image/testing/tar_builder.h"

namespace vmi::image {
namespace {

using testing::TarBuilder;

class ImportTest : public testing::StoreTestBase {
 protected:
  void Sh(const std::string& script) {
    auto r =
        vmi::Run({"bash", "-euo", "pipefail", "-c", script}, {.env = {"T=" + dir_}, .cwd = dir_});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_TRUE(r->ok()) << script << "\n" << r->err;
  }
  // The images directory holds exactly the published images.
  std::vector<std::string> ImagesDirEntries() {
    auto r = vmi::Run({"ls", "-A", dir_ + "/data/images"});
    return Split(Trim(r->out), '\n');
  }
  void ExpectNothingLeftBehind() {
    auto entries = ImagesDirEntries();
    for (const auto& e : entries) EXPECT_TRUE(e.empty() || e[0] != '.') << "leftover " << e;
  }
};

// A small rootfs with the things real ones have: symlinks (absolute and
// relative), a hard link, modes, an empty dir.
constexpr char kMakeRootfs[] = R"(
  mkdir -p rootfs/usr/bin rootfs/etc rootfs/tmp rootfs/srv/empty
  echo hello > rootfs/etc/motd
  printf '#!/bin/sh\necho hi\n' > rootfs/usr/bin/hi; chmod 755 rootfs/usr/bin/hi
  ln rootfs/usr/bin/hi rootfs/usr/bin/hi2
  ln -s usr/bin rootfs/bin
  ln -s /usr/share/zoneinfo/UTC rootfs/etc/localtime
  chmod 1777 rootfs/tmp
)";

TEST_F(ImportTest, RootfsTarballsInEveryCompression) {
  Sh(std::string(kMakeRootfs) + R"(
    tar -C rootfs -cf plain.tar .
    tar -C rootfs -czf gz.tgz .
    tar -C rootfs -cJf xz.tar.xz .
    tar -C rootfs --zstd -cf zst.tar.zst .
    cp gz.tgz misnamed.tar
  )");
  for (const char* f : {"plain.tar", "gz.tgz", "xz.tar.xz", "zst.tar.zst", "misnamed.tar"}) {
    std::string name = std::string("img-") + std::to_string(f[0]) + std::to_string(f[1]);
    auto image = store_->Import(dir_ + "/" + f, name);
    ASSERT_TRUE(image.ok()) << f << ": " << image.error().ToString();
    EXPECT_EQ(image->kind, ImageKind::kRootfs);
    EXPECT_FALSE(image->session_manifest);
    EXPECT_EQ(image->source, std::string("tar:") + dir_ + "/" + f);
    std::string r = image->rootfs;
    EXPECT_EQ(ReadFile(r + "/etc/motd").value(), "hello\n");
    struct stat a, b, t;
    ASSERT_EQ(stat((r + "/usr/bin/hi").c_str(), &a), 0);
    ASSERT_EQ(stat((r + "/usr/bin/hi2").c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino) << "hard link kept";
    EXPECT_EQ(a.st_mode & 0777, 0755u);
    ASSERT_EQ(stat((r + "/tmp").c_str(), &t), 0);
    EXPECT_EQ(t.st_mode & 07777, 01777u);
    char buf[64];
    ssize_t n = readlink((r + "/etc/localtime").c_str(), buf, sizeof buf);
    EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "/usr/share/zoneinfo/UTC");
    EXPECT_TRUE(IsDirectory(r + "/srv/empty"));
    EXPECT_GT(image->size_bytes, 0u);
  }
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 5u);
  ExpectNothingLeftBehind();
}

TEST_F(ImportTest, DetectsAndroidLayout) {
  Sh(R"(
    mkdir -p a/system/bin a/vendor a/data
    printf 'ELF' > a/init; chmod 755 a/init
    tar -C a -czf android.tgz .
  )");
  auto image = store_->Import(dir_ + "/android.tgz", "redroid");
  ASSERT_TRUE(image.ok()) << image.error().ToString();
  EXPECT_EQ(image->kind, ImageKind::kAndroid);
}

TEST_F(ImportTest, RefusesHostileTarballsAndLeavesNothing) {
  ASSERT_TRUE(MakeDirs(dir_ + "/outside").ok());
  struct Case {
    const char* name;
    std::string bytes;
    const char* why;
  };
  std::string outside = dir_ + "/outside";
  std::vector<Case> cases = {
      {"traversal", TarBuilder().File("ok", "1").File("../../outside/pwned", "x").Finish(),
       "leaves the root"},
      {"abs-symlink-escape", TarBuilder().Symlink("evil", outside).File("evil/pwned", "x").Finish(),
       "goes through the symlink"},
      {"rel-symlink-escape",
       TarBuilder().Symlink("up", "../../../../../../..").File("up/pwned", "x").Finish(),
       "leaves the root"},
      {"device", TarBuilder().Add("dev/sda", '4').Finish(), "device node"},
      {"corrupt", TarBuilder().File("a", "hello").Finish().substr(0, 600), "truncated"},
  };
  for (const auto& c : cases) {
    std::string path = dir_ + "/" + c.name + ".tar";
    ASSERT_TRUE(WriteFile(path, c.bytes).ok());
    auto r = store_->Import(path, c.name);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error().ToString().find(c.why), std::string::npos)
        << c.name << ": " << r.error().ToString();
    EXPECT_FALSE(store_->Exists(c.name));
  }
  EXPECT_FALSE(PathExists(outside + "/pwned"));
  EXPECT_FALSE(PathExists(dir_ + "/pwned"));
  ExpectNothingLeftBehind();
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ImportTest, BadNamesDuplicatesAndMissingFiles) {
  Sh(std::string(kMakeRootfs) + "tar -C rootfs -cf r.tar .");
  EXPECT_EQ(store_->Import(dir_ + "/r.tar", "Bad/Name").error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Import(dir_ + "/nope.tar", "x").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store_->Import(dir_ + "/r.tar", "r").ok());
  EXPECT_EQ(store_->Import(dir_ + "/r.tar", "r").error().code(), ErrorCode::kAlreadyExists);
  // A directory that is not an OCI layout.
  EXPECT_EQ(store_->Import(dir_ + "/rootfs", "d").error().code(), ErrorCode::kInvalidArgument);
  ExpectNothingLeftBehind();
}

// Builds an OCI image layout in $T/layout (and layout.tar) with three layers:
//   1 (gzip): etc/motd, etc/keep, var/cache/{a,b}, bin -> usr/bin,
//             escape -> $T/outside (absolute symlink), usr/bin/tool
//   2 (plain): whiteout of etc/motd, opaque var/cache with var/cache/c,
//              escape/pwned (must land in the rootfs, never in $T/outside)
//   3 (zstd): usr/bin/tool replaced, etc/new
constexpr char kMakeOciLayout[] = R"(
  mkdir -p outside l1/etc l1/var/cache l1/usr/bin l2/etc l2/var/cache l2/escape l3/usr/bin l3/etc
  echo motd > l1/etc/motd; echo keep > l1/etc/keep
  echo a > l1/var/cache/a; echo b > l1/var/cache/b
  ln -s usr/bin l1/bin; ln -s "$T/outside" l1/escape
  echo v1 > l1/usr/bin/tool
  touch l2/etc/.wh.motd l2/var/cache/.wh..wh..opq; echo c > l2/var/cache/c
  echo pwned > l2/escape/pwned
  echo v3 > l3/usr/bin/tool; echo new > l3/etc/new
  mkdir -p layout/blobs/sha256
  blob() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" layout/blobs/sha256/$h; echo $h; }
  size() { stat -c %s layout/blobs/sha256/$1; }
  tar -C l1 -czf l1.tgz . ; d1=$(blob l1.tgz)
  tar -C l2 -cf l2.tar . ; d2=$(blob l2.tar)
  tar -C l3 --zstd -cf l3.tzst . ; d3=$(blob l3.tzst)
  case $(uname -m) in x86_64) arch=amd64;; aarch64) arch=arm64;; *) arch=$(uname -m);; esac
  printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Env":["PATH=/usr/bin:/bin","A=b"],"WorkingDir":"/srv"},"rootfs":{"type":"layers","diff_ids":[]}}' $arch > config.json
  dc=$(blob config.json)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:%s","size":%s}]}' \
    $dc $(size $dc) $d1 $(size $d1) $d2 $(size $d2) $d3 $(size $d3) > manifest.json
  dm=$(blob manifest.json)
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"other","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
    $(printf '0%.0s' $(seq 64)) 1 $dm $(size $dm) $arch > layout/index.json
  echo '{"imageLayoutVersion":"1.0.0"}' > layout/oci-layout
  tar -C layout -cf layout.tar .
)";

void ExpectOciRootfs(const Image& image, const std::string& dir) {
  std::string r = image.rootfs;
  EXPECT_EQ(image.kind, ImageKind::kRootfs);
  EXPECT_FALSE(PathExists(r + "/etc/motd")) << "whiteout";
  EXPECT_EQ(ReadFile(r + "/etc/keep").value(), "keep\n");
  EXPECT_FALSE(PathExists(r + "/var/cache/a")) << "opaque dir";
  EXPECT_FALSE(PathExists(r + "/var/cache/b")) << "opaque dir";
  EXPECT_EQ(ReadFile(r + "/var/cache/c").value(), "c\n");
  EXPECT_FALSE(PathExists(r + "/var/cache/.wh..wh..opq"));
  EXPECT_FALSE(PathExists(r + "/etc/.wh.motd"));
  EXPECT_EQ(ReadFile(r + "/usr/bin/tool").value(), "v3\n");
  EXPECT_EQ(ReadFile(r + "/etc/new").value(), "new\n");
  EXPECT_EQ(ReadFile(r + "/escape/pwned").value(), "pwned\n");
  EXPECT_FALSE(PathExists(dir + "/outside/pwned")) << "a lower layer's symlink redirected a write";
  EXPECT_EQ(image.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(image.cmd, std::vector<std::string>{"echo hi"});
  EXPECT_EQ(image.env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "A=b"}));
  EXPECT_EQ(image.working_dir, "/srv");
}

TEST_F(ImportTest, OciLayoutDirectoryAndTar) {
  Sh(kMakeOciLayout);
  auto from_dir = store_->Import(dir_ + "/layout", "oci-dir");
  ASSERT_TRUE(from_dir.ok()) << from_dir.error().ToString();
  ExpectOciRootfs(*from_dir, dir_);
  EXPECT_EQ(from_dir->source, "oci:" + dir_ + "/layout");
  auto from_tar = store_->Import(dir_ + "/layout.tar", "oci-tar");
  ASSERT_TRUE(from_tar.ok()) << from_tar.error().ToString();
  ExpectOciRootfs(*from_tar, dir_);
  // The metadata survives a reload.
  auto again = store_->Get("oci-tar");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Command(), (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  ExpectNothingLeftBehind();
}

TEST_F(ImportTest, OciLayoutWithACorruptBlobFailsCleanly) {
  Sh(std::string(kMakeOciLayout) + R"(
    # Corrupt the last layer (zstd) in place: its digest no longer matches.
    victim=$(ls -S layout/blobs/sha256 | head -1)
    echo garbage >> layout/blobs/sha256/$victim
  )");
  auto r = store_->Import(dir_ + "/layout", "broken");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("does not match its digest"), std::string::npos)
      << r.error().ToString();
  EXPECT_FALSE(store_->Exists("broken"));
  ExpectNothingLeftBehind();
}

TEST_F(ImportTest, OciLayoutRejectsDigestTraversal) {
  Sh(std::string(kMakeOciLayout) + R"(
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../../etc/passwd","size":1}]}' > layout/index.json
  )");
  auto r = store_->Import(dir_ + "/layout", "trav");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("digest"), std::string::npos) << r.error().ToString();
  ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace vmi::image
