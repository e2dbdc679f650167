// The PCM ring: one shared-memory file per stream.
//
// The host creates it when a guest sends FORMAT, as a memfd named
// audio-<n>.ring sealed against shrinking and growing (a guest that could
// truncate a file the host maps could kill the host with SIGBUS), and passes
// the fd with the REPLY; both sides map it MAP_SHARED. Frames flow from the
// producer (guest for playback, host for capture) to the consumer through
// two monotonically increasing 64-bit frame counters, each on its own cache
// line and each written by one side only:
//
//   fill = write_frames - read_frames          (0 <= fill <= capacity_frames)
//   frame n lives at data + (n % capacity_frames) * frame_bytes
//
// The layout is drawn in docs/audio.md and pinned by ring_test.cc. The host
// never trusts the header in shared memory after writing it: it keeps its own
// copy of the layout and only reads the guest's counter, clamping it.
//
// Threads: a RingView is used by one thread on each side; counters are
// accessed with acquire/release atomics, data bytes are plain memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "guest/audio/wire.h"

namespace vmi::audio {

inline constexpr uint32_t kRingMagic = 0x52494d56;  // "VMIR" in file byte order
inline constexpr uint16_t kRingVersion = 1;
inline constexpr size_t kRingHeaderBytes = 256;
inline constexpr size_t kRingWriteOffset = 64;
inline constexpr size_t kRingReadOffset = 128;

struct RingLayout {
  Direction direction = Direction::kPlayback;
  SampleFormat format = SampleFormat::kS16LE;
  uint8_t channels = 2;
  uint32_t rate = 48000;
  uint32_t capacity_frames = 0;

  size_t frame_bytes() const { return SampleBytes(format) * channels; }
  size_t file_bytes() const { return kRingHeaderBytes + size_t{capacity_frames} * frame_bytes(); }
};

// Writes the header (positions zero) into the first kRingHeaderBytes of base.
void WriteRingHeader(uint8_t* base, const RingLayout& layout);
// Reads and validates a header against the file size.
Result<RingLayout> ReadRingHeader(std::span<const uint8_t> file);

// A mapped ring; does not own the mapping.
class RingView {
 public:
  RingView() = default;
  RingView(uint8_t* base, const RingLayout& layout) : base_(base), layout_(layout) {}

  const RingLayout& layout() const { return layout_; }
  bool valid() const { return base_ != nullptr; }

  uint64_t write_frames() const;
  uint64_t read_frames() const;
  void set_write_frames(uint64_t v);
  void set_read_frames(uint64_t v);

  // Copies frames between the ring at absolute frame position `pos` and a
  // linear buffer, wrapping at the end of the data area.
  void CopyIn(uint64_t pos, const uint8_t* src, size_t frames);
  void CopyOut(uint64_t pos, uint8_t* dst, size_t frames) const;
  // Zeroes frames (capture silence without a temporary buffer).
  void Zero(uint64_t pos, size_t frames);

 private:
  uint8_t* data() const { return base_ + kRingHeaderBytes; }
  uint8_t* base_ = nullptr;
  RingLayout layout_;
};

}  // namespace vmi::audio
