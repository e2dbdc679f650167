// The audio body parser and the node's AudioHost (a real hub and real
// sockets in a temporary device directory).
#include "node/live/audio_routes.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "base/temp_dir.h"
#include "base/unique_fd.h"
#include "devices/audio/audio_host.h"
#include "node/live/instance_live.h"

namespace vmi::node::live {
namespace {

TEST(AudioBodyTest, FieldsOverTheCurrentSettings) {
  audio::AudioSettings cur;
  cur.volume = 0.5f;
  cur.muted = true;
  auto a = ParseAudioBody(R"({"volume":1.25})", cur);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_FLOAT_EQ(a->volume, 1.25f);
  EXPECT_TRUE(a->muted);
  auto b = ParseAudioBody(R"({"muted":false})", cur);
  ASSERT_TRUE(b.ok());
  EXPECT_FLOAT_EQ(b->volume, 0.5f);
  EXPECT_FALSE(b->muted);
  auto c = ParseAudioBody(R"({"volume":0,"muted":true})", audio::AudioSettings{});
  ASSERT_TRUE(c.ok());
  EXPECT_FLOAT_EQ(c->volume, 0.0f);
  EXPECT_TRUE(c->muted);
  auto d = ParseAudioBody("{}", cur);
  ASSERT_TRUE(d.ok());
  EXPECT_FLOAT_EQ(d->volume, 0.5f);
}

TEST(AudioBodyTest, RejectsAnythingElse) {
  for (const char* body :
       {"", "[]", "1", R"({"volume":-0.1})", R"({"volume":1.51})", R"({"volume":"1"})",
        R"({"volume":null})", R"({"muted":1})", R"({"muted":"true"})", R"({"gain":1})",
        R"({"volume":1e999})", R"({"volume":1)"}) {
    auto r = ParseAudioBody(body, audio::AudioSettings{});
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << body;
  }
}

class AudioHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-audio-host");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
  }
  // Whether a guest could connect to <dir>/audio.sock now.
  bool Connects() {
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::string p = dir_ + "/audio.sock";
    std::memcpy(a.sun_path, p.data(), p.size());
    return connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  TempDir tmp_;
  std::string dir_;
};

TEST_F(AudioHostTest, AddServesTheSocketRemoveUnlinksIt) {
  auto host = audio::AudioHost::Create();
  ASSERT_TRUE(host.ok()) << host.error().ToString();
  auto d = (*host)->Add("i1", dir_);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ((*host)->device_count(), 1u);
  EXPECT_TRUE(Connects());
  (*host)->Remove("i1");
  EXPECT_EQ((*host)->device_count(), 0u);
  EXPECT_FALSE(PathExists(dir_ + "/audio.sock"));
  EXPECT_FALSE(Connects());
  (*host)->Remove("i1");  // no-op
}

TEST_F(AudioHostTest, SettingsAreKeptAndAppliedToTheNextDevice) {
  auto host = audio::AudioHost::Create();
  ASSERT_TRUE(host.ok());
  auto d = (*host)->Add("i1", dir_);
  ASSERT_TRUE(d.ok());
  EXPECT_FLOAT_EQ((*d)->volume(), 1.0f);
  (*host)->SetSettings("i1", {1.5f, true});
  EXPECT_FLOAT_EQ((*d)->volume(), 1.5f);
  EXPECT_TRUE((*d)->muted());
  (*host)->Remove("i1");
  // The instance starts again: a new device with the same settings.
  auto e = (*host)->Add("i1", dir_);
  ASSERT_TRUE(e.ok());
  EXPECT_FLOAT_EQ((*e)->volume(), 1.5f);
  EXPECT_TRUE((*e)->muted());
  EXPECT_FALSE((*host)->settings("other").muted);
}

TEST_F(AudioHostTest, ADeviceThatCannotListenIsAnError) {
  auto host = audio::AudioHost::Create();
  ASSERT_TRUE(host.ok());
  auto d = (*host)->Add("i1", dir_ + "/missing/dir");
  EXPECT_FALSE(d.ok());
  EXPECT_EQ((*host)->device_count(), 0u);
}

// The instance's sound card lives exactly while the instance runs.
TEST_F(AudioHostTest, InstanceLiveAddsTheDeviceAndShutdownRemovesIt) {
  auto host = audio::AudioHost::Create();
  ASSERT_TRUE(host.ok());
  InstanceRecord r;
  r.spec.id = "i1";
  r.spec.width = 360;
  r.spec.height = 640;
  LiveOptions o;
  o.surface = false;
  auto live = InstanceLive::Start(r, dir_, std::make_shared<input::InputRouter>(), o, *host);
  EXPECT_TRUE(live->has_audio());
  EXPECT_EQ((*host)->device_count(), 1u);
  EXPECT_TRUE(Connects());
  live->Shutdown();
  EXPECT_FALSE(live->has_audio());
  EXPECT_EQ((*host)->device_count(), 0u);
  EXPECT_FALSE(Connects());
  // Without a host the instance runs without sound.
  auto mute = InstanceLive::Start(r, dir_, std::make_shared<input::InputRouter>(), o);
  EXPECT_FALSE(mute->has_audio());
  EXPECT_FALSE(PathExists(dir_ + "/audio.sock"));
}

}  // namespace
}  // namespace vmi::node::live
