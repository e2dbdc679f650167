#include "guest/thunk/thunk_server.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vmi::thunk {
namespace {

uint64_t Addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

vmi_thunk_request Request(uint16_t op, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                          uint64_t a3 = 0, uint64_t a4 = 0) {
  return vmi_thunk_request{VMI_THUNK_MAGIC, VMI_THUNK_VERSION, op, {a0, a1, a2, a3, a4}};
}

std::string Text(size_t n) {
  std::string s;
  while (s.size() < n)
    s += "thunked calls run natively on the guest's memory " + std::to_string(s.size());
  s.resize(n);
  return s;
}

// The server reads this very process here: the same calls, its own memory.
TEST(ThunkServer, ChecksumsMatchZlibAcrossPieces) {
  std::string data = Text(9 << 20);  // more than two 4 MiB pieces
  auto r = Serve(getpid(), Request(VMI_THUNK_CRC32, 0, Addr(data.data()), data.size()));
  EXPECT_EQ(r.magic, VMI_THUNK_MAGIC);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.r0, crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  r = Serve(getpid(), Request(VMI_THUNK_ADLER32, 1, Addr(data.data()), data.size()));
  EXPECT_EQ(r.r0, adler32_z(1, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

TEST(ThunkServer, CompressesIntoTheCallersBufferAndBack) {
  std::string data = Text(1 << 20);
  std::vector<unsigned char> packed(compressBound(data.size()));
  auto r = Serve(getpid(), Request(VMI_THUNK_COMPRESS2, Addr(packed.data()), packed.size(),
                                   Addr(data.data()), data.size(), 6));
  ASSERT_EQ(r.status, Z_OK);
  ASSERT_GT(r.r0, 0u);
  ASSERT_LT(r.r0, data.size());
  std::string back(data.size(), '\0');
  auto u = Serve(getpid(), Request(VMI_THUNK_UNCOMPRESS, Addr(back.data()), back.size(),
                                   Addr(packed.data()), r.r0));
  EXPECT_EQ(u.status, Z_OK);
  EXPECT_EQ(u.r0, data.size());
  EXPECT_EQ(back, data);
}

TEST(ThunkServer, ZlibErrorsComeBackAsZlibsCodes) {
  std::string data = Text(64 << 10);
  unsigned char small[16];
  auto r = Serve(getpid(), Request(VMI_THUNK_COMPRESS2, Addr(small), sizeof small,
                                   Addr(data.data()), data.size(), 6));
  EXPECT_EQ(r.status, Z_BUF_ERROR);
  r = Serve(getpid(), Request(VMI_THUNK_COMPRESS2, Addr(small), sizeof small, Addr(data.data()),
                              data.size(), 42));
  EXPECT_EQ(r.status, Z_STREAM_ERROR);
  std::string junk = "not a zlib stream at all";
  std::string out(64, '\0');
  r = Serve(getpid(), Request(VMI_THUNK_UNCOMPRESS, Addr(out.data()), out.size(), Addr(junk.data()),
                              junk.size()));
  EXPECT_EQ(r.status, Z_DATA_ERROR);
}

TEST(ThunkServer, RefusesBadRequests) {
  std::string data = "x";
  auto bad = Request(VMI_THUNK_CRC32, 0, Addr(data.data()), 1);
  bad.magic = 0x12345678;
  EXPECT_EQ(Serve(getpid(), bad).status, VMI_THUNK_BAD_MESSAGE);
  bad = Request(VMI_THUNK_CRC32, 0, Addr(data.data()), 1);
  bad.version = 9;
  EXPECT_EQ(Serve(getpid(), bad).status, VMI_THUNK_BAD_MESSAGE);
  EXPECT_EQ(Serve(getpid(), Request(77)).status, VMI_THUNK_BAD_OP);
  EXPECT_EQ(
      Serve(getpid(), Request(VMI_THUNK_CRC32, 0, Addr(data.data()), VMI_THUNK_MAX_LEN + 1)).status,
      VMI_THUNK_TOO_LONG);
  EXPECT_EQ(Serve(getpid(), Request(VMI_THUNK_UNCOMPRESS, 0, VMI_THUNK_MAX_LEN + 1, 0, 0)).status,
            VMI_THUNK_TOO_LONG);
  // Address 16 is never mapped: a fault is a status, not a crash.
  EXPECT_EQ(Serve(getpid(), Request(VMI_THUNK_CRC32, 0, 16, 4096)).status, VMI_THUNK_FAULT);
  std::vector<unsigned char> packed(64);
  EXPECT_EQ(
      Serve(getpid(), Request(VMI_THUNK_COMPRESS2, 16, packed.size(), Addr(data.data()), 1, 6))
          .status,
      VMI_THUNK_FAULT);
}

TEST(ThunkServer, HelloChecksThatTheAddressesAreTheCallers) {
  uint64_t nonce[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
  EXPECT_EQ(Serve(getpid(), Request(VMI_THUNK_HELLO, Addr(nonce), 16, nonce[0], nonce[1])).status,
            0);
  // The same address holding other bytes: the guest's addresses are not ours.
  EXPECT_EQ(Serve(getpid(), Request(VMI_THUNK_HELLO, Addr(nonce), 16, nonce[0], ~nonce[1])).status,
            VMI_THUNK_FAULT);
  EXPECT_EQ(Serve(getpid(), Request(VMI_THUNK_HELLO, Addr(nonce), 17, nonce[0], nonce[1])).status,
            VMI_THUNK_BAD_MESSAGE);
}

}  // namespace
}  // namespace vmi::thunk
