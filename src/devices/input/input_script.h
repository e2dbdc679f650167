// Input scripts: what a tester or an RPA job does to a phone, as data
// (docs/devices.md, "Input scripts"). A script is a list of steps run in
// order until one fails:
//
//   {"tap": {"x": X, "y": Y}}                       press and release at X,Y
//   {"swipe": {"from": [X,Y], "to": [X,Y], "ms": N}}  press, move over N ms, release
//   {"type": "text"}                                any Unicode text
//   {"key": "Return"}                               an X keysym name, pressed and released
//   {"wait": N}                                     N ms
//   {"wait_until": {"region": [X,Y,W,H], "changes": true | "matches": "<PNG, base64>",
//                   "timeout_ms": N}}               poll the screen every 100 ms
//   {"screenshot": {"region": [X,Y,W,H]}}           a PNG (base64) in the step's result
//
// "changes": any pixel of the region differs from what it was when the step
// began. "matches": the region equals the PNG (same size) within the
// tolerance: no more than 1% of its pixels differ by more than 24 in a
// channel (anti-aliasing and video-codec noise pass, another screen does not).
//
// The engine is transport-neutral: ScriptIo delivers input and grabs the
// screen (in the daemon, through the instance's device host).
// Threads: RunInputScript runs on the caller's thread and blocks.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/png.h"

namespace vmi::input {

struct ScriptRegion {
  int x = 0, y = 0, w = 0, h = 0;
};

struct ScriptStep {
  enum class Kind { kTap, kSwipe, kType, kKey, kWait, kWaitChanges, kWaitMatches, kScreenshot };
  Kind kind = Kind::kTap;
  int x = 0, y = 0, x2 = 0, y2 = 0;  // tap; swipe from/to
  int ms = 0;                        // swipe duration, wait, wait_until's timeout
  std::string text;                  // type
  uint32_t keysym = 0;               // key
  std::string key_name;
  bool has_region = false;  // screenshot: false means the whole screen
  ScriptRegion region;
  display::DecodedImage reference;  // wait_until matches
};

struct InputScript {
  std::vector<ScriptStep> steps;
  int timeout_ms = 60000;  // the whole script
};

inline constexpr size_t kMaxScriptSteps = 1000;
inline constexpr int kMaxScriptMs = 600000;
inline constexpr int kMaxScriptCoordinate = 8192;

// Parses {"steps": [...], "timeout_ms": N}. Strict: an unknown step or
// field, a value out of range, a key name X does not know or a reference
// that is not a PNG is kInvalidArgument naming the step ("steps[3].tap.x").
Result<InputScript> ParseInputScript(const nlohmann::json& body);

// What the engine needs from the instance.
struct ScriptIo {
  // One batch of input events (InputEvents below), delivered in order.
  std::function<Result<void>(const nlohmann::json& events)> send;
  // The current screen, decoded (for waits and screenshots).
  std::function<Result<display::DecodedImage>()> grab;
  // The screen's size as {width, height}: what taps and swipes are checked
  // against, without grabbing a picture.
  std::function<Result<std::pair<int, int>>()> size;
  // Waits; returns false when the run must stop (the caller gave up).
  std::function<bool(std::chrono::milliseconds)> sleep;
};

// Runs `script`; never fails as a whole. The answer:
//   {"ok": bool, "ms": N, "steps": [{"step": i, "op": "tap", "ok": true, "ms": N,
//                                    "png": "..." (screenshot)}, ...],
//    "error": {"step": i, "code": "...", "message": "..."} (when not ok)}
// A step beyond the screen's edge fails (kInvalidArgument) before any input
// of it is sent.
nlohmann::json RunInputScript(const InputScript& script, const ScriptIo& io);

// The event batches the engine sends, for the device host to deliver:
//   [{"pointer": [x, y, buttons]} | {"key": [keysym, down]} | {"text": "..."}, ...]
// Parsed strictly (bounded count and values); `apply` is called per event.
struct ScriptEvent {
  enum class Kind { kPointer, kKey, kText } kind = Kind::kPointer;
  int x = 0, y = 0;
  uint32_t buttons = 0;
  uint32_t keysym = 0;
  bool down = false;
  std::string text;
};
Result<std::vector<ScriptEvent>> ParseScriptEvents(const nlohmann::json& events);

}  // namespace vmi::input
