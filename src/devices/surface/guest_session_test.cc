#include "devices/surface/guest_session.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace vmi::surface {
namespace {

std::vector<UniqueFd> OneMemfd(size_t size, bool seal = true) {
  UniqueFd fd(memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  EXPECT_EQ(ftruncate(fd.get(), static_cast<off_t>(size)), 0);
  if (seal) {
    EXPECT_EQ(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
  }
  std::vector<UniqueFd> v;
  v.push_back(std::move(fd));
  return v;
}

class GuestSessionTest : public ::testing::Test {
 protected:
  Result<SessionAction> Send(GuestMessage m, std::vector<UniqueFd> fds = {}) {
    return session.Handle(std::move(m), &fds);
  }
  void Hello() { ASSERT_TRUE(Send(surface::Hello{1}).ok()); }
  uint64_t keys = 0;
  GuestSession session{5, SurfaceLimits{2, 3 * 16 * 16 * 4}, &keys};
};

TEST_F(GuestSessionTest, HandshakeFirst) {
  auto r = Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(WireCodeFor(r.error()), WireError::kProtocol);
  auto v = Send(surface::Hello{2});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(WireCodeFor(v.error()), WireError::kVersion);
  auto ok = Send(surface::Hello{1});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->welcome);
  EXPECT_FALSE(Send(surface::Hello{1}).ok()) << "hello twice";
}

TEST_F(GuestSessionTest, BuffersAndPresents) {
  Hello();
  ASSERT_TRUE(Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024)).ok());
  EXPECT_EQ(session.buffer_count(), 1u);
  auto p = Send(Present{1, 9, {{0, 0, 16, 16}}});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_TRUE(p->present);
  EXPECT_EQ(p->present->serial, 9u);
  EXPECT_EQ(p->present->buffer.generation, 5u);
  EXPECT_TRUE(session.HasBuffer(1, p->present->buffer.key));
  ASSERT_TRUE(Send(RemoveBuffer{1}).ok());
  EXPECT_FALSE(session.HasBuffer(1, p->present->buffer.key));
  EXPECT_EQ(session.buffer_bytes(), 0u);
}

TEST_F(GuestSessionTest, DamageOutsideTheBufferIsRejected) {
  Hello();
  ASSERT_TRUE(Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024)).ok());
  auto r = Send(Present{1, 1, {{10, 0, 7, 1}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(WireCodeFor(r.error()), WireError::kProtocol);
  EXPECT_NE(r.error().ToString().find("outside the 16x16 buffer"), std::string::npos);
}

TEST_F(GuestSessionTest, UnknownIdsAndDuplicates) {
  Hello();
  auto r = Send(Present{3, 1, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(WireCodeFor(r.error()), WireError::kBadBuffer);
  EXPECT_FALSE(Send(RemoveBuffer{3}).ok());
  ASSERT_TRUE(Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024)).ok());
  EXPECT_FALSE(Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024)).ok()) << "duplicate id";
}

TEST_F(GuestSessionTest, LimitsOnCountAndBytes) {
  Hello();
  ASSERT_TRUE(Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024)).ok());
  auto bytes = Send(AddBuffer{2, 16, 48, 64, 1}, OneMemfd(3072));
  ASSERT_FALSE(bytes.ok()) << "3 KiB limit";
  EXPECT_EQ(WireCodeFor(bytes.error()), WireError::kLimit);
  ASSERT_TRUE(Send(AddBuffer{2, 16, 16, 64, 1}, OneMemfd(1024)).ok());
  auto count = Send(AddBuffer{3, 1, 1, 4, 1}, OneMemfd(4));
  ASSERT_FALSE(count.ok()) << "2 buffers limit";
  EXPECT_EQ(WireCodeFor(count.error()), WireError::kLimit);
}

TEST_F(GuestSessionTest, UnsealedOrShortMemfdIsABadBuffer) {
  Hello();
  auto r = Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(1024, false));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(WireCodeFor(r.error()), WireError::kBadBuffer);
  auto s = Send(AddBuffer{1, 16, 16, 64, 1}, OneMemfd(100));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(WireCodeFor(s.error()), WireError::kBadBuffer);
}

}  // namespace
}  // namespace vmi::surface
