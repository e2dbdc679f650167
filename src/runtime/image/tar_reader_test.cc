#include "runtime/image/tar_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "runtime/image/testing/tar_builder.h"

namespace vmi::image {
namespace {

using testing::TarBuilder;

Result<std::vector<TarEntry>> ReadAll(const std::string& bytes, size_t chunk = 1 << 20) {
  std::vector<TarEntry> out;
  TarReader r([&](const TarEntry& e) -> Result<void> {
    out.push_back(e);
    return Ok();
  });
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    auto s = r.Feed(std::string_view(bytes).substr(i, chunk));
    if (!s.ok()) return std::move(s).error();
  }
  auto f = r.Finish();
  if (!f.ok()) return std::move(f).error();
  return out;
}

TEST(TarReader, ParsesMembersInAnyChunking) {
  std::string tar = TarBuilder()
                        .Dir("etc/")
                        .File("etc/hostname", "phone\n", 0600)
                        .Symlink("bin", "usr/bin")
                        .Add("etc/hn", '1', "", "etc/hostname")
                        .File("big", std::string(1500, 'x'))
                        .Finish();
  for (size_t chunk : {1ul, 7ul, 511ul, 512ul, 513ul, 1ul << 20}) {
    auto e = ReadAll(tar, chunk);
    ASSERT_TRUE(e.ok()) << e.error().ToString();
    ASSERT_EQ(e->size(), 5u) << "chunk " << chunk;
    EXPECT_EQ((*e)[0].path, "etc/");
    EXPECT_EQ((*e)[0].type, '5');
    EXPECT_EQ((*e)[1].path, "etc/hostname");
    EXPECT_EQ((*e)[1].size, 6u);
    EXPECT_EQ((*e)[1].mode, 0600u);
    EXPECT_EQ((*e)[2].type, '2');
    EXPECT_EQ((*e)[2].link, "usr/bin");
    EXPECT_EQ((*e)[3].type, '1');
    EXPECT_EQ((*e)[3].link, "etc/hostname");
    EXPECT_EQ((*e)[4].size, 1500u);
  }
}

TEST(TarReader, PaxAndGnuLongNames) {
  std::string longname(150, 'n');
  std::string tar = TarBuilder()
                        .Pax("path", "very/" + longname)
                        .File("short", "abc")
                        .Add("././@LongLink", 'L', "gnu/" + longname + std::string(1, '\0'))
                        .Symlink("x", "y")
                        .Add("././@LongLink", 'K', "target/" + longname + std::string(1, '\0'))
                        .Symlink("z", "short-target")
                        .Finish();
  auto e = ReadAll(tar);
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0].path, "very/" + longname);
  EXPECT_EQ((*e)[0].size, 3u);
  EXPECT_EQ((*e)[1].path, "gnu/" + longname);
  EXPECT_EQ((*e)[1].link, "y");
  EXPECT_EQ((*e)[2].path, "z");
  EXPECT_EQ((*e)[2].link, "target/" + longname);
}

TEST(TarReader, UstarPrefix) {
  // Byte-exact: prefix field at 345 joins the name with a slash.
  std::string tar = TarBuilder().File("name", "").Finish();
  memcpy(&tar[345], "some/prefix", 11);
  // Fix the checksum for the edit.
  memset(&tar[148], ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(tar[i]);
  char buf[8];
  snprintf(buf, sizeof buf, "%06o", sum);
  memcpy(&tar[148], buf, 7);
  auto e = ReadAll(tar);
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ((*e)[0].path, "some/prefix/name");
}

TEST(TarReader, RejectsMalformedArchives) {
  std::string good = TarBuilder().File("a", "hello").Finish();
  std::string bad_sum = good;
  bad_sum[0] = 'b';
  EXPECT_NE(ReadAll(bad_sum).error().ToString().find("checksum"), std::string::npos);
  // Truncated inside the data.
  EXPECT_NE(ReadAll(good.substr(0, 700)).error().ToString().find("truncated"), std::string::npos);
  // Truncated inside a header.
  EXPECT_FALSE(ReadAll(good.substr(0, 100)).ok());
  EXPECT_FALSE(ReadAll("").ok());
  EXPECT_FALSE(ReadAll(TarBuilder().Add("dev", 'M').Finish()).ok());
  // Bad pax record length.
  EXPECT_FALSE(ReadAll(TarBuilder().Add("p", 'x', "99 path=x\n").File("a", "").Finish()).ok());
  EXPECT_FALSE(ReadAll(TarBuilder().Add("p", 'x', "abc").File("a", "").Finish()).ok());
  // Garbage octal.
  std::string bad_size = TarBuilder().File("a", "").Finish();
  memcpy(&bad_size[124], "12z", 3);
  EXPECT_FALSE(ReadAll(bad_size).ok());
}

TEST(TarReader, IgnoresBytesAfterTheEndMarker) {
  std::string tar = TarBuilder().File("a", "1").Finish() + "garbage that is not a header";
  auto e = ReadAll(tar);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->size(), 1u);
}

TEST(TarReader, AcceptsMissingEndMarker) {
  auto e = ReadAll(TarBuilder().File("a", "1").Unterminated());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->size(), 1u);
}

}  // namespace
}  // namespace vmi::image
