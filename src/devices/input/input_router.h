// InputRouter: decides whose input reaches which instance. Transport-neutral:
// browser viewers (WebSocket) and VNC clients are all viewers here.
//
// Rules:
//  - A viewer watches one or more instances; one of them is its focus (the
//    first watched, or the one set with Focus()). Input goes only to the
//    focused instance.
//  - Each instance has at most one controller. Only the controller's input is
//    delivered; everyone else's is refused with kPermissionDenied.
//  - Control is requested (granted if free, or taken over with kForce),
//    handed over by the controller to another watcher, or released. A viewer
//    that leaves or stops watching gives control up.
//  - When control changes hands, keys and buttons the old controller still
//    held are released in the guest, so nothing stays stuck.
//  - Authorisation: an optional Authorizer is asked before a viewer watches
//    (kView) and before it gains control (kControl); this is the hook for
//    accounts and roles. It runs under the router's lock and must not call
//    back into the router.
//
// Threads: every method is thread-safe. Input calls for one instance are
// serialised (a sink sees one caller at a time); different instances proceed
// in parallel. Listeners run on the thread that caused the change, after the
// router's locks are released.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/input/input_sink.h"

namespace vmi::input {

using ViewerId = uint64_t;  // 0 is never a viewer

enum class Permission { kView, kControl };
using Authorizer = std::function<Result<void>(const std::string& principal,
                                              const std::string& instance, Permission)>;
// Told the instance's new controller (0: nobody) whenever it changes, for
// every viewer watching that instance.
using ControlListener = std::function<void(const std::string& instance, ViewerId controller)>;

class InputRouter {
 public:
  explicit InputRouter(Authorizer authorize = nullptr);
  ~InputRouter();

  // `sink` is borrowed: it must stay valid until RemoveInstance returns
  // (which waits for calls in flight).
  Result<void> AddInstance(const std::string& instance, InputSink* sink);
  void RemoveInstance(const std::string& instance);

  ViewerId AddViewer(std::string principal, ControlListener on_control = nullptr);
  void RemoveViewer(ViewerId viewer);
  Result<void> Watch(ViewerId viewer, const std::string& instance);
  void Unwatch(ViewerId viewer, const std::string& instance);
  Result<void> Focus(ViewerId viewer, const std::string& instance);

  enum class Take { kIfFree, kForce };
  Result<void> RequestControl(ViewerId viewer, const std::string& instance,
                              Take take = Take::kIfFree);
  Result<void> HandOver(ViewerId from, ViewerId to, const std::string& instance);
  Result<void> ReleaseControl(ViewerId viewer, const std::string& instance);
  ViewerId controller(const std::string& instance) const;

  // Input from `viewer` to its focused instance.
  Result<void> Pointer(ViewerId viewer, const PointerEvent& e);
  Result<void> Key(ViewerId viewer, const KeyEvent& e);
  Result<void> Text(ViewerId viewer, const std::string& utf8);
  Result<void> Touch(ViewerId viewer, const TouchEvent& e);

 private:
  struct Instance {
    std::mutex mu;               // serialises sink calls; guards the fields below
    InputSink* sink = nullptr;   // null once removed
    ViewerId controller = 0;     // written with both the router lock and mu held
    std::set<uint32_t> keys_down;
    uint32_t buttons = 0;
    int last_x = 0, last_y = 0;
    std::set<uint32_t> fingers_down;
  };
  struct Viewer {
    std::string principal;
    ControlListener listener;
    std::set<std::string> watching;
    std::string focus;
  };
  using Notes = std::vector<std::function<void()>>;

  // Router lock and inst.mu held. Moves control of `name` to `to` (0:
  // nobody) and queues, into `notes`, the release of what the old controller
  // held and the listener calls. Notes run after the router lock is
  // released: a guest whose X server stalls must not stall the router.
  void SetController(const std::string& name, const std::shared_ptr<Instance>& inst,
                     ViewerId to, Notes& notes);
  // Finds the instance `viewer` may send input to, or why not.
  Result<std::shared_ptr<Instance>> Target(ViewerId viewer);
  template <typename F>
  Result<void> Deliver(ViewerId viewer, F&& send);

  Authorizer authorize_;
  mutable std::mutex mu_;
  // shared_ptr: an input call in flight keeps the entry alive while
  // RemoveInstance erases it from the map.
  std::map<std::string, std::shared_ptr<Instance>> instances_;
  std::map<ViewerId, Viewer> viewers_;
  ViewerId next_viewer_ = 1;
};

}  // namespace vmi::input
