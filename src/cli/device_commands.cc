// vmi device ID: an instance's device controls (docs/devices.md).
//
//   vmi device ID                                  every control's state
//   vmi device ID battery [--level N] [--status S] [--source ac|usb|none]
//   vmi device ID network [--profile P] [--bandwidth KBIT] [--delay MS] [--jitter MS]
//                         [--loss PERCENT] [--offline | --online]
//
// Values go to the server as given: it checks them and says what is wrong.
#include <iostream>

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
};

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
}

}  // namespace vmi::cli
