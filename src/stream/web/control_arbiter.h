// ControlArbiter: which viewer of one instance controls its input.
//
// Many viewers watch; one controls. A viewer takes control by asking for it
// (the previous controller is told it lost it and can ask back: hand-over is
// cooperative, as between people sharing a screen), or implicitly by sending
// input while nobody controls. Input from anyone else is dropped. Every
// change is announced to every viewer's listener.
//
// This is the browser viewers' side of routing; when the instance's
// devices/input InputRouter lands, the arbiter delivers into it as its sink
// (it is just an input::InputSink).
//
// Threads: all methods are thread-safe. Deliver() serialises calls into the
// sink, which therefore sees one caller at a time. Listeners run on the
// thread that made the change, after the lock is released; they must not
// block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "base/result.h"
#include "devices/input/input_sink.h"

namespace vmi::web {

struct ControlView {
  uint32_t controller = 0;  // 0: nobody
  int viewers = 0;
};

class ControlArbiter {
 public:
  // The sink is borrowed and must outlive the arbiter.
  explicit ControlArbiter(input::InputSink* sink) : sink_(sink) {}

  // Returns the new viewer's id (never 0).
  uint32_t Join(std::function<void()> on_change);
  void Leave(uint32_t viewer);
  void Request(uint32_t viewer);
  void Release(uint32_t viewer);
  ControlView view() const;

  // Runs fn(sink) if `viewer` controls (taking control first if nobody
  // does). A viewer without control gets kPermissionDenied and nothing is
  // delivered.
  Result<void> Deliver(uint32_t viewer, const std::function<Result<void>(input::InputSink&)>& fn);

 private:
  void NotifyAll();

  input::InputSink* const sink_;
  mutable std::mutex mu_;
  std::mutex sink_mu_;  // one caller at a time into the sink
  std::map<uint32_t, std::function<void()>> viewers_;
  uint32_t next_id_ = 1;
  uint32_t controller_ = 0;
};

}  // namespace vmi::web
