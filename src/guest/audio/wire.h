// Audio control messages: the guest ALSA plugin <-> the host audio server.
//
// One PCM stream is one connection to `audio.sock` in the device directory
// (SOCK_SEQPACKET, so every message is exactly one datagram). The guest sends
// requests; the host answers each with one REPLY carrying the request's seq;
// the REPLY to FORMAT carries the ring's memfd as SCM_RIGHTS ancillary data.
// The byte layout is drawn in docs/audio.md and pinned by wire_test.cc.
//
// All integers are little-endian. Parsing is strict: wrong sizes, unknown
// types, a wrong version or non-zero reserved bytes are errors, because the
// host must treat every byte from a guest as hostile.
//
// Threads: pure functions, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::audio {

inline constexpr uint8_t kWireVersion = 1;
inline constexpr size_t kHeaderBytes = 8;
// No message is larger; receivers use a buffer of this size and reject
// truncated (MSG_TRUNC) datagrams.
inline constexpr size_t kMaxMessageBytes = 128;
inline constexpr size_t kNameBytes = 32;      // HELLO client name field
inline constexpr size_t kRingNameBytes = 64;  // REPLY ring name field

enum class MsgType : uint8_t {
  kHello = 0x01,    // guest: open a stream (direction, pid, client name)
  kFormat = 0x02,   // guest: hw params chosen; host (re)creates the ring
  kPrepare = 0x03,  // guest: reset positions to 0 (stream stopped)
  kStart = 0x04,    // guest: start consuming / producing at real-time pace
  kStop = 0x05,     // guest: stop now, drop what is queued
  kPause = 0x06,    // guest: pause (1) or resume (0)
  kDrain = 0x07,    // guest: no more data follows until PREPARE
  kClose = 0x08,    // guest: the stream ends; host unlinks the ring
  kReply = 0x80,    // host: status of the request with the same seq
};

enum class Direction : uint8_t { kPlayback = 0, kCapture = 1 };

// Sample formats on the wire (a small closed set; ALSA's plug layer converts
// anything else before it reaches the plugin).
enum class SampleFormat : uint8_t {
  kU8 = 1,
  kS16LE = 2,
  kS24LE = 3,  // 24 bits in the low bytes of a 32-bit little-endian word
  kS32LE = 4,
  kFloatLE = 5,
};

// Bytes per sample, or 0 for an unknown format.
size_t SampleBytes(SampleFormat f);
bool IsValidFormat(uint8_t f);
const char* FormatName(SampleFormat f);

// Limits the host enforces; the plugin advertises the same ranges.
inline constexpr uint32_t kMinRate = 8000;
inline constexpr uint32_t kMaxRate = 192000;
inline constexpr uint8_t kMaxChannels = 8;
inline constexpr uint32_t kMinBufferFrames = 16;
// At most 1 MiB of PCM per ring, so a guest cannot make the host map much.
inline constexpr size_t kMaxRingDataBytes = 1 << 20;

struct Hello {
  Direction direction = Direction::kPlayback;
  uint32_t pid = 0;
  std::string name;  // at most kNameBytes, no NUL
};

struct Format {
  SampleFormat format = SampleFormat::kS16LE;
  uint8_t channels = 2;
  uint32_t rate = 48000;
  uint32_t buffer_frames = 0;
  uint32_t period_frames = 0;
};

struct Reply {
  MsgType request = MsgType::kHello;
  int32_t status = 0;  // 0 or a negative errno
  // FORMAT only: the ring's size and its memfd name (for diagnostics; the
  // ring itself travels as an SCM_RIGHTS fd attached to this reply).
  uint32_t ring_bytes = 0;
  std::string ring_name;
};

struct Message {
  MsgType type = MsgType::kHello;
  uint32_t seq = 0;
  Hello hello;         // kHello
  Format format;       // kFormat
  bool pause = false;  // kPause
  Reply reply;         // kReply
};

// Checks a FORMAT against the limits above (the parser only checks layout).
Result<void> ValidateFormat(const Format& f);

std::vector<uint8_t> EncodeHello(uint32_t seq, const Hello& h);
std::vector<uint8_t> EncodeFormat(uint32_t seq, const Format& f);
// PREPARE, START, STOP, DRAIN, CLOSE: header only.
std::vector<uint8_t> EncodeSimple(uint32_t seq, MsgType type);
std::vector<uint8_t> EncodePause(uint32_t seq, bool pause);
std::vector<uint8_t> EncodeReply(uint32_t seq, const Reply& r);

Result<Message> ParseMessage(std::span<const uint8_t> bytes);

}  // namespace vmi::audio
