// A real translated program calling the host's zlib: zlib_probe.c built for
// arm64 with the thunk library and no zlib of its own, run by QEMU user mode
// (qemu-aarch64), against the same program built natively with zlib.
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <sstream>
#include <string>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::thunk {
namespace {

// "key=value key=value" -> map.
std::map<std::string, std::string> Fields(const std::string& line) {
  std::map<std::string, std::string> m;
  std::istringstream in(line);
  std::string kv;
  while (in >> kv) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) m[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return m;
}

class ThunkArm64 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(VMI_ZLIB_PROBE_ARM64).empty())
      GTEST_SKIP() << "needs aarch64-linux-gnu-gcc and qemu-user-static "
                      "(scripts/deps/apt-win32.txt) at configure time";
  }
  TempDir dir_ = TempDir::MustCreate("vmi-thunk-test");
};

TEST_F(ThunkArm64, ZlibCallsOfATranslatedProgramRunOnTheHost) {
  // The arm64 program has no deflate of its own: zlib's banner is not in it.
  std::string probe = *ReadFile(VMI_ZLIB_PROBE_ARM64);
  EXPECT_EQ(probe.find("deflate 1."), std::string::npos);
  EXPECT_NE(std::string(*ReadFile(VMI_ZLIB_PROBE_NATIVE)).find("deflate 1."), std::string::npos);

  std::string thunked_out = dir_.path() + "/thunked.z", native_out = dir_.path() + "/native.z";
  SpawnOptions o;
  o.env = {"VMI_THUNKD=" VMI_THUNKD};
  auto thunked = RunChecked({VMI_QEMU_AARCH64, VMI_ZLIB_PROBE_ARM64, "4", thunked_out}, o,
                            std::chrono::minutes(3));
  ASSERT_TRUE(thunked.ok()) << thunked.error().ToString();
  auto native = RunChecked({VMI_ZLIB_PROBE_NATIVE, "4", native_out});
  ASSERT_TRUE(native.ok()) << native.error().ToString();
  auto t = Fields(*thunked), n = Fields(*native);
  // crc32, adler32, compress2 and uncompress went to the host: four calls.
  EXPECT_EQ(t["calls"], "4");
  EXPECT_EQ(n["calls"], "0");
  EXPECT_EQ(t["crc32"], n["crc32"]);
  EXPECT_EQ(t["adler32"], n["adler32"]);
  EXPECT_EQ(t["compressed"], n["compressed"]);
  std::string packed = *ReadFile(thunked_out);
  EXPECT_EQ(packed, *ReadFile(native_out));

  // The stream the translated program wrote is zlib's, and holds its 4 MiB.
  std::string back(4 << 20, '\0');
  uLongf back_len = back.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(back.data()), &back_len,
                       reinterpret_cast<const Bytef*>(packed.data()), packed.size()),
            Z_OK);
  EXPECT_EQ(back_len, back.size());
  char crc[16];
  snprintf(crc, sizeof crc, "%08lx",
           crc32(0, reinterpret_cast<const Bytef*>(back.data()), back_len));
  EXPECT_EQ(t["crc32"], crc);
}

TEST_F(ThunkArm64, WithoutTheHostHalfTheProgramStopsWithAMessage) {
  SpawnOptions o;
  o.env = {"VMI_THUNKD=" + dir_.path() + "/no-such-thunkd"};
  auto r = vmi::Run({VMI_QEMU_AARCH64, VMI_ZLIB_PROBE_ARM64, "1", dir_.path() + "/out.z"}, o,
                    std::chrono::minutes(2));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->ok());
  EXPECT_NE(r->err.find("cannot run the host half"), std::string::npos) << r->err;
  EXPECT_FALSE(PathExists(dir_.path() + "/out.z"));
}

}  // namespace
}  // namespace vmi::thunk
