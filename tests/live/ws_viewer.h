// WsViewer: a minimal browser-viewer stand-in for tests. A Boost.Beast
// WebSocket client over the daemon's Unix socket that speaks the binary
// viewer protocol of stream/web (see its README for the byte diagrams): it
// sends client messages as given and collects server messages on a reader
// thread, so a test can wait for them with a timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/result.h"

namespace vmi::testing {

// Server -> client messages, parsed.
struct ViewerConfig {
  int codec = -1;
  int width = 0, height = 0;
  std::string codec_string;
};
struct ViewerVideo {
  bool keyframe = false;
  uint64_t timestamp_us = 0;
  std::vector<uint8_t> access_unit;
};
struct ViewerControl {
  int state = -1;  // 0 nobody, 1 you, 2 another viewer
  int viewers = 0;
  uint32_t you = 0, controller = 0;
};

class WsViewer {
 public:
  // Opens ws://unix<socket><target> (e.g. /api/v1/instances/ID/stream).
  static Result<std::unique_ptr<WsViewer>> Connect(const std::string& socket_path,
                                                   const std::string& target);
  ~WsViewer();

  Result<void> Send(const std::string& bytes);
  // Client messages.
  Result<void> Hello(uint8_t codecs = 1) { return Send({0x10, 1, char(codecs), 0}); }
  Result<void> Pointer(int x, int y, uint8_t buttons);
  Result<void> Key(uint32_t keysym, bool down);
  Result<void> Text(const std::string& utf8);
  Result<void> Command(uint8_t cmd) { return Send({0x15, char(cmd)}); }
  Result<void> Control(uint8_t op) { return Send({0x16, char(op)}); }
  Result<void> KeyframeRequest() { return Send({0x17}); }

  // Waits for the next server message matching `pred` (earlier
  // non-matching ones are dropped); nullopt on timeout or close.
  std::optional<std::string> WaitFor(const std::function<bool(const std::string&)>& pred,
                                     std::chrono::milliseconds timeout);
  std::optional<ViewerConfig> WaitConfig(std::chrono::milliseconds timeout);
  std::optional<ViewerVideo> WaitVideo(std::chrono::milliseconds timeout, bool keyframe_only);
  std::optional<ViewerControl> WaitControl(std::chrono::milliseconds timeout);

  // After the server closed: its close code and reason (0 while open).
  bool WaitClosed(std::chrono::milliseconds timeout);
  int close_code() const;
  std::string close_reason() const;

  static std::optional<ViewerConfig> ParseConfig(const std::string& m);
  static std::optional<ViewerVideo> ParseVideo(const std::string& m);
  static std::optional<ViewerControl> ParseControl(const std::string& m);

 private:
  struct Impl;
  explicit WsViewer(std::unique_ptr<Impl> impl);
  void ReadLoop();

  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> messages_;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_reason_;
  std::thread reader_;
};

}  // namespace vmi::testing
