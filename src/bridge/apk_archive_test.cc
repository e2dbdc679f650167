// Libraries straight from an APK/AAR, and bad input around the loader: a
// stored page-aligned entry is mapped in place, a deflated one is extracted
// once to the cache, DT_NEEDED resolves inside the same archive, a bare name
// picks the host ABI directory; broken archives, wrong architectures,
// truncated objects and crashing constructors give clear errors and leave
// the process working.
#include "bridge/apk_archive.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/child_process.h"
#include "base/temp_dir.h"
#include "bridge/elf_file.h"
#include "bridge/linker.h"
#include "bridge/testing/test_objects.h"
#include "bridge/testing/test_sources.h"
#include "bridge/testing/test_zip.h"

namespace vmi::bridge {
namespace {

using testing::TestObjects;
using testing::WriteZip;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ApkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cache = TempDir::Create("bridge-apk-cache");
    ASSERT_TRUE(cache.ok());
    cache_ = std::make_unique<TempDir>(std::move(*cache));
    setenv("VMI_BRIDGE_APK_CACHE", cache_->path().c_str(), 1);
    ASSERT_TRUE(objs_.Build("libb.so", std::string(testing::kTraceHelpers) + testing::kLibB).ok());
    auto a = objs_.Build("liba.so", std::string(testing::kTraceHelpers) + testing::kLibA, {}, {"libb.so"});
    ASSERT_TRUE(a.ok()) << a.error().ToString();
  }
  void TearDown() override { unsetenv("VMI_BRIDGE_APK_CACHE"); }

  std::string abi_ = HostAbiDirectory();
  TestObjects objs_;
  std::unique_ptr<TempDir> cache_;
};

TEST_F(ApkTest, StoredEntryMapsInPlaceAndNeededResolvesInTheArchive) {
  const std::string apk = objs_.dir() + "/app.apk";
  WriteZip(apk, {{"lib/" + abi_ + "/liba.so", ReadAll(objs_.dir() + "/liba.so"), true},
                 {"lib/" + abi_ + "/libb.so", ReadAll(objs_.dir() + "/libb.so"), false},
                 {"classes.dex", "dex\n", false}});
  // Remove the loose copies: libb.so can only come from the archive.
  unlink((objs_.dir() + "/libb.so").c_str());
  unlink((objs_.dir() + "/liba.so").c_str());
  auto entry = OpenArchiveEntry(*SplitArchivePath(apk + "!liba.so"));
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  EXPECT_TRUE(entry->mapped_in_place);
  EXPECT_EQ(entry->offset % 4096, 0u);
  EXPECT_EQ(entry->display, apk + "!/lib/" + abi_ + "/liba.so");

  auto so = Linker::Instance().Open(apk + "!/lib/" + abi_ + "/liba.so");
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  auto sum = reinterpret_cast<long (*)()>(Linker::Instance().Symbol(*so, "a_sum"));
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum(), 5 + 5 + 7);
  // liba.so's pages come from the .apk itself (mapped in place).
  EXPECT_NE(testing::ReadMaps().find(apk), std::string::npos);
  // libb.so was deflated: extracted once into the cache.
  auto listing = ListArchive(apk);
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->size(), 3u);
  bool cached = false;
  auto names = vmi::Run({"ls", cache_->path()});
  cached = names.ok() && names->out.find("libb.so") != std::string::npos;
  EXPECT_TRUE(cached);
  ASSERT_TRUE(Linker::Instance().Close(*so).ok());
}

TEST_F(ApkTest, AarJniDirectoryAndMissingEntry) {
  const std::string aar = objs_.dir() + "/lib.aar";
  WriteZip(aar, {{"jni/" + abi_ + "/libb.so", ReadAll(objs_.dir() + "/libb.so"), true}});
  auto so = Linker::Instance().Open(aar + "!libb.so");
  ASSERT_TRUE(so.ok()) << so.error().ToString();
  EXPECT_EQ(reinterpret_cast<int (*)()>(Linker::Instance().Symbol(*so, "b_value"))(), 7);
  ASSERT_TRUE(Linker::Instance().Close(*so).ok());
  auto missing = Linker::Instance().Open(aar + "!/lib/" + abi_ + "/libnope.so");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().ToString().find("no such entry"), std::string::npos) << missing.error().ToString();
}

TEST_F(ApkTest, BrokenCentralDirectoryIsAClearError) {
  const std::string apk = objs_.dir() + "/broken.apk";
  WriteZip(apk, {{"lib/" + abi_ + "/libb.so", ReadAll(objs_.dir() + "/libb.so"), true}});
  std::string bytes = ReadAll(apk);
  // Damage the end-of-central-directory record's signature.
  size_t eocd = bytes.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(eocd, std::string::npos);
  bytes[eocd + 2] = 'X';
  std::ofstream(apk, std::ios::binary | std::ios::trunc) << bytes;
  auto so = Linker::Instance().Open(apk + "!libb.so");
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.error().ToString().find("central directory is damaged"), std::string::npos) << so.error().ToString();
  // Not a zip at all, and no such archive.
  auto not_zip = Linker::Instance().Open(objs_.dir() + "/libb.so!libb.so");
  ASSERT_FALSE(not_zip.ok());
  EXPECT_FALSE(Linker::Instance().Open(objs_.dir() + "/none.apk!libb.so").ok());
}

TEST_F(ApkTest, TruncatedEntryIsRefused) {
  std::string lib = ReadAll(objs_.dir() + "/libb.so");
  const std::string apk = objs_.dir() + "/trunc.apk";
  WriteZip(apk, {{"lib/" + abi_ + "/libb.so", lib.substr(0, lib.size() / 3), true}});
  auto so = Linker::Instance().Open(apk + "!libb.so");
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.error().ToString().find("past the end"), std::string::npos) << so.error().ToString();
}

TEST(BadInput, WrongArchitectureNamesBoth) {
  TestObjects t;
  auto lib = t.Build("libw.so", "int f(void) { return 1; }");
  ASSERT_TRUE(lib.ok());
  std::string bytes = ReadAll(*lib);
  uint16_t other = kHostMachine == EM_X86_64 ? EM_AARCH64 : EM_X86_64;
  memcpy(bytes.data() + 18, &other, 2);  // e_machine
  std::ofstream(*lib, std::ios::binary | std::ios::trunc) << bytes;
  auto so = Linker::Instance().Open(*lib);
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.error().ToString().find("built for"), std::string::npos) << so.error().ToString();
  EXPECT_NE(so.error().ToString().find("this host runs"), std::string::npos);
}

TEST(BadInput, CrashingConstructorFailsTheLoadAndTheProcessGoesOn) {
  TestObjects t;
  ASSERT_TRUE(t.Build("libok.so", std::string(testing::kTraceHelpers) + testing::kLibB).ok());
  auto lib = t.Build("libcrash.so", R"(
extern int b_value(void);
__attribute__((constructor)) static void boom(void) { *(volatile int*)16 = b_value(); }
int never(void) { return 1; }
)", {}, {"libok.so"});
  ASSERT_TRUE(lib.ok()) << lib.error().ToString();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto so = Linker::Instance().Open(*lib);
    ASSERT_FALSE(so.ok());
    const std::string msg = so.error().ToString();
    EXPECT_NE(msg.find("crashed with SIGSEGV"), std::string::npos) << msg;
    EXPECT_NE(msg.find("libcrash.so"), std::string::npos) << msg;
    for (const std::string& n : Linker::Instance().LoadedNames()) {
      EXPECT_TRUE(n != "libcrash.so" && n != "libok.so") << n << " stayed loaded";
    }
  }
  // The process still handles its own faults as before: the default action.
  static volatile int* volatile null_page = nullptr;
  EXPECT_EXIT(
      {
        null_page[4] = 1;
        _exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace vmi::bridge
