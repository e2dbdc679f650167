// InstanceEvents: the node's event stream of instance state changes,
// GET /api/v1/events as Server-Sent Events:
//
//   event: instance          data: <instance JSON, as GET /instances/{id}>
//   event: removed           data: {"id": "...", "name": "..."}
//   event: phone             data: {"id": "...", "type": "phone.call.ringing", ...}
//                            (the phone line's calls, SMS and line changes;
//                            docs/telephony.md lists the types)
//   event: device            data: {"id", "name", "device": "battery", "battery": {...}}
//                            (a device control changed; docs/devices.md)
//   : keep-alive             (a comment every 15 s)
//
// On connect the stream starts with one `instance` event per instance the
// caller may see (a snapshot), then follows changes. Each event carries an
// increasing `id:`. Every event is filtered through the access check with the
// action "list", so a user sees only their own instances. A client that
// does not read (more than 1 MiB queued) is disconnected; it may reconnect
// and gets a fresh snapshot.
//
// Threads: thread-safe. Events are published on the manager's threads
// (never blocking: the stream queues them). One thread ("vmi-events") sends
// the keep-alives and drops closed streams.
// Ownership: create after the InstanceManager, destroy before it and after
// the server has stopped.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "api/http/router.h"
#include "node/api_routes.h"
#include "node/instance_manager.h"

namespace vmi::node {

class InstanceEvents {
 public:
  static std::unique_ptr<InstanceEvents> Create(InstanceManager& manager,
                                                InstanceAccessCheck check);
  // Without a manager (`vmi serve --kubernetes`: Phones): the snapshot a new
  // subscriber gets (records for the access check, with their JSON), the
  // record of an id for PublishPhone; the owner publishes every change.
  using Snapshot = std::function<std::vector<std::pair<InstanceRecord, nlohmann::json>>()>;
  using Find = std::function<std::optional<InstanceRecord>(const std::string& id)>;
  static std::unique_ptr<InstanceEvents> Create(Snapshot snapshot, Find find,
                                                InstanceAccessCheck check);
  ~InstanceEvents();
  InstanceEvents(const InstanceEvents&) = delete;
  InstanceEvents& operator=(const InstanceEvents&) = delete;

  void Register(api::Router& router);
  // Publishes an event about an instance (a device host's crash, ...) to
  // every subscriber who may see the instance.
  void Publish(std::string_view event, const InstanceRecord& r, const nlohmann::json& data);
  // Publishes a phone event of instance `id` (to whoever may see it).
  void PublishPhone(const std::string& id, const api::Json& event);
  size_t subscribers() const;

 private:
  struct Core;
  explicit InstanceEvents(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;  // the manager's listeners hold it weakly
  std::thread keepalive_;
};

}  // namespace vmi::node
