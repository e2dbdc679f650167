#include "devices/input/input_router.h"

namespace vmi::input {
namespace {

Error NoViewer(ViewerId v) {
  return Error(ErrorCode::kNotFound, "viewer " + std::to_string(v) + " not found");
}
Error NoInstance(const std::string& name) {
  return Error(ErrorCode::kNotFound, "instance " + name + " not found");
}

void Run(std::vector<std::function<void()>>& notes) {
  for (auto& n : notes) n();
}

}  // namespace

InputRouter::InputRouter(Authorizer authorize) : authorize_(std::move(authorize)) {}
InputRouter::~InputRouter() = default;

Result<void> InputRouter::AddInstance(const std::string& instance, InputSink* sink) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = instances_.try_emplace(instance, nullptr);
  if (!inserted) return Error(ErrorCode::kAlreadyExists, "instance " + instance + " exists");
  it->second = std::make_shared<Instance>();
  it->second->sink = sink;
  return Ok();
}

void InputRouter::RemoveInstance(const std::string& instance) {
  std::shared_ptr<Instance> inst;
  {
    std::lock_guard lock(mu_);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return;
    inst = it->second;
    instances_.erase(it);
    for (auto& [id, v] : viewers_) {
      v.watching.erase(instance);
      if (v.focus == instance) v.focus = v.watching.empty() ? "" : *v.watching.begin();
    }
  }
  // Waits for a call in flight, then cuts the sink off.
  std::lock_guard lock(inst->mu);
  inst->sink = nullptr;
  inst->controller = 0;
}

ViewerId InputRouter::AddViewer(std::string principal, ControlListener on_control) {
  std::lock_guard lock(mu_);
  ViewerId id = next_viewer_++;
  viewers_[id] = Viewer{std::move(principal), std::move(on_control), {}, {}};
  return id;
}

void InputRouter::RemoveViewer(ViewerId viewer) {
  Notes notes;
  {
    std::lock_guard lock(mu_);
    auto it = viewers_.find(viewer);
    if (it == viewers_.end()) return;
    std::set<std::string> watching = it->second.watching;
    viewers_.erase(it);
    for (const auto& name : watching) {
      auto inst = instances_.find(name);
      if (inst == instances_.end()) continue;
      std::lock_guard ilock(inst->second->mu);
      if (inst->second->controller == viewer) SetController(name, inst->second, 0, notes);
    }
  }
  Run(notes);
}

Result<void> InputRouter::Watch(ViewerId viewer, const std::string& instance) {
  std::lock_guard lock(mu_);
  auto v = viewers_.find(viewer);
  if (v == viewers_.end()) return NoViewer(viewer);
  if (!instances_.count(instance)) return NoInstance(instance);
  if (authorize_) {
    VMI_CHECK_OK(authorize_(v->second.principal, instance, Permission::kView),
                 "watch " + instance);
  }
  v->second.watching.insert(instance);
  if (v->second.focus.empty()) v->second.focus = instance;
  return Ok();
}

void InputRouter::Unwatch(ViewerId viewer, const std::string& instance) {
  Notes notes;
  {
    std::lock_guard lock(mu_);
    auto v = viewers_.find(viewer);
    if (v == viewers_.end()) return;
    v->second.watching.erase(instance);
    if (v->second.focus == instance) {
      v->second.focus = v->second.watching.empty() ? "" : *v->second.watching.begin();
    }
    auto inst = instances_.find(instance);
    if (inst != instances_.end()) {
      std::lock_guard ilock(inst->second->mu);
      if (inst->second->controller == viewer) SetController(instance, inst->second, 0, notes);
    }
  }
  Run(notes);
}

Result<void> InputRouter::Focus(ViewerId viewer, const std::string& instance) {
  std::lock_guard lock(mu_);
  auto v = viewers_.find(viewer);
  if (v == viewers_.end()) return NoViewer(viewer);
  if (!v->second.watching.count(instance)) {
    return Error(ErrorCode::kFailedPrecondition, "focus: viewer does not watch " + instance);
  }
  v->second.focus = instance;
  return Ok();
}

Result<void> InputRouter::RequestControl(ViewerId viewer, const std::string& instance,
                                         Take take) {
  Notes notes;
  {
    std::lock_guard lock(mu_);
    auto v = viewers_.find(viewer);
    if (v == viewers_.end()) return NoViewer(viewer);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return NoInstance(instance);
    if (!v->second.watching.count(instance)) {
      return Error(ErrorCode::kFailedPrecondition, "control: viewer does not watch " + instance);
    }
    if (authorize_) {
      VMI_CHECK_OK(authorize_(v->second.principal, instance, Permission::kControl),
                   "control " + instance);
    }
    std::lock_guard ilock(it->second->mu);
    if (it->second->controller == viewer) return Ok();
    if (it->second->controller != 0 && take == Take::kIfFree) {
      return Error(ErrorCode::kFailedPrecondition,
                   "instance " + instance + " is controlled by viewer " +
                       std::to_string(it->second->controller));
    }
    SetController(instance, it->second, viewer, notes);
  }
  Run(notes);
  return Ok();
}

Result<void> InputRouter::HandOver(ViewerId from, ViewerId to, const std::string& instance) {
  Notes notes;
  {
    std::lock_guard lock(mu_);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return NoInstance(instance);
    auto target = viewers_.find(to);
    if (!viewers_.count(from)) return NoViewer(from);
    if (target == viewers_.end()) return NoViewer(to);
    if (!target->second.watching.count(instance)) {
      return Error(ErrorCode::kFailedPrecondition, "hand over: target does not watch " + instance);
    }
    if (authorize_) {
      VMI_CHECK_OK(authorize_(target->second.principal, instance, Permission::kControl),
                   "hand over " + instance);
    }
    std::lock_guard ilock(it->second->mu);
    if (it->second->controller != from) {
      return Error(ErrorCode::kPermissionDenied,
                   "hand over: viewer " + std::to_string(from) + " does not control " + instance);
    }
    SetController(instance, it->second, to, notes);
  }
  Run(notes);
  return Ok();
}

Result<void> InputRouter::ReleaseControl(ViewerId viewer, const std::string& instance) {
  Notes notes;
  {
    std::lock_guard lock(mu_);
    auto it = instances_.find(instance);
    if (it == instances_.end()) return NoInstance(instance);
    std::lock_guard ilock(it->second->mu);
    if (it->second->controller != viewer) {
      return Error(ErrorCode::kFailedPrecondition,
                   "release: viewer " + std::to_string(viewer) + " does not control " + instance);
    }
    SetController(instance, it->second, 0, notes);
  }
  Run(notes);
  return Ok();
}

ViewerId InputRouter::controller(const std::string& instance) const {
  std::lock_guard lock(mu_);
  auto it = instances_.find(instance);
  if (it == instances_.end()) return 0;
  std::lock_guard ilock(it->second->mu);
  return it->second->controller;
}

void InputRouter::SetController(const std::string& name, const std::shared_ptr<Instance>& inst,
                                ViewerId to, Notes& notes) {
  inst->controller = to;
  // Snapshot what the old controller held; released in the guest later,
  // under the instance's lock only.
  struct Held {
    std::set<uint32_t> keys;
    uint32_t buttons;
    int x, y;
    std::set<uint32_t> fingers;
  };
  auto held = std::make_shared<Held>(
      Held{std::move(inst->keys_down), inst->buttons, inst->last_x, inst->last_y,
           std::move(inst->fingers_down)});
  inst->keys_down.clear();
  inst->fingers_down.clear();
  inst->buttons = 0;
  if (!held->keys.empty() || held->buttons != 0 || !held->fingers.empty()) {
    notes.push_back([inst, held] {
      std::lock_guard lock(inst->mu);
      if (!inst->sink) return;
      // Best effort: the guest may be gone; nobody to report to.
      for (uint32_t keysym : held->keys) (void)inst->sink->Key(KeyEvent{keysym, false});
      if (held->buttons != 0) (void)inst->sink->Pointer(PointerEvent{held->x, held->y, 0});
      for (uint32_t id : held->fingers) {
        (void)inst->sink->Touch(TouchEvent{id, TouchAction::kCancel, held->x, held->y});
      }
    });
  }
  for (const auto& [id, v] : viewers_) {
    if (v.listener && v.watching.count(name)) {
      notes.push_back([l = v.listener, name, to] { l(name, to); });
    }
  }
}

Result<std::shared_ptr<InputRouter::Instance>> InputRouter::Target(ViewerId viewer) {
  std::lock_guard lock(mu_);
  auto v = viewers_.find(viewer);
  if (v == viewers_.end()) return NoViewer(viewer);
  if (v->second.focus.empty()) {
    return Error(ErrorCode::kFailedPrecondition, "input: viewer watches no instance");
  }
  auto it = instances_.find(v->second.focus);
  if (it == instances_.end()) return NoInstance(v->second.focus);
  return it->second;
}

template <typename F>
Result<void> InputRouter::Deliver(ViewerId viewer, F&& send) {
  auto inst = VMI_TRY(Target(viewer));
  std::lock_guard lock(inst->mu);
  if (!inst->sink) return Error(ErrorCode::kNotFound, "input: instance removed");
  if (inst->controller != viewer) {
    return Error(ErrorCode::kPermissionDenied,
                 "input: viewer " + std::to_string(viewer) + " does not control the instance");
  }
  return send(*inst);
}

Result<void> InputRouter::Pointer(ViewerId viewer, const PointerEvent& e) {
  return Deliver(viewer, [&](Instance& inst) -> Result<void> {
    VMI_CHECK_OK(inst.sink->Pointer(e), "pointer");
    inst.buttons = e.buttons;
    inst.last_x = e.x;
    inst.last_y = e.y;
    return Ok();
  });
}

Result<void> InputRouter::Key(ViewerId viewer, const KeyEvent& e) {
  return Deliver(viewer, [&](Instance& inst) -> Result<void> {
    VMI_CHECK_OK(inst.sink->Key(e), "key");
    if (e.down) {
      inst.keys_down.insert(e.keysym);
    } else {
      inst.keys_down.erase(e.keysym);
    }
    return Ok();
  });
}

Result<void> InputRouter::Text(ViewerId viewer, const std::string& utf8) {
  return Deliver(viewer, [&](Instance& inst) { return inst.sink->Text(utf8); });
}

Result<void> InputRouter::Touch(ViewerId viewer, const TouchEvent& e) {
  return Deliver(viewer, [&](Instance& inst) -> Result<void> {
    VMI_CHECK_OK(inst.sink->Touch(e), "touch");
    if (e.action == TouchAction::kDown) {
      inst.fingers_down.insert(e.id);
    } else if (e.action != TouchAction::kMove) {
      inst.fingers_down.erase(e.id);
    }
    inst.last_x = e.x;
    inst.last_y = e.y;
    return Ok();
  });
}

}  // namespace vmi::input
