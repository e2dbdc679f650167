// SurfaceServer: the host end of the guest surface protocol for one
// instance, and a display::FrameSource for the streaming pipeline.
//
// It listens on `<devdir>/surface.sock` (SOCK_SEQPACKET) and serves one guest
// at a time; a second guest gets Error(kBusy) and is closed. A guest that
// breaks the protocol gets Error(<code>, <reason>) and is closed; the
// server then serves the next guest. When a guest goes away its last picture
// stays on screen.
//
// Threads:
//   - one loop thread ("vmi-surface") owns the sockets and runs a
//     vmi::EventLoop: accept, read and validate guest messages, send host
//     messages, the idle frame-done timer;
//   - Capture()/wait_fd() are for one consumer thread (the pipeline's capture
//     thread), as FrameSource says;
//   - SetDisplaySize(), SendToGuest(), display(), stats() are thread-safe.
// The frame state is shared between the loop and the consumer under one
// mutex; whatever a capture owes the guest (FrameDone, Release) is posted to
// the loop, which alone writes to the socket.
//
// Ownership: the server owns its thread, sockets and the socket file (it
// unlinks it on destruction). Destroy it only after its consumer stopped
// using the FrameViews it returned.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/event_loop.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "devices/display/frame_source.h"
#include "devices/surface/frame_state.h"
#include "devices/surface/guest_session.h"
#include "devices/surface/protocol.h"

namespace vmi::surface {

struct SurfaceServerOptions {
  std::string socket_path;  // usually <devdir>/surface.sock
  std::string instance;     // tag for log lines
  int width = 720;
  int height = 1280;
  int dpi = 320;
  uint32_t refresh_mhz = 60000;
  SurfaceLimits limits;
  // A present that no consumer captured within this time is done anyway (no
  // flag), so a guest nobody watches keeps running at a slow pace.
  std::chrono::milliseconds idle_frame_done{100};
  // Host messages queued for a guest that does not read; beyond this the
  // guest is disconnected (kSlowReader).
  size_t max_queued_messages = 4096;
};

struct SurfaceStats {
  uint64_t connections = 0;  // guests accepted (including rejected ones)
  uint64_t disconnects = 0;  // guest connections closed, for any reason
  uint64_t presents = 0;
  uint64_t generation = 0;   // of the guest that completed the handshake; 0: none
  bool guest_ready = false;  // a guest is connected and said hello
  std::string last_error;    // why the last guest was disconnected, if it broke a rule
};

class SurfaceServer final : public display::FrameSource {
 public:
  static Result<std::unique_ptr<SurfaceServer>> Start(SurfaceServerOptions options);
  ~SurfaceServer() override;
  SurfaceServer(const SurfaceServer&) = delete;
  SurfaceServer& operator=(const SurfaceServer&) = delete;

  // FrameSource: the latest presented buffer (black before the first).
  Result<display::FrameView> Capture() override;
  // Readable when a guest presented since the last Capture(), or the display
  // size changed.
  int wait_fd() const override { return frame_event_.get(); }

  // Rotation or a new resolution: the guest receives a DisplayInfo and
  // should present buffers of the new size. rotation is 0, 90, 180 or 270.
  Result<void> SetDisplaySize(int width, int height, int rotation);
  DisplayInfo display() const;
  SurfaceStats stats() const;
  const std::string& socket_path() const { return options_.socket_path; }

  // Sends an encoded host message (input) to the connected guest. Unavailable
  // when no guest completed the handshake.
  Result<void> SendToGuest(std::vector<uint8_t> message);

 private:
  struct Client;
  explicit SurfaceServer(SurfaceServerOptions options);

  void OnAccept();
  void OnClientEvent(uint32_t events);
  // Reads and handles one datagram; false if the client was closed.
  bool ReadOne();
  void HandleDatagram(std::span<const uint8_t> data, std::vector<UniqueFd> fds);
  void Send(std::vector<uint8_t> message);
  void Flush();
  void Disconnect(const std::string& why, std::optional<ErrorMsg> tell_guest);
  void Deliver(const std::vector<Notice>& notices);
  void ArmIdleTimer(uint64_t generation, uint32_t serial);
  void SignalFrame();

  SurfaceServerOptions options_;
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
  UniqueFd listen_fd_;
  UniqueFd frame_event_;  // eventfd behind wait_fd()

  // Loop thread only.
  std::unique_ptr<Client> client_;
  uint64_t next_generation_ = 0;
  uint64_t next_buffer_key_ = 0;

  mutable std::mutex mu_;  // guards everything below
  FrameState frames_;
  DisplayInfo display_;
  SurfaceStats stats_;
};

}  // namespace vmi::surface
