#include "apps/pe_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vmi::apps {
namespace {

void Put(std::string& s, size_t off, uint32_t v, int n) {
  if (s.size() < off + n) s.resize(off + n, '\0');
  for (int i = 0; i < n; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

struct Res {
  uint32_t type, id;
  std::string data;
};

// A resource section at RVA 0x1000: root -> type -> id -> language 0x409.
std::string ResourceSection(const std::vector<Res>& res) {
  size_t n = res.size();
  std::string s;
  Put(s, 12, 0, 2);
  Put(s, 14, static_cast<uint32_t>(n), 2);
  size_t dirs = 16 + 8 * n, entries = dirs + 48 * n, data = entries + 16 * n;
  for (size_t i = 0; i < n; ++i) {
    uint32_t name_dir = static_cast<uint32_t>(dirs + i * 48), lang_dir = name_dir + 24;
    Put(s, 16 + 8 * i, res[i].type, 4);
    Put(s, 20 + 8 * i, 0x80000000u | name_dir, 4);
    Put(s, name_dir + 14, 1, 2);
    Put(s, name_dir + 16, res[i].id, 4);
    Put(s, name_dir + 20, 0x80000000u | lang_dir, 4);
    Put(s, lang_dir + 14, 1, 2);
    Put(s, lang_dir + 16, 0x409, 4);
    Put(s, lang_dir + 20, static_cast<uint32_t>(entries + 16 * i), 4);
  }
  for (size_t i = 0; i < n; ++i) {
    data = (data + 3) & ~size_t{3};
    Put(s, entries + 16 * i, static_cast<uint32_t>(0x1000 + data), 4);
    Put(s, entries + 16 * i + 4, static_cast<uint32_t>(res[i].data.size()), 4);
    s.resize(data);
    s += res[i].data;
    data = s.size();
  }
  return s;
}

std::string BuildPe(uint16_t machine, bool plus, const std::vector<Res>& res,
                    const std::string& overlay = "", uint16_t subsystem = 2) {
  std::string rsrc = ResourceSection(res);
  std::string f = "MZ";
  Put(f, 0x3c, 0x40, 4);
  f.replace(0x40, 4, std::string("PE\0\0", 4));
  size_t coff = 0x44, opt = coff + 20;
  uint32_t opt_size = plus ? 240 : 224;
  Put(f, coff, machine, 2);
  Put(f, coff + 2, 1, 2);
  Put(f, coff + 16, opt_size, 2);
  Put(f, coff + 18, 0x22, 2);
  Put(f, opt, plus ? 0x20b : 0x10b, 2);
  Put(f, opt + 68, subsystem, 2);
  size_t nd = plus ? 108 : 92;
  Put(f, opt + nd, 16, 4);
  Put(f, opt + nd + 4 + 2 * 8, 0x1000, 4);
  Put(f, opt + nd + 8 + 2 * 8, static_cast<uint32_t>(rsrc.size()), 4);
  size_t sec = opt + opt_size;
  f.resize(sec + 40, '\0');
  f.replace(sec, 5, ".rsrc");
  Put(f, sec + 8, static_cast<uint32_t>(rsrc.size()), 4);
  Put(f, sec + 12, 0x1000, 4);
  Put(f, sec + 16, static_cast<uint32_t>(rsrc.size()), 4);
  Put(f, sec + 20, 0x200, 4);
  f.resize(0x200, '\0');
  return f + rsrc + overlay;
}

std::string U16(const std::string& ascii) {
  std::string out;
  for (char c : ascii) out += c, out += '\0';
  return out + std::string(2, '\0');
}

// wLength | wValueLength | wType | key | pad | value | pad | children
std::string Node(const std::string& key, const std::string& value, uint16_t value_len, bool text,
                 const std::string& children) {
  std::string n(6, '\0');
  n += U16(key);
  n.resize((n.size() + 3) & ~size_t{3}, '\0');
  n += value;
  n.resize((n.size() + 3) & ~size_t{3}, '\0');
  n += children;
  Put(n, 0, static_cast<uint32_t>(n.size()), 2);
  Put(n, 2, value_len, 2);
  Put(n, 4, text ? 1 : 0, 2);
  return n;
}

std::string VersionInfo(const std::string& description) {
  std::string value = U16(description);
  std::string str =
      Node("FileDescription", value, static_cast<uint16_t>(value.size() / 2), true, "");
  std::string table = Node("040904b0", "", 0, true, str);
  std::string sfi = Node("StringFileInfo", "", 0, true, table);
  return Node("VS_VERSION_INFO", std::string(52, '\0'), 52, false, sfi);
}

std::string Icon() { return std::string(40, 'B') + std::string(64, 'P'); }

std::string GroupIcon() {
  std::string g;
  Put(g, 0, 0, 2);
  Put(g, 2, 1, 2);
  Put(g, 4, 1, 2);
  std::string e = {32, 32, 0, 0};
  Put(e, 4, 1, 2);
  Put(e, 6, 32, 2);
  Put(e, 8, static_cast<uint32_t>(Icon().size()), 4);
  Put(e, 12, 7, 2);  // RT_ICON id
  return g + e;
}

std::vector<Res> FullResources() {
  return {{3, 7, Icon()}, {14, 1, GroupIcon()}, {16, 1, VersionInfo("Test App")}};
}

TEST(PeFileTest, ReadsMachineKindNameAndIcon) {
  auto info = ReadPe(BuildPe(0x8664, true, FullResources()));
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->machine, PeMachine::kAmd64);
  EXPECT_TRUE(info->pe32_plus);
  EXPECT_TRUE(info->gui);
  EXPECT_FALSE(info->dll);
  EXPECT_EQ(info->installer, "");
  EXPECT_EQ(info->name, "Test App");
  // ICONDIR (6) + one entry (16) + the image.
  ASSERT_EQ(info->icon.size(), 6 + 16 + Icon().size());
  EXPECT_EQ(info->icon.substr(0, 6), std::string("\0\0\1\0\1\0", 6));
  EXPECT_EQ(static_cast<unsigned char>(info->icon[6]), 32);  // width
  EXPECT_EQ(info->icon.substr(22), Icon());
  EXPECT_EQ(static_cast<unsigned char>(info->icon[18]), 22);  // image offset
}

TEST(PeFileTest, ThirtyTwoBitConsoleProgramWithoutResources) {
  auto info = ReadPe(BuildPe(0x14c, false, {}, "", 3));
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->machine, PeMachine::kI386);
  EXPECT_FALSE(info->gui);
  EXPECT_EQ(info->name, "");
  EXPECT_EQ(info->icon, "");
}

TEST(PeFileTest, OtherMachinesAndInstallers) {
  auto arm = ReadPe(BuildPe(0xaa64, true, {}));
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ(arm->machine, PeMachine::kArm64);
  EXPECT_STREQ(PeMachineName(arm->machine), "arm64");
  auto nsis = ReadPe(BuildPe(0x14c, false, {}, std::string("\xef\xbe\xad\xdeNullsoftInst", 16)));
  ASSERT_TRUE(nsis.ok());
  EXPECT_EQ(nsis->installer, "nsis");
}

TEST(PeFileTest, RefusesWhatIsNotAWin32Program) {
  auto text = ReadPe("hello, world\n");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message().find("not a Windows program"), std::string::npos);
  std::string dos = "MZ";
  dos.resize(0x100, '\0');
  Put(dos, 0x3c, 0x80, 4);
  auto msdos = ReadPe(dos);
  ASSERT_FALSE(msdos.ok());
  EXPECT_NE(msdos.error().message().find("MS-DOS"), std::string::npos);
}

TEST(PeFileTest, TruncatedFilesAreErrorsAtEveryLength) {
  std::string full = BuildPe(0x8664, true, FullResources());
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = ReadPe(full.substr(0, n));
    EXPECT_FALSE(r.ok()) << "a file cut at " << n << " bytes passed";
  }
  auto cut = ReadPe(full.substr(0, 0x150));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message().find("truncated"), std::string::npos) << cut.error().message();
}

TEST(PeFileTest, HostileResourceOffsetsDoNotEscape) {
  std::string f = BuildPe(0x8664, true, FullResources());
  // Every 4-byte word of the resource section set to garbage in turn.
  for (size_t off = 0x200; off + 4 <= f.size(); off += 4) {
    for (uint32_t v : {0xffffffffu, 0x7fffffffu, 0x80000000u, 0u, 0x1000u}) {
      std::string g = f;
      Put(g, off, v, 4);
      auto r = ReadPe(g);
      if (r.ok()) {
        EXPECT_LE(r->icon.size(), g.size() + 22);
      }
    }
  }
}

}  // namespace
}  // namespace vmi::apps
