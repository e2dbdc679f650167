// vmi device ID: an instance's device controls (docs/devices.md).
//
//   vmi device ID                                  every control's state
//   vmi device ID battery [--level N] [--status S] [--source ac|usb|none]
//   vmi device ID network [--profile P] [--bandwidth KBIT] [--delay MS] [--jitter MS]
//                         [--loss PERCENT] [--offline | --online]
//   vmi device ID location [--lat DEG --lon DEG] [--alt M] [--accuracy M] [--speed M/S]
//                          [--heading DEG]
//   vmi device ID location --gpx FILE --speed M/S [--loop]     play a route
//   vmi device ID location --stop                               stop it where it is
//   vmi device ID sensor [--orientation O] [--accel X,Y,Z] [--gyro X,Y,Z] [--magnet X,Y,Z]
//                        [--light LUX] [--proximity CM]
//   vmi device ID clipboard [--set TEXT | --file FILE]     prints the text without options
//
// Values go to the server as given: it checks them and says what is wrong.
#include <iostream>
#include <optional>

#include "base/file.h"

#include "api/http/client.h"
#include "cli/context.h"

namespace vmi::cli {

namespace {

struct DeviceArgs {
  std::string id;
  int level = -1;
  std::string status, source;
  std::string profile;
  int64_t bandwidth = -1, delay = -1, jitter = -1;
  double loss = -1;
  bool offline = false, online = false;
  std::optional<double> lat, lon, alt, accuracy, speed, heading;
  std::string gpx;
  bool loop = false, stop = false;
  std::string orientation, accel, gyro, magnet;
  std::optional<double> light, proximity;
  std::optional<std::string> clip_text;
  std::string clip_file;
};

// "X,Y,Z" as {"x", "y", "z"}; what is not three numbers goes to the server
// as given, which says what is wrong.
Json Vector(const std::string& text) {
  double v[3];
  char tail;
  if (sscanf(text.c_str(), "%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &tail) == 3)
    return {{"x", v[0]}, {"y", v[1]}, {"z", v[2]}};
  return text;
}

void PrintSensors(const Json& s) {
  auto vec = [&](const char* key) {
    const Json& v = s.value(key, Json::object());
    return Field(v, "x") + "," + Field(v, "y") + "," + Field(v, "z");
  };
  std::cout << "sensors  orientation " << Field(s, "orientation") << "  accelerometer "
            << vec("accelerometer") << " m/s2  gyroscope " << vec("gyroscope")
            << " rad/s  magnetometer " << vec("magnetometer") << " uT (heading "
            << Field(s, "compass_heading") << ")  light " << Field(s, "light")
            << " lux  proximity " << Field(s, "proximity") << " cm"
            << (s.value("proximity_near", false) ? " (near)" : "") << "\n";
}

void PrintBattery(const Json& b) {
  std::cout << "battery  " << Field(b, "level") << "%  " << Field(b, "status") << "  source "
            << Field(b, "source") << "\n";
}

void PrintNetwork(const Json& n) {
  std::cout << "network  " << Field(n, "profile");
  if (n.value("offline", false)) {
    std::cout << "  offline\n";
    return;
  }
  int64_t kbit = n.value("bandwidth_kbit", int64_t{0});
  std::cout << "  bandwidth " << (kbit ? std::to_string(kbit) + " kbit/s" : "not limited")
            << "  delay " << Field(n, "delay_ms") << " ms +- " << Field(n, "jitter_ms")
            << " ms  loss " << Field(n, "loss_percent") << "%\n";
}

void PrintLocation(const Json& l) {
  if (!l.value("fix", false)) {
    std::cout << "location  no fix\n";
    return;
  }
  std::cout << "location  " << Field(l, "latitude") << ", " << Field(l, "longitude");
  if (!l.value("altitude", Json()).is_null()) std::cout << "  altitude " << Field(l, "altitude") << " m";
  std::cout << "  accuracy " << Field(l, "accuracy") << " m  speed " << Field(l, "speed")
            << " m/s  heading " << Field(l, "heading") << "\n";
  if (l.contains("route")) {
    const Json& r = l["route"];
    std::cout << "route     " << Field(r, "points") << " points, " << Field(r, "travelled_m") << " of "
              << Field(r, "length_m") << " m at " << Field(r, "speed") << " m/s"
              << (r.value("loop", false) ? ", looping" : "")
              << (r.value("finished", false) ? ", finished" : "") << "\n";
  }
}

}  // namespace

void AddDeviceCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<DeviceArgs>();
  auto* device = app.add_subcommand("device", "Show or set an instance's device controls");
  device->add_option("id", a.id, "Instance id or name")->required();
  ctx.On(device, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/instances/" + a.id + "/devices"));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      if (j.contains("battery")) PrintBattery(j["battery"]);
      if (j.contains("network")) PrintNetwork(j["network"]);
      if (j.contains("location")) PrintLocation(j["location"]);
      if (j.contains("sensors")) PrintSensors(j["sensors"]);
      return Ok();
    });
  });

  auto* battery = device->add_subcommand("battery", "Show or set the battery and charger");
  battery->add_option("--level", a.level, "Charge in percent, 0..100");
  battery->add_option("--status", a.status, "charging, discharging, full or not-charging");
  battery->add_option("--source", a.source, "The charger: ac, usb or none");
  ctx.On(battery, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/devices/battery";
      Json body = Json::object();
      if (a.level != -1) body["level"] = a.level;
      if (!a.status.empty()) body["status"] = a.status;
      if (!a.source.empty()) body["source"] = a.source;
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PATCH", path, &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintBattery(j);
      return Ok();
    });
  });

  auto* network = device->add_subcommand("network", "Show or set the network conditions");
  network->add_option("--profile", a.profile, "none, gprs, edge, 3g, 4g or offline");
  network->add_option("--bandwidth", a.bandwidth, "Rate in kbit/s each way (0: not limited)");
  network->add_option("--delay", a.delay, "Added delay in ms each way");
  network->add_option("--jitter", a.jitter, "Delay variation in ms (at most the delay)");
  network->add_option("--loss", a.loss, "Packets lost, in percent");
  auto* offline = network->add_flag("--offline", a.offline, "No network at all");
  network->add_flag("--online", a.online, "The network back")->excludes(offline);
  ctx.On(network, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/devices/network";
      Json body = Json::object();
      if (!a.profile.empty()) body["profile"] = a.profile;
      if (a.bandwidth != -1) body["bandwidth_kbit"] = a.bandwidth;
      if (a.delay != -1) body["delay_ms"] = a.delay;
      if (a.jitter != -1) body["jitter_ms"] = a.jitter;
      if (a.loss != -1) body["loss_percent"] = a.loss;
      if (a.offline || a.online) body["offline"] = a.offline;
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PATCH", path, &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintNetwork(j);
      return Ok();
    });
  });

  auto* location = device->add_subcommand("location", "Show or set the location (or play a route)");
  location->add_option("--lat", a.lat, "Latitude in degrees, -90..90");
  location->add_option("--lon", a.lon, "Longitude in degrees, -180..180");
  location->add_option("--alt", a.alt, "Altitude in m above sea level");
  location->add_option("--accuracy", a.accuracy, "Horizontal accuracy in m");
  location->add_option("--speed", a.speed, "Speed in m/s (with --gpx: the route's speed)");
  location->add_option("--heading", a.heading, "Heading in degrees clockwise from north, 0..<360");
  auto* gpx = location->add_option("--gpx", a.gpx, "Play the route of this GPX file");
  location->add_flag("--loop", a.loop, "Start the route again at its end")->needs(gpx);
  location->add_flag("--stop", a.stop, "Stop a playing route where it is")->excludes(gpx);
  ctx.On(location, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/devices/location";
      Json body = Json::object();
      if (!a.gpx.empty()) {
        Json route = {{"gpx", VMI_TRY(ReadFile(a.gpx, 8 << 20))}, {"loop", a.loop}};
        if (a.speed) route["speed"] = *a.speed;
        body["route"] = std::move(route);
      } else if (a.stop) {
        body["route"] = nullptr;
      } else {
        for (auto [key, v] : {std::pair{"latitude", &a.lat}, {"longitude", &a.lon},
                              {"altitude", &a.alt}, {"accuracy", &a.accuracy},
                              {"speed", &a.speed}, {"heading", &a.heading}})
          if (*v) body[key] = **v;
      }
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PATCH", path, &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintLocation(j);
      return Ok();
    });
  });

  auto* sensor = device->add_subcommand("sensor", "Show or set the sensors");
  sensor->alias("sensors");
  sensor->add_option("--orientation", a.orientation,
                     "normal, bottom-up, left-up, right-up, face-up or face-down (the "
                     "accelerometer at rest)");
  sensor->add_option("--accel", a.accel, "Accelerometer X,Y,Z in m/s2");
  sensor->add_option("--gyro", a.gyro, "Gyroscope X,Y,Z in rad/s");
  sensor->add_option("--magnet", a.magnet, "Magnetometer X,Y,Z in uT");
  sensor->add_option("--light", a.light, "Ambient light in lux");
  sensor->add_option("--proximity", a.proximity, "Distance to the nearest object in cm");
  ctx.On(sensor, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/devices/sensors";
      Json body = Json::object();
      if (!a.orientation.empty()) body["orientation"] = a.orientation;
      if (!a.accel.empty()) body["accelerometer"] = Vector(a.accel);
      if (!a.gyro.empty()) body["gyroscope"] = Vector(a.gyro);
      if (!a.magnet.empty()) body["magnetometer"] = Vector(a.magnet);
      if (a.light) body["light"] = *a.light;
      if (a.proximity) body["proximity"] = *a.proximity;
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PATCH", path, &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        PrintSensors(j);
      return Ok();
    });
  });

  auto* clipboard = device->add_subcommand("clipboard", "Print or set the guest's clipboard text");
  auto* set = clipboard->add_option("--set", a.clip_text, "Put this text on the clipboard");
  clipboard->add_option("--file", a.clip_file, "Put this file's text on the clipboard")
      ->excludes(set);
  ctx.On(clipboard, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/devices/clipboard";
      if (a.clip_text || !a.clip_file.empty()) {
        Json body = {{"text", a.clip_text ? *a.clip_text : VMI_TRY(ReadFile(a.clip_file, 1 << 20))}};
        Json j = VMI_TRY(c.Call("PUT", path, &body));
        if (ctx.g.json) PrintJson(j);
        return Ok();
      }
      Json j = VMI_TRY(c.Call("GET", path));
      if (ctx.g.json)
        PrintJson(j);
      else
        std::cout << j.value("text", "");
      return Ok();
    });
  });
}

}  // namespace vmi::cli
