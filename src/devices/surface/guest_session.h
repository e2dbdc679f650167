// GuestSession: the state of one guest connection and the checks that depend
// on it: the handshake, the table of buffers (ids, count and byte limits),
// and that presents name a known buffer with damage inside it.
//
// Everything the guest sends is untrusted. A failed Handle() means the
// connection must be closed; WireCodeFor() tells which Error code to send.
//
// Threads: used only on the server's loop thread. Owns its buffer mappings
// (shared with FrameState, see BufferRef).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "devices/surface/frame_state.h"
#include "devices/surface/protocol.h"

namespace vmi::surface {

struct SurfaceLimits {
  uint32_t max_buffers = 8;
  uint64_t max_buffer_bytes = 256ull << 20;  // sum over a connection's buffers
};

// What a handled message asks of the server.
struct SessionAction {
  bool welcome = false;  // the handshake completed: send Welcome + DisplayInfo
  struct PresentAction {
    BufferRef buffer;
    uint32_t serial;
    std::vector<display::Rect> damage;
  };
  std::optional<PresentAction> present;
};

class GuestSession {
 public:
  // `next_key` is the server's counter of buffer keys (unique per server).
  GuestSession(uint64_t generation, SurfaceLimits limits, uint64_t* next_key)
      : generation_(generation), limits_(limits), next_key_(next_key) {}

  // `fds` are the fds that came with the message (already counted by the
  // parser); the session takes what it keeps and the rest close with them.
  Result<SessionAction> Handle(GuestMessage message, std::vector<UniqueFd>* fds);

  bool ready() const { return ready_; }
  uint64_t generation() const { return generation_; }
  size_t buffer_count() const { return buffers_.size(); }
  uint64_t buffer_bytes() const { return bytes_; }
  // True if buffer `id` is still the one with `key` (ids may be reused).
  bool HasBuffer(uint32_t id, uint64_t key) const;

 private:
  Result<SessionAction> OnHello(const Hello& m);
  Result<SessionAction> OnAddBuffer(const AddBuffer& m, std::vector<UniqueFd>* fds);
  Result<SessionAction> OnRemoveBuffer(const RemoveBuffer& m);
  Result<SessionAction> OnPresent(Present m);

  uint64_t generation_;
  SurfaceLimits limits_;
  uint64_t* next_key_;
  bool ready_ = false;
  std::map<uint32_t, BufferRef> buffers_;
  uint64_t bytes_ = 0;
};

// The Error message code for a failure of Handle() or of the parser:
// kUnimplemented -> kVersion, kResourceExhausted -> kLimit, kNotFound and
// kFailedPrecondition -> kBadBuffer, anything else -> kProtocol.
WireError WireCodeFor(const Error& e);

}  // namespace vmi::surface
