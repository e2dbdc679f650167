// Test helpers for the web viewer: a transport that records messages and a
// sink that records input. Test-only (linked into tests and the e2e server).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "devices/input/input_sink.h"
#include "stream/web/viewer_transport.h"

namespace vmi::web {

class RecordingTransport : public ViewerTransport {
 public:
  bool Send(std::string m) override;
  bool SendShared(std::shared_ptr<const std::string> m) override { return Send(*m); }
  size_t queued_bytes() const override { return fake_queued_; }
  void Close(uint16_t code, std::string reason) override;

  std::vector<std::string> messages();
  // Waits (up to 10 s) until a message of `type` arrived; returns it or "".
  std::string WaitFor(uint8_t type, size_t nth = 0);
  void set_queued_bytes(size_t n) { fake_queued_ = n; }
  bool closed();
  uint16_t close_code();
  std::string close_reason();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
  std::atomic<size_t> fake_queued_{0};
  bool closed_ = false;
  uint16_t code_ = 0;
  std::string reason_;
};

// Records every event as a line: "pointer x y buttons", "key sym down",
// "text <utf8>", "touch id action x y". Rejects out-of-screen points like a
// real sink when a size is set.
class RecordingSink : public input::InputSink {
 public:
  Result<void> Pointer(const input::PointerEvent& e) override;
  Result<void> Key(const input::KeyEvent& e) override;
  Result<void> Text(const std::string& utf8) override;
  Result<void> Touch(const input::TouchEvent& e) override;
  std::vector<std::string> events();
  // Called with each line as it is recorded (e.g. to print it).
  std::function<void(const std::string&)> on_event;

 private:
  void Add(std::string line);
  std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace vmi::web
