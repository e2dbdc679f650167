#include "node/live/router_input_sink.h"

namespace vmi::node::live {

RouterInputSink::RouterInputSink(input::InputRouter* router, std::string instance)
    : router_(router), instance_(std::move(instance)) {
  viewer_ = router_->AddViewer("web");
}

RouterInputSink::~RouterInputSink() { router_->RemoveViewer(viewer_); }

Result<void> RouterInputSink::EnsureControl() {
  if (detached_) return Error(ErrorCode::kUnavailable, "the instance stopped");
  if (!watching_) {
    VMI_CHECK_OK(router_->Watch(viewer_, instance_), "browser viewers");
    watching_ = true;
  }
  if (router_->controller(instance_) == viewer_) return Ok();
  auto r = router_->RequestControl(viewer_, instance_, input::InputRouter::Take::kIfFree);
  if (!r.ok() && r.error().code() == ErrorCode::kFailedPrecondition)
    return Error(ErrorCode::kPermissionDenied, r.error().message());
  return r;
}

Result<void> RouterInputSink::Soften(Result<void> r) {
  if (!r.ok() && r.error().code() == ErrorCode::kInvalidArgument)
    return Error(ErrorCode::kFailedPrecondition, r.error().ToString());
  return r;
}

void RouterInputSink::ReleaseControl() {
  if (detached_) return;
  if (router_->controller(instance_) == viewer_) router_->ReleaseControl(viewer_, instance_).ok();
}

Result<void> RouterInputSink::Pointer(const input::PointerEvent& e) {
  VMI_CHECK_OK(EnsureControl(), "pointer");
  return Soften(router_->Pointer(viewer_, e));
}

Result<void> RouterInputSink::Key(const input::KeyEvent& e) {
  VMI_CHECK_OK(EnsureControl(), "key");
  return Soften(router_->Key(viewer_, e));
}

Result<void> RouterInputSink::Text(const std::string& utf8) {
  VMI_CHECK_OK(EnsureControl(), "text");
  return Soften(router_->Text(viewer_, utf8));
}

Result<void> RouterInputSink::Touch(const input::TouchEvent& e) {
  VMI_CHECK_OK(EnsureControl(), "touch");
  return Soften(router_->Touch(viewer_, e));
}

}  // namespace vmi::node::live
