// The guest surface protocol: message types, limits and the codec of every
// message (host side). The wire format is drawn byte by byte in README.md
// and docs/surface-protocol.md; protocol_test.cc checks those bytes exactly.
//
// One message is one SOCK_SEQPACKET datagram: an 8-byte header and a payload.
// All integers are little-endian. Nothing here does I/O or owns fds: parsing
// is a pure function so it can be fuzzed (surface_protocol_fuzz.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"

namespace vmi::surface {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr char kMagic[4] = {'V', 'M', 'I', 'S'};
inline constexpr size_t kHeaderSize = 8;
// Largest datagram either side may send (header included).
inline constexpr size_t kMaxMessageSize = 4096;
inline constexpr uint32_t kMaxDamageRects = 64;
inline constexpr uint32_t kMaxDimension = 8192;
inline constexpr size_t kMaxTextBytes = 1024;
inline constexpr size_t kMaxErrorText = 256;

enum class MsgType : uint16_t {
  // guest -> host
  kHello = 0x0001,
  kAddBuffer = 0x0002,
  kRemoveBuffer = 0x0003,
  kPresent = 0x0004,
  // host -> guest
  kWelcome = 0x0101,
  kDisplayInfo = 0x0102,
  kFrameDone = 0x0103,
  kRelease = 0x0104,
  kError = 0x0105,
  kPointer = 0x0110,
  kKey = 0x0111,
  kTouch = 0x0112,
  kText = 0x0113,
};

// Pixel formats. XRGB8888 is the only one: 32-bit little-endian 0xXXRRGGBB
// words (bytes B, G, R, X), the layout FrameView hands to consumers.
inline constexpr uint32_t kFormatXrgb8888 = 1;

// FrameDone flags.
inline constexpr uint32_t kFrameDisplayed = 1u << 0;  // a consumer captured it
inline constexpr uint32_t kFrameDropped = 1u << 1;    // replaced before any capture

// Error codes carried by the Error message (the host closes right after).
enum class WireError : uint32_t {
  kProtocol = 1,    // malformed or unexpected message
  kVersion = 2,     // unsupported protocol version
  kBadBuffer = 3,   // fd not a sealed memfd, too small, bad geometry, unknown id
  kLimit = 4,       // too many buffers or bytes
  kBusy = 5,        // another guest is connected to this display
  kSlowReader = 6,  // the guest stopped reading host messages
  kShutdown = 7,    // the host is going away
};

// --- guest -> host -----------------------------------------------------------

struct Hello {
  uint32_t version = 0;
};
struct AddBuffer {  // carries exactly one fd (SCM_RIGHTS): a sealed memfd
  uint32_t id = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t stride = 0;  // bytes per row
  uint32_t format = 0;
};
struct RemoveBuffer {
  uint32_t id = 0;
};
struct Present {
  uint32_t buffer_id = 0;
  uint32_t serial = 0;  // chosen by the guest, echoed in FrameDone
  // Changed regions in buffer pixels; empty means the whole buffer.
  std::vector<display::Rect> damage;
};
using GuestMessage = std::variant<Hello, AddBuffer, RemoveBuffer, Present>;

// Parses one datagram from the guest. `fd_count` is the number of fds that
// arrived with it: exactly one for AddBuffer, none otherwise. Checks
// everything that does not depend on connection state (sizes, magic, rect
// geometry against kMaxDimension); returns InvalidArgument otherwise.
Result<GuestMessage> ParseGuestMessage(std::span<const uint8_t> datagram, size_t fd_count);

// Encoders for guest messages: used by tests and the fuzzer's seed corpus
// (the guest library has its own C implementation).
std::vector<uint8_t> EncodeHello(const Hello& m, const char magic[4] = kMagic);
std::vector<uint8_t> EncodeAddBuffer(const AddBuffer& m);
std::vector<uint8_t> EncodeRemoveBuffer(const RemoveBuffer& m);
std::vector<uint8_t> EncodePresent(const Present& m);

// --- host -> guest -----------------------------------------------------------

struct Welcome {
  uint32_t version = kProtocolVersion;
  uint32_t max_buffers = 0;
  uint32_t max_damage_rects = kMaxDamageRects;
  uint64_t max_buffer_bytes = 0;  // total over all buffers of the connection
};
struct DisplayInfo {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t format = kFormatXrgb8888;
  uint32_t refresh_mhz = 60000;  // refresh rate in millihertz
  uint32_t dpi = 0;
  uint32_t rotation = 0;  // degrees: 0, 90, 180, 270
  uint32_t serial = 0;    // increases with every change
};
struct FrameDone {
  uint32_t serial = 0;   // the Present's serial
  uint32_t flags = 0;    // kFrameDisplayed / kFrameDropped; neither: nobody watched
  uint64_t time_us = 0;  // host CLOCK_MONOTONIC
};
struct Release {
  uint32_t buffer_id = 0;
};
struct ErrorMsg {
  WireError code = WireError::kProtocol;
  std::string text;  // UTF-8, at most kMaxErrorText bytes (longer is cut)
};
struct PointerMsg {
  int32_t x = 0, y = 0;
  uint32_t buttons = 0;
  uint64_t time_us = 0;
};
struct KeyMsg {
  uint32_t keysym = 0;
  uint32_t down = 0;
  uint64_t time_us = 0;
};
struct TouchMsg {
  uint32_t id = 0;
  uint32_t action = 0;  // input::TouchAction
  int32_t x = 0, y = 0;
  uint64_t time_us = 0;
};
struct TextMsg {
  uint64_t time_us = 0;
  std::string utf8;  // at most kMaxTextBytes
};

std::vector<uint8_t> Encode(const Welcome& m);
std::vector<uint8_t> Encode(const DisplayInfo& m);
std::vector<uint8_t> Encode(const FrameDone& m);
std::vector<uint8_t> Encode(const Release& m);
std::vector<uint8_t> Encode(const ErrorMsg& m);
std::vector<uint8_t> Encode(const PointerMsg& m);
std::vector<uint8_t> Encode(const KeyMsg& m);
std::vector<uint8_t> Encode(const TouchMsg& m);
std::vector<uint8_t> Encode(const TextMsg& m);

// Reads the type of a host message (for tests); InvalidArgument if the
// header is malformed.
Result<MsgType> PeekType(std::span<const uint8_t> datagram);


}  // namespace vmi::surface
