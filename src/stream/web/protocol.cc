#include "stream/web/protocol.h"

#include <algorithm>

#include "base/utf8.h"

namespace vmi::web {
namespace {

void Put8(std::string& s, uint8_t v) { s.push_back(static_cast<char>(v)); }
void Put16(std::string& s, uint16_t v) {
  Put8(s, v & 0xff);
  Put8(s, v >> 8);
}
void Put32(std::string& s, uint32_t v) {
  Put16(s, v & 0xffff);
  Put16(s, v >> 16);
}
void Put64(std::string& s, uint64_t v) {
  Put32(s, static_cast<uint32_t>(v));
  Put32(s, static_cast<uint32_t>(v >> 32));
}
uint16_t Get16(std::span<const uint8_t> d, size_t at) { return d[at] | (d[at + 1] << 8); }
uint32_t Get32(std::span<const uint8_t> d, size_t at) {
  return Get16(d, at) | (static_cast<uint32_t>(Get16(d, at + 2)) << 16);
}
uint16_t Clamp16(int v) { return v < 0 ? 0 : v > 0xffff ? 0xffff : static_cast<uint16_t>(v); }

Error Bad(std::string why) { return Error(ErrorCode::kInvalidArgument, std::move(why)); }

Result<void> ExpectSize(std::span<const uint8_t> d, size_t n, const char* what) {
  if (d.size() != n)
    return Bad(std::string(what) + ": expected " + std::to_string(n) + " bytes, got " +
               std::to_string(d.size()));
  return Ok();
}

}  // namespace

std::string EncodeConfig(WireCodec codec, int width, int height, std::string_view cs) {
  std::string s;
  Put8(s, kConfig);
  Put8(s, static_cast<uint8_t>(codec));
  Put16(s, Clamp16(width));
  Put16(s, Clamp16(height));
  cs = cs.substr(0, 255);
  Put8(s, static_cast<uint8_t>(cs.size()));
  Put8(s, 0);
  s.append(cs);
  return s;
}

std::string EncodeVideoHeader(bool keyframe, uint64_t ts) {
  std::string s;
  Put8(s, kVideo);
  Put8(s, keyframe ? 1 : 0);
  Put16(s, 0);
  Put64(s, ts);
  return s;
}

std::string EncodeRegionsHeader(int count, uint64_t ts) {
  std::string s;
  Put8(s, kRegions);
  Put8(s, static_cast<uint8_t>(std::clamp(count, 0, 255)));
  Put16(s, 0);
  Put64(s, ts);
  return s;
}

std::string EncodeRegionPartHeader(const RegionHeader& p) {
  std::string s;
  Put16(s, p.id);
  Put16(s, Clamp16(p.x));
  Put16(s, Clamp16(p.y));
  Put16(s, Clamp16(p.w));
  Put16(s, Clamp16(p.h));
  Put8(s, p.keyframe ? 1 : 0);
  Put8(s, 0);
  Put32(s, p.size);
  return s;
}

std::string EncodeJpegHeader(bool full, int x, int y, int w, int h, uint64_t ts) {
  std::string s;
  Put8(s, kJpeg);
  Put8(s, full ? 1 : 0);
  Put16(s, Clamp16(x));
  Put16(s, Clamp16(y));
  Put16(s, Clamp16(w));
  Put16(s, Clamp16(h));
  Put16(s, 0);
  Put64(s, ts);
  return s;
}

std::string EncodeControlState(ControlStateKind state, int viewers, uint32_t you,
                               uint32_t controller) {
  std::string s;
  Put8(s, kControlState);
  Put8(s, static_cast<uint8_t>(state));
  Put16(s, Clamp16(viewers));
  Put32(s, you);
  Put32(s, controller);
  return s;
}

std::string EncodeError(uint16_t code, std::string_view reason) {
  std::string s;
  Put8(s, kError);
  Put8(s, 0);
  Put16(s, code);
  s.append(reason.substr(0, 1024));
  return s;
}

bool IsValidKeysym(uint32_t k) {
  return (k >= 0x20 && k <= 0xffff) || (k >= 0x01000100 && k <= 0x0110ffff) ||
         (k >= 0x10000000 && k <= 0x1fffffff);
}

bool IsValidUtf8(std::string_view s) {
  // Text input is for a guest's text fields: no NUL, else strict UTF-8.
  return s.find('\0') == std::string_view::npos && vmi::IsValidUtf8(s);
}

Result<ClientMessage> ParseClientMessage(std::span<const uint8_t> d) {
  if (d.empty()) return Bad("empty message");
  uint8_t type = d[0];
  if (type >= kAudioFirst && type <= kAudioLast) {
    if (d.size() > kMaxAudioMessage) return Bad("audio message too large");
    return ClientMessage(AudioMsg{d});
  }
  if (d.size() > kMaxClientMessage) return Bad("message too large");
  switch (type) {
    case kHello: {
      VMI_CHECK_OK(ExpectSize(d, 4, "hello"), "bad hello");
      if (d[1] != kProtocolVersion)
        return Bad("unsupported protocol version " + std::to_string(d[1]));
      if (d[2] == 0 ||
          (d[2] & ~(kCodecMaskH264 | kCodecMaskJpeg | kCodecMaskPreview | kCodecMaskRegions)))
        return Bad("hello: bad codec mask");
      if ((d[2] & kCodecMaskPreview) && !(d[2] & kCodecMaskH264))
        return Bad("hello: preview needs H.264");
      if ((d[2] & kCodecMaskRegions) && !(d[2] & kCodecMaskH264))
        return Bad("hello: regions need H.264");
      if (d[3] != 0) return Bad("hello: reserved byte not zero");
      return ClientMessage(HelloMsg{d[1], d[2]});
    }
    case kPointer: {
      VMI_CHECK_OK(ExpectSize(d, 6, "pointer"), "bad pointer");
      if (d[1] & ~0x1f) return Bad("pointer: unknown button bits");
      return ClientMessage(PointerMsg{d[1], Get16(d, 2), Get16(d, 4)});
    }
    case kKey: {
      VMI_CHECK_OK(ExpectSize(d, 8, "key"), "bad key");
      if (d[1] > 1) return Bad("key: down must be 0 or 1");
      if (d[2] != 0 || d[3] != 0) return Bad("key: reserved bytes not zero");
      uint32_t sym = Get32(d, 4);
      if (!IsValidKeysym(sym)) return Bad("key: unknown keysym " + std::to_string(sym));
      return ClientMessage(KeyMsg{d[1] == 1, sym});
    }
    case kText: {
      if (d.size() < 4) return Bad("text: truncated header");
      if (d[1] != 0) return Bad("text: reserved byte not zero");
      size_t n = Get16(d, 2);
      if (n == 0 || n > kMaxTextBytes) return Bad("text: length out of range");
      VMI_CHECK_OK(ExpectSize(d, 4 + n, "text"), "bad text");
      std::string s(reinterpret_cast<const char*>(d.data()) + 4, n);
      if (!IsValidUtf8(s)) return Bad("text: invalid UTF-8");
      return ClientMessage(TextMsg{std::move(s)});
    }
    case kTouch: {
      VMI_CHECK_OK(ExpectSize(d, 8, "touch"), "bad touch");
      if (d[1] > 3) return Bad("touch: unknown action");
      if (d[2] >= kMaxFingers) return Bad("touch: finger id out of range");
      if (d[3] != 0) return Bad("touch: reserved byte not zero");
      return ClientMessage(TouchMsg{d[1], d[2], Get16(d, 4), Get16(d, 6)});
    }
    case kCommand: {
      VMI_CHECK_OK(ExpectSize(d, 2, "command"), "bad command");
      if (d[1] < 1 || d[1] > 3) return Bad("command: unknown command");
      return ClientMessage(CommandMsg{static_cast<Command>(d[1])});
    }
    case kControl: {
      VMI_CHECK_OK(ExpectSize(d, 2, "control"), "bad control");
      if (d[1] < 1 || d[1] > 2) return Bad("control: unknown operation");
      return ClientMessage(ControlMsg{static_cast<ControlOp>(d[1])});
    }
    case kKeyframeRequest: {
      VMI_CHECK_OK(ExpectSize(d, 1, "keyframe request"), "bad keyframe request");
      return ClientMessage(KeyframeRequestMsg{});
    }
    case kFrameAck: {
      VMI_CHECK_OK(ExpectSize(d, 12, "frame ack"), "bad frame ack");
      if (d[1] != 0 || d[2] != 0 || d[3] != 0) return Bad("frame ack: reserved bytes not zero");
      uint64_t ts = static_cast<uint64_t>(Get32(d, 4)) | static_cast<uint64_t>(Get32(d, 8)) << 32;
      return ClientMessage(FrameAckMsg{ts});
    }
    case kPreview: {
      VMI_CHECK_OK(ExpectSize(d, 2, "preview"), "bad preview");
      if (d[1] > 1) return Bad("preview: must be 0 or 1");
      return ClientMessage(PreviewMsg{d[1] == 1});
    }
    default:
      return Bad("unknown message type " + std::to_string(type));
  }
}

}  // namespace vmi::web
