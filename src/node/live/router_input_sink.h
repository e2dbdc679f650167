// RouterInputSink: puts the browser viewers of one instance behind the
// node's InputRouter, next to its VNC clients, so that one party controls
// the instance at a time across both transports.
//
// The browser viewers share one InputRouter viewer ("web"); among
// themselves, stream/web's ControlArbiter decides who controls (hand-over
// between browsers), and this sink is the arbiter's sink. On the first input
// it asks the router for control (granted when nobody, e.g. a VNC client,
// holds it; otherwise the input is refused with kPermissionDenied, which the
// viewer session drops silently). ReleaseControl() is called when the last
// browser viewer leaves.
//
// Errors: kInvalidArgument from the guest sink (a click outside the screen
// right after a rotation, before the viewer got the new size) is reported as
// kFailedPrecondition, so the session logs it instead of closing a viewer
// that did nothing wrong; malformed messages are rejected earlier by the
// protocol parser.
//
// Threads: as InputSink (the arbiter serialises); ReleaseControl from any
// thread. The router is borrowed and must outlive the sink.
#pragma once

#include <atomic>
#include <string>

#include "devices/input/input_router.h"
#include "devices/input/input_sink.h"

namespace vmi::node::live {

class RouterInputSink : public input::InputSink {
 public:
  RouterInputSink(input::InputRouter* router, std::string instance);
  ~RouterInputSink() override;

  Result<void> Pointer(const input::PointerEvent& e) override;
  Result<void> Key(const input::KeyEvent& e) override;
  Result<void> Text(const std::string& utf8) override;
  Result<void> Touch(const input::TouchEvent& e) override;

  void ReleaseControl();
  // The instance stopped: refuse everything from now on, so that input
  // still arriving from closing viewers never reaches the instance's next
  // run (which reuses the instance name in the router).
  void Detach() { detached_ = true; }
  input::ViewerId viewer() const { return viewer_; }

 private:
  Result<void> EnsureControl();
  static Result<void> Soften(Result<void> r);

  input::InputRouter* const router_;
  const std::string instance_;
  input::ViewerId viewer_ = 0;
  bool watching_ = false;
  std::atomic<bool> detached_{false};
};

}  // namespace vmi::node::live
