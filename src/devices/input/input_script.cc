#include "devices/input/input_script.h"

#include <X11/Xlib.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>

namespace vmi::input {
namespace {

// Returns the error of a Result<void> from the enclosing function.
#define VMI_SCRIPT_CHECK(expr)                                  \
  do {                                                          \
    auto vmi_script_result_ = (expr);                           \
    if (!vmi_script_result_.ok()) return std::move(vmi_script_result_).error(); \
  } while (0)

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Kind = ScriptStep::Kind;

Error Bad(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

Result<int> Int(const Json& v, const std::string& where, int lo, int hi) {
  if (!v.is_number_integer()) return Bad(where, "must be an integer");
  auto n = v.get<int64_t>();
  if (n < lo || n > hi)
    return Bad(where, "must be " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(n);
}

// Checks that `o` is an object with only `allowed` fields.
Result<void> Fields(const Json& o, const std::string& where,
                    std::initializer_list<const char*> allowed) {
  if (!o.is_object()) return Bad(where, "must be an object");
  for (const auto& [k, v] : o.items())
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) ==
        allowed.end())
      return Bad(where, "unknown field '" + k + "'");
  return Ok();
}

Result<std::pair<int, int>> Point(const Json& v, const std::string& where) {
  if (!v.is_array() || v.size() != 2) return Bad(where, "must be [x, y]");
  int x = VMI_TRY(Int(v[0], where + "[0]", 0, kMaxScriptCoordinate));
  int y = VMI_TRY(Int(v[1], where + "[1]", 0, kMaxScriptCoordinate));
  return std::pair{x, y};
}

Result<ScriptRegion> Region(const Json& v, const std::string& where) {
  if (!v.is_array() || v.size() != 4) return Bad(where, "must be [x, y, width, height]");
  ScriptRegion r;
  r.x = VMI_TRY(Int(v[0], where + "[0]", 0, kMaxScriptCoordinate));
  r.y = VMI_TRY(Int(v[1], where + "[1]", 0, kMaxScriptCoordinate));
  r.w = VMI_TRY(Int(v[2], where + "[2]", 1, kMaxScriptCoordinate));
  r.h = VMI_TRY(Int(v[3], where + "[3]", 1, kMaxScriptCoordinate));
  return r;
}

Result<display::DecodedImage> Reference(const Json& v, const std::string& where) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    return Bad(where, "must be a PNG in base64");
  const auto& b64 = v.get_ref<const std::string&>();
  if (b64.size() > 16 * 1024 * 1024) return Bad(where, "is over 16 MiB");
  std::string png(b64.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(png.data()), png.size(), b64.data(),
                        b64.size(), "\r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return Bad(where, "is not base64");
  png.resize(len);
  auto img = display::DecodePng(png);
  if (!img.ok()) return Bad(where, "is not a PNG: " + img.error().message());
  return std::move(*img);
}

Result<ScriptStep> ParseStep(const Json& s, const std::string& where) {
  if (!s.is_object() || s.size() != 1) return Bad(where, "must be an object with one step");
  const auto& [op, v] = *s.items().begin();
  const std::string at = where + "." + op;
  ScriptStep step;
  if (op == "tap") {
    VMI_SCRIPT_CHECK(Fields(v, at, {"x", "y"}));
    if (!v.contains("x") || !v.contains("y")) return Bad(at, "needs x and y");
    step.kind = Kind::kTap;
    step.x = VMI_TRY(Int(v["x"], at + ".x", 0, kMaxScriptCoordinate));
    step.y = VMI_TRY(Int(v["y"], at + ".y", 0, kMaxScriptCoordinate));
  } else if (op == "swipe") {
    VMI_SCRIPT_CHECK(Fields(v, at, {"from", "to", "ms"}));
    if (!v.contains("from") || !v.contains("to")) return Bad(at, "needs from and to");
    step.kind = Kind::kSwipe;
    std::tie(step.x, step.y) = VMI_TRY(Point(v["from"], at + ".from"));
    std::tie(step.x2, step.y2) = VMI_TRY(Point(v["to"], at + ".to"));
    step.ms = v.contains("ms") ? VMI_TRY(Int(v["ms"], at + ".ms", 0, 10000)) : 300;
  } else if (op == "type") {
    if (!v.is_string()) return Bad(at, "must be a string");
    if (v.get_ref<const std::string&>().size() > 4096) return Bad(at, "is over 4096 bytes");
    step.kind = Kind::kType;
    step.text = v.get<std::string>();
  } else if (op == "key") {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > 64)
      return Bad(at, "must be an X keysym name such as Return");
    step.kind = Kind::kKey;
    step.key_name = v.get<std::string>();
    KeySym k = XStringToKeysym(step.key_name.c_str());
    if (k == NoSymbol) return Bad(at, "unknown key '" + step.key_name + "'");
    step.keysym = static_cast<uint32_t>(k);
  } else if (op == "wait") {
    step.kind = Kind::kWait;
    step.ms = VMI_TRY(Int(v, at, 0, kMaxScriptMs));
  } else if (op == "wait_until") {
    VMI_SCRIPT_CHECK(Fields(v, at, {"region", "changes", "matches", "timeout_ms"}));
    if (!v.contains("region")) return Bad(at, "needs a region");
    step.region = VMI_TRY(Region(v["region"], at + ".region"));
    step.has_region = true;
    step.ms = v.contains("timeout_ms") ? VMI_TRY(Int(v["timeout_ms"], at + ".timeout_ms", 0,
                                                     kMaxScriptMs))
                                       : 10000;
    bool changes = v.contains("changes"), matches = v.contains("matches");
    if (changes == matches) return Bad(at, "needs exactly one of changes and matches");
    if (changes) {
      if (v["changes"] != true) return Bad(at + ".changes", "must be true");
      step.kind = Kind::kWaitChanges;
    } else {
      step.kind = Kind::kWaitMatches;
      step.reference = VMI_TRY(Reference(v["matches"], at + ".matches"));
      if (step.reference.width != step.region.w || step.reference.height != step.region.h)
        return Bad(at + ".matches", "is " + std::to_string(step.reference.width) + "x" +
                                        std::to_string(step.reference.height) +
                                        ", the region " + std::to_string(step.region.w) + "x" +
                                        std::to_string(step.region.h));
    }
  } else if (op == "screenshot") {
    VMI_SCRIPT_CHECK(Fields(v, at, {"region"}));
    step.kind = Kind::kScreenshot;
    if (v.contains("region")) {
      step.region = VMI_TRY(Region(v["region"], at + ".region"));
      step.has_region = true;
    }
  } else {
    return Bad(where, "unknown step '" + op +
                          "' (tap, swipe, type, key, wait, wait_until, screenshot)");
  }
  return step;
}

const char* OpName(Kind k) {
  switch (k) {
    case Kind::kTap: return "tap";
    case Kind::kSwipe: return "swipe";
    case Kind::kType: return "type";
    case Kind::kKey: return "key";
    case Kind::kWait: return "wait";
    case Kind::kWaitChanges:
    case Kind::kWaitMatches: return "wait_until";
    case Kind::kScreenshot: return "screenshot";
  }
  return "?";
}

Result<void> Inside(std::pair<int, int> screen, int x, int y, const std::string& what) {
  if (x >= screen.first || y >= screen.second)
    return Error(ErrorCode::kInvalidArgument,
                 what + " (" + std::to_string(x) + "," + std::to_string(y) +
                     ") is outside the " + std::to_string(screen.first) + "x" +
                     std::to_string(screen.second) + " screen");
  return Ok();
}

Result<void> RegionInside(const display::DecodedImage& screen, const ScriptRegion& r) {
  if (r.x + r.w > screen.width || r.y + r.h > screen.height)
    return Error(ErrorCode::kInvalidArgument,
                 "region [" + std::to_string(r.x) + "," + std::to_string(r.y) + "," +
                     std::to_string(r.w) + "," + std::to_string(r.h) + "] is outside the " +
                     std::to_string(screen.width) + "x" + std::to_string(screen.height) +
                     " screen");
  return Ok();
}

// The region's pixels, BGRX rows packed.
std::string Crop(const display::DecodedImage& img, const ScriptRegion& r) {
  std::string out;
  out.reserve(static_cast<size_t>(r.w) * r.h * 4);
  for (int row = 0; row < r.h; ++row)
    out.append(img.bgrx, (static_cast<size_t>(r.y + row) * img.width + r.x) * 4,
               static_cast<size_t>(r.w) * 4);
  return out;
}

// How many pixels differ by more than 24 in a colour channel. A region
// matches when at most 1% of its pixels do.
size_t Differing(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() / 4;
  size_t pixels = a.size() / 4, off = 0;
  for (size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c)
      if (std::abs(static_cast<uint8_t>(a[i * 4 + c]) - static_cast<uint8_t>(b[i * 4 + c])) > 24) {
        ++off;
        break;
      }
  return off;
}

Result<std::string> Png(const display::DecodedImage& img, const std::optional<ScriptRegion>& r) {
  std::string pixels = r ? Crop(img, *r) : img.bgrx;
  int w = r ? r->w : img.width, h = r ? r->h : img.height;
  display::FrameView view;
  view.width = w;
  view.height = h;
  view.stride = w * 4;
  view.pixels = reinterpret_cast<const uint8_t*>(pixels.data());
  auto png = VMI_TRY(display::EncodePng(view));
  std::string b64(sodium_base64_encoded_len(png.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(png.data()),
                    png.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  return b64;
}

class Runner {
 public:
  Runner(const InputScript& s, const ScriptIo& io)
      : script_(s), io_(io), end_(Clock::now() + std::chrono::milliseconds(s.timeout_ms)) {}

  Result<void> Step(const ScriptStep& st, Json& out) {
    switch (st.kind) {
      case Kind::kTap: {
        VMI_SCRIPT_CHECK(Inside(VMI_TRY(io_.size()), st.x, st.y, "tap"));
        return io_.send(Json::array({Pointer(st.x, st.y, 0), Pointer(st.x, st.y, 1),
                                     Pointer(st.x, st.y, 0)}));
      }
      case Kind::kSwipe: {
        auto screen = VMI_TRY(io_.size());
        VMI_SCRIPT_CHECK(Inside(screen, st.x, st.y, "swipe start"));
        VMI_SCRIPT_CHECK(Inside(screen, st.x2, st.y2, "swipe end"));
        VMI_SCRIPT_CHECK(io_.send(Json::array({Pointer(st.x, st.y, 0), Pointer(st.x, st.y, 1)})));
        // A move every 16 ms (a 60 Hz touch screen), at least 2.
        int moves = std::max(2, st.ms / 16);
        for (int i = 1; i <= moves; ++i) {
          VMI_SCRIPT_CHECK(Sleep(st.ms / moves));
          int x = st.x + (st.x2 - st.x) * i / moves, y = st.y + (st.y2 - st.y) * i / moves;
          VMI_SCRIPT_CHECK(io_.send(Json::array({Pointer(x, y, 1)})));
        }
        return io_.send(Json::array({Pointer(st.x2, st.y2, 0)}));
      }
      case Kind::kType:
        return io_.send(Json::array({Json{{"text", st.text}}}));
      case Kind::kKey:
        return io_.send(Json::array({Json{{"key", {st.keysym, true}}},
                                     Json{{"key", {st.keysym, false}}}}));
      case Kind::kWait:
        return Sleep(st.ms);
      case Kind::kWaitChanges:
      case Kind::kWaitMatches: {
        auto first = VMI_TRY(Screen());
        VMI_SCRIPT_CHECK(RegionInside(first, st.region));
        const std::string before = Crop(first, st.region);
        auto until = Clock::now() + std::chrono::milliseconds(st.ms);
        const std::string ref = st.kind == Kind::kWaitMatches ? st.reference.bgrx : "";
        size_t off = 0;
        for (bool first_look = true;; first_look = false) {
          std::string now = first_look ? before : Crop(VMI_TRY(Screen()), st.region);
          if (st.kind == Kind::kWaitChanges) {
            if (now != before) return Ok();
          } else if (off = Differing(now, ref); off * 100 <= now.size() / 4) {
            return Ok();
          }
          if (Clock::now() >= until) {
            std::string why = st.kind == Kind::kWaitChanges
                                  ? "change"
                                  : "match (" + std::to_string(off) + " of its " +
                                        std::to_string(now.size() / 4) + " pixels differ)";
            return Error(ErrorCode::kDeadlineExceeded, "the region did not " + why + " within " +
                                                           std::to_string(st.ms) + " ms");
          }
          VMI_SCRIPT_CHECK(Sleep(100));
        }
      }
      case Kind::kScreenshot: {
        auto screen = VMI_TRY(Screen());
        std::optional<ScriptRegion> r;
        if (st.has_region) {
          VMI_SCRIPT_CHECK(RegionInside(screen, st.region));
          r = st.region;
        }
        out["png"] = VMI_TRY(Png(screen, r));
        return Ok();
      }
    }
    return Ok();
  }

 private:
  static Json Pointer(int x, int y, uint32_t buttons) { return {{"pointer", {x, y, buttons}}}; }

  Result<display::DecodedImage> Screen() {
    auto img = VMI_TRY(io_.grab());
    if (img.width <= 0 || img.height <= 0 ||
        img.bgrx.size() != static_cast<size_t>(img.width) * img.height * 4)
      return Error(ErrorCode::kInternal, "the screen grab is malformed");
    return img;
  }

  // Sleeps within the script's deadline.
  Result<void> Sleep(int ms) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now());
    if (left.count() < ms)
      return Error(ErrorCode::kDeadlineExceeded,
                   "the script's " + std::to_string(script_.timeout_ms) + " ms ran out");
    if (!io_.sleep(std::chrono::milliseconds(ms)))
      return Error(ErrorCode::kAborted, "the script was stopped");
    return Ok();
  }

  const InputScript& script_;
  const ScriptIo& io_;
  const Clock::time_point end_;
};

}  // namespace

Result<InputScript> ParseInputScript(const Json& body) {
  VMI_SCRIPT_CHECK(Fields(body, "script", {"steps", "timeout_ms"}));
  if (!body.contains("steps") || !body["steps"].is_array() || body["steps"].empty())
    return Bad("steps", "must be a non-empty array");
  if (body["steps"].size() > kMaxScriptSteps)
    return Bad("steps", "more than " + std::to_string(kMaxScriptSteps));
  InputScript s;
  if (body.contains("timeout_ms"))
    s.timeout_ms = VMI_TRY(Int(body["timeout_ms"], "timeout_ms", 1, kMaxScriptMs));
  for (size_t i = 0; i < body["steps"].size(); ++i)
    s.steps.push_back(VMI_TRY(ParseStep(body["steps"][i], "steps[" + std::to_string(i) + "]")));
  return s;
}

Json RunInputScript(const InputScript& script, const ScriptIo& io) {
  Runner runner(script, io);
  auto t0 = Clock::now();
  auto ms = [](Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
  };
  Json out = {{"ok", true}, {"steps", Json::array()}};
  for (size_t i = 0; i < script.steps.size(); ++i) {
    const auto& st = script.steps[i];
    Json r = {{"step", i}, {"op", OpName(st.kind)}};
    auto t = Clock::now();
    auto done = runner.Step(st, r);
    r["ok"] = done.ok();
    r["ms"] = ms(t);
    out["steps"].push_back(std::move(r));
    if (!done.ok()) {
      out["ok"] = false;
      out["error"] = {{"step", i},
                      {"code", ErrorCodeName(done.error().code())},
                      {"message", done.error().message()}};
      break;
    }
  }
  out["ms"] = ms(t0);
  return out;
}

Result<std::vector<ScriptEvent>> ParseScriptEvents(const Json& events) {
  if (!events.is_array() || events.size() > 1024) return Bad("events", "must be an array of up to 1024");
  std::vector<ScriptEvent> out;
  for (size_t i = 0; i < events.size(); ++i) {
    const Json& e = events[i];
    const std::string at = "events[" + std::to_string(i) + "]";
    if (!e.is_object() || e.size() != 1) return Bad(at, "must be an object with one event");
    ScriptEvent ev;
    if (auto p = e.find("pointer"); p != e.end()) {
      if (!p->is_array() || p->size() != 3) return Bad(at, "pointer must be [x, y, buttons]");
      ev.kind = ScriptEvent::Kind::kPointer;
      ev.x = VMI_TRY(Int((*p)[0], at + ".x", 0, kMaxScriptCoordinate));
      ev.y = VMI_TRY(Int((*p)[1], at + ".y", 0, kMaxScriptCoordinate));
      ev.buttons = static_cast<uint32_t>(VMI_TRY(Int((*p)[2], at + ".buttons", 0, 31)));
    } else if (auto k = e.find("key"); k != e.end()) {
      if (!k->is_array() || k->size() != 2 || !(*k)[0].is_number_unsigned() || !(*k)[1].is_boolean())
        return Bad(at, "key must be [keysym, down]");
      ev.kind = ScriptEvent::Kind::kKey;
      ev.keysym = (*k)[0].get<uint32_t>();
      ev.down = (*k)[1].get<bool>();
    } else if (auto t = e.find("text"); t != e.end()) {
      if (!t->is_string() || t->get_ref<const std::string&>().size() > 4096)
        return Bad(at, "text must be a string of up to 4096 bytes");
      ev.kind = ScriptEvent::Kind::kText;
      ev.text = t->get<std::string>();
    } else {
      return Bad(at, "unknown event (pointer, key, text)");
    }
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace vmi::input
