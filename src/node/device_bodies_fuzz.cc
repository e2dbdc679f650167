// libFuzzer target: the untrusted inputs of the device and label routes -
// battery, network, location and sensor patches, labels of a create request
// (as JSON bodies), label selectors and GPX documents (the raw bytes, as a
// ?selector= query value and a route's "gpx"). Any
// input must be accepted or refused with kInvalidArgument; what is
// accepted must be within the documented limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/http/response.h"
#include "devices/location/location.h"
#include "devices/power/battery.h"
#include "devices/sensors/sensors.h"
#include "node/labels.h"
#include "runtime/core/link_conditions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto check = [](const auto& r) {
    if (!r.ok() && r.error().code() != vmi::ErrorCode::kInvalidArgument) abort();
  };
  auto selector = vmi::node::ParseLabelSelector(text);
  check(selector);
  if (selector.ok()) {
    if (selector->terms.empty()) abort();
    // What a selector prints parses back to the same selector.
    auto again = vmi::node::ParseLabelSelector(selector->ToString());
    if (!again.ok() || again->ToString() != selector->ToString()) abort();
  }
  auto gpx = vmi::devices::location::ParseGpx(text);
  check(gpx);
  if (gpx.ok() && (gpx->empty() || gpx->size() > vmi::devices::location::kMaxGpxPoints)) abort();
  auto j = vmi::api::ParseJsonObject(text);
  if (!j.ok()) return 0;
  auto location = vmi::devices::location::ApplyLocationPatch({}, *j, 0);
  check(location);
  if (location.ok()) {
    // Any accepted state has a position in range at any time, and reads
    // back from its stored form.
    auto f = vmi::devices::location::PositionAt(*location, 123456789);
    if (!(f.latitude >= -90 && f.latitude <= 90 && f.longitude >= -180 && f.longitude <= 180))
      abort();
    if (!vmi::devices::location::FromStateJson(vmi::devices::location::ToStateJson(*location)).ok())
      abort();
  }
  auto sensors = vmi::devices::sensors::ApplySensorPatch({}, *j);
  check(sensors);
  auto battery = vmi::devices::power::ApplyBatteryPatch({}, *j);
  check(battery);
  if (battery.ok() && (battery->level < 0 || battery->level > 100)) abort();
  auto link = vmi::runtime::ApplyLinkPatch({}, *j);
  check(link);
  if (link.ok() && (link->delay_ms < 0 || link->delay_ms > 10000 || link->jitter_ms > link->delay_ms ||
                    !(link->loss_percent >= 0 && link->loss_percent <= 100) ||
                    link->bandwidth_kbit < 0))
    abort();
  auto labels = vmi::node::LabelsFromJson(*j);
  check(labels);
  if (labels.ok() && labels->size() > vmi::node::kMaxLabels) abort();
  return 0;
}
