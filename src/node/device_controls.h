// DeviceControls: the device settings of instances that the node applies
// itself (docs/devices.md): the battery and its chargers, and the
// network conditions of the instance's link. Each change is
// validated, written to the instance's view (the view is the state: it
// persists with the instance and is read back), told to a running guest
// and published on the event stream as
//
//   event: device   data: {"id", "name", "device": "battery", "battery": {...}}
//                   data: {"id", "name", "device": "network", "network": {...}}
//                   data: {"id", "name", "device": "location", "location": {...}}
//                   data: {"id", "name", "device": "sensors", "sensors": {...}}
//                   data: {"id", "name", "device": "clipboard", "clipboard": {"bytes"}}
//
// A stopped instance may be changed too: it sees the values at its next
// start.
//
// Threads: thread-safe; changes are serialised by one lock (each is a few
// small file writes and, for a running guest, one fork).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "api/http/router.h"
#include "node/instance_manager.h"

namespace vmi::node {

class DeviceControls {
 public:
  // Called after every change, with the event's data.
  using Publisher = std::function<void(const InstanceRecord&, const api::Json&)>;
  DeviceControls(InstanceManager& instances, Publisher publish);

  // {"battery": {...}, "network": {...}} (no "network" without one).
  Result<api::Json> Get(const InstanceRecord& r);
  Result<api::Json> Battery(const InstanceRecord& r);
  // Applies a battery patch (devices/power/battery.h); the new state.
  Result<api::Json> SetBattery(const InstanceRecord& r, const api::Json& patch);
  // Network conditions (runtime/core/link_conditions.h); kFailedPrecondition
  // for an instance without a network.
  Result<api::Json> Network(const InstanceRecord& r);
  Result<api::Json> SetNetwork(const InstanceRecord& r, const api::Json& patch);
  // The location (devices/location/location.h), written to the instance's
  // device view (<sys>/devices/location.json) that the guest's NMEA
  // source (vmi-location) watches.
  Result<api::Json> Location(const InstanceRecord& r);
  Result<api::Json> SetLocation(const InstanceRecord& r, const api::Json& patch);
  // The sensors (devices/sensors/sensors.h), in the same view
  // (sensors.json) for the guest's net.hadess.SensorProxy (vmi-sensors).
  Result<api::Json> Sensors(const InstanceRecord& r);
  Result<api::Json> SetSensors(const InstanceRecord& r, const api::Json& patch);
  // The text on the guest's X clipboard (the CLIPBOARD selection), read and
  // set with xclip in the running guest: {"text": "..."}. At most
  // kMaxClipboardBytes of UTF-8 without NUL; the event carries only the
  // length (the text may be a secret).
  static constexpr size_t kMaxClipboardBytes = 64 << 10;
  Result<api::Json> Clipboard(const InstanceRecord& r);
  Result<api::Json> SetClipboard(const InstanceRecord& r, const api::Json& body);

 private:
  // Tells the running guest's libudev clients that the views changed.
  void Notify(const InstanceRecord& r, const std::vector<std::string>& messages);

  InstanceManager& instances_;
  Publisher publish_;
  std::mutex mu_;
  std::atomic<uint64_t> seqnum_;
};

}  // namespace vmi::node
