// vmi-location: the guest's GNSS receiver, for GeoClue's NMEA source.
//
// The host writes the instance's location (a position, or a route and when
// it started) to <state>/location.json, a read-only view
// (devices/location/location.h). This program serves NMEA 0183 on a Unix
// socket, as a receiver's daemon would: every second, and at once when the
// host changes the file (inotify), each connected reader gets a GGA and an
// RMC sentence for the position at that moment. GeoClue connects to it
// through the `nmea-socket` of its network-nmea source
// (/etc/geoclue/geoclue.conf in the image). Without a fix nothing is sent,
// as a receiver without a fix has nothing to say.
//
//   vmi-location [--state /run/vmi-devices] [--socket /run/vmi-nmea.sock]
//
// A reader that does not keep up (its socket buffer full) is dropped;
// GeoClue reconnects when one of its clients next starts.
//
// It is also the session's GeoClue agent (org.freedesktop.GeoClue2.Agent,
// "vmi-location" in GeoClue's whitelist): GeoClue answers no client
// without an agent, whose role on a phone is the location permission
// prompt. A cloud phone under test has location granted, so every app is
// authorised at the accuracy it asks for. It registers with GeoClue (AddAgent)
// whenever GeoClue's name gets an owner, so a restarted GeoClue finds it.
//
// Threads: one, an EventLoop (the listener, the readers, the system bus,
// a 1 s timer and the inotify watch).
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <poll.h>

#include <csignal>
#include <cstring>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/event_loop.h"
#include "base/file.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "devices/location/location.h"
#include "devices/location/nmea.h"

namespace {

namespace loc = vmi::devices::location;

vmi::UniqueFd Listen(const std::string& path) {
  vmi::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return {};
  std::memcpy(addr.sun_path, path.data(), path.size());
  unlink(path.c_str());
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  // Any program of the instance may read the receiver, as it may a GPS
  // device node.
  chmod(path.c_str(), 0666);
  if (listen(fd.get(), 16) != 0) return {};
  return fd;
}

class Receiver {
 public:
  Receiver(vmi::EventLoop& loop, std::string state) : loop_(loop), state_(std::move(state)) {}

  void Accept(int listener) {
    for (;;) {
      vmi::UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!c) return;
      int fd = c.get();
      // Readers send nothing; readable means gone.
      if (!loop_.AddFd(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t) { Drop(fd); }).ok()) continue;
      clients_.emplace(fd, std::move(c));
      Send(fd);
    }
  }

  // The position now, to every reader.
  void Tick() {
    Load();
    std::vector<int> fds;
    for (const auto& [fd, c] : clients_) fds.push_back(fd);
    for (int fd : fds) Send(fd);
  }

  void Load() {
    auto text = vmi::ReadFile(state_ + "/location.json", 64 << 20);
    if (!text.ok()) {
      state_read_ = {};
      return;
    }
    auto j = nlohmann::json::parse(*text, nullptr, false);
    auto s = j.is_discarded() ? vmi::Result<loc::LocationState>(vmi::Error(
                                    vmi::ErrorCode::kInvalidArgument, "not JSON"))
                              : loc::FromStateJson(j);
    if (s.ok()) {
      state_read_ = std::move(*s);
    } else {
      VMI_LOG(WARN) << "location state: " << s.error().ToString();
    }
  }

 private:
  void Send(int fd) {
    if (!state_read_.has_fix) return;
    int64_t now = vmi::WallMicros() / 1000;
    std::string s = loc::NmeaSentences(loc::PositionAt(state_read_, now), now);
    ssize_t w = send(fd, s.data(), s.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w != static_cast<ssize_t>(s.size())) Drop(fd);
  }

  void Drop(int fd) {
    loop_.RemoveFd(fd);
    clients_.erase(fd);
  }

  vmi::EventLoop& loop_;
  std::string state_;
  loc::LocationState state_read_;
  std::map<int, vmi::UniqueFd> clients_;
};

// The GeoClue agent on the instance's system bus.
class Agent {
 public:
  explicit Agent(vmi::EventLoop& loop) : loop_(loop) {}
  ~Agent() {
    if (bus_) {
      loop_.RemoveFd(sd_bus_get_fd(bus_));
      sd_bus_flush_close_unref(bus_);
    }
  }

  // Connects and exports the agent; false (to try again later) while the
  // bus is not up.
  bool Connect() {
    if (bus_) return true;
    sd_bus* bus = nullptr;
    if (sd_bus_open_system(&bus) < 0) return false;
    static const sd_bus_vtable kVtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("AuthorizeApp", "su", "bu", &Agent::Authorize, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("MaxAccuracyLevel", "u", &Agent::MaxAccuracy, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
    };
    if (sd_bus_add_object_vtable(bus, nullptr, "/org/freedesktop/GeoClue2/Agent",
                                 "org.freedesktop.GeoClue2.Agent", kVtable, this) < 0 ||
        sd_bus_match_signal(bus, nullptr, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus", "NameOwnerChanged", &Agent::OwnerChanged,
                            this) < 0 ||
        !loop_.AddFd(sd_bus_get_fd(bus), EPOLLIN, [this](uint32_t) { Process(); }).ok()) {
      sd_bus_unref(bus);
      return false;
    }
    bus_ = bus;
    Register();  // GeoClue may be up already
    Process();
    return true;
  }

  void Process() {
    if (!bus_) return;
    while (sd_bus_process(bus_, nullptr) > 0) {
    }
    int events = sd_bus_get_events(bus_);
    loop_.ModifyFd(sd_bus_get_fd(bus_), (events & POLLOUT ? uint32_t{EPOLLOUT} : 0u) | uint32_t{EPOLLIN}).ok();
  }

 private:
  void Register() {
    sd_bus_call_method_async(bus_, nullptr, "org.freedesktop.GeoClue2",
                             "/org/freedesktop/GeoClue2/Manager",
                             "org.freedesktop.GeoClue2.Manager", "AddAgent", &Agent::Registered,
                             this, "s", "vmi-location");
  }

  static int Registered(sd_bus_message* m, void*, sd_bus_error*) {
    if (sd_bus_message_is_method_error(m, nullptr)) {
      const sd_bus_error* e = sd_bus_message_get_error(m);
      // Not running yet: NameOwnerChanged brings it.
      if (!sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.ServiceUnknown") &&
          !sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NameHasNoOwner"))
        VMI_LOG(WARN) << "GeoClue refused the agent: " << (e->message ? e->message : e->name);
    } else {
      VMI_LOG(INFO) << "GeoClue agent registered";
    }
    return 0;
  }

  static int OwnerChanged(sd_bus_message* m, void* self, sd_bus_error*) {
    const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 &&
        std::strcmp(name, "org.freedesktop.GeoClue2") == 0 && new_owner && *new_owner)
      static_cast<Agent*>(self)->Register();
    return 0;
  }

  static int Authorize(sd_bus_message* m, void*, sd_bus_error*) {
    const char* desktop_id = nullptr;
    uint32_t level = 0;
    int r = sd_bus_message_read(m, "su", &desktop_id, &level);
    if (r < 0) return r;
    return sd_bus_reply_method_return(m, "bu", 1, level);
  }

  static int MaxAccuracy(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                         void*, sd_bus_error*) {
    return sd_bus_message_append(reply, "u", 8u);  // GCLUE_ACCURACY_LEVEL_EXACT
  }

  vmi::EventLoop& loop_;
  sd_bus* bus_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  std::string state = "/run/vmi-devices", socket_path = "/run/vmi-nmea.sock";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--state") state = argv[i + 1];
    else if (k == "--socket") socket_path = argv[i + 1];
    else {
      fprintf(stderr, "usage: vmi-location [--state DIR] [--socket PATH]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  auto loop = vmi::EventLoop::Create();
  if (!loop.ok()) return 1;
  vmi::UniqueFd listener = Listen(socket_path);
  if (!listener) {
    VMI_LOG(ERROR) << "cannot listen on " << socket_path << ": " << strerror(errno);
    return 1;
  }
  Receiver receiver(**loop, state);
  receiver.Load();
  vmi::UniqueFd watch(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  // The host replaces the file by rename; a missing directory (an instance
  // without the view) leaves a receiver that never has a fix.
  if (!watch || inotify_add_watch(watch.get(), state.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    VMI_LOG(WARN) << "not watching " << state << ": " << strerror(errno);
  else
    (*loop)->AddFd(watch.get(), EPOLLIN, [&](uint32_t) {
      char buf[4096];
      while (read(watch.get(), buf, sizeof buf) > 0) {
      }
      receiver.Tick();
    }).ok();
  (*loop)->AddFd(listener.get(), EPOLLIN, [&](uint32_t) { receiver.Accept(listener.get()); }).ok();
  Agent agent(**loop);
  agent.Connect();
  (*loop)->AddTimer(std::chrono::seconds(1), [&] {
    receiver.Tick();
    // The bus may start after this program; replies' timeouts are
    // processed here too.
    if (agent.Connect()) agent.Process();
  }, true).ok();
  VMI_LOG(INFO) << "NMEA on " << socket_path << " from " << state;
  return (*loop)->Run().ok() ? 0 : 1;
}
