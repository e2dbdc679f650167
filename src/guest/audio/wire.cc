#include "guest/audio/wire.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace vmi::audio {
namespace {

// Sizes of whole datagrams, header included.
constexpr size_t kHelloBytes = 48;
constexpr size_t kFormatBytes = 24;
constexpr size_t kPauseBytes = 12;
constexpr size_t kReplyBytes = 84;

void Put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  b[off] = v & 0xff;
  b[off + 1] = v >> 8;
}
void Put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = (v >> (8 * i)) & 0xff;
}
uint32_t Get32(std::span<const uint8_t> b, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{b[off + i]} << (8 * i);
  return v;
}

std::vector<uint8_t> Header(size_t total, MsgType type, uint32_t seq) {
  std::vector<uint8_t> b(total, 0);
  b[0] = static_cast<uint8_t>(type);
  b[1] = kWireVersion;
  Put16(b, 2, 0);
  Put32(b, 4, seq);
  return b;
}

Error Bad(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

bool AllZero(std::span<const uint8_t> b) {
  for (uint8_t c : b)
    if (c != 0) return false;
  return true;
}

// A NUL-padded text field: printable ASCII up to the first NUL, zeros after.
Result<std::string> ParseText(std::span<const uint8_t> field, bool file_name) {
  size_t n = 0;
  while (n < field.size() && field[n] != 0) ++n;
  if (!AllZero(field.subspan(n))) return Bad("bytes after the terminating NUL");
  std::string s(reinterpret_cast<const char*>(field.data()), n);
  for (char c : s) {
    bool ok = file_name ? (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                           c == '-')
                        : (c >= 0x20 && c <= 0x7e);
    if (!ok) return Bad("invalid character in text field");
  }
  if (file_name && !s.empty() && s[0] == '.') return Bad("ring name starts with '.'");
  return s;
}

void PutText(std::vector<uint8_t>& b, size_t off, size_t len, const std::string& s) {
  std::memcpy(b.data() + off, s.data(), std::min(len, s.size()));
}

}  // namespace

size_t SampleBytes(SampleFormat f) {
  switch (f) {
    case SampleFormat::kU8:
      return 1;
    case SampleFormat::kS16LE:
      return 2;
    case SampleFormat::kS24LE:
      return 4;
    case SampleFormat::kS32LE:
      return 4;
    case SampleFormat::kFloatLE:
      return 4;
  }
  return 0;
}

bool IsValidFormat(uint8_t f) { return f >= 1 && f <= 5; }

const char* FormatName(SampleFormat f) {
  switch (f) {
    case SampleFormat::kU8:
      return "U8";
    case SampleFormat::kS16LE:
      return "S16_LE";
    case SampleFormat::kS24LE:
      return "S24_LE";
    case SampleFormat::kS32LE:
      return "S32_LE";
    case SampleFormat::kFloatLE:
      return "FLOAT_LE";
  }
  return "?";
}

Result<void> ValidateFormat(const Format& f) {
  if (!IsValidFormat(static_cast<uint8_t>(f.format))) return Bad("unknown sample format");
  if (f.channels < 1 || f.channels > kMaxChannels) return Bad("channels out of range");
  if (f.rate < kMinRate || f.rate > kMaxRate) return Bad("rate out of range");
  if (f.buffer_frames < kMinBufferFrames ||
      size_t{f.buffer_frames} * f.channels * SampleBytes(f.format) > kMaxRingDataBytes)
    return Bad("buffer size out of range");
  if (f.period_frames == 0 || f.period_frames > f.buffer_frames)
    return Bad("period size out of range");
  return Ok();
}

std::vector<uint8_t> EncodeHello(uint32_t seq, const Hello& h) {
  auto b = Header(kHelloBytes, MsgType::kHello, seq);
  b[8] = static_cast<uint8_t>(h.direction);
  Put32(b, 12, h.pid);
  PutText(b, 16, kNameBytes, h.name);
  return b;
}

std::vector<uint8_t> EncodeFormat(uint32_t seq, const Format& f) {
  auto b = Header(kFormatBytes, MsgType::kFormat, seq);
  b[8] = static_cast<uint8_t>(f.format);
  b[9] = f.channels;
  Put32(b, 12, f.rate);
  Put32(b, 16, f.buffer_frames);
  Put32(b, 20, f.period_frames);
  return b;
}

std::vector<uint8_t> EncodeSimple(uint32_t seq, MsgType type) {
  return Header(kHeaderBytes, type, seq);
}

std::vector<uint8_t> EncodePause(uint32_t seq, bool pause) {
  auto b = Header(kPauseBytes, MsgType::kPause, seq);
  b[8] = pause ? 1 : 0;
  return b;
}

std::vector<uint8_t> EncodeReply(uint32_t seq, const Reply& r) {
  auto b = Header(kReplyBytes, MsgType::kReply, seq);
  b[8] = static_cast<uint8_t>(r.request);
  Put32(b, 12, static_cast<uint32_t>(r.status));
  Put32(b, 16, r.ring_bytes);
  PutText(b, 20, kRingNameBytes, r.ring_name);
  return b;
}

Result<Message> ParseMessage(std::span<const uint8_t> b) {
  if (b.size() < kHeaderBytes) return Bad("message shorter than its header");
  if (b[1] != kWireVersion) return Bad("unsupported wire version " + std::to_string(b[1]));
  if (b[2] != 0 || b[3] != 0) return Bad("reserved header bytes are not zero");
  Message m;
  m.type = static_cast<MsgType>(b[0]);
  m.seq = Get32(b, 4);
  auto expect = [&](size_t n) -> Result<void> {
    if (b.size() != n)
      return Bad("message type " + std::to_string(b[0]) + " has " + std::to_string(b.size()) +
                 " bytes, want " + std::to_string(n));
    return Ok();
  };
  switch (m.type) {
    case MsgType::kHello: {
      VMI_CHECK_OK(expect(kHelloBytes), "HELLO");
      if (b[8] > 1) return Bad("HELLO: unknown direction");
      if (!AllZero(b.subspan(9, 3))) return Bad("HELLO: reserved bytes are not zero");
      m.hello.direction = static_cast<Direction>(b[8]);
      m.hello.pid = Get32(b, 12);
      m.hello.name = VMI_TRY_CTX(ParseText(b.subspan(16, kNameBytes), false), "HELLO name");
      return m;
    }
    case MsgType::kFormat: {
      VMI_CHECK_OK(expect(kFormatBytes), "FORMAT");
      if (!IsValidFormat(b[8])) return Bad("FORMAT: unknown sample format");
      if (!AllZero(b.subspan(10, 2))) return Bad("FORMAT: reserved bytes are not zero");
      m.format.format = static_cast<SampleFormat>(b[8]);
      m.format.channels = b[9];
      m.format.rate = Get32(b, 12);
      m.format.buffer_frames = Get32(b, 16);
      m.format.period_frames = Get32(b, 20);
      return m;
    }
    case MsgType::kPause:
      VMI_CHECK_OK(expect(kPauseBytes), "PAUSE");
      if (b[8] > 1) return Bad("PAUSE: flag is neither 0 nor 1");
      if (!AllZero(b.subspan(9, 3))) return Bad("PAUSE: reserved bytes are not zero");
      m.pause = b[8] == 1;
      return m;
    case MsgType::kPrepare:
    case MsgType::kStart:
    case MsgType::kStop:
    case MsgType::kDrain:
    case MsgType::kClose:
      VMI_CHECK_OK(expect(kHeaderBytes), "request");
      return m;
    case MsgType::kReply: {
      VMI_CHECK_OK(expect(kReplyBytes), "REPLY");
      if (!AllZero(b.subspan(9, 3))) return Bad("REPLY: reserved bytes are not zero");
      m.reply.request = static_cast<MsgType>(b[8]);
      m.reply.status = static_cast<int32_t>(Get32(b, 12));
      m.reply.ring_bytes = Get32(b, 16);
      m.reply.ring_name =
          VMI_TRY_CTX(ParseText(b.subspan(20, kRingNameBytes), true), "REPLY ring name");
      return m;
    }
  }
  return Bad("unknown message type " + std::to_string(b[0]));
}

}  // namespace vmi::audio
