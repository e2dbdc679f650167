// The viewer wire protocol: binary WebSocket messages between the browser
// client (web/src/viewer/protocol.ts) and a ViewerSession. README.md in this
// directory draws every message as a byte diagram; protocol_test.cc checks
// them byte for byte.
//
// Every message starts with a one-byte type. Integers are little-endian.
// Server -> client types are 0x01-0x0f, client -> server 0x10-0x1f, and
// 0x20-0x2f (both directions) belong to audio (web/src/audio/ and
// src/devices/audio/ own their layout; a session only forwards them).
//
// Pure functions; no threads, no state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"

namespace vmi::web {

inline constexpr uint8_t kProtocolVersion = 1;

enum MessageType : uint8_t {
  // server -> client
  kConfig = 0x01,
  kVideo = 0x02,
  kJpeg = 0x03,
  kControlState = 0x04,
  kError = 0x05,
  kRegions = 0x06,
  // client -> server
  kHello = 0x10,
  kPointer = 0x11,
  kKey = 0x12,
  kText = 0x13,
  kTouch = 0x14,
  kCommand = 0x15,
  kControl = 0x16,
  kKeyframeRequest = 0x17,
  kFrameAck = 0x18,
  kPreview = 0x19,
  // audio, both directions
  kAudioFirst = 0x20,
  kAudioLast = 0x2f,
};

inline constexpr size_t kMaxClientMessage = 8192;   // non-audio client messages
inline constexpr size_t kMaxAudioMessage = 65536;   // audio messages either way
inline constexpr size_t kMaxTextBytes = 4096;
inline constexpr uint32_t kMaxFingers = 10;
// kCodecMaskPreview (with kCodecMaskH264): the instance's shared
// low-resolution, low-rate stream (wall tiles, thumbnails).
// kCodecMaskRegions (with kCodecMaskH264): the client draws REGIONS messages.
inline constexpr uint8_t kCodecMaskH264 = 1, kCodecMaskJpeg = 2, kCodecMaskPreview = 4,
                         kCodecMaskRegions = 8;

enum class WireCodec : uint8_t { kH264 = 0, kJpeg = 1 };
enum class ControlStateKind : uint8_t { kNobody = 0, kYou = 1, kOther = 2 };
enum class Command : uint8_t { kRotate = 1, kHome = 2, kBack = 3 };
enum class ControlOp : uint8_t { kRequest = 1, kRelease = 2 };

// --- server -> client ------------------------------------------------------

std::string EncodeConfig(WireCodec codec, int width, int height, std::string_view codec_string);
// Header of a VIDEO message; the access unit follows.
std::string EncodeVideoHeader(bool keyframe, uint64_t timestamp_us);
// Header of a JPEG message; the JPEG image follows.
std::string EncodeJpegHeader(bool full_frame, int x, int y, int w, int h,
                             uint64_t timestamp_us);
// One region picture of a REGIONS message.
struct RegionHeader {
  uint16_t id = 0;
  int x = 0, y = 0, w = 0, h = 0;
  bool keyframe = false;
  uint32_t size = 0;  // bytes of the access unit that follows this header
};
// Header of a REGIONS message: `count` parts follow, each a part header
// (EncodeRegionPartHeader) and its access unit.
std::string EncodeRegionsHeader(int count, uint64_t timestamp_us);
std::string EncodeRegionPartHeader(const RegionHeader& part);
std::string EncodeControlState(ControlStateKind state, int viewers, uint32_t your_id,
                               uint32_t controller_id);
std::string EncodeError(uint16_t close_code, std::string_view reason);

// --- client -> server ------------------------------------------------------

struct HelloMsg {
  uint8_t version = 0;
  uint8_t codecs = 0;  // kCodecMask* bits
};
struct PointerMsg {
  uint8_t buttons = 0;  // bits 0-4 as input::PointerEvent
  uint16_t x = 0, y = 0;
};
struct KeyMsg {
  bool down = false;
  uint32_t keysym = 0;
};
struct TextMsg {
  std::string utf8;
};
struct TouchMsg {
  uint8_t action = 0;  // input::TouchAction
  uint8_t finger = 0;
  uint16_t x = 0, y = 0;
};
struct CommandMsg {
  Command command = Command::kHome;
};
struct ControlMsg {
  ControlOp op = ControlOp::kRequest;
};
struct KeyframeRequestMsg {};
// The viewer presented the video frame with this timestamp (echoed from its
// VIDEO/JPEG header). Paces the session: see ViewerSession.
struct FrameAckMsg {
  uint64_t timestamp_us = 0;
};
// Switches an H.264 viewer between the full stream (0) and the preview (1).
struct PreviewMsg {
  bool on = false;
};
struct AudioMsg {
  std::span<const uint8_t> data;  // the whole message, type byte included
};

using ClientMessage = std::variant<HelloMsg, PointerMsg, KeyMsg, TextMsg, TouchMsg, CommandMsg,
                                   ControlMsg, KeyframeRequestMsg, FrameAckMsg, PreviewMsg, AudioMsg>;

// Strict: exact sizes, zero reserved bytes, values in range, valid UTF-8.
// Any violation is kInvalidArgument with a reason short enough for a
// WebSocket close frame (<= 123 bytes). Screen bounds are the session's to
// check (the parser does not know the size).
Result<ClientMessage> ParseClientMessage(std::span<const uint8_t> data);

// Accepts keysyms that name something: Latin-1 and legacy X keysyms
// (0x20-0xffff), Unicode keysyms (0x01000100-0x0110ffff) and vendor keysyms
// (0x10000000-0x1fffffff, e.g. XF86Back).
bool IsValidKeysym(uint32_t keysym);
// Well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF) without NUL.
bool IsValidUtf8(std::string_view s);

}  // namespace vmi::web
