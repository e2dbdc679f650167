#include "runtime/image/image.h"

#include <gtest/gtest.h>

namespace vmi::image {
namespace {

TEST(ImageName, Validation) {
  for (const char* good : {"a", "linux-mobile", "debian12", "0", "a.b_c-d",
                           "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"}) {
    EXPECT_TRUE(ValidateImageName(good).ok()) << good;
  }
  for (const char* bad : {"", "-a", ".a", "_a", "A", "a/b", "..", "a b", "a\n", "é",
                          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"}) {
    auto r = ValidateImageName(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(Image, JsonRoundTrip) {
  Image i;
  i.name = "deb";
  i.kind = ImageKind::kAndroid;
  i.host_binds = {"/usr", "/etc/fonts"};
  i.session_manifest = true;
  i.created_unix = 1700000000;
  i.size_bytes = 12345;
  i.entrypoint = {"/bin/sh", "-c"};
  i.cmd = {"echo hi"};
  i.env = {"PATH=/bin"};
  i.working_dir = "/srv";
  i.source = "oci:/x";
  i.definition_digest = "d";
  auto back = ImageFromJson(ImageToJson(i));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->name, "deb");
  EXPECT_EQ(back->kind, ImageKind::kAndroid);
  EXPECT_EQ(back->host_binds, i.host_binds);
  EXPECT_TRUE(back->session_manifest);
  EXPECT_EQ(back->created_unix, 1700000000);
  EXPECT_EQ(back->size_bytes, 12345u);
  EXPECT_EQ(back->Command(), (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(back->env, i.env);
  EXPECT_EQ(back->working_dir, "/srv");
  EXPECT_EQ(back->source, "oci:/x");
  EXPECT_EQ(ImageToJson(*back), ImageToJson(i));
}

TEST(Image, RejectsBadJson) {
  using nlohmann::json;
  EXPECT_FALSE(ImageFromJson(json::array()).ok());
  EXPECT_FALSE(ImageFromJson(json{{"name", "x"}, {"kind", "vm"}}).ok());
  EXPECT_FALSE(ImageFromJson(json{{"name", "X"}, {"kind", "rootfs"}}).ok());
  EXPECT_FALSE(ImageFromJson(json{{"name", "x"}, {"kind", "rootfs"}, {"host_binds", {"usr"}}}).ok());
  EXPECT_FALSE(
      ImageFromJson(json{{"name", "x"}, {"kind", "rootfs"}, {"host_binds", {"/usr/../etc"}}}).ok());
  EXPECT_FALSE(ImageFromJson(json{{"name", "x"}, {"kind", "rootfs"}, {"env", "A=B"}}).ok());
  // Wrong scalar types are ignored, not thrown.
  auto r = ImageFromJson(json{{"name", "x"}, {"kind", "rootfs"}, {"created", "yesterday"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->created_unix, 0);
}

}  // namespace
}  // namespace vmi::image
