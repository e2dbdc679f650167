#include "devices/surface/shm_buffer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace vmi::surface {
namespace {

UniqueFd Memfd(size_t size, unsigned seals, bool allow_sealing = true) {
  UniqueFd fd(memfd_create("t", MFD_CLOEXEC | (allow_sealing ? MFD_ALLOW_SEALING : 0)));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(ftruncate(fd.get(), static_cast<off_t>(size)), 0);
  if (seals != 0) {
    EXPECT_EQ(fcntl(fd.get(), F_ADD_SEALS, seals), 0);
  }
  return fd;
}

TEST(ShmBuffer, MapsASealedMemfdAndSeesWrites) {
  UniqueFd fd = Memfd(16 * 4 * 8, F_SEAL_SHRINK);
  auto* w = static_cast<uint8_t*>(
      mmap(nullptr, 16 * 4 * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0));
  ASSERT_NE(w, MAP_FAILED);
  auto b = ShmBuffer::Map(std::move(fd), 16, 8, 64);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  w[64 * 7 + 63] = 0xab;
  EXPECT_EQ((*b)->pixels()[64 * 7 + 63], 0xab);
  EXPECT_EQ((*b)->size(), 512u);
  munmap(w, 512);
}

TEST(ShmBuffer, RefusesUnsealedMemfd) {
  auto b = ShmBuffer::Map(Memfd(4096, 0), 16, 16, 64);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().ToString().find("F_SEAL_SHRINK"), std::string::npos) << b.error().ToString();
}

TEST(ShmBuffer, RefusesMemfdWithoutSealing) {
  auto b = ShmBuffer::Map(Memfd(4096, 0, false), 16, 16, 64);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().ToString().find("F_SEAL_SHRINK"), std::string::npos) << b.error().ToString();
}

TEST(ShmBuffer, RefusesTooSmallMemfd) {
  auto b = ShmBuffer::Map(Memfd(1000, F_SEAL_SHRINK), 16, 16, 64);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().ToString().find("needs 1024"), std::string::npos) << b.error().ToString();
}

TEST(ShmBuffer, RefusesAPlainFileOrPipe) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  auto b = ShmBuffer::Map(std::move(r), 1, 1, 4);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().ToString().find("not a sealable memfd"), std::string::npos)
      << b.error().ToString();
  char tmpl[] = "/tmp/vmi-shm-XXXXXX";
  UniqueFd f(mkstemp(tmpl));
  unlink(tmpl);
  ASSERT_EQ(ftruncate(f.get(), 4096), 0);
  EXPECT_FALSE(ShmBuffer::Map(std::move(f), 16, 16, 64).ok());
}

}  // namespace
}  // namespace vmi::surface
