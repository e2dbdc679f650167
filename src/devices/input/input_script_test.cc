#include "devices/input/input_script.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace vmi::input {
namespace {

using Json = nlohmann::json;

// A 64x48 screen whose pixels a test can change; records what is sent.
struct FakePhone {
  display::DecodedImage screen{64, 48, std::string(64 * 48 * 4, '\x10')};
  std::vector<Json> sent;
  int sleeps = 0;
  std::function<void(int)> on_sleep;  // after the nth sleep
  ScriptIo io() {
    ScriptIo io;
    io.send = [this](const Json& e) -> Result<void> {
      for (const auto& x : e) sent.push_back(x);
      return Ok();
    };
    io.grab = [this]() -> Result<display::DecodedImage> { return screen; };
    io.size = [this]() -> Result<std::pair<int, int>> {
      return std::pair{screen.width, screen.height};
    };
    io.sleep = [this](std::chrono::milliseconds) {
      ++sleeps;
      if (on_sleep) on_sleep(sleeps);
      return true;
    };
    return io;
  }
  void Paint(int x, int y, int w, int h, uint8_t v) {
    for (int r = y; r < y + h; ++r)
      for (int c = x; c < x + w; ++c)
        for (int k = 0; k < 3; ++k) screen.bgrx[(r * 64 + c) * 4 + k] = static_cast<char>(v);
  }
};

Json RunScript(FakePhone& phone, const Json& body) {
  auto s = ParseInputScript(body);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  if (!s.ok()) return nullptr;
  return RunInputScript(*s, phone.io());
}

std::string Base64(const std::string& bin) {
  std::string b(sodium_base64_encoded_len(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b.data(), b.size(), reinterpret_cast<const unsigned char*>(bin.data()),
                    bin.size(), sodium_base64_VARIANT_ORIGINAL);
  b.pop_back();
  return b;
}

std::string FromBase64(const std::string& b) {
  std::string out(b.size(), '\0');
  size_t len = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b.data(),
                              b.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(len);
  return out;
}

TEST(InputScript, TapTypeAndKeyBecomeEventsInOrder) {
  FakePhone p;
  Json r = RunScript(p, {{"steps", {{{"tap", {{"x", 10}, {"y", 20}}}}, {{"type", "hé"}}, {{"key", "Return"}}}}});
  ASSERT_TRUE(r["ok"]) << r.dump();
  ASSERT_EQ(p.sent.size(), 6u);
  EXPECT_EQ(p.sent[0], (Json{{"pointer", {10, 20, 0}}}));
  EXPECT_EQ(p.sent[1], (Json{{"pointer", {10, 20, 1}}}));
  EXPECT_EQ(p.sent[2], (Json{{"pointer", {10, 20, 0}}}));
  EXPECT_EQ(p.sent[3], (Json{{"text", "hé"}}));
  EXPECT_EQ(p.sent[4], (Json{{"key", {0xff0d, true}}}));
  EXPECT_EQ(p.sent[5], (Json{{"key", {0xff0d, false}}}));
  EXPECT_EQ(r["steps"].size(), 3u);
  // What the engine sends is what the device host accepts.
  EXPECT_TRUE(ParseScriptEvents(Json(p.sent)).ok());
}

TEST(InputScript, SwipeMovesWithTheButtonDownFromStartToEnd) {
  FakePhone p;
  Json r = RunScript(p, {{"steps", {{{"swipe", {{"from", {0, 40}}, {"to", {60, 0}}, {"ms", 160}}}}}}});
  ASSERT_TRUE(r["ok"]) << r.dump();
  ASSERT_GE(p.sent.size(), 4u);
  EXPECT_EQ(p.sent[1], (Json{{"pointer", {0, 40, 1}}}));
  EXPECT_EQ(p.sent[p.sent.size() - 2], (Json{{"pointer", {60, 0, 1}}}));
  EXPECT_EQ(p.sent.back(), (Json{{"pointer", {60, 0, 0}}}));
  EXPECT_EQ(p.sleeps, 10);  // a move every 16 ms
}

TEST(InputScript, WaitUntilChangesSucceedsOnceTheRegionChanges) {
  FakePhone p;
  p.on_sleep = [&](int n) {
    if (n == 3) p.Paint(30, 30, 2, 2, 0xff);  // outside the region: ignored
    if (n == 5) p.Paint(5, 5, 1, 1, 0xff);
  };
  Json r = RunScript(p, {{"steps", {{{"wait_until", {{"region", {0, 0, 10, 10}}, {"changes", true}}}}}}});
  EXPECT_TRUE(r["ok"]) << r.dump();
  EXPECT_EQ(p.sleeps, 5);
}

TEST(InputScript, WaitUntilTimesOutWithADeadlineError) {
  FakePhone p;
  Json r = RunScript(p, {{"steps", {{{"type", "a"}},
                              {{"wait_until", {{"region", {0, 0, 10, 10}}, {"changes", true},
                                               {"timeout_ms", 0}}}},
                              {{"type", "never"}}}}});
  EXPECT_FALSE(r["ok"]);
  EXPECT_EQ(r["error"]["step"], 1);
  EXPECT_EQ(r["error"]["code"], "deadline_exceeded");
  EXPECT_EQ(r["steps"].size(), 2u);  // the third never ran
  EXPECT_EQ(p.sent.size(), 1u);
}

TEST(InputScript, ScreenshotOfARegionMatchesLaterAndOtherContentDoesNot) {
  FakePhone p;
  p.Paint(8, 8, 16, 16, 0x80);
  Json shot = RunScript(p, {{"steps", {{{"screenshot", {{"region", {8, 8, 16, 16}}}}}}}});
  ASSERT_TRUE(shot["ok"]) << shot.dump();
  std::string png = FromBase64(shot["steps"][0]["png"]);
  auto img = display::DecodePng(png);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->width, 16);
  EXPECT_EQ(static_cast<uint8_t>(img->bgrx[0]), 0x80);

  Json wait = {{"steps", {{{"wait_until", {{"region", {8, 8, 16, 16}},
                                           {"matches", shot["steps"][0]["png"]},
                                           {"timeout_ms", 300}}}}}}};
  EXPECT_TRUE(RunScript(p, wait)["ok"]);
  p.Paint(8, 8, 16, 8, 0x00);  // half the region is another picture now
  Json r = RunScript(p, wait);
  EXPECT_FALSE(r["ok"]);
  EXPECT_EQ(r["error"]["code"], "deadline_exceeded");
}

TEST(InputScript, StepsBeyondTheScreenFailBeforeAnyInput) {
  FakePhone p;
  Json r = RunScript(p, {{"steps", {{{"tap", {{"x", 64}, {"y", 0}}}}}}});
  EXPECT_FALSE(r["ok"]);
  EXPECT_EQ(r["error"]["code"], "invalid_argument");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("outside the 64x48 screen"),
            std::string::npos);
  EXPECT_TRUE(p.sent.empty());
}

TEST(InputScript, TheScriptsDeadlineStopsLongWaits) {
  FakePhone p;
  Json r = RunScript(p, {{"steps", {{{"wait", 500}}}}, {"timeout_ms", 100}});
  EXPECT_FALSE(r["ok"]);
  EXPECT_EQ(r["error"]["code"], "deadline_exceeded");
}

TEST(InputScript, BadScriptsAreRefusedNamingTheField) {
  struct Case {
    Json body;
    const char* where;
  };
  std::vector<Case> cases = {
      {Json::object(), "steps"},
      {{{"steps", Json::array()}}, "steps"},
      {{{"steps", {{{"tap", {{"x", 1}}}}}}}, "steps[0].tap"},
      {{{"steps", {{{"tap", {{"x", -1}, {"y", 0}}}}}}}, "steps[0].tap.x"},
      {{{"steps", {{{"tap", {{"x", 1}, {"y", 0}, {"z", 0}}}}}}}, "unknown field 'z'"},
      {{{"steps", {{{"key", "NoSuchKey"}}}}}, "unknown key"},
      {{{"steps", {{{"fly", 1}}}}}, "unknown step 'fly'"},
      {{{"steps", {{{"wait", 700000}}}}}, "steps[0].wait"},
      {{{"steps", {{{"wait_until", {{"region", {0, 0, 0, 5}}, {"changes", true}}}}}}},
       "region[2]"},
      {{{"steps", {{{"wait_until", {{"region", {0, 0, 4, 4}}}}}}}}, "exactly one"},
      {{{"steps", {{{"wait_until", {{"region", {0, 0, 4, 4}}, {"matches", "bm90IGEgcG5n"}}}}}}},
       "is not a PNG"},
      {{{"steps", {{{"wait_until", {{"region", {0, 0, 4, 4}}, {"matches", "%%%"}}}}}}},
       "is not base64"},
      {{{"steps", {{{"swipe", {{"from", {0}}, {"to", {1, 1}}}}}}}}, "from"},
      {{{"steps", {{{"type", 5}}}}}, "steps[0].type"},
      {{{"steps", {{{"tap", {{"x", 1}, {"y", 1}}}}}}, {"timeout_ms", 0}}, "timeout_ms"},
      {{{"steps", {{{"tap", {{"x", 1}, {"y", 1}}}, {"key", "a"}}}}}, "one step"},
  };
  for (const auto& c : cases) {
    auto s = ParseInputScript(c.body);
    ASSERT_FALSE(s.ok()) << c.body.dump();
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().ToString().find(c.where), std::string::npos)
        << c.body.dump() << " -> " << s.error().ToString();
  }
}

TEST(InputScript, AReferenceOfAnotherSizeIsRefused) {
  display::DecodedImage img{4, 4, std::string(64, '\x20')};
  display::FrameView v;
  v.pixels = reinterpret_cast<const uint8_t*>(img.bgrx.data());
  v.width = v.height = 4;
  v.stride = 16;
  auto png = display::EncodePng(v);
  ASSERT_TRUE(png.ok());
  auto s = ParseInputScript({{"steps", {{{"wait_until", {{"region", {0, 0, 5, 4}},
                                                         {"matches", Base64(*png)}}}}}}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().ToString().find("is 4x4, the region 5x4"), std::string::npos)
      << s.error().ToString();
}

TEST(InputScript, DeviceHostEventsAreParsedStrictly) {
  EXPECT_TRUE(ParseScriptEvents(Json::parse(R"([{"pointer":[1,2,1]},{"key":[65293,true]},{"text":"x"}])")).ok());
  for (const char* bad : {R"({"pointer":[1,2,1]})", R"([{"pointer":[1,2]}])", R"([{"pointer":[-1,2,0]}])",
                          R"([{"key":[-1,true]}])", R"([{"key":[1,"yes"]}])", R"([{"boom":1}])",
                          R"([{"pointer":[1,2,0],"text":"x"}])"})
    EXPECT_FALSE(ParseScriptEvents(Json::parse(bad)).ok()) << bad;
}

}  // namespace
}  // namespace vmi::input
