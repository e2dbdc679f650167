#include "cli/table.h"

#include <gtest/gtest.h>

namespace vmi::cli {
namespace {

TEST(TableTest, ColumnsPaddedToWidestCell) {
  Table t({"ID", "NAME", "ROLE"});
  t.Add({"1", "admin", "admin"});
  t.Add({"12", "bob", "user"});
  EXPECT_EQ(t.Render(),
            "ID  NAME   ROLE\n"
            "1   admin  admin\n"
            "12  bob    user\n");
}

TEST(TableTest, MissingCellsBlankNoTrailingSpaces) {
  Table t({"A", "B"});
  t.Add({"x"});
  t.Add({"y", "z", "dropped"});
  EXPECT_EQ(t.Render(), "A  B\nx\ny  z\n");
}

TEST(TableTest, Utf8WidthCountsCharacters) {
  EXPECT_EQ(DisplayWidth("ascii"), 5u);
  EXPECT_EQ(DisplayWidth("h\xC3\xA9llo"), 5u);  // héllo
  Table t({"N", "X"});
  t.Add({"\xC3\xA9", "1"});
  EXPECT_EQ(t.Render(), "N  X\n\xC3\xA9  1\n");
}

}  // namespace
}  // namespace vmi::cli
