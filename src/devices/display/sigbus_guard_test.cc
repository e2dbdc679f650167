#include "devices/display/sigbus_guard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/unique_fd.h"
#include "devices/display/testing/xvfb_server.h"

namespace vmi::display {
namespace {

TEST(SigbusGuardTest, TruncatedMappingReadsZerosInsteadOfCrashing) {
  ASSERT_TRUE(SigbusGuard::Install().ok());
  testing::TempDir dir;
  std::string path = dir.path() + "/fb";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(fd.valid());
  const size_t size = 1 << 20;
  std::vector<uint8_t> data(size, 0xab);
  ASSERT_EQ(write(fd.get(), data.data(), size), static_cast<ssize_t>(size));
  void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  ASSERT_NE(p, MAP_FAILED);
  const auto* base = static_cast<const uint8_t*>(p);
  {
    SigbusGuard::Scope guard(base, size);
    EXPECT_EQ(base[size - 1], 0xab);
    EXPECT_FALSE(guard.faulted());
  }
  ASSERT_EQ(ftruncate(fd.get(), 4096), 0);
  std::vector<uint8_t> copy(size);
  {
    SigbusGuard::Scope guard(base, size);
    std::memcpy(copy.data(), base, size);  // would be SIGBUS past 4096
    EXPECT_TRUE(guard.faulted());
  }
  EXPECT_EQ(copy[size - 1], 0);
  munmap(p, size);
}

}  // namespace
}  // namespace vmi::display
