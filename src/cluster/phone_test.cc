#include "cluster/phone.h"

#include <gtest/gtest.h>

namespace vmi::cluster {
namespace {

Json Sample() {
  return Json::parse(R"({
    "apiVersion": "vmi.dev/v1", "kind": "Phone",
    "metadata": {"name": "alice-1", "namespace": "phones", "uid": "u-1",
                 "resourceVersion": "7", "generation": 3, "finalizers": ["vmi.dev/release"]},
    "spec": {"image": "registry.example/vmi/linux-mobile:1", "owner": "alice",
             "guest": "phone", "running": false, "restartPolicy": "OnFailure",
             "resources": {"cpu": "500m", "memory": "2Gi"},
             "display": {"width": 1080, "height": 1920, "dpi": 420},
             "network": "none", "storage": {"size": "8Gi", "storageClassName": "fast-ssd"}},
    "status": {"phase": "Stopped"}})");
}

TEST(PhoneTest, ParsesEveryField) {
  auto p = ParsePhone(Sample());
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->meta.name, "alice-1");
  EXPECT_EQ(p->meta.ns, "phones");
  EXPECT_EQ(p->meta.uid, "u-1");
  EXPECT_EQ(p->meta.resource_version, "7");
  EXPECT_EQ(p->meta.generation, 3);
  EXPECT_FALSE(p->meta.deleting);
  EXPECT_TRUE(p->meta.HasFinalizer(kFinalizer));
  const PhoneSpec& s = p->spec;
  EXPECT_EQ(s.image, "registry.example/vmi/linux-mobile:1");
  EXPECT_EQ(s.guest, GuestKind::kPhone);
  EXPECT_EQ(s.owner, "alice");
  EXPECT_FALSE(s.running);
  EXPECT_EQ(s.restart_policy, "OnFailure");
  EXPECT_EQ(s.cpu, "500m");
  EXPECT_EQ(s.memory, "2Gi");
  EXPECT_EQ(s.width, 1080);
  EXPECT_EQ(s.height, 1920);
  EXPECT_EQ(s.dpi, 420);
  EXPECT_EQ(s.network, "none");
  EXPECT_EQ(s.storage_size, "8Gi");
  EXPECT_EQ(s.storage_class, "fast-ssd");
  EXPECT_EQ(p->status["phase"], "Stopped");
}

TEST(PhoneTest, DefaultsMatchTheCrd) {
  Json j = Sample();
  j["spec"] = {{"image", "vmi/linux-mobile@sha256:" + std::string(64, 'a')}, {"owner", "bob"}};
  auto p = ParsePhone(j);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->spec.guest, GuestKind::kLinuxMobile);
  EXPECT_TRUE(p->spec.running);
  EXPECT_EQ(p->spec.restart_policy, "Always");
  EXPECT_EQ(p->spec.network, "pod");
  EXPECT_EQ(p->spec.width, 720);
  EXPECT_EQ(p->spec.height, 1280);
  EXPECT_EQ(p->spec.dpi, 320);
  EXPECT_EQ(p->spec.storage_size, "2Gi");
}

TEST(PhoneTest, BadFieldsAreNamed) {
  struct Case {
    const char* pointer;
    Json value;
    const char* expect;
  } cases[] = {
      {"/spec/image", "https://x/y", "spec.image"},
      {"/spec/image", "", "image"},
      {"/spec/owner", "-alice", "spec.owner"},
      {"/spec/owner", "al ice", "owner"},
      {"/spec/guest", "ios", "guest"},
      {"/spec/restartPolicy", "Sometimes", "restartPolicy"},
      {"/spec/resources/cpu", "lots", "spec.resources.cpu"},
      {"/spec/resources/memory", "2GB", "spec.resources.memory"},
      {"/spec/display/width", 100, "width"},
      {"/spec/display/dpi", 2000, "dpi"},
      {"/spec/display/height", "1280", "height"},
      {"/spec/network", "host", "network"},
      {"/spec/storage/size", "-1", "spec.storage.size"},
      {"/spec/unknown", 1, "unknown"},
      {"/spec/display/depth", 24, "depth"},
      {"/metadata/name", std::string(58, 'a'), "metadata.name"},
      {"/apiVersion", "vmi.dev/v2", "apiVersion"},
  };
  for (const auto& c : cases) {
    Json j = Sample();
    j[Json::json_pointer(c.pointer)] = c.value;
    auto p = ParsePhone(j);
    ASSERT_FALSE(p.ok()) << c.pointer;
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().ToString().find(c.expect), std::string::npos)
        << c.pointer << ": " << p.error().ToString();
  }
  Json no_spec = Sample();
  no_spec.erase("spec");
  EXPECT_FALSE(ParsePhone(no_spec).ok());
  Json no_owner = Sample();
  no_owner["spec"].erase("owner");
  EXPECT_FALSE(ParsePhone(no_owner).ok());
}

TEST(PhoneTest, Quantities) {
  for (const char* ok : {"1", "500m", "1.5", "16"}) EXPECT_TRUE(IsCpuQuantity(ok)) << ok;
  for (const char* bad : {"", "m", "1.", ".5", "1e3", "-1", "1Gi"}) EXPECT_FALSE(IsCpuQuantity(bad)) << bad;
  for (const char* ok : {"1Gi", "512Mi", "1073741824", "2G", "10Ti"}) EXPECT_TRUE(IsByteQuantity(ok)) << ok;
  for (const char* bad : {"", "Gi", "1GB", "1.5Gi", "-2Gi", "1gi"}) EXPECT_FALSE(IsByteQuantity(bad)) << bad;
}

}  // namespace
}  // namespace vmi::cluster

namespace vmi::cluster {
namespace {

TEST(PhoneTest, QuantityValues) {
  EXPECT_EQ(CpuMilli("500m"), 500);
  EXPECT_EQ(CpuMilli("2"), 2000);
  EXPECT_EQ(CpuMilli("1.5"), 1500);
  EXPECT_EQ(CpuMilli("0.0001"), 1);  // rounded up, never down to nothing
  EXPECT_EQ(CpuMilli("1.x"), -1);
  EXPECT_EQ(QuantityBytes("512Mi"), 512ll << 20);
  EXPECT_EQ(QuantityBytes("2Gi"), 2ll << 30);
  EXPECT_EQ(QuantityBytes("1G"), 1000000000ll);
  EXPECT_EQ(QuantityBytes("1073741824"), 1ll << 30);
  EXPECT_EQ(QuantityBytes("99999999999999Ti"), -1);
  EXPECT_EQ(QuantityBytes("1Xi"), -1);
}

}  // namespace
}  // namespace vmi::cluster
