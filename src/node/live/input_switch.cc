#include "node/live/input_switch.h"

namespace vmi::node::live {

InputSwitch::InputSwitch(std::string x_socket, surface::SurfaceServer* surface)
    : xtest_(std::move(x_socket)), surface_(surface) {
  if (surface_) surface_sink_ = std::make_unique<surface::SurfaceInputSink>(surface_);
}

InputSwitch::~InputSwitch() = default;

void InputSwitch::Detach() {
  std::lock_guard lock(mu_);
  detached_ = true;
  surface_sink_.reset();
  surface_ = nullptr;
}

input::InputSink* InputSwitch::Current() {
  if (detached_) return nullptr;
  if (surface_ && surface_->stats().guest_ready) return surface_sink_.get();
  return &xtest_;
}

#define VMI_LIVE_DELIVER(call)                                                     \
  std::lock_guard lock(mu_);                                                       \
  input::InputSink* sink = Current();                                              \
  if (!sink) return Error(ErrorCode::kUnavailable, "the instance is not running"); \
  return sink->call

Result<void> InputSwitch::Pointer(const input::PointerEvent& e) { VMI_LIVE_DELIVER(Pointer(e)); }
Result<void> InputSwitch::Key(const input::KeyEvent& e) { VMI_LIVE_DELIVER(Key(e)); }
Result<void> InputSwitch::Text(const std::string& utf8) { VMI_LIVE_DELIVER(Text(utf8)); }
Result<void> InputSwitch::Touch(const input::TouchEvent& e) { VMI_LIVE_DELIVER(Touch(e)); }

#undef VMI_LIVE_DELIVER

}  // namespace vmi::node::live
