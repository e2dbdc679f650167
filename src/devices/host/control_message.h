// The device host's control socket wire format (docs/architecture.md, "The
// device host"). The daemon is the only client: it connects to
// <instance dir>/devhost.sock (mode 0600, root), sends one request and reads
// one reply per connection.
//
// One message, in either direction:
//
//    0               4               8
//   +---------------+---------------+----------------------+---------------+
//   | header_len BE | data_len BE   | header (JSON object) | data (bytes)  |
//   +---------------+---------------+----------------------+---------------+
//     u32             u32             header_len bytes       data_len bytes
//
// header_len is 2..kMaxHeader, data_len 0..kMaxData. A request may carry one
// file descriptor (SCM_RIGHTS, attached to the first byte): op "viewer" passes
// an accepted browser connection this way, its HTTP request head as data.
//
// Requests:  {"op":"hello"} | {"op":"viewer"} + fd + head |
//            {"op":"screenshot","max_width":N,"format":"png"|"jpeg"} |
//            {"op":"rotate","orientation":"portrait"|"landscape"} |
//            {"op":"vnc"} | {"op":"audio","volume":V,"muted":B} | {"op":"stats"} |
//            {"op":"input","events":[...],"release":B} (input scripts'
//            events, devices/input/input_script.h; the reply has the
//            screen's width and height) |
//            {"op":"audio_tap"}: after the ok reply the connection carries the
//            instance's sound output, one block after another (TapBlock).
// Replies:   {"ok":true, ...fields of the op} (screenshot: the image as data)
//            or {"ok":false,"code":"<ErrorCodeName>","message":"..."}.
//
// Threads: the functions are reentrant; a connection is used by one thread.
#pragma once

#include <nlohmann/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::devhost {

inline constexpr uint32_t kMaxHeader = 64 * 1024;
inline constexpr uint32_t kMaxData = 64 * 1024 * 1024;

struct Message {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  UniqueFd fd;  // received or to send; at most one
};

// One block of an audio tap: the block's timestamp (Unix epoch us) and
// kBlockFrames (audio/host_format.h) stereo frames of float samples, all
// little-endian:  i64 timestamp_us | f32 L | f32 R | f32 L | ...
inline constexpr size_t kTapFrames = 240;
inline constexpr size_t kTapBlockBytes = 8 + kTapFrames * 2 * 4;
std::string EncodeTapBlock(const float* samples, int64_t timestamp_us);
// `bytes` holds kTapBlockBytes; `samples` gets 2 * kTapFrames floats.
int64_t DecodeTapBlock(const char* bytes, float* samples);

// The 8-byte prefix and header of a message (the data follows as is).
std::string EncodePrefix(const Message& m);
// Parses the 8-byte prefix: (header_len, data_len), or kInvalidArgument.
Result<std::pair<uint32_t, uint32_t>> DecodePrefix(std::string_view prefix);
// Parses a header: a JSON object, or kInvalidArgument.
Result<nlohmann::json> DecodeHeader(std::string_view header);

// Writes a whole message (blocking socket; EINTR and short writes handled).
Result<void> SendMessage(int sock, const Message& m);
// Reads a whole message, waiting at most `timeout` for all of it.
Result<Message> ReceiveMessage(int sock, std::chrono::milliseconds timeout);

// A reply from a Result: {"ok":true} merged with `fields`, or the error.
Message OkReply(nlohmann::json fields = nlohmann::json::object(), std::string data = "");
Message ErrorReply(const Error& e);
// The error a reply carries (its code by name), or Ok().
Result<void> ReplyStatus(const nlohmann::json& header);

}  // namespace vmi::devhost
