// Device controls with real components: a real `vmi serve` and a real
// linux-mobile instance, each control set through the CLI and checked
// from inside the guest through the consumer a real app would use.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>
#include <tuple>

#include "base/child_process.h"
#include "base/file.h"
#include "base/unique_fd.h"
#include "cli_fixture.h"

namespace vmi::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  return out;
}

// The guest's side of a link measurement: it listens on a port, and on
// the host's connection measures the round trip of 5 one-byte pings (the
// median) and the rate at which `n` bytes from the host arrive (from the
// first byte to the last); prints them as JSON.
constexpr const char* kLinkProbe = R"(
import json, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(30)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
rtts = []
for i in range(5):
    t = time.monotonic()
    c.sendall(b"p")
    assert c.recv(1) == b"p"
    rtts.append((time.monotonic() - t) * 1000)
got, first = 0, None
while got < n:
    b = c.recv(65536)
    if not b:
        break
    if first is None:
        first = time.monotonic()
    got += len(b)
secs = time.monotonic() - first
print(json.dumps({"rtt_ms": sorted(rtts)[2], "kbit_s": got * 8 / 1000 / secs, "bytes": got}))
)";

// Connects from the host to the guest's port; an invalid fd if nothing
// answers within `timeout`.
UniqueFd ConnectTo(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS)
      return UniqueFd();
    pollfd p{fd.get(), POLLOUT, 0};
    if (poll(&p, 1, 1000) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        int flags = fcntl(fd.get(), F_GETFL);
        fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
        int on = 1;
        setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        return fd;
      }
    }
    std::this_thread::sleep_for(100ms);  // the probe is not listening yet
  }
  return UniqueFd();
}

class DevicesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    node_ = new Node();
    std::string error;
    if (!node_->Start(&error)) {
      ADD_FAILURE() << error;
      return;
    }
    user_ = new CliUser();
    // A small writable layer, so that the copy test can overfill it.
    CliRun r = Vmi({"create", "--name", "dev-a", "--memory", "512M", "--disk", "256M", "--start"},
                   120s);
    if (r.code != 0) {
      ADD_FAILURE() << r.err;
      return;
    }
    ready_ = true;
  }
  static void TearDownTestSuite() {
    // Instances outlive their daemon by design: remove them first.
    if (node_ && user_)
      for (const char* name : {"dev-a", "dev-b", "dev-c", "dev-d"}) Vmi({"rm", "--force", name}, 120s);
    delete user_;
    if (node_) node_->Stop();
    delete node_;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(ready_);
  }

  static CliRun Vmi(std::vector<std::string> args, std::chrono::seconds timeout = 60s) {
    args.insert(args.begin(), {"--server", node_->unix_socket()});
    return user_->Run(args, {}, "", timeout);
  }
  static Json VmiJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return Json::parse(r.out, nullptr, false);
  }
  static bool WaitDisplay(const std::string& instance) {
    for (int i = 0; i < 300; ++i) {
      if (VmiJson({"inspect", instance}).value("display_ready", false)) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  static std::string Sh(const std::string& instance, const std::string& cmd) {
    return Vmi({"exec", instance, "--", "sh", "-c", cmd + " 2>&1"}).out;
  }
  // Repeats `cmd` in the instance until its output matches `re`; the
  // output, or empty (with a failure) after `timeout`.
  static std::string WaitFor(const std::string& instance, const std::string& cmd,
                             const std::string& re, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string out;
    while (std::chrono::steady_clock::now() < deadline) {
      out = Sh(instance, cmd);
      if (std::regex_search(out, std::regex(re))) return out;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << instance << ": `" << cmd << "` never matched /" << re << "/; last output:\n"
                  << out;
    return "";
  }

  struct Probe {
    int port = 0;
    size_t bytes = 0;
    std::optional<ChildProcess> process;
  };
  // Starts the probe in the guest; returns once it listens (seen in the
  // guest's /proc/net/tcp, so an unreachable probe is told apart from one
  // that is not up yet).
  Probe StartProbe(size_t bytes) {
    static int next_port = 40000;
    Probe p{++next_port, bytes, std::nullopt};
    SpawnOptions so;
    so.capture_stdout = true;
    auto spawned = ChildProcess::Spawn(
        {BinDir() + "/vmi", "--server", node_->unix_socket(), "exec", "--timeout-ms", "60000",
         "dev-a", "--", "python3", "-c", kLinkProbe, std::to_string(p.port), std::to_string(bytes)},
        so);
    EXPECT_TRUE(spawned.ok());
    if (spawned.ok()) p.process.emplace(std::move(*spawned));
    char hex[8];
    snprintf(hex, sizeof hex, "%04X", p.port);
    WaitFor("dev-a", "cat /proc/net/tcp", std::string(":") + hex + " 00000000:0000 0A", 20s);
    return p;
  }
  // Plays the host's side over `c` and returns the probe's JSON (null on
  // failure).
  Json FinishProbe(Probe& p, UniqueFd c) {
    if (!p.process || !c) return nullptr;
    for (int i = 0; i < 5; ++i) {
      char b;
      if (read(c.get(), &b, 1) != 1 || write(c.get(), &b, 1) != 1) return nullptr;
    }
    std::string chunk(65536, 'x');
    for (size_t sent = 0; sent < p.bytes;) {
      ssize_t w = write(c.get(), chunk.data(), std::min(chunk.size(), p.bytes - sent));
      if (w <= 0) return nullptr;
      sent += static_cast<size_t>(w);
    }
    c.reset();
    EXPECT_TRUE(p.process->WaitOrKill(90s).ok());
    std::string out = ReadAll(p.process->stdout_pipe().get());
    Json j = Json::parse(out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << out;
    return j.is_object() ? j : Json(nullptr);
  }
  static std::string Ip() { return VmiJson({"inspect", "dev-a"}).value("ip", ""); }
  Json Measure(size_t bytes) {
    Probe p = StartProbe(bytes);
    UniqueFd c = ConnectTo(Ip(), p.port, 10s);
    EXPECT_TRUE(c) << "no connection to the guest's probe";
    return FinishProbe(p, std::move(c));
  }

  static inline Node* node_ = nullptr;
  static inline CliUser* user_ = nullptr;
  static inline bool ready_ = false;
};

constexpr const char* kBattery = "upower -i /org/freedesktop/UPower/devices/battery_BAT0";

TEST_F(DevicesTest, BatteryIsWhatUPowerInTheGuestShows) {
  // Once the display is ready the instance's state stays still, so the
  // stream has no other instance event to interleave.
  ASSERT_TRUE(WaitDisplay("dev-a"));
  SpawnOptions so;
  so.capture_stdout = true;
  // The snapshot's instance event, then the two battery changes.
  auto events = ChildProcess::Spawn({BinDir() + "/vmi", "--server", node_->unix_socket(), "--json",
                                     "events", "--instance", "dev-a", "--count", "3"},
                                    so);
  ASSERT_TRUE(events.ok());

  Json b = VmiJson({"device", "dev-a", "battery", "--level", "42", "--source", "none"});
  EXPECT_EQ(b, (Json{{"level", 42}, {"status", "discharging"}, {"source", "none"}}));
  // UPower is started on demand (D-Bus activation) and reads the view.
  std::string dump = WaitFor("dev-a", "upower -d", "percentage:\\s+42%");
  EXPECT_TRUE(std::regex_search(dump, std::regex("state:\\s+discharging"))) << dump;
  EXPECT_TRUE(std::regex_search(dump, std::regex("on-battery:\\s+yes"))) << dump;
  EXPECT_TRUE(std::regex_search(dump, std::regex("line_power_AC[\\s\\S]*?online:\\s+no"))) << dump;

  // While UPower runs, a change reaches it at once (the udev event), not
  // at its next 30-second poll.
  b = VmiJson({"device", "dev-a", "battery", "--level", "77", "--source", "usb"});
  EXPECT_EQ(b, (Json{{"level", 77}, {"status", "charging"}, {"source", "usb"}}));
  std::string bat = WaitFor("dev-a", kBattery, "percentage:\\s+77%", 5s);
  EXPECT_TRUE(std::regex_search(bat, std::regex("state:\\s+charging"))) << bat;
  std::string usb = Sh("dev-a", "upower -i /org/freedesktop/UPower/devices/line_power_USB");
  EXPECT_TRUE(std::regex_search(usb, std::regex("online:\\s+yes"))) << usb;
  EXPECT_EQ(VmiJson({"device", "dev-a"})["battery"], b);

  // Both changes are on the event stream and in the audit log.
  ASSERT_TRUE(events->WaitOrKill(30s).ok());
  std::string out = ReadAll(events->stdout_pipe().get());
  std::vector<Json> device_events;
  for (const auto& line : Split(out, '\n')) {
    Json e = Json::parse(line, nullptr, false);
    if (e.is_object() && e["event"] == "device") device_events.push_back(e["data"]);
  }
  ASSERT_EQ(device_events.size(), 2u) << out;
  EXPECT_EQ(device_events[0]["device"], "battery");
  EXPECT_EQ(device_events[0]["battery"]["level"], 42);
  EXPECT_EQ(device_events[1]["battery"]["level"], 77);
  EXPECT_EQ(device_events[1]["name"], "dev-a");
  Json audit = VmiJson({"audit", "--action", "instance.device.battery", "--limit", "10"});
  int ok = 0;
  for (const auto& e : audit["entries"]) ok += e["outcome"] == "ok";
  EXPECT_GE(ok, 2) << audit.dump();
}

TEST_F(DevicesTest, BadBatteryValuesAreRefusedAndChangeNothing) {
  Json before = VmiJson({"device", "dev-a", "battery"});
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"--level", "101"}, "level"},
      {{"--level=-5"}, "level"},
      {{"--status", "exploding"}, "status"},
      {{"--source", "solar"}, "source"},
      {{"--source", "none", "--status", "charging"}, "only on a power source"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"device", "dev-a", "battery"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 1) << c.says << ": " << r.out;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(VmiJson({"device", "dev-a", "battery"}), before);
  CliRun unknown = Vmi({"device", "no-such-phone", "battery", "--level", "5"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("no such instance"), std::string::npos) << unknown.err;
  // The refusals are audited as failures.
  Json audit = VmiJson({"audit", "--action", "instance.device.battery", "--limit", "20"});
  int failed = 0;
  for (const auto& e : audit["entries"]) failed += e["outcome"] != "ok";
  EXPECT_GE(failed, 5) << audit.dump();
}

// The first fix GeoClue gives a client in the guest (its demo client,
// where-am-i: a real D-Bus client of GeoClue, through the session's
// agent), as {"Latitude": ..., "Longitude": ..., ...}; null if none.
Json GeoClueFix(const std::string& out) {
  Json fix = Json::object();
  std::regex field("(Latitude|Longitude|Accuracy|Altitude|Speed|Heading):\\s+(-?[0-9.]+)");
  for (std::sregex_iterator it(out.begin(), out.end(), field), end; it != end; ++it)
    if (!fix.contains((*it)[1].str())) fix[(*it)[1].str()] = std::stod((*it)[2].str());
  return fix.contains("Latitude") ? fix : Json(nullptr);
}

// where-am-i's first fix (GeoClue signals a client again only when it
// moves, so where-am-i runs its 4 s; WaitFor runs it again without one).
constexpr const char* kWhereAmI =
    "timeout 10 /usr/libexec/geoclue-2.0/demos/where-am-i -t 4 | sed -n '/^Latitude/,/^Timestamp/p;/^Timestamp/q'";

// A route north along a meridian (0.01 degree: 1112 m), then east.
constexpr const char* kRoute = R"(<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="vmi test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>north then east</name><trkseg>
    <trkpt lat="45.000000" lon="6.000000"><ele>1000</ele></trkpt>
    <trkpt lat="45.010000" lon="6.000000"><ele>1100</ele></trkpt>
    <trkpt lat="45.010000" lon="6.010000"><ele>1100</ele></trkpt>
  </trkseg></trk>
</gpx>
)";

TEST_F(DevicesTest, LocationIsWhatGeoClueInTheGuestReports) {
  Json l = VmiJson({"device", "dev-a", "location", "--lat", "48.8566", "--lon", "2.3522", "--alt",
                    "35", "--accuracy", "50", "--speed", "10", "--heading", "90"});
  EXPECT_EQ(l, (Json{{"fix", true}, {"latitude", 48.8566}, {"longitude", 2.3522}, {"altitude", 35.0},
                     {"accuracy", 50.0}, {"speed", 10.0}, {"heading", 90.0}}));
  Json fix = GeoClueFix(WaitFor("dev-a", kWhereAmI, "Timestamp", 60s));
  ASSERT_TRUE(fix.is_object()) << Sh("dev-a", "ps -eo pid,args; ls -l /run/vmi-devices /run/vmi-nmea.sock")
                               << Vmi({"logs", "dev-a"}).out;
  EXPECT_NEAR(fix["Latitude"].get<double>(), 48.8566, 1e-6) << fix.dump();
  EXPECT_NEAR(fix["Longitude"].get<double>(), 2.3522, 1e-6) << fix.dump();
  EXPECT_NEAR(fix["Altitude"].get<double>(), 35, 1e-6) << fix.dump();
  // GeoClue reports accuracy in steps of its own (docs/devices.md); 50 m is one.
  EXPECT_EQ(fix["Accuracy"].get<double>(), 50) << fix.dump();
  EXPECT_NEAR(fix["Speed"].get<double>(), 10, 1e-3) << fix.dump();
  EXPECT_NEAR(fix["Heading"].get<double>(), 90, 1e-6) << fix.dump();

  // A route at 100 m/s: GeoClue sees the instance travel north along it.
  std::string gpx = user_->home() + "/route.gpx";
  ASSERT_TRUE(WriteFile(gpx, kRoute).ok());
  l = VmiJson({"device", "dev-a", "location", "--gpx", gpx, "--speed", "100"});
  EXPECT_EQ(l["route"]["points"], 3) << l.dump();
  EXPECT_NEAR(l["route"]["length_m"].get<double>(), 1111.95 + 786.3, 3) << l.dump();
  Json first = GeoClueFix(WaitFor("dev-a", kWhereAmI, "Latitude:\\s+45\\.", 60s));
  ASSERT_TRUE(first.is_object());
  Json second;
  for (int i = 0; i < 20 && !HasFailure(); ++i) {
    second = GeoClueFix(WaitFor("dev-a", kWhereAmI, "Timestamp", 60s));
    ASSERT_TRUE(second.is_object());
    if (second["Latitude"].get<double>() > first["Latitude"].get<double>() + 1e-4) break;
  }
  EXPECT_GT(second["Latitude"].get<double>(), first["Latitude"].get<double>() + 1e-4)
      << first.dump() << " then " << second.dump();
  EXPECT_LE(second["Latitude"].get<double>(), 45.01 + 1e-9) << second.dump();
  // Going north (or, past the corner, east) at the route's speed, or
  // stopped at its end.
  double heading = second.value("Heading", -1.0);
  EXPECT_TRUE(std::fabs(heading) < 0.01 || std::fabs(heading - 90) < 0.5 || heading < 0)
      << second.dump();

  // Stopped where it is: the position stays, without speed.
  Json stopped = VmiJson({"device", "dev-a", "location", "--stop"});
  EXPECT_FALSE(stopped.contains("route")) << stopped.dump();
  EXPECT_EQ(stopped["speed"], 0.0);
  EXPECT_EQ(VmiJson({"device", "dev-a", "location"}), stopped);

  // Bad input: refused, saying what, and nothing changes.
  std::string bad = user_->home() + "/bad.gpx";
  struct Case {
    std::vector<std::string> args;
    std::string gpx;
    const char* says;
  } cases[] = {
      {{"--lat", "91"}, "", "latitude"},
      {{"--lon", "-180.5"}, "", "longitude"},
      {{"--heading", "360"}, "", "heading"},
      {{"--speed=-3"}, "", "speed"},
      {{"--gpx", bad, "--speed", "10"}, "<gpx><trk><trkpt lat=\"1\" lon=\"2\"></trk></gpx>", "not well-formed"},
      {{"--gpx", bad, "--speed", "10"}, "<gpx><trkpt lat=\"95\" lon=\"2\"/></gpx>", "lat"},
      {{"--gpx", bad, "--speed", "10"}, "<kml/>", "not GPX"},
      {{"--gpx", bad}, kRoute, "speed"},
  };
  for (const auto& c : cases) {
    if (!c.gpx.empty()) {
      ASSERT_TRUE(WriteFile(bad, c.gpx).ok());
    }
    std::vector<std::string> args = {"device", "dev-a", "location"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 1) << c.says << ": " << r.out;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(VmiJson({"device", "dev-a", "location"}), stopped);
  Json audit = VmiJson({"audit", "--action", "instance.device.location", "--limit", "20"});
  int ok = 0, failed = 0;
  for (const auto& e : audit["entries"]) (e["outcome"] == "ok" ? ok : failed) += 1;
  EXPECT_GE(ok, 3) << audit.dump();
  EXPECT_GE(failed, 8) << audit.dump();
}

TEST_F(DevicesTest, SensorsAreWhatSensorProxyClientsInTheGuestRead) {
  Json s = VmiJson({"device", "dev-a", "sensor", "--orientation", "normal", "--light", "250",
                    "--proximity", "80", "--magnet", "0,22,-42"});
  EXPECT_EQ(s["orientation"], "normal");
  // monitor-sensor (iio-sensor-proxy's own client) prints what the API set
  // and then each change as the service signals it. It runs in the guest
  // while the host changes the values; its output goes to a file there.
  CliRun started = Vmi({"exec", "dev-a", "--", "sh", "-c",
                        "rm -f /tmp/monitor.out; (timeout 60 monitor-sensor > /tmp/monitor.out "
                        "2>&1 &) ; true"});
  ASSERT_EQ(started.code, 0) << started.err;
  std::string out = WaitFor("dev-a", "cat /tmp/monitor.out", "=== Has proximity", 30s);
  EXPECT_TRUE(std::regex_search(out, std::regex("Has accelerometer \\(orientation: normal"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("Has ambient light sensor \\(value: 250\\.0+, unit: lux\\)")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("Has proximity sensor \\(near: 0\\)"))) << out;

  // Turned with its left edge up, darker, a hand over it.
  s = VmiJson({"device", "dev-a", "sensor", "--accel", "-9.5,1.2,0.8", "--light", "3.5",
               "--proximity", "1"});
  EXPECT_EQ(s["orientation"], "left-up");
  EXPECT_EQ(s["proximity_near"], true);
  out = WaitFor("dev-a", "cat /tmp/monitor.out", "Proximity value changed: 1", 10s);
  EXPECT_TRUE(std::regex_search(out, std::regex("Accelerometer orientation changed: left-up"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("Light changed: 3\\.50+ \\(lux\\)"))) << out;

  // The same values through a plain D-Bus read, with the compass: facing
  // east (north on the device's left).
  VmiJson({"device", "dev-a", "sensor", "--magnet", "-22,0,-42"});
  std::string heading = WaitFor(
      "dev-a",
      "gdbus call --system --dest net.hadess.SensorProxy --object-path "
      "/net/hadess/SensorProxy/Compass --method org.freedesktop.DBus.Properties.Get "
      "net.hadess.SensorProxy.Compass CompassHeading",
      "<90\\.0", 10s);
  EXPECT_FALSE(heading.empty());
  Sh("dev-a", "kill $(pidof monitor-sensor)");

  // Bad input: refused, saying what, and nothing changes.
  Json before = VmiJson({"device", "dev-a", "sensor"});
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"--light=-1"}, "light"},
      {{"--proximity", "500"}, "proximity"},
      {{"--accel", "0,300,0"}, "accelerometer.y"},
      {{"--gyro", "1,2"}, "gyroscope"},
      {{"--orientation", "sideways"}, "orientation"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"device", "dev-a", "sensor"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 1) << c.says << ": " << r.out;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(VmiJson({"device", "dev-a", "sensor"}), before);
}

TEST_F(DevicesTest, ClipboardTextGoesBothWays) {
  ASSERT_TRUE(WaitDisplay("dev-a"));
  // Host to guest: a program in the guest pastes it (xclip reads the
  // CLIPBOARD selection from its owner through the X server).
  const std::string text = "h\xC3\xA9llo 'quoted' \"clip\" $HOME `x`\nline two";
  CliRun set = Vmi({"device", "dev-a", "clipboard", "--set", text});
  ASSERT_EQ(set.code, 0) << set.err;
  std::string pasted = WaitFor("dev-a", "DISPLAY=:0 xclip -selection clipboard -o", "line two", 10s);
  EXPECT_EQ(pasted, text);
  // Guest to host: a program in the guest copies, the API reads it.
  CliRun copy = Vmi({"exec", "dev-a", "--", "sh", "-c",
                     "printf 'from the guest \\342\\234\\223' | DISPLAY=:0 xclip -selection "
                     "clipboard -i >/dev/null 2>&1"});
  ASSERT_EQ(copy.code, 0) << copy.err;
  std::string got;
  for (int i = 0; i < 50 && got != "from the guest \xE2\x9C\x93"; ++i) {
    got = VmiJson({"device", "dev-a", "clipboard"}).value("text", "");
    if (got != "from the guest \xE2\x9C\x93") std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(got, "from the guest \xE2\x9C\x93");
  // Too large: refused, the clipboard unchanged.
  std::string big = user_->home() + "/big.txt";
  ASSERT_TRUE(WriteFile(big, std::string(65 << 10, 'b')).ok());
  CliRun r = Vmi({"device", "dev-a", "clipboard", "--file", big});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("64 KiB"), std::string::npos) << r.err;
  EXPECT_EQ(VmiJson({"device", "dev-a", "clipboard"}).value("text", ""), "from the guest \xE2\x9C\x93");
}

TEST_F(DevicesTest, BandwidthDelayAndOfflineAreWhatTheGuestMeasures) {
  // The unimpaired link first, the anchor.
  Json before = Measure(1 << 20);
  ASSERT_TRUE(before.is_object());
  // 2 Mbit/s each way.
  Json n = VmiJson({"device", "dev-a", "network", "--bandwidth", "2000"});
  EXPECT_EQ(n["bandwidth_kbit"], 2000);
  EXPECT_EQ(n["profile"], "custom");
  Json after = Measure(256 << 10);
  ASSERT_TRUE(after.is_object());
  double rate = after["kbit_s"];
  std::cout << "rate " << before["kbit_s"] << " -> " << rate << " kbit/s (round trip "
            << before["rtt_ms"] << " -> " << after["rtt_ms"] << " ms)\n";
  // A token bucket never passes more than its rate (and a burst, which the
  // 10 % covers); how much slower a loaded host makes it is not asserted.
  EXPECT_LE(rate, 2000 * 1.1);
  EXPECT_GT(before["kbit_s"].get<double>(), 2000 * 1.1) << "the anchor must be faster";

  // 100 ms each way: netem's, where the kernel has it; elsewhere a clear
  // refusal that leaves the link as it was.
  CliRun delay = Vmi({"--json", "device", "dev-a", "network", "--delay", "100"});
  if (delay.code == 0) {
    Json d = Measure(64 << 10);
    ASSERT_TRUE(d.is_object());
    std::cout << "round trip with 100 ms each way: " << d["rtt_ms"] << " ms\n";
    EXPECT_GE(d["rtt_ms"].get<double>(), 200.0);  // netem never delivers early
    EXPECT_LE(d["kbit_s"].get<double>(), 2000 * 1.1);
    VmiJson({"device", "dev-a", "network", "--delay", "0"});
  } else {
    EXPECT_NE(delay.err.find("netem"), std::string::npos) << delay.err;
    EXPECT_EQ(VmiJson({"device", "dev-a", "network"})["delay_ms"], 0);
    EXPECT_EQ(VmiJson({"device", "dev-a", "network"})["bandwidth_kbit"], 2000);
  }

  // Offline: a listening probe is unreachable; online again, the same
  // probe answers.
  VmiJson({"device", "dev-a", "network", "--offline"});
  Probe p = StartProbe(64 << 10);
  EXPECT_FALSE(ConnectTo(Ip(), p.port, 3s)) << "a connection went through an offline link";
  Json back = VmiJson({"device", "dev-a", "network", "--profile", "none"});
  EXPECT_EQ(back["profile"], "none");
  EXPECT_FALSE(back["offline"].get<bool>());
  Json again = FinishProbe(p, ConnectTo(Ip(), p.port, 10s));
  ASSERT_TRUE(again.is_object());
  EXPECT_GT(again["kbit_s"].get<double>(), 2000 * 1.1) << "the link is unlimited again";

  // Each change was audited and is kept with the instance.
  Json audit = VmiJson({"audit", "--action", "instance.device.network", "--limit", "10"});
  int ok = 0;
  for (const auto& e : audit["entries"]) ok += e["outcome"] == "ok";
  EXPECT_GE(ok, 3) << audit.dump();
  EXPECT_EQ(VmiJson({"device", "dev-a"})["network"]["profile"], "none");
}

TEST_F(DevicesTest, ConditionsOutliveARestart) {
  VmiJson({"device", "dev-a", "network", "--bandwidth", "1000"});
  ASSERT_EQ(Vmi({"restart", "dev-a"}, 120s).code, 0);
  EXPECT_EQ(VmiJson({"device", "dev-a", "network"})["bandwidth_kbit"], 1000);
  // 512 KiB: the bucket's 32 KiB burst arrives at once, the rest at the rate.
  Json m = Measure(512 << 10);
  ASSERT_TRUE(m.is_object());
  EXPECT_LE(m["kbit_s"].get<double>(), 1000 * 1.1 * 512 / (512 - 32));
  VmiJson({"device", "dev-a", "network", "--profile", "none"});
}

TEST_F(DevicesTest, BadConditionsAreRefusedAndChangeNothing) {
  Json before = VmiJson({"device", "dev-a", "network"});
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"--delay", "20000"}, "delay_ms"},
      {{"--delay", "10", "--jitter", "50"}, "must not exceed"},
      {{"--loss", "150"}, "loss_percent"},
      {{"--profile", "5g"}, "profile"},
      {{"--bandwidth=-3"}, "bandwidth_kbit"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"device", "dev-a", "network"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Vmi(args);
    EXPECT_EQ(r.code, 1) << c.says << ": " << r.out;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(VmiJson({"device", "dev-a", "network"}), before);
}

std::vector<std::string> Names(const Json& list) {
  std::vector<std::string> out;
  for (const auto& i : list) out.push_back(i.value("name", ""));
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(DevicesTest, LabelsSelectInstancesAndBatchesReportEachOne) {
  for (auto [name, labels, start] :
       {std::tuple{"dev-b", std::vector<std::string>{"team=qa", "tier=front"}, true},
        std::tuple{"dev-c", std::vector<std::string>{"team=qa"}, false},
        std::tuple{"dev-d", std::vector<std::string>{"team=dev"}, false}}) {
    std::vector<std::string> args = {"create", "--name", name, "--memory", "256M", "--network", "none"};
    for (const auto& l : labels) args.insert(args.end(), {"--label", l});
    if (start) args.push_back("--start");
    CliRun r = Vmi(args, 120s);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_EQ(VmiJson({"inspect", "dev-b"})["labels"], (Json{{"team", "qa"}, {"tier", "front"}}));
  EXPECT_EQ(Names(VmiJson({"ls", "-l", "team=qa"})), (std::vector<std::string>{"dev-b", "dev-c"}));
  EXPECT_EQ(Names(VmiJson({"ls", "-l", "team=qa,!tier"})), (std::vector<std::string>{"dev-c"}));
  EXPECT_EQ(Names(VmiJson({"ls", "-l", "team!=qa"})), (std::vector<std::string>{"dev-a", "dev-d"}));
  CliRun listed = Vmi({"ls", "-l", "team"});
  EXPECT_EQ(listed.code, 0) << listed.err;
  std::string table = listed.out;
  EXPECT_NE(table.find("LABELS"), std::string::npos) << table;
  EXPECT_NE(table.find("team=qa,tier=front"), std::string::npos) << table;

  // Starting team=qa: dev-b already runs and fails alone, dev-c starts.
  CliRun start = Vmi({"--json", "start", "-l", "team=qa"}, 120s);
  EXPECT_EQ(start.code, 1) << "one of them failed";
  Json started = Json::parse(start.out, nullptr, false);
  ASSERT_EQ(started["matched"], 2) << started.dump();
  EXPECT_EQ(started["succeeded"], 1);
  EXPECT_EQ(started["results"][0]["name"], "dev-b");
  EXPECT_FALSE(started["results"][0]["ok"].get<bool>());
  EXPECT_EQ(started["results"][0]["error"]["code"], "failed_precondition");
  EXPECT_EQ(started["results"][1]["name"], "dev-c");
  EXPECT_TRUE(started["results"][1]["ok"].get<bool>());
  EXPECT_EQ(started["results"][1]["instance"]["state"], "running");
  EXPECT_EQ(VmiJson({"inspect", "dev-d"})["state"], "created") << "not selected, not started";

  // Exec on both: each answers with its own hostname.
  CliRun ex = Vmi({"exec", "-l", "team=qa", "--", "cat", "/proc/sys/kernel/hostname"});
  EXPECT_EQ(ex.code, 0) << ex.out << ex.err;
  EXPECT_NE(ex.out.find("== dev-b (exit 0)\ndev-b"), std::string::npos) << ex.out;
  EXPECT_NE(ex.out.find("== dev-c (exit 0)\ndev-c"), std::string::npos) << ex.out;

  // One stopped: its exec fails and says why, the other's still runs; the
  // exit code tells that not all succeeded.
  ASSERT_EQ(Vmi({"stop", "dev-c"}, 120s).code, 0);
  CliRun partial = Vmi({"exec", "-l", "team=qa", "--", "true"});
  EXPECT_EQ(partial.code, 1);
  EXPECT_NE(partial.out.find("== dev-b (exit 0)"), std::string::npos) << partial.out;
  EXPECT_NE(partial.out.find("dev-c\terror: "), std::string::npos) << partial.out;
  // A command failing in one instance fails that instance's result.
  CliRun fail = Vmi({"--json", "exec", "-l", "team=qa,tier=front", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(fail.code, 1);
  Json failing = Json::parse(fail.out, nullptr, false);
  EXPECT_EQ(failing["results"][0]["exit_code"], 3);
  EXPECT_FALSE(failing["results"][0]["ok"].get<bool>());

  // Screenshots: one file per running instance, an error for the stopped one.
  ASSERT_TRUE(WaitDisplay("dev-b"));
  std::string dir = user_->home() + "/shots";
  CliRun shots = Vmi({"screenshot", "-l", "team=qa", dir});
  EXPECT_EQ(shots.code, 1) << shots.out << shots.err;
  auto png = ReadFile(dir + "/dev-b.png");
  ASSERT_TRUE(png.ok()) << shots.out;
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_NE(shots.out.find("dev-c\terror: "), std::string::npos) << shots.out;

  // Bad selectors are refused before anything happens.
  for (const char* bad : {"team=q a", "", "=qa", "team=qa,"}) {
    CliRun r = Vmi({"stop", "-l", bad});
    EXPECT_NE(r.code, 0) << bad;
  }
  EXPECT_EQ(VmiJson({"inspect", "dev-b"})["state"], "running");
  CliRun none = Vmi({"stop", "-l", "team=nobody"});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("no instance matches"), std::string::npos) << none.err;

  // Removing by label removes only those; every operation was audited.
  EXPECT_EQ(Vmi({"rm", "-l", "team=dev"}, 120s).code, 0);
  EXPECT_EQ(Names(VmiJson({"ls", "-l", "team"})), (std::vector<std::string>{"dev-b", "dev-c"}));
  Json audit = VmiJson({"audit", "--action", "instance.start", "--limit", "50"});
  int failed = 0;
  for (const auto& e : audit["entries"]) failed += e["outcome"] != "ok" && e["target"] == "instance/dev-b";
  EXPECT_GE(failed, 1) << audit.dump();
}

TEST_F(DevicesTest, BadLabelsAreRefusedAtCreate) {
  for (const char* bad : {"team", "=qa", "team=q a", "t eam=qa"}) {
    CliRun r = Vmi({"create", "--name", "dev-x", "--label", bad});
    EXPECT_NE(r.code, 0) << bad;
  }
  EXPECT_NE(Vmi({"inspect", "dev-x"}).code, 0) << "nothing was created";
}

std::string Sha256(const std::string& path) {
  auto r = RunChecked({"sha256sum", path});
  return r.ok() ? r->substr(0, 64) : r.error().ToString();
}

TEST_F(DevicesTest, CopiesFilesBothWaysWhole) {
  // 3 MiB of pseudo-random bytes.
  std::string local = user_->home() + "/blob";
  std::string data(3 << 20, '\0');
  uint64_t x = 88172645463325252ull;
  for (auto& c : data) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  ASSERT_TRUE(WriteFile(local, data).ok());
  const std::string sum = Sha256(local);

  CliRun up = Vmi({"cp", local, "dev-a:/root/blob"}, 120s);
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_NE(up.err.find("(100%)"), std::string::npos) << "progress: " << up.err;
  EXPECT_EQ(Sh("dev-a", "sha256sum /root/blob").substr(0, 64), sum);
  EXPECT_EQ(Sh("dev-a", "stat -c %u:%g:%a /root/blob"), "0:0:644\n") << "the guest's root owns it";
  // Into the guest's own /tmp, a tmpfs of its mount namespace ("DIR/" keeps the name).
  CliRun to_tmp = Vmi({"cp", local, "dev-a:/tmp/"}, 120s);
  ASSERT_EQ(to_tmp.code, 0) << to_tmp.err;
  EXPECT_EQ(Sh("dev-a", "sha256sum /tmp/blob").substr(0, 64), sum);

  std::string back = user_->home() + "/back";
  CliRun down = Vmi({"cp", "dev-a:/tmp/blob", back}, 120s);
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_EQ(Sha256(back), sum);
  EXPECT_NE(down.err.find("(100%)"), std::string::npos) << down.err;
  // Into a directory: the guest file's name.
  ASSERT_EQ(Vmi({"cp", "dev-a:/etc/hostname", user_->home()}).code, 0);
  EXPECT_EQ(*ReadFile(user_->home() + "/hostname"), Sh("dev-a", "cat /etc/hostname"));

  // Beyond the instance's 256 MiB disk: refused before anything is written.
  std::string big = user_->home() + "/big";
  {
    UniqueFd f(open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_EQ(ftruncate(f.get(), 300ll << 20), 0);  // sparse: cheap to make
  }
  CliRun full = Vmi({"cp", big, "dev-a:/root/big"}, 120s);
  EXPECT_EQ(full.code, 1);
  EXPECT_NE(full.err.find("do not fit"), std::string::npos) << full.err;
  EXPECT_EQ(Sh("dev-a", "ls /root/big"), "ls: cannot access '/root/big': No such file or directory\n");
  unlink(big.c_str());

  Json audit = VmiJson({"audit", "--action", "instance.file.", "--limit", "20"});
  int writes = 0, reads = 0;
  for (const auto& e : audit["entries"]) {
    writes += e["action"] == "instance.file.write" && e["outcome"] == "ok";
    reads += e["action"] == "instance.file.read" && e["outcome"] == "ok";
  }
  EXPECT_GE(writes, 2) << audit.dump();
  EXPECT_GE(reads, 2) << audit.dump();
}

TEST_F(DevicesTest, CopiesNeverLeaveTheGuestsTree) {
  Sh("dev-a",
     "ln -sfn / /tmp/rootlink; ln -sfn ../../../../../../.. /tmp/uplink; "
     "ln -sfn /proc/1/root /tmp/magic; rm -f /tmp/fifo; mkfifo /tmp/fifo");
  std::string out = user_->home() + "/got";
  // ".." and "/" in links resolve inside the guest: its file, not the host's.
  const std::string guest_file = "/etc/vmi-cp-marker";
  Sh("dev-a", "echo guest-dev-a > " + guest_file);
  ASSERT_FALSE(PathExists(guest_file)) << "the host has the marker too";
  ASSERT_EQ(Vmi({"cp", "dev-a:/tmp/uplink" + guest_file, out}).code, 0);
  EXPECT_EQ(*ReadFile(out), "guest-dev-a\n");
  ASSERT_EQ(Vmi({"cp", "dev-a:/tmp/rootlink" + guest_file, out}).code, 0);
  EXPECT_EQ(*ReadFile(out), "guest-dev-a\n");
  // A write through them lands in the guest too.
  std::string marker = "/tmp/vmi-cp-escape-" + std::to_string(getpid());
  ASSERT_TRUE(WriteFile(out, "x").ok());
  ASSERT_EQ(Vmi({"cp", out, "dev-a:/tmp/uplink" + marker}).code, 0);
  EXPECT_FALSE(PathExists(marker)) << "written on the host";
  EXPECT_EQ(Sh("dev-a", "cat " + marker), "x");

  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"cp", "dev-a:/tmp/magic/etc/hostname", out}, "symbolic link"},
      {{"cp", "dev-a:/tmp/fifo", out}, "not a regular file"},
      {{"cp", "dev-a:/etc", out}, "directory"},
      {{"cp", "dev-a:relative/path", out}, "absolute"},
      {{"cp", "dev-a:/tmp/../etc/passwd", out}, "\"..\""},
      {{"cp", out, "dev-a:/tmp/rootlink"}, "symlink"},
      {{"cp", out, "dev-a:/no/such/dir/x"}, "No such file"},
      {{"cp", "dev-a:/no-such-file", out}, "No such file"},
      {{"cp", out, "no-such-phone:/tmp/x"}, "no such instance"},
      {{"cp", out, out}, "ID:PATH"},
  };
  for (const auto& c : cases) {
    CliRun r = Vmi(c.args, 30s);
    EXPECT_NE(r.code, 0) << c.args[1] << " " << c.args[2];
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args[1] << " " << c.args[2] << ": " << r.err;
  }
  // The link the refused write named is still the guest's link.
  EXPECT_EQ(Sh("dev-a", "readlink /tmp/rootlink"), "/\n");
}

}  // namespace
}  // namespace vmi::testing
