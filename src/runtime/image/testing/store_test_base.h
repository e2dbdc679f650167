// StoreTestBase: a gtest fixture with an ImageStore on a fresh data directory
// (removed after the test), the linux-mobile definition from the source tree.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "base/temp_dir.h"
#include "runtime/image/image_store.h"

namespace vmi::image::testing {

class StoreTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-image-test");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
    auto s = ImageStore::Open({dir_ + "/data", VMI_LINUX_MOBILE_DEFINITION});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_.emplace(std::move(s).value());
  }

  TempDir tmp_;
  std::string dir_;
  std::optional<ImageStore> store_;
};

}  // namespace vmi::image::testing
