#include "stream/web/control_arbiter.h"

#include <vector>

#include "base/log.h"

namespace vmi::web {

namespace {
constexpr char kStandaloneInstance[] = "view";
}  // namespace

// The sink a session's input goes to: the router, as this viewer.
class ControlArbiter::ViewerInput : public input::InputSink {
 public:
  ViewerInput(input::InputRouter* router, input::ViewerId id, bool soften)
      : router_(router), id_(id), soften_(soften) {}
  Result<void> Pointer(const input::PointerEvent& e) override {
    return Soften(router_->Pointer(id_, e));
  }
  Result<void> Key(const input::KeyEvent& e) override { return Soften(router_->Key(id_, e)); }
  Result<void> Text(const std::string& utf8) override {
    return Soften(router_->Text(id_, utf8));
  }
  Result<void> Touch(const input::TouchEvent& e) override {
    return Soften(router_->Touch(id_, e));
  }

 private:
  Result<void> Soften(Result<void> r) const {
    if (soften_ && !r.ok() && r.error().code() == ErrorCode::kInvalidArgument)
      return Error(ErrorCode::kFailedPrecondition, r.error().ToString());
    return r;
  }
  input::InputRouter* const router_;
  const input::ViewerId id_;
  const bool soften_;
};

ControlArbiter::ControlArbiter(input::InputSink* sink)
    : own_router_(std::make_unique<input::InputRouter>()),
      router_(own_router_.get()),
      instance_(kStandaloneInstance),
      soften_(false) {
  auto r = router_->AddInstance(instance_, sink);
  if (!r.ok()) VMI_LOG(ERROR) << "control arbiter: " << r.error().ToString();
}

ControlArbiter::ControlArbiter(input::InputRouter* router, std::string instance)
    : router_(router), instance_(std::move(instance)), soften_(true) {}

ControlArbiter::~ControlArbiter() {
  std::map<uint32_t, Member> left;
  {
    std::lock_guard lock(mu_);
    left.swap(viewers_);
  }
  for (auto& [id, m] : left) router_->RemoveViewer(m.router_id);
  if (own_router_) own_router_->RemoveInstance(instance_);
}

uint32_t ControlArbiter::Join(std::function<void()> on_change) {
  // The router tells every watcher of the instance when its controller
  // changes; each browser viewer passes that on to its session.
  auto listener = [on_change](const std::string&, input::ViewerId) {
    if (on_change) on_change();
  };
  input::ViewerId rid = router_->AddViewer("web", listener);
  auto w = router_->Watch(rid, instance_);
  if (!w.ok()) {
    // The instance left the router (stopped): this viewer only watches.
    VMI_LOG(DEBUG) << "control arbiter: " << w.error().ToString();
  }
  uint32_t id;
  {
    std::lock_guard lock(mu_);
    do {
      id = next_id_++;
    } while (id == 0 || id == kOtherParty || viewers_.count(id));
    viewers_[id] = Member{rid, std::move(on_change)};
  }
  NotifyAll();  // viewer counts changed
  return id;
}

void ControlArbiter::Leave(uint32_t viewer) {
  input::ViewerId rid = 0;
  {
    std::lock_guard lock(mu_);
    auto it = viewers_.find(viewer);
    if (it == viewers_.end()) return;
    rid = it->second.router_id;
    viewers_.erase(it);
  }
  // Gives up control if it had it (the router tells the others).
  router_->RemoveViewer(rid);
  NotifyAll();
}

input::ViewerId ControlArbiter::RouterId(uint32_t viewer) const {
  std::lock_guard lock(mu_);
  auto it = viewers_.find(viewer);
  return it == viewers_.end() ? 0 : it->second.router_id;
}

void ControlArbiter::Request(uint32_t viewer) {
  input::ViewerId rid = RouterId(viewer);
  if (rid == 0) return;
  auto r = router_->RequestControl(rid, instance_, input::InputRouter::Take::kForce);
  if (!r.ok()) VMI_LOG(DEBUG) << "control request: " << r.error().ToString();
}

void ControlArbiter::Release(uint32_t viewer) {
  input::ViewerId rid = RouterId(viewer);
  if (rid == 0 || router_->controller(instance_) != rid) return;
  (void)router_->ReleaseControl(rid, instance_);
}

ControlView ControlArbiter::view() const {
  input::ViewerId c = router_->controller(instance_);
  std::lock_guard lock(mu_);
  ControlView v;
  v.viewers = static_cast<int>(viewers_.size());
  if (c == 0) return v;
  v.controller = kOtherParty;
  for (const auto& [id, m] : viewers_) {
    if (m.router_id == c) v.controller = id;
  }
  return v;
}

Result<void> ControlArbiter::Deliver(
    uint32_t viewer, const std::function<Result<void>(input::InputSink&)>& fn) {
  input::ViewerId rid = RouterId(viewer);
  if (rid == 0) return Error(ErrorCode::kPermissionDenied, "not a viewer of this instance");
  if (router_->controller(instance_) == 0) {
    // Implicit control: the first to send input while nobody controls. A
    // race with another taker is settled by the router.
    (void)router_->RequestControl(rid, instance_, input::InputRouter::Take::kIfFree);
  }
  if (router_->controller(instance_) != rid)
    return Error(ErrorCode::kPermissionDenied, "another viewer controls this instance");
  ViewerInput sink(router_, rid, soften_);
  return fn(sink);
}

void ControlArbiter::NotifyAll() {
  std::vector<std::function<void()>> listeners;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, m] : viewers_) listeners.push_back(m.on_change);
  }
  for (auto& cb : listeners) {
    if (cb) cb();
  }
}

}  // namespace vmi::web
