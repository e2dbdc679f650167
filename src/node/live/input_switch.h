// InputSwitch: the input::InputSink of one instance, whatever its guest.
// Delivers through XTEST to the guest X server, or through the guest
// surface protocol once a surface guest is connected (it then gets every
// finger of a multi-touch gesture).
//
// Detach() is for the instance stopping: it drops the surface sink (which
// borrows the surface server about to be destroyed) and makes every later
// call fail with kUnavailable.
//
// Threads: calls are serialised by an internal lock (the InputRouter already
// serialises per instance; the lock also orders them against Detach()).
// Ownership: owns both sinks; borrows the surface server (may be null) until
// Detach().
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "devices/input/input_sink.h"
#include "devices/input/xtest_sink.h"
#include "devices/surface/surface_input_sink.h"
#include "devices/surface/surface_server.h"

namespace vmi::node::live {

class InputSwitch : public input::InputSink {
 public:
  InputSwitch(std::string x_socket, surface::SurfaceServer* surface);
  ~InputSwitch() override;

  Result<void> Pointer(const input::PointerEvent& e) override;
  Result<void> Key(const input::KeyEvent& e) override;
  Result<void> Text(const std::string& utf8) override;
  Result<void> Touch(const input::TouchEvent& e) override;

  void Detach();

 private:
  // The sink to use now (lock held); null after Detach().
  input::InputSink* Current();

  std::mutex mu_;
  bool detached_ = false;
  input::XTestSink xtest_;
  surface::SurfaceServer* surface_;
  std::unique_ptr<surface::SurfaceInputSink> surface_sink_;
};

}  // namespace vmi::node::live
