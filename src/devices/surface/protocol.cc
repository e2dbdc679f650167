#include "devices/surface/protocol.h"

#include <cstring>

namespace vmi::surface {
namespace {

class Writer {
 public:
  explicit Writer(MsgType type) {
    U16(static_cast<uint16_t>(type));
    U16(0);
    U32(0);  // payload length, patched by Finish()
  }
  Writer& U16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v));
    out_.push_back(static_cast<uint8_t>(v >> 8));
    return *this;
  }
  Writer& U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Writer& I32(int32_t v) { return U32(static_cast<uint32_t>(v)); }
  Writer& U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Writer& Bytes(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
    return *this;
  }
  std::vector<uint8_t> Finish() {
    uint32_t len = static_cast<uint32_t>(out_.size() - kHeaderSize);
    for (int i = 0; i < 4; ++i) out_[4 + i] = static_cast<uint8_t>(len >> (8 * i));
    return std::move(out_);
  }

 private:
  std::vector<uint8_t> out_;
};

uint32_t LoadU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t LoadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

Error Bad(std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); }

std::string TypeName(uint16_t t) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%04x", t);
  return buf;
}

Result<void> CheckSize(const char* name, size_t got, size_t want) {
  if (got != want)
    return Bad(std::string(name) + ": payload is " + std::to_string(got) + " bytes, expected " +
               std::to_string(want));
  return Ok();
}

Result<GuestMessage> ParseAddBuffer(const uint8_t* p, size_t n, size_t fd_count) {
  VMI_CHECK_OK(CheckSize("add_buffer", n, 20), "parse");
  if (fd_count != 1)
    return Bad("add_buffer: needs exactly one fd, got " + std::to_string(fd_count));
  AddBuffer m{LoadU32(p), LoadU32(p + 4), LoadU32(p + 8), LoadU32(p + 12), LoadU32(p + 16)};
  if (m.width == 0 || m.height == 0 || m.width > kMaxDimension || m.height > kMaxDimension)
    return Bad("add_buffer: size " + std::to_string(m.width) + "x" + std::to_string(m.height) +
               " outside 1.." + std::to_string(kMaxDimension));
  if (m.format != kFormatXrgb8888)
    return Bad("add_buffer: unknown format " + std::to_string(m.format));
  if (m.stride % 4 != 0 || m.stride < uint64_t{m.width} * 4 || m.stride > 4 * kMaxDimension + 4096)
    return Bad("add_buffer: stride " + std::to_string(m.stride) + " invalid for width " +
               std::to_string(m.width));
  return GuestMessage(m);
}

Result<GuestMessage> ParsePresent(const uint8_t* p, size_t n) {
  if (n < 12) return Bad("present: payload is " + std::to_string(n) + " bytes, expected >= 12");
  Present m;
  m.buffer_id = LoadU32(p);
  m.serial = LoadU32(p + 4);
  uint32_t count = LoadU32(p + 8);
  if (count > kMaxDamageRects)
    return Bad("present: " + std::to_string(count) + " damage rectangles, at most " +
               std::to_string(kMaxDamageRects));
  VMI_CHECK_OK(CheckSize("present", n, 12 + size_t{count} * 16), "parse");
  m.damage.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* r = p + 12 + 16 * i;
    uint64_t x = LoadU32(r), y = LoadU32(r + 4), w = LoadU32(r + 8), h = LoadU32(r + 12);
    if (w == 0 || h == 0 || x + w > kMaxDimension || y + h > kMaxDimension)
      return Bad("present: damage rectangle " + std::to_string(i) + " (" + std::to_string(x) + "," +
                 std::to_string(y) + " " + std::to_string(w) + "x" + std::to_string(h) +
                 ") is empty or out of range");
    m.damage.push_back(
        {static_cast<int>(x), static_cast<int>(y), static_cast<int>(w), static_cast<int>(h)});
  }
  return GuestMessage(std::move(m));
}

}  // namespace

Result<GuestMessage> ParseGuestMessage(std::span<const uint8_t> d, size_t fd_count) {
  if (d.size() < kHeaderSize)
    return Bad("message of " + std::to_string(d.size()) + " bytes is shorter than its header");
  if (d.size() > kMaxMessageSize)
    return Bad("message of " + std::to_string(d.size()) + " bytes exceeds " +
               std::to_string(kMaxMessageSize));
  uint16_t type = LoadU16(d.data());
  uint16_t flags = LoadU16(d.data() + 2);
  uint32_t len = LoadU32(d.data() + 4);
  if (flags != 0) return Bad("message " + TypeName(type) + ": reserved header bits set");
  if (len != d.size() - kHeaderSize)
    return Bad("message " + TypeName(type) + ": header says " + std::to_string(len) +
               " payload bytes, datagram has " + std::to_string(d.size() - kHeaderSize));
  const uint8_t* p = d.data() + kHeaderSize;
  if (type != static_cast<uint16_t>(MsgType::kAddBuffer) && fd_count != 0)
    return Bad("message " + TypeName(type) + ": carries " + std::to_string(fd_count) +
               " unexpected fds");
  switch (static_cast<MsgType>(type)) {
    case MsgType::kHello: {
      VMI_CHECK_OK(CheckSize("hello", len, 8), "parse");
      if (memcmp(p, kMagic, 4) != 0) return Bad("hello: bad magic (not a vmi surface client)");
      return GuestMessage(Hello{LoadU32(p + 4)});
    }
    case MsgType::kAddBuffer:
      return ParseAddBuffer(p, len, fd_count);
    case MsgType::kRemoveBuffer:
      VMI_CHECK_OK(CheckSize("remove_buffer", len, 4), "parse");
      return GuestMessage(RemoveBuffer{LoadU32(p)});
    case MsgType::kPresent:
      return ParsePresent(p, len);
    default:
      return Bad("unknown message type " + TypeName(type));
  }
}

std::vector<uint8_t> EncodeHello(const Hello& m, const char magic[4]) {
  return Writer(MsgType::kHello).Bytes(magic, 4).U32(m.version).Finish();
}
std::vector<uint8_t> EncodeAddBuffer(const AddBuffer& m) {
  return Writer(MsgType::kAddBuffer)
      .U32(m.id)
      .U32(m.width)
      .U32(m.height)
      .U32(m.stride)
      .U32(m.format)
      .Finish();
}
std::vector<uint8_t> EncodeRemoveBuffer(const RemoveBuffer& m) {
  return Writer(MsgType::kRemoveBuffer).U32(m.id).Finish();
}
std::vector<uint8_t> EncodePresent(const Present& m) {
  Writer w(MsgType::kPresent);
  w.U32(m.buffer_id).U32(m.serial).U32(static_cast<uint32_t>(m.damage.size()));
  for (const auto& r : m.damage) w.I32(r.x).I32(r.y).I32(r.w).I32(r.h);
  return w.Finish();
}

std::vector<uint8_t> Encode(const Welcome& m) {
  return Writer(MsgType::kWelcome)
      .U32(m.version)
      .U32(m.max_buffers)
      .U32(m.max_damage_rects)
      .U32(0)
      .U64(m.max_buffer_bytes)
      .Finish();
}
std::vector<uint8_t> Encode(const DisplayInfo& m) {
  return Writer(MsgType::kDisplayInfo)
      .U32(m.width)
      .U32(m.height)
      .U32(m.format)
      .U32(m.refresh_mhz)
      .U32(m.dpi)
      .U32(m.rotation)
      .U32(m.serial)
      .Finish();
}
std::vector<uint8_t> Encode(const FrameDone& m) {
  return Writer(MsgType::kFrameDone).U32(m.serial).U32(m.flags).U64(m.time_us).Finish();
}
std::vector<uint8_t> Encode(const Release& m) {
  return Writer(MsgType::kRelease).U32(m.buffer_id).Finish();
}
std::vector<uint8_t> Encode(const ErrorMsg& m) {
  size_t n = std::min(m.text.size(), kMaxErrorText);
  return Writer(MsgType::kError)
      .U32(static_cast<uint32_t>(m.code))
      .Bytes(m.text.data(), n)
      .Finish();
}
std::vector<uint8_t> Encode(const PointerMsg& m) {
  return Writer(MsgType::kPointer).I32(m.x).I32(m.y).U32(m.buttons).U32(0).U64(m.time_us).Finish();
}
std::vector<uint8_t> Encode(const KeyMsg& m) {
  return Writer(MsgType::kKey).U32(m.keysym).U32(m.down).U64(m.time_us).Finish();
}
std::vector<uint8_t> Encode(const TouchMsg& m) {
  return Writer(MsgType::kTouch).U32(m.id).U32(m.action).I32(m.x).I32(m.y).U64(m.time_us).Finish();
}
std::vector<uint8_t> Encode(const TextMsg& m) {
  size_t n = std::min(m.utf8.size(), kMaxTextBytes);
  return Writer(MsgType::kText).U64(m.time_us).Bytes(m.utf8.data(), n).Finish();
}

Result<MsgType> PeekType(std::span<const uint8_t> d) {
  if (d.size() < kHeaderSize || LoadU32(d.data() + 4) != d.size() - kHeaderSize)
    return Bad("malformed header");
  return static_cast<MsgType>(LoadU16(d.data()));
}


}  // namespace vmi::surface
