// vmi-sensors: the guest's iio-sensor-proxy, net.hadess.SensorProxy on the
// instance's system bus, with the readings the host sets.
//
// Desktop and phone software (GNOME's and Phosh's auto-rotation, the
// brightness of a screen, monitor-sensor) read sensors through
// iio-sensor-proxy's D-Bus API rather than the kernel's IIO devices, which
// a container has none of. This service implements that API's documented
// objects and properties:
//
//   /net/hadess/SensorProxy          net.hadess.SensorProxy
//     HasAccelerometer b, AccelerometerOrientation s, HasAmbientLight b,
//     LightLevelUnit s ("lux"), LightLevel d, HasProximity b, ProximityNear b;
//     Claim/Release Accelerometer, Light, Proximity
//   /net/hadess/SensorProxy/Compass  net.hadess.SensorProxy.Compass
//     HasCompass b, CompassHeading d; ClaimCompass, ReleaseCompass
//
// The values come from <state>/sensors.json (devices/sensors/sensors.h), a
// read-only view the host replaces on every change; an inotify watch turns
// each change into PropertiesChanged for what changed.
//
//   vmi-sensors [--state /run/vmi-devices]
//
// Threads: one, a poll loop over the bus and the inotify watch.
#include <poll.h>
#include <sys/inotify.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "devices/sensors/sensors.h"

namespace {

namespace sn = vmi::devices::sensors;

constexpr const char* kPath = "/net/hadess/SensorProxy";
constexpr const char* kIface = "net.hadess.SensorProxy";
constexpr const char* kCompassPath = "/net/hadess/SensorProxy/Compass";
constexpr const char* kCompassIface = "net.hadess.SensorProxy.Compass";

struct Service {
  std::string state_dir;
  sn::SensorState s;
  sd_bus* bus = nullptr;

  void Load() {
    auto text = vmi::ReadFile(state_dir + "/sensors.json", 1 << 20);
    if (!text.ok()) return;  // the defaults until the host sets any
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) return;
    if (auto next = sn::FromJson(j); next.ok()) s = *next;
  }

  // Re-reads the view and signals what changed.
  void Reload() {
    sn::SensorState before = s;
    Load();
    std::vector<const char*> changed;
    if (s.orientation != before.orientation) changed.push_back("AccelerometerOrientation");
    if (s.light != before.light) changed.push_back("LightLevel");
    if ((s.proximity < sn::kNearCm) != (before.proximity < sn::kNearCm))
      changed.push_back("ProximityNear");
    if (!changed.empty()) {
      changed.push_back(nullptr);
      sd_bus_emit_properties_changed_strv(bus, kPath, kIface, const_cast<char**>(changed.data()));
    }
    if (sn::CompassHeading(s.magnetometer) != sn::CompassHeading(before.magnetometer))
      sd_bus_emit_properties_changed(bus, kCompassPath, kCompassIface, "CompassHeading", nullptr);
  }
};

int GetProperty(sd_bus*, const char*, const char*, const char* property, sd_bus_message* reply,
                void* userdata, sd_bus_error*) {
  auto* svc = static_cast<Service*>(userdata);
  std::string_view p(property);
  if (p == "HasAccelerometer" || p == "HasAmbientLight" || p == "HasProximity" || p == "HasCompass")
    return sd_bus_message_append(reply, "b", 1);
  if (p == "AccelerometerOrientation")
    return sd_bus_message_append(reply, "s", svc->s.orientation.c_str());
  if (p == "LightLevelUnit") return sd_bus_message_append(reply, "s", "lux");
  if (p == "LightLevel") return sd_bus_message_append(reply, "d", svc->s.light);
  if (p == "ProximityNear") return sd_bus_message_append(reply, "b", svc->s.proximity < sn::kNearCm);
  if (p == "CompassHeading")
    return sd_bus_message_append(reply, "d", sn::CompassHeading(svc->s.magnetometer));
  return -ENOENT;
}

// Claims are how iio-sensor-proxy knows to power a sensor up; these are
// always on, so a claim only has to succeed.
int Claim(sd_bus_message* m, void*, sd_bus_error*) { return sd_bus_reply_method_return(m, ""); }

#define VMI_PROP(name, sig) \
  SD_BUS_PROPERTY(name, sig, GetProperty, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
#define VMI_CLAIM(name) SD_BUS_METHOD(name, "", "", Claim, SD_BUS_VTABLE_UNPRIVILEGED)

const sd_bus_vtable kProxyVtable[] = {
    SD_BUS_VTABLE_START(0),
    VMI_PROP("HasAccelerometer", "b"),
    VMI_PROP("AccelerometerOrientation", "s"),
    VMI_PROP("HasAmbientLight", "b"),
    VMI_PROP("LightLevelUnit", "s"),
    VMI_PROP("LightLevel", "d"),
    VMI_PROP("HasProximity", "b"),
    VMI_PROP("ProximityNear", "b"),
    VMI_CLAIM("ClaimAccelerometer"),
    VMI_CLAIM("ReleaseAccelerometer"),
    VMI_CLAIM("ClaimLight"),
    VMI_CLAIM("ReleaseLight"),
    VMI_CLAIM("ClaimProximity"),
    VMI_CLAIM("ReleaseProximity"),
    SD_BUS_VTABLE_END,
};

const sd_bus_vtable kCompassVtable[] = {
    SD_BUS_VTABLE_START(0),
    VMI_PROP("HasCompass", "b"),
    VMI_PROP("CompassHeading", "d"),
    VMI_CLAIM("ClaimCompass"),
    VMI_CLAIM("ReleaseCompass"),
    SD_BUS_VTABLE_END,
};

}  // namespace

int main(int argc, char** argv) {
  Service svc{.state_dir = "/run/vmi-devices"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--state") == 0) {
      svc.state_dir = argv[i + 1];
    } else {
      fprintf(stderr, "usage: vmi-sensors [--state DIR]\n");
      return 2;
    }
  }
  svc.Load();
  sd_bus* bus = nullptr;
  int r = sd_bus_open_system(&bus);
  if (r < 0) {
    VMI_LOG(ERROR) << "system bus: " << strerror(-r);
    return 1;
  }
  svc.bus = bus;
  sd_bus_slot* slot = nullptr;
  if ((r = sd_bus_add_object_vtable(bus, &slot, kPath, kIface, kProxyVtable, &svc)) < 0 ||
      (r = sd_bus_add_object_vtable(bus, &slot, kCompassPath, kCompassIface, kCompassVtable, &svc)) <
          0 ||
      (r = sd_bus_add_object_manager(bus, &slot, "/")) < 0 ||
      (r = sd_bus_request_name(bus, "net.hadess.SensorProxy", 0)) < 0) {
    VMI_LOG(ERROR) << "net.hadess.SensorProxy: " << strerror(-r);
    return 1;
  }
  vmi::UniqueFd watch(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!watch ||
      inotify_add_watch(watch.get(), svc.state_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    VMI_LOG(WARN) << "not watching " << svc.state_dir << ": " << strerror(errno);
  VMI_LOG(INFO) << "net.hadess.SensorProxy from " << svc.state_dir;
  for (;;) {
    while ((r = sd_bus_process(bus, nullptr)) > 0) {
    }
    if (r < 0) {
      VMI_LOG(ERROR) << "bus: " << strerror(-r);
      return 1;
    }
    pollfd fds[2] = {{sd_bus_get_fd(bus), static_cast<short>(sd_bus_get_events(bus)), 0},
                     {watch.get(), POLLIN, 0}};
    uint64_t usec = 0;
    int timeout = -1;
    if (sd_bus_get_timeout(bus, &usec) > 0 && usec != UINT64_MAX) timeout = 1000;
    if (poll(fds, watch ? 2 : 1, timeout) < 0 && errno != EINTR) return 1;
    if (watch && (fds[1].revents & POLLIN)) {
      char buf[4096];
      while (read(watch.get(), buf, sizeof buf) > 0) {
      }
      svc.Reload();
    }
  }
}
