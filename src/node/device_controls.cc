#include "node/device_controls.h"

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "base/utf8.h"
#include "devices/location/location.h"
#include "devices/power/guest_uevent.h"
#include "devices/sensors/sensors.h"
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
  Json out = {{"battery", VMI_TRY(Battery(r))}, {"location", VMI_TRY(Location(r))},
              {"sensors", VMI_TRY(Sensors(r))}};
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

namespace {

namespace location = devices::location;

Result<location::LocationState> ReadLocation(const std::string& path) {
  if (!PathExists(path)) return location::LocationState{};
  auto text = VMI_TRY(ReadFile(path, 64 << 20));
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error(ErrorCode::kInternal, path + ": not JSON");
  return location::FromStateJson(j);
}

}  // namespace

Result<Json> DeviceControls::Location(const InstanceRecord& r) {
  std::lock_guard lock(mu_);
  auto s = VMI_TRY(ReadLocation(instances_.DeviceViewDir(r.spec.id) + "/location.json"));
  return location::ToJson(s, WallMicros() / 1000);
}

Result<Json> DeviceControls::SetLocation(const InstanceRecord& r, const Json& patch) {
  Json out;
  {
    std::lock_guard lock(mu_);
    std::string dir = instances_.DeviceViewDir(r.spec.id);
    VMI_CHECK_OK(MakeDirs(dir, 0755), "location of '" + r.spec.name + "'");
    auto current = VMI_TRY(ReadLocation(dir + "/location.json"));
    int64_t now = WallMicros() / 1000;
    auto next = VMI_TRY(location::ApplyLocationPatch(current, patch, now));
    // Replaced by rename: the guest's receiver sees it whole (inotify).
    VMI_CHECK_OK(WriteFileAtomic(dir + "/location.json", location::ToStateJson(next).dump(), 0644),
                 "location of '" + r.spec.name + "'");
    out = location::ToJson(next, now);
  }
  if (publish_) publish_(r, Json{{"device", "location"}, {"location", out}});
  return out;
}

namespace {

Result<devices::sensors::SensorState> ReadSensors(const std::string& path) {
  if (!PathExists(path)) return devices::sensors::SensorState{};
  auto text = VMI_TRY(ReadFile(path, 1 << 20));
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error(ErrorCode::kInternal, path + ": not JSON");
  return devices::sensors::FromJson(j);
}

}  // namespace

Result<Json> DeviceControls::Sensors(const InstanceRecord& r) {
  std::lock_guard lock(mu_);
  return devices::sensors::ToJson(
      VMI_TRY(ReadSensors(instances_.DeviceViewDir(r.spec.id) + "/sensors.json")));
}

Result<Json> DeviceControls::SetSensors(const InstanceRecord& r, const Json& patch) {
  Json out;
  {
    std::lock_guard lock(mu_);
    std::string dir = instances_.DeviceViewDir(r.spec.id);
    VMI_CHECK_OK(MakeDirs(dir, 0755), "sensors of '" + r.spec.name + "'");
    auto current = VMI_TRY(ReadSensors(dir + "/sensors.json"));
    auto next = VMI_TRY(devices::sensors::ApplySensorPatch(current, patch));
    out = devices::sensors::ToJson(next);
    VMI_CHECK_OK(WriteFileAtomic(dir + "/sensors.json", out.dump(), 0644),
                 "sensors of '" + r.spec.name + "'");
  }
  if (publish_) publish_(r, Json{{"device", "sensors"}, {"sensors", out}});
  return out;
}

namespace {

// xclip in the guest's session display. Setting forks an owner of the
// selection that lives until another program takes the clipboard; its
// output goes nowhere so that the exec does not wait for it.
constexpr const char* kClipboardSet =
    "printf %s \"$1\" | DISPLAY=:0 xclip -selection clipboard -i >/dev/null 2>&1";
constexpr const char* kClipboardGet = "DISPLAY=:0 xclip -selection clipboard -o";

}  // namespace

Result<Json> DeviceControls::Clipboard(const InstanceRecord& r) {
  auto out = VMI_TRY(instances_.Exec(r.spec.id, {"sh", "-c", kClipboardGet},
                                     std::chrono::seconds(10), kMaxClipboardBytes));
  // xclip fails when no program owns the selection: an empty clipboard.
  if (!out.ok()) {
    if (out.err.find("not available") != std::string::npos)
      return Json{{"text", ""}};
    return Error(ErrorCode::kUnavailable,
                 "clipboard of '" + r.spec.name + "': xclip: " + std::string(Trim(out.err)));
  }
  if (out.out_truncated)
    return Error(ErrorCode::kResourceExhausted, "the clipboard of '" + r.spec.name +
                                                    "' holds more than 64 KiB of text");
  if (!IsValidUtf8(out.out))
    return Error(ErrorCode::kFailedPrecondition,
                 "the clipboard of '" + r.spec.name + "' holds text that is not UTF-8");
  return Json{{"text", std::move(out.out)}};
}

Result<Json> DeviceControls::SetClipboard(const InstanceRecord& r, const Json& body) {
  if (!body.is_object() || body.size() != 1 || !body.contains("text") || !body["text"].is_string())
    return Error(ErrorCode::kInvalidArgument, "the clipboard is {\"text\": \"...\"}");
  const auto& text = body["text"].get_ref<const std::string&>();
  if (text.size() > kMaxClipboardBytes)
    return Error(ErrorCode::kInvalidArgument, "\"text\" is larger than 64 KiB");
  if (text.find('\0') != std::string::npos)
    return Error(ErrorCode::kInvalidArgument, "\"text\" may not contain NUL characters");
  auto out = VMI_TRY(instances_.Exec(r.spec.id, {"sh", "-c", kClipboardSet, "sh", text},
                                     std::chrono::seconds(10), 4096));
  if (!out.ok())
    return Error(ErrorCode::kUnavailable, "clipboard of '" + r.spec.name + "': xclip failed");
  Json result = {{"bytes", text.size()}};
  if (publish_) publish_(r, Json{{"device", "clipboard"}, {"clipboard", result}});
  return result;
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
