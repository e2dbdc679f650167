#include "stream/web/testing_sinks.h"

#include <chrono>

namespace vmi::web {

bool RecordingTransport::Send(std::string m) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  messages_.push_back(std::move(m));
  cv_.notify_all();
  return true;
}

void RecordingTransport::Close(uint16_t code, std::string reason) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  code_ = code;
  reason_ = std::move(reason);
  cv_.notify_all();
}

std::vector<std::string> RecordingTransport::messages() {
  std::lock_guard lock(mu_);
  return messages_;
}

std::string RecordingTransport::WaitFor(uint8_t type, size_t nth) {
  std::unique_lock lock(mu_);
  std::string found;
  cv_.wait_for(lock, std::chrono::seconds(10), [&] {
    size_t n = 0;
    for (auto& m : messages_) {
      if (!m.empty() && static_cast<uint8_t>(m[0]) == type && n++ == nth) {
        found = m;
        return true;
      }
    }
    return false;
  });
  return found;
}

bool RecordingTransport::closed() {
  std::lock_guard lock(mu_);
  return closed_;
}
uint16_t RecordingTransport::close_code() {
  std::lock_guard lock(mu_);
  return code_;
}
std::string RecordingTransport::close_reason() {
  std::lock_guard lock(mu_);
  return reason_;
}

void RecordingSink::Add(std::string line) {
  if (on_event) on_event(line);
  std::lock_guard lock(mu_);
  events_.push_back(std::move(line));
}

Result<void> RecordingSink::Pointer(const input::PointerEvent& e) {
  Add("pointer " + std::to_string(e.x) + " " + std::to_string(e.y) + " " +
      std::to_string(e.buttons));
  return Ok();
}
Result<void> RecordingSink::Key(const input::KeyEvent& e) {
  Add("key " + std::to_string(e.keysym) + " " + (e.down ? "1" : "0"));
  return Ok();
}
Result<void> RecordingSink::Text(const std::string& utf8) {
  Add("text " + utf8);
  return Ok();
}
Result<void> RecordingSink::Touch(const input::TouchEvent& e) {
  Add("touch " + std::to_string(e.id) + " " + std::to_string(static_cast<int>(e.action)) + " " +
      std::to_string(e.x) + " " + std::to_string(e.y));
  return Ok();
}
std::vector<std::string> RecordingSink::events() {
  std::lock_guard lock(mu_);
  return events_;
}

}  // namespace vmi::web
