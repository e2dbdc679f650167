#include "guest/audio/ring.h"

#include <atomic>
#include <cstring>

namespace vmi::audio {
namespace {

void Put(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = (v >> (8 * i)) & 0xff;
}
uint64_t Get(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// The counters are 8-byte aligned little-endian u64 (x86-64 and arm64 are
// both little-endian; a big-endian port would need a byte swap here).
uint64_t* Counter(uint8_t* base, size_t off) { return reinterpret_cast<uint64_t*>(base + off); }

}  // namespace

void WriteRingHeader(uint8_t* base, const RingLayout& l) {
  std::memset(base, 0, kRingHeaderBytes);
  Put(base + 0, kRingMagic, 4);
  Put(base + 4, kRingVersion, 2);
  Put(base + 6, kRingHeaderBytes, 2);
  base[8] = static_cast<uint8_t>(l.direction);
  base[9] = static_cast<uint8_t>(l.format);
  base[10] = l.channels;
  Put(base + 12, l.rate, 4);
  Put(base + 16, l.frame_bytes(), 4);
  Put(base + 20, l.capacity_frames, 4);
}

Result<RingLayout> ReadRingHeader(std::span<const uint8_t> f) {
  auto bad = [](const char* what) { return Error(ErrorCode::kInvalidArgument, what); };
  if (f.size() < kRingHeaderBytes) return bad("ring file shorter than its header");
  const uint8_t* b = f.data();
  if (Get(b, 4) != kRingMagic) return bad("ring magic mismatch");
  if (Get(b + 4, 2) != kRingVersion) return bad("unsupported ring version");
  if (Get(b + 6, 2) != kRingHeaderBytes) return bad("unexpected ring header size");
  if (b[8] > 1) return bad("unknown ring direction");
  if (!IsValidFormat(b[9])) return bad("unknown ring sample format");
  RingLayout l;
  l.direction = static_cast<Direction>(b[8]);
  l.format = static_cast<SampleFormat>(b[9]);
  l.channels = b[10];
  l.rate = static_cast<uint32_t>(Get(b + 12, 4));
  l.capacity_frames = static_cast<uint32_t>(Get(b + 20, 4));
  if (l.channels < 1 || l.channels > kMaxChannels) return bad("ring channels out of range");
  if (Get(b + 16, 4) != l.frame_bytes()) return bad("ring frame size mismatch");
  if (l.capacity_frames == 0) return bad("ring capacity is zero");
  if (l.file_bytes() > f.size()) return bad("ring file shorter than its data area");
  return l;
}

uint64_t RingView::write_frames() const {
  return std::atomic_ref<uint64_t>(*Counter(base_, kRingWriteOffset))
      .load(std::memory_order_acquire);
}
uint64_t RingView::read_frames() const {
  return std::atomic_ref<uint64_t>(*Counter(base_, kRingReadOffset))
      .load(std::memory_order_acquire);
}
void RingView::set_write_frames(uint64_t v) {
  std::atomic_ref<uint64_t>(*Counter(base_, kRingWriteOffset)).store(v, std::memory_order_release);
}
void RingView::set_read_frames(uint64_t v) {
  std::atomic_ref<uint64_t>(*Counter(base_, kRingReadOffset)).store(v, std::memory_order_release);
}

void RingView::CopyIn(uint64_t pos, const uint8_t* src, size_t frames) {
  const size_t fb = layout_.frame_bytes();
  const size_t cap = layout_.capacity_frames;
  while (frames > 0) {
    size_t at = pos % cap;
    size_t n = std::min(frames, cap - at);
    std::memcpy(data() + at * fb, src, n * fb);
    src += n * fb;
    pos += n;
    frames -= n;
  }
}

void RingView::CopyOut(uint64_t pos, uint8_t* dst, size_t frames) const {
  const size_t fb = layout_.frame_bytes();
  const size_t cap = layout_.capacity_frames;
  while (frames > 0) {
    size_t at = pos % cap;
    size_t n = std::min(frames, cap - at);
    std::memcpy(dst, data() + at * fb, n * fb);
    dst += n * fb;
    pos += n;
    frames -= n;
  }
}

void RingView::Zero(uint64_t pos, size_t frames) {
  const size_t fb = layout_.frame_bytes();
  const size_t cap = layout_.capacity_frames;
  while (frames > 0) {
    size_t at = pos % cap;
    size_t n = std::min(frames, cap - at);
    std::memset(data() + at * fb, 0, n * fb);
    pos += n;
    frames -= n;
  }
}

}  // namespace vmi::audio
