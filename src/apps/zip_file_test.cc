#include "apps/zip_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vmi::apps {
namespace {

void Put(std::string& s, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

struct Member {
  std::string name;
  std::string data;
  uint32_t unix_mode = 0;  // 0: made on MS-DOS (no mode)
};

// Stored (uncompressed) members; CRCs are not checked by CheckZip.
std::string Zip(const std::vector<Member>& members) {
  std::string local, central;
  for (const auto& m : members) {
    uint32_t offset = static_cast<uint32_t>(local.size());
    local += "PK\3\4";
    Put(local, 20, 2), Put(local, 0, 2), Put(local, 0, 2), Put(local, 0, 4), Put(local, 0, 4);
    Put(local, static_cast<uint32_t>(m.data.size()), 4),
        Put(local, static_cast<uint32_t>(m.data.size()), 4);
    Put(local, static_cast<uint32_t>(m.name.size()), 2), Put(local, 0, 2);
    local += m.name + m.data;
    central += "PK\1\2";
    Put(central, m.unix_mode ? (3 << 8) | 20 : 20, 2);
    Put(central, 20, 2), Put(central, 0, 2), Put(central, 0, 2), Put(central, 0, 4),
        Put(central, 0, 4);
    Put(central, static_cast<uint32_t>(m.data.size()), 4),
        Put(central, static_cast<uint32_t>(m.data.size()), 4);
    Put(central, static_cast<uint32_t>(m.name.size()), 2), Put(central, 0, 2), Put(central, 0, 2);
    Put(central, 0, 2), Put(central, 0, 2), Put(central, m.unix_mode << 16, 4),
        Put(central, offset, 4);
    central += m.name;
  }
  std::string z = local + central;
  z += "PK\5\6";
  Put(z, 0, 2), Put(z, 0, 2), Put(z, static_cast<uint32_t>(members.size()), 2);
  Put(z, static_cast<uint32_t>(members.size()), 2),
      Put(z, static_cast<uint32_t>(central.size()), 4);
  Put(z, static_cast<uint32_t>(local.size()), 4), Put(z, 0, 2);
  return z;
}

std::string Refusal(const std::vector<Member>& members, uint64_t max = 1 << 20) {
  auto r = CheckZip(Zip(members), max);
  return r.ok() ? "" : r.error().ToString();
}

TEST(ZipFileTest, ListsAPlainArchive) {
  auto r = CheckZip(
      Zip({{"app/", "", 040755}, {"app/prog.exe", "MZ..."}, {"app\\readme.txt", "hi"}}), 1 << 20);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_TRUE((*r)[0].directory);
  EXPECT_EQ((*r)[1].name, "app/prog.exe");
  EXPECT_EQ((*r)[1].size, 5u);
  EXPECT_EQ((*r)[2].name, "app/readme.txt");  // backslashes are separators
}

TEST(ZipFileTest, RefusesEscapesLinksDevicesAndSetuid) {
  EXPECT_NE(Refusal({{"../evil.exe", "x"}}).find("climbs out"), std::string::npos);
  EXPECT_NE(Refusal({{"a/../../evil.exe", "x"}}).find("climbs out"), std::string::npos);
  EXPECT_NE(Refusal({{"a\\..\\..\\evil.exe", "x"}}).find("climbs out"), std::string::npos);
  EXPECT_NE(Refusal({{"/etc/passwd", "x"}}).find("absolute"), std::string::npos);
  EXPECT_NE(Refusal({{"\\windows\\evil.exe", "x"}}).find("absolute"), std::string::npos);
  EXPECT_NE(Refusal({{"C:evil.exe", "x"}}).find("drive letter"), std::string::npos);
  EXPECT_NE(Refusal({{"link", "/etc", 0120777}}).find("symbolic link"), std::string::npos);
  EXPECT_NE(Refusal({{"dev", "", 020644}}).find("device"), std::string::npos);
  EXPECT_NE(Refusal({{"su", "x", 0104755}}).find("setuid"), std::string::npos);
}

TEST(ZipFileTest, CapsTheUnpackedSize) {
  auto r =
      CheckZip(Zip({{"a.exe", std::string(600, 'a')}, {"b.exe", std::string(600, 'b')}}), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
}

TEST(ZipFileTest, CorruptArchivesAreErrorsNotCrashes) {
  std::string z = Zip({{"a.exe", "MZ"}, {"b.exe", "MZ"}});
  EXPECT_FALSE(CheckZip("PK\3\4 not really", 1 << 20).ok());
  EXPECT_FALSE(CheckZip(Zip({}), 1 << 20).ok());  // empty
  for (size_t n = 0; n < z.size(); ++n) EXPECT_FALSE(CheckZip(z.substr(0, n), 1 << 20).ok()) << n;
  for (size_t i = 0; i < z.size(); ++i) {
    std::string g = z;
    g[i] = static_cast<char>(0xff);
    (void)CheckZip(g, 1 << 20);  // must not crash (ASan in the fuzz build)
  }
}

TEST(ZipFileTest, RelativePathRules) {
  EXPECT_TRUE(CheckRelativePath("a/b/c.exe").ok());
  EXPECT_TRUE(CheckRelativePath("a..b/c").ok());
  EXPECT_FALSE(CheckRelativePath("").ok());
  EXPECT_FALSE(CheckRelativePath("..").ok());
  EXPECT_FALSE(CheckRelativePath(std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace vmi::apps
