// ControlArbiter: which viewer of one instance controls its input, as the
// browser viewers' protocol sees it (CONTROL messages, implicit control on
// first input).
//
// There is one notion of control in vmi: devices/input's InputRouter. The
// arbiter is the web sessions' face of it: every browser viewer is a viewer
// of the router watching the instance, next to VNC clients. With the node's
// router (the daemon) a VNC client and a browser hand control to each other
// through the same rules; a standalone LiveView (tests, viewer_test_server)
// gets a private router with one instance whose sink is the given one.
//
// Rules (the router's): a viewer takes control by asking for it (the
// previous controller, browser or VNC, is told it lost it and can ask back:
// hand-over is cooperative, as between people sharing a screen), or
// implicitly by sending input while nobody controls. Input from anyone else
// is refused (kPermissionDenied). Every change of controller, and every
// browser viewer joining or leaving, is announced to every browser viewer's
// listener.
//
// Threads: all methods are thread-safe. Input for the instance is
// serialised by the router. Listeners run on the thread that made the
// change, after every lock is released; they must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "devices/input/input_router.h"
#include "devices/input/input_sink.h"

namespace vmi::web {

struct ControlView {
  // 0: nobody; a browser viewer's id; kOtherParty: someone who is not a
  // browser viewer of this arbiter (a VNC client).
  uint32_t controller = 0;
  int viewers = 0;  // browser viewers
};
inline constexpr uint32_t kOtherParty = 0xffffffffu;

class ControlArbiter {
 public:
  // Standalone: a private router; the sink is borrowed and must outlive the
  // arbiter.
  explicit ControlArbiter(input::InputSink* sink);
  // The node's router (borrowed, must outlive the arbiter); `instance` is
  // the router's name of the instance. Errors of the guest sink that are
  // not the viewer's fault (kInvalidArgument: a point outside the screen
  // right after a rotation) come back as kFailedPrecondition, so the session
  // keeps the viewer.
  ControlArbiter(input::InputRouter* router, std::string instance);
  ~ControlArbiter();
  ControlArbiter(const ControlArbiter&) = delete;
  ControlArbiter& operator=(const ControlArbiter&) = delete;

  // Returns the new viewer's id (never 0 nor kOtherParty).
  uint32_t Join(std::function<void()> on_change);
  void Leave(uint32_t viewer);
  void Request(uint32_t viewer);
  void Release(uint32_t viewer);
  ControlView view() const;

  // Runs fn(sink) if `viewer` controls (taking control first if nobody
  // does); the sink delivers through the router. A viewer without control
  // gets kPermissionDenied and nothing is delivered.
  Result<void> Deliver(uint32_t viewer, const std::function<Result<void>(input::InputSink&)>& fn);

 private:
  struct Member {
    input::ViewerId router_id = 0;
    std::function<void()> on_change;
  };
  class ViewerInput;
  input::ViewerId RouterId(uint32_t viewer) const;
  void NotifyAll();

  std::unique_ptr<input::InputRouter> own_router_;  // standalone only
  input::InputRouter* const router_;
  const std::string instance_;
  const bool soften_;
  mutable std::mutex mu_;  // never held while calling the router
  std::map<uint32_t, Member> viewers_;
  uint32_t next_id_ = 1;
};

}  // namespace vmi::web
