#include "api/http/static_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::api {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = TempDir::Create("vmi-static");
    ASSERT_TRUE(tmp.ok()) << tmp.error().ToString();
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
    root_ = dir_ + "/dist";
    ASSERT_TRUE(MakeDirs(root_ + "/assets").ok());
    ASSERT_TRUE(WriteFile(root_ + "/index.html", "<html>app</html>").ok());
    ASSERT_TRUE(WriteFile(root_ + "/assets/app-1234.js", "console.log(1)").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/secret.txt", "secret").ok());
    ASSERT_EQ(symlink((dir_ + "/secret.txt").c_str(), (root_ + "/link.txt").c_str()), 0);
    handler_ = StaticFilesHandler({.root = root_});
  }

  Result<Response> Get(std::string path) {
    Request req;
    req.method = "GET";
    req.path = std::move(path);
    return handler_(req);
  }

  TempDir tmp_;
  std::string dir_, root_;
  Handler handler_;
};

TEST_F(StaticFilesTest, ServesFilesWithMimeTypes) {
  auto r = Get("/assets/app-1234.js");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "console.log(1)");
  EXPECT_EQ(*r->headers.Get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(r->headers.Get("Cache-Control")->find("immutable"), std::string_view::npos);
  r = Get("/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "<html>app</html>");
  EXPECT_EQ(*r->headers.Get("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndex) {
  auto r = Get("/instances/a1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "<html>app</html>");
  // A missing asset stays a 404, and so does an unknown API path.
  EXPECT_EQ(Get("/assets/missing.js").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Get("/api/v1/nothing").error().code(), ErrorCode::kNotFound);
}

TEST_F(StaticFilesTest, RefusesTraversal) {
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/link.txt", "/..",
                        "/.hidden", "/assets/..\\..\\secret.txt"}) {
    auto r = Get(p);
    if (r.ok()) {
      EXPECT_NE(r->body, "secret") << p;
    }
  }
  EXPECT_FALSE(Get("/link.txt").ok());
  EXPECT_FALSE(Get("/../secret.txt").ok());
}

TEST(MimeTest, Types) {
  EXPECT_EQ(MimeTypeFor("a/b.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("x.wasm"), "application/wasm");
  EXPECT_EQ(MimeTypeFor("dir.d/noext"), "application/octet-stream");
}

}  // namespace
}  // namespace vmi::api
