// The device host's control messages, byte for byte, and a round trip over a
// real socketpair with a passed descriptor.
#include "devices/host/control_message.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace vmi::devhost {
namespace {

TEST(ControlMessage, PrefixIsBigEndianLengthsThenTheHeader) {
  Message m;
  m.header = {{"op", "vnc"}};
  m.data = "xyz";
  std::string p = EncodePrefix(m);
  const std::string header = R"({"op":"vnc"})";
  ASSERT_EQ(p.size(), 8 + header.size());
  EXPECT_EQ(p.substr(0, 8), std::string("\x00\x00\x00\x0c\x00\x00\x00\x03", 8));
  EXPECT_EQ(p.substr(8), header);
  auto lens = DecodePrefix(p.substr(0, 8));
  ASSERT_TRUE(lens.ok());
  EXPECT_EQ(lens->first, 12u);
  EXPECT_EQ(lens->second, 3u);
}

TEST(ControlMessage, BadPrefixesAndHeadersAreRefused) {
  EXPECT_FALSE(DecodePrefix(std::string("\x00\x00\x00\x01\x00\x00\x00\x00", 8)).ok());  // < 2
  EXPECT_FALSE(DecodePrefix(std::string("\x00\x01\x00\x01\x00\x00\x00\x00", 8)).ok());  // > 64K
  EXPECT_FALSE(DecodePrefix(std::string("\x00\x00\x00\x02\x04\x00\x00\x01", 8)).ok());  // > 64M
  EXPECT_FALSE(DecodePrefix("short").ok());
  EXPECT_FALSE(DecodeHeader("[1,2]").ok());
  EXPECT_FALSE(DecodeHeader("{\"op\":").ok());
  EXPECT_TRUE(DecodeHeader("{}").ok());
}

TEST(ControlMessage, RoundTripWithAPassedDescriptor) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd a(sv[0]), b(sv[1]);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd pr(p[0]), pw(p[1]);
  Message m;
  m.header = {{"op", "viewer"}};
  m.data = std::string(300000, 'h');  // larger than a socket buffer: written in parts
  m.fd = std::move(pw);
  std::thread writer([&] { EXPECT_TRUE(SendMessage(a.get(), m).ok()); });
  auto got = ReceiveMessage(b.get(), std::chrono::seconds(5));
  writer.join();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->header.value("op", ""), "viewer");
  EXPECT_EQ(got->data, m.data);
  ASSERT_TRUE(got->fd);
  // The passed descriptor is the pipe's write end: what goes in comes out.
  ASSERT_EQ(write(got->fd.get(), "!", 1), 1);
  char c = 0;
  ASSERT_EQ(read(pr.get(), &c, 1), 1);
  EXPECT_EQ(c, '!');
}

TEST(ControlMessage, TruncatedMessageAndSilenceAreErrors) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd a(sv[0]), b(sv[1]);
  auto silent = ReceiveMessage(b.get(), std::chrono::milliseconds(50));
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code(), ErrorCode::kDeadlineExceeded);
  std::string half = std::string("\x00\x00\x00\x10\x00\x00\x00\x00", 8) + "{\"op\"";
  ASSERT_EQ(write(a.get(), half.data(), half.size()), static_cast<ssize_t>(half.size()));
  a.reset();
  auto cut = ReceiveMessage(b.get(), std::chrono::seconds(1));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code(), ErrorCode::kUnavailable);
}

TEST(ControlMessage, RepliesCarryTheErrorCodeByName) {
  EXPECT_TRUE(ReplyStatus(OkReply({{"port", 5900}}).header).ok());
  auto e = ReplyStatus(ErrorReply(Error(ErrorCode::kFailedPrecondition, "no display")).header);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(e.error().message().find("no display"), std::string::npos);
  EXPECT_EQ(ReplyStatus({{"ok", "yes"}}).error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace vmi::devhost

namespace vmi::devhost {
namespace {

TEST(ControlMessage, TapBlockIsTimestampThenFloatFrames) {
  std::vector<float> in(2 * kTapFrames);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) / 1000.0f;
  std::string b = EncodeTapBlock(in.data(), 0x0102030405060708);
  ASSERT_EQ(b.size(), kTapBlockBytes);
  EXPECT_EQ(b.substr(0, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  float one = 0.001f;
  EXPECT_EQ(b.substr(12, 4), std::string(reinterpret_cast<const char*>(&one), 4));
  std::vector<float> out(2 * kTapFrames);
  EXPECT_EQ(DecodeTapBlock(b.data(), out.data()), 0x0102030405060708);
  EXPECT_EQ(out, in);
}

}  // namespace
}  // namespace vmi::devhost
