// Hostile guests speaking raw bytes to a real SurfaceServer: each gets a
// clear Error message naming its fault and is disconnected, and the server
// keeps serving the next guest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/temp_dir.h"
#include "devices/surface/protocol.h"
#include "devices/surface/surface_server.h"
#include "guest_process.h"

namespace vmi::surface {
namespace {

using testing::WaitFor;

struct Closing {
  WireError code;
  std::string text;
};

class RawGuest {
 public:
  explicit RawGuest(const std::string& path) {
    fd_.reset(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << strerror(errno);
    timeval tv{20, 0};  // a hang becomes a failure, not a stuck test
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // Sends one datagram with the given fds; false if the host already closed.
  bool Send(const std::vector<uint8_t>& m, const std::vector<int>& fds = {}) {
    iovec iov{const_cast<uint8_t*>(m.data()), m.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    std::vector<char> ctl(CMSG_SPACE(sizeof(int) * std::max<size_t>(fds.size(), 1)));
    if (!fds.empty()) {
      mh.msg_control = ctl.data();
      mh.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    return sendmsg(fd_.get(), &mh, MSG_NOSIGNAL) == static_cast<ssize_t>(m.size());
  }
  // Reads host messages until an Error, then expects the end of the stream.
  Closing ExpectClosed() {
    for (;;) {
      uint8_t buf[kMaxMessageSize];
      ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
      if (n <= 0) {
        ADD_FAILURE() << "connection ended without an Error message";
        return {};
      }
      auto type = PeekType(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      if (!type.ok() || *type != MsgType::kError) continue;
      Closing c;
      uint32_t code;
      memcpy(&code, buf + kHeaderSize, 4);
      c.code = static_cast<WireError>(code);
      c.text.assign(reinterpret_cast<char*>(buf) + kHeaderSize + 4,
                    static_cast<size_t>(n) - kHeaderSize - 4);
      EXPECT_EQ(recv(fd_.get(), buf, sizeof buf, 0), 0) << "the host closes after an Error";
      return c;
    }
  }
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

UniqueFd Memfd(size_t size, unsigned seals) {
  UniqueFd fd(memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  EXPECT_EQ(ftruncate(fd.get(), static_cast<off_t>(size)), 0);
  if (seals != 0) {
    EXPECT_EQ(fcntl(fd.get(), F_ADD_SEALS, seals), 0);
  }
  return fd;
}

class SurfaceHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    SurfaceServerOptions o;
    o.socket_path = dir.path() + "/surface.sock";
    o.width = 64;
    o.height = 64;
    o.limits.max_buffers = 3;
    o.limits.max_buffer_bytes = 64 * 64 * 4 * 3;
    auto s = SurfaceServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server = std::move(*s);
  }
  void TearDown() override {
    // Whatever happened, the next guest is served normally.
    RawGuest good(server->socket_path());
    ASSERT_TRUE(good.Send(EncodeHello({1})));
    UniqueFd fd = Memfd(64 * 64 * 4, F_SEAL_SHRINK);
    ASSERT_TRUE(good.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()}));
    ASSERT_TRUE(good.Send(EncodePresent({1, 1, {{0, 0, 8, 8}}})));
    ASSERT_TRUE(WaitFor([&] {
      return server->stats().guest_ready && server->stats().presents > 0;
    })) << "the server no longer serves guests";
  }
  // Connects, says hello, runs `body`, and returns how the host closed us.
  Closing Run(const std::function<void(RawGuest&)>& body, bool hello = true) {
    RawGuest g(server->socket_path());
    if (hello) {
      EXPECT_TRUE(g.Send(EncodeHello({1})));
    }
    body(g);
    Closing c = g.ExpectClosed();
    EXPECT_TRUE(WaitFor([&] { return !server->stats().guest_ready; }));
    EXPECT_EQ(server->stats().last_error.find(c.text), 0u) << "logged reason matches";
    return c;
  }

  TempDir dir = TempDir::Create("vmi-surface-test").value();
  std::unique_ptr<SurfaceServer> server;
};

TEST_F(SurfaceHostile, GarbageBeforeHello) {
  auto c = Run([](RawGuest& g) { g.Send({0x01, 0x02, 0x03}); }, false);
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("shorter than its header"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, AnythingButHelloFirst) {
  auto c = Run([](RawGuest& g) { g.Send(EncodeRemoveBuffer({1})); }, false);
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("first message must be hello"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, WrongVersion) {
  auto c = Run([](RawGuest& g) { g.Send(EncodeHello({2})); }, false);
  EXPECT_EQ(c.code, WireError::kVersion);
  EXPECT_NE(c.text.find("version 2"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, UnsealedMemfd) {
  auto c = Run([](RawGuest& g) {
    UniqueFd fd = Memfd(64 * 64 * 4, 0);
    g.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()});
  });
  EXPECT_EQ(c.code, WireError::kBadBuffer);
  EXPECT_NE(c.text.find("F_SEAL_SHRINK"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, TruncatedMemfd) {
  auto c = Run([](RawGuest& g) {
    UniqueFd fd = Memfd(64 * 64 * 4 - 1, F_SEAL_SHRINK);
    g.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()});
  });
  EXPECT_EQ(c.code, WireError::kBadBuffer);
  EXPECT_NE(c.text.find("needs 16384"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, NotAMemfd) {
  auto c = Run([](RawGuest& g) {
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    g.Send(EncodeAddBuffer({1, 1, 1, 4, kFormatXrgb8888}), {p[0]});
    close(p[0]);
    close(p[1]);
  });
  EXPECT_EQ(c.code, WireError::kBadBuffer);
  EXPECT_NE(c.text.find("not a sealable memfd"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, TooManyBuffers) {
  auto c = Run([](RawGuest& g) {
    for (uint32_t id = 1; id <= 4; ++id) {
      UniqueFd fd = Memfd(64, F_SEAL_SHRINK);
      if (!g.Send(EncodeAddBuffer({id, 4, 4, 16, kFormatXrgb8888}), {fd.get()})) break;
    }
  });
  EXPECT_EQ(c.code, WireError::kLimit);
  EXPECT_NE(c.text.find("at most 3 buffers"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, TooManyBytes) {
  auto c = Run([](RawGuest& g) {
    UniqueFd fd = Memfd(128 * 128 * 4, F_SEAL_SHRINK);
    g.Send(EncodeAddBuffer({1, 128, 128, 512, kFormatXrgb8888}), {fd.get()});
  });
  EXPECT_EQ(c.code, WireError::kLimit);
  EXPECT_NE(c.text.find("exceed the limit"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, DamageOutOfRange) {
  auto c = Run([](RawGuest& g) {
    UniqueFd fd = Memfd(64 * 64 * 4, F_SEAL_SHRINK);
    g.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()});
    g.Send(EncodePresent({1, 1, {{60, 60, 5, 4}}}));
  });
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("outside the 64x64 buffer"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, PresentOfAnUnknownBuffer) {
  auto c = Run([](RawGuest& g) { g.Send(EncodePresent({9, 1, {}})); });
  EXPECT_EQ(c.code, WireError::kBadBuffer);
  EXPECT_NE(c.text.find("unknown buffer id 9"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, OversizedMessage) {
  auto c = Run([](RawGuest& g) { g.Send(std::vector<uint8_t>(kMaxMessageSize + 100, 0)); });
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("larger than 4096"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, TooManyFds) {
  auto c = Run([](RawGuest& g) {
    std::vector<UniqueFd> fds;
    std::vector<int> raw;
    for (int i = 0; i < 6; ++i) {
      fds.push_back(Memfd(64, F_SEAL_SHRINK));
      raw.push_back(fds.back().get());
    }
    g.Send(EncodeAddBuffer({1, 4, 4, 16, kFormatXrgb8888}), raw);
  });
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("fds"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, TwoFdsOnAnAddBuffer) {
  auto c = Run([](RawGuest& g) {
    UniqueFd a = Memfd(64, F_SEAL_SHRINK), b = Memfd(64, F_SEAL_SHRINK);
    g.Send(EncodeAddBuffer({1, 4, 4, 16, kFormatXrgb8888}), {a.get(), b.get()});
  });
  EXPECT_EQ(c.code, WireError::kProtocol);
  EXPECT_NE(c.text.find("exactly one fd"), std::string::npos) << c.text;
}

TEST_F(SurfaceHostile, ShrinkingAfterTheHandOverIsImpossible) {
  // The seal is what lets the host read without SIGBUS: check that it holds.
  RawGuest g(server->socket_path());
  ASSERT_TRUE(g.Send(EncodeHello({1})));
  UniqueFd fd = Memfd(64 * 64 * 4, F_SEAL_SHRINK);
  ASSERT_TRUE(g.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()}));
  ASSERT_TRUE(g.Send(EncodePresent({1, 1, {}})));
  ASSERT_TRUE(WaitFor([&] { return server->stats().presents == 1; }));
  EXPECT_NE(ftruncate(fd.get(), 0), 0);
  EXPECT_EQ(errno, EPERM);
  auto v = server->Capture();
  EXPECT_EQ(v->pixels[64 * 64 * 4 - 1], 0);  // the last byte is still readable
}

TEST_F(SurfaceHostile, AGuestThatNeverReadsIsClosed) {
  RawGuest g(server->socket_path());
  ASSERT_TRUE(g.Send(EncodeHello({1})));
  ASSERT_TRUE(WaitFor([&] { return server->stats().guest_ready; }));
  // Input keeps coming; the guest never reads. The socket fills, then the
  // host's bounded queue, then the host gives up on the guest.
  for (int i = 0; i < 200000 && server->stats().guest_ready; ++i) {
    auto r = server->SendToGuest(Encode(KeyMsg{0x61, static_cast<uint32_t>(i % 2), 0}));
    if (!r.ok()) break;
  }
  ASSERT_TRUE(WaitFor([&] { return !server->stats().guest_ready; }));
  EXPECT_NE(server->stats().last_error.find("does not read"), std::string::npos)
      << server->stats().last_error;
}

TEST_F(SurfaceHostile, DisconnectAfterPresentWithoutWaiting) {
  {
    RawGuest g(server->socket_path());
    ASSERT_TRUE(g.Send(EncodeHello({1})));
    UniqueFd fd = Memfd(64 * 64 * 4, F_SEAL_SHRINK);
    void* p = mmap(nullptr, 64 * 64 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    memset(p, 0x5a, 64 * 64 * 4);
    munmap(p, 64 * 64 * 4);
    ASSERT_TRUE(g.Send(EncodeAddBuffer({1, 64, 64, 256, kFormatXrgb8888}), {fd.get()}));
    ASSERT_TRUE(g.Send(EncodePresent({1, 1, {}})));
  }  // closed mid-frame
  ASSERT_TRUE(WaitFor([&] { return server->stats().disconnects == 1; }));
  auto v = server->Capture();
  EXPECT_EQ(v->pixels[0], 0x5a);
  EXPECT_EQ(v->damage, (std::vector<display::Rect>{{0, 0, 64, 64}}));
}

}  // namespace
}  // namespace vmi::surface
