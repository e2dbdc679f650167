#include "node/device_controls.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "devices/power/guest_uevent.h"
#include "devices/power/power_supply_view.h"
#include "devices/power/udev_message.h"

namespace vmi::node {

namespace power = devices::power;
using api::Json;

DeviceControls::DeviceControls(InstanceManager& instances, Publisher publish)
    : instances_(instances),
      publish_(std::move(publish)),
      // Receivers only need SEQNUM to be non-zero; increasing across
      // daemon restarts keeps logs readable.
      seqnum_(static_cast<uint64_t>(WallSeconds()) << 16) {}

Result<Json> DeviceControls::Get(const InstanceRecord& r) {
  Json out = {{"battery", VMI_TRY(Battery(r))}};
  if (r.spec.network == runtime::NetworkMode::kBridge) out["network"] = VMI_TRY(Network(r));
  return out;
}

Result<Json> DeviceControls::Network(const InstanceRecord& r) {
  return runtime::ToJson(VMI_TRY(instances_.LinkConditionsOf(r.spec.id)));
}

Result<Json> DeviceControls::SetNetwork(const InstanceRecord& r, const Json& patch) {
  Json out;
  {
    std::lock_guard lock(mu_);
    auto current = VMI_TRY(instances_.LinkConditionsOf(r.spec.id));
    auto next = VMI_TRY(runtime::ApplyLinkPatch(current, patch));
    if (auto set = instances_.SetLinkConditions(r.spec.id, next); !set.ok())
      return std::move(set).error();
    out = runtime::ToJson(next);
  }
  if (publish_) publish_(r, Json{{"device", "network"}, {"network", out}});
  return out;
}

Result<Json> DeviceControls::Battery(const InstanceRecord& r) {
  std::lock_guard lock(mu_);
  std::string root = instances_.SysfsViewDir(r.spec.id);
  VMI_CHECK_OK(power::EnsureSysfsView(root), "battery of '" + r.spec.name + "'");
  return power::ToJson(VMI_TRY(power::ReadPowerSupplyView(root + "/power_supply")));
}

Result<Json> DeviceControls::SetBattery(const InstanceRecord& r, const Json& patch) {
  Json out;
  {
    std::lock_guard lock(mu_);
    std::string root = instances_.SysfsViewDir(r.spec.id);
    VMI_CHECK_OK(power::EnsureSysfsView(root), "battery of '" + r.spec.name + "'");
    auto current = VMI_TRY(power::ReadPowerSupplyView(root + "/power_supply"));
    auto next = VMI_TRY(power::ApplyBatteryPatch(current, patch));
    VMI_CHECK_OK(power::WritePowerSupplyView(root + "/power_supply", next),
                 "battery of '" + r.spec.name + "'");
    std::vector<std::string> messages;
    for (const auto& d : power::PowerSupplyDevices(next))
      messages.push_back(power::UdevMonitorMessage({.action = "change",
                                                    .devpath = d.devpath,
                                                    .subsystem = "power_supply",
                                                    .seqnum = ++seqnum_,
                                                    .properties = d.properties}));
    Notify(r, messages);
    out = power::ToJson(next);
  }
  if (publish_) publish_(r, Json{{"device", "battery"}, {"battery", out}});
  return out;
}

void DeviceControls::Notify(const InstanceRecord& r, const std::vector<std::string>& messages) {
  // The latest record: the one the caller looked up may predate a restart.
  auto now = instances_.Get(r.spec.id);
  if (!now.ok() || now->state != InstanceState::kRunning || now->init_pid <= 0) return;
  auto pidfd = OpenPidfd(now->init_pid);
  auto sent = pidfd.ok() ? power::SendUdevMessagesInto(pidfd->get(), messages)
                         : Result<void>(std::move(pidfd).error());
  // The values are written either way; the guest's UPower then sees them
  // at its next poll (30 s) instead of at once.
  if (!sent.ok()) VMI_ILOG(WARN, r.spec.id) << "device change not signalled: " << sent.error().ToString();
}

}  // namespace vmi::node
