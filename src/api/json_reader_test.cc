#include "api/json_reader.h"

#include <gtest/gtest.h>

#include "api/request_validation.h"

namespace vmi::api {
namespace {

TEST(JsonReaderTest, ReadsTypedFieldsAndRejectsUnknown) {
  Json j = Json::parse(R"({"name":"p1","cpus":2,"ratio":0.5,"on":true,"kind":"a"})");
  JsonReader r(j);
  EXPECT_EQ(*r.String("name", {.required = true, .max_len = 8}), "p1");
  EXPECT_EQ(*r.Int("cpus", {.min = 1, .max = 4}), 2);
  EXPECT_DOUBLE_EQ(*r.Number("ratio"), 0.5);
  EXPECT_TRUE(*r.Bool("on"));
  EXPECT_EQ(*r.Enum("kind", {"a", "b"}), "a");
  EXPECT_FALSE(r.Int("absent").has_value());
  EXPECT_TRUE(r.Finish().ok());

  Json extra = Json::parse(R"({"name":"p1","nmae":"typo"})");
  JsonReader r2(extra);
  r2.String("name");
  auto res = r2.Finish();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().message(), "nmae: unknown field");
}

TEST(JsonReaderTest, ReportsWrongTypesRangesAndMissing) {
  struct Case {
    const char* json;
    const char* message;
  } cases[] = {
      {R"({"cpus":"2"})", "cpus: must be an integer"},
      {R"({"cpus":99})", "cpus: must be between 1 and 4"},
      {R"({"cpus":1.5})", "cpus: must be an integer"},
      {R"({"cpus":18446744073709551615})", "cpus: is too large"},
      {R"({})", "cpus: is required"},
      {R"({"cpus":null})", "cpus: is required"},
  };
  for (const auto& c : cases) {
    Json j = Json::parse(c.json);
    JsonReader r(j);
    r.Int("cpus", {.required = true, .min = 1, .max = 4});
    auto res = r.Finish();
    ASSERT_FALSE(res.ok()) << c.json;
    EXPECT_EQ(res.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(res.error().message(), c.message) << c.json;
  }
  Json s = Json::parse(R"({"name":"a\u0000b"})");
  JsonReader r(s);
  r.String("name");
  EXPECT_FALSE(r.Finish().ok());
}

TEST(JsonReaderTest, Names) {
  EXPECT_TRUE(ValidateName("phone-1.a_b").ok());
  for (const char* bad : {"", ".", "..", "../etc", "a/b", "-x", "a b", "x;DROP TABLE users",
                          "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_FALSE(ValidateName(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateName(std::string(65, 'a')).ok());
}

// Replays the fuzz target's regression inputs (request_fuzz.cc): malformed
// bodies must be rejected with kInvalidArgument and never crash.
TEST(RequestValidationTest, MalformedBodiesAreRejected) {
  const char* inputs[] = {
      "",
      "{",
      "[]",
      "null",
      "{\"name\":",
      "{\"name\":\"admin\",\"password\":123}",
      "{\"name\":\"a\",\"password\":\"12345678\",\"role\":\"root\"}",
      "{\"name\":\"../../etc\",\"password\":\"12345678\"}",
      "{\"name\":\"ok\",\"password\":\"12345678\",\"quota\":[]}",
      "{\"name\":\"ok\",\"password\":\"12345678\",\"quota\":{\"cpus\":\"x\"}}",
      "{\"name\":\"ok\",\"password\":\"12345678\",\"quota\":{\"instances\":1e400}}",
      "{\"name\":\"\xff\xfe\",\"password\":\"12345678\"}",
      "{\"name\":\"t\",\"ttl_seconds\":-1}",
      "{\"instances\":-2}",
      "{\"a\":{\"b\":{\"c\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}}}",
  };
  for (const char* in : inputs) {
    for (RequestKind kind : AllRequestKinds()) {
      auto r = ValidateRequestBody(kind, in);
      if (!r.ok()) {
        EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << in;
      }
    }
  }
  // And good ones pass.
  EXPECT_TRUE(ValidateRequestBody(RequestKind::kCreateUser,
                                  R"({"name":"bob","password":"12345678","role":"user",)"
                                  R"("quota":{"instances":2,"cpus":1.5,"memory_mb":2048}})")
                  .ok());
  EXPECT_TRUE(ValidateRequestBody(RequestKind::kLogin, R"({"name":"bob","password":"x"})").ok());
}

}  // namespace
}  // namespace vmi::api

namespace vmi::api {
namespace {

// Parsers disagree on which duplicate wins; the API refuses them, at any
// depth, naming the key. The same key in different objects is fine.
TEST(JsonReaderTest, DuplicateKeysAreRefused) {
  auto top = ParseJsonObject(R"({"name":"a","cpus":1,"name":"b"})");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(top.error().message().find("duplicate key 'name'"), std::string::npos)
      << top.error().message();
  auto nested = ParseJsonObject(R"({"quota":{"instances":1,"instances":2}})");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message().find("instances"), std::string::npos);
  EXPECT_TRUE(ParseJsonObject(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})").ok());
}

}  // namespace
}  // namespace vmi::api
