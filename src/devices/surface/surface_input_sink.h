// SurfaceInputSink: delivers input to a surface guest (the InputSink
// contract of devices/input), as Pointer/Key/Touch/Text messages of the
// guest surface protocol. Every finger is delivered with its id (full
// multi-touch), unlike X guests which only see the first finger.
//
// Validation: coordinates must lie on the current display; a finger goes
// down once, moves and lifts only while down, at most kMaxFingers at a time.
// Text must be UTF-8; it is sent in chunks of at most kMaxTextBytes, split
// between characters. When the guest reconnects the finger state is reset.
//
// Threads: one caller at a time (InputSink's rule). Borrows the server,
// which must outlive the sink.
#pragma once

#include <cstdint>
#include <set>

#include "devices/input/input_sink.h"
#include "devices/surface/surface_server.h"

namespace vmi::surface {

class SurfaceInputSink final : public input::InputSink {
 public:
  static constexpr size_t kMaxFingers = 16;
  static constexpr size_t kMaxTextTotal = 64 * 1024;

  explicit SurfaceInputSink(SurfaceServer* server) : server_(server) {}

  Result<void> Pointer(const input::PointerEvent& e) override;
  Result<void> Key(const input::KeyEvent& e) override;
  Result<void> Text(const std::string& utf8) override;
  Result<void> Touch(const input::TouchEvent& e) override;

 private:
  Result<void> CheckPoint(int x, int y) const;
  void SyncGeneration();

  SurfaceServer* server_;
  uint64_t generation_ = 0;
  std::set<uint32_t> fingers_down_;
};

}  // namespace vmi::surface
