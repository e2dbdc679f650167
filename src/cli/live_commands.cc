// vmi events, vmi vnc ID [--listen [HOST:]PORT [--once]], vmi rotate ID portrait|landscape,
// vmi audio ID [--volume V] [--mute|--unmute], vmi listen ID... [--seconds S].
//
// `vmi events` follows GET /api/v1/events (Server-Sent Events, see
// node/instance_events.h): first one `instance` event per visible instance,
// then every change, one line each, until interrupted or --count events.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <list>
#include <thread>
#include <ctime>
#include <iostream>

#include "api/http/client.h"
#include "cli/context.h"

namespace vmi::cli {

namespace {

struct LiveArgs {
  std::string id;
  std::string orientation;
  int64_t count = 0;
  std::string only;
  double volume = -1;
  bool mute = false, unmute = false;
  std::vector<std::string> listen;
  double seconds = 0;
  std::string vnc_listen;
  bool vnc_once = false;
};

// `vmi vnc ID --listen [HOST:]PORT`: a local port for native VNC clients,
// each connection carried over the server's RFB WebSocket (a cluster's
// phones have no VNC port a client outside could reach).
Result<void> VncListen(const Context& ctx, const Json& info, const LiveArgs& a) {
  std::string ws = Field(info, "websocket");
  if (ws == "-")
    return Error(ErrorCode::kFailedPrecondition,
                 "this server carries no VNC over WebSocket; connect to " + Field(info, "host") +
                     "::" + Field(info, "port"));
  std::string host = "127.0.0.1", port = a.vnc_listen;
  if (size_t colon = a.vnc_listen.rfind(':'); colon != std::string::npos) {
    host = a.vnc_listen.substr(0, colon);
    port = a.vnc_listen.substr(colon + 1);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535 || inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return Error(ErrorCode::kInvalidArgument, "--listen [IPv4:]PORT, not " + a.vnc_listen);
  addr.sin_port = htons(static_cast<uint16_t>(p));
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener.get(), 8) != 0)
    return Error::FromErrno("listen on " + a.vnc_listen);
  socklen_t len = sizeof addr;
  getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  std::cout << "password: " << Field(info, "password") << "\n"
            << "listening on " << host << ":" << ntohs(addr.sin_port) << " (" << ws << ")\n"
            << "connect:  vncviewer " << host << "::" << ntohs(addr.sin_port) << std::endl;
  std::list<std::thread> tunnels;
  for (;;) {
    UniqueFd client(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) {
      if (errno == EINTR) continue;
      Error e = Error::FromErrno("accept");
      for (auto& t : tunnels) t.join();
      return e;
    }
    auto run = [&ctx, ws](UniqueFd c) {
      auto http = ctx.Connect();
      auto r = http.ok() ? (*http)->Tunnel(ws, std::move(c)) : Result<void>(http.error());
      if (!r.ok()) std::cerr << "vmi: VNC tunnel: " << r.error().ToString() << std::endl;
      return r;
    };
    if (a.vnc_once) {
      listener.reset();
      return run(std::move(client));
    }
    tunnels.emplace_back([run, c = std::make_shared<UniqueFd>(std::move(client))]() mutable {
      (void)run(std::move(*c));
    });
  }
}

std::string Now() {
  time_t t = time(nullptr);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[16];
  strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// One human line per event: "12:00:01 instance a1b2 phone1 running".
std::string EventLine(const api::SseParser::Event& e, const Json& data) {
  std::string line = Now() + " " + e.event;
  if (data.is_object()) {
    line += " " + Field(data, "id") + " " + Field(data, "name");
    if (data.contains("state")) line += " " + Field(data, "state");
    if (data.contains("type")) line += " " + Field(data, "type");
    if (data.contains("owner_id")) line += " owner=" + Field(data, "owner_id");
    // device_host events: what happened to the instance's device host.
    if (data.contains("event")) line += " " + Field(data, "event");
    if (data.contains("status")) line += " " + Field(data, "status");
    // device events: which control changed, and to what.
    if (data.contains("device")) {
      std::string device = Field(data, "device");
      line += " " + device;
      if (data.contains(device)) line += " " + data[device].dump();
    }
  } else {
    line += " " + e.data;
  }
  return line;
}

bool Matches(const Json& data, const std::string& only) {
  return only.empty() || Field(data, "id") == only || Field(data, "name") == only;
}

int FollowEvents(Context& ctx, const LiveArgs& a) {
  // Reads wait for the next event; the server sends a keep-alive comment
  // every 15 s, so a silent minute means the connection is gone.
  auto c = ctx.Connect(true, std::chrono::seconds(60));
  if (!c.ok()) return FailConnect(c.error());
  int64_t seen = 0;
  bool done = false;
  api::SseParser parser([&](const api::SseParser::Event& e) {
    if (done) return;
    Json data = Json::parse(e.data, nullptr, false);
    if (!Matches(data, a.only)) return;
    if (ctx.g.json) {
      Json line = {
          {"event", e.event}, {"id", e.id}, {"data", data.is_discarded() ? Json(e.data) : data}};
      std::cout << line.dump() << std::endl;
    } else {
      std::cout << EventLine(e, data) << std::endl;
    }
    if (a.count > 0 && ++seen >= a.count) done = true;
  });
  auto r = (*c)->Stream("GET", "/api/v1/events", [&](std::string_view bytes) {
    parser.Feed(bytes);
    return !done;
  });
  if (!r.ok()) return Fail(std::move(r).error().Context("follow events"));
  if (!done) return Fail(Error(ErrorCode::kUnavailable, "the server ended the event stream"));
  return kExitOk;
}

// The mix of the instances' sound, as the WAV stream of
// GET /api/v1/audio/mix.wav, to stdout.
int Listen(Context& ctx, const LiveArgs& a) {
  if (isatty(STDOUT_FILENO))
    return UsageError("the sound is a WAV stream: pipe it (vmi listen ID | aplay) or redirect it");
  std::string list;
  for (const auto& id : a.listen) list += (list.empty() ? "" : ",") + id;
  // 44 header bytes, then 192,000 bytes per second (48 kHz, 16-bit stereo).
  const uint64_t limit =
      a.seconds > 0 ? 44 + static_cast<uint64_t>(a.seconds * 48000) * 4 : UINT64_MAX;
  auto c = ctx.Connect(true, std::chrono::seconds(30));
  if (!c.ok()) return FailConnect(c.error());
  uint64_t written = 0;
  bool failed = false;
  auto r = (*c)->Stream("GET", "/api/v1/audio/mix.wav?instances=" + list, [&](std::string_view b) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(b.size(), limit - written));
    if (fwrite(b.data(), 1, n, stdout) != n) {
      failed = true;  // the reader went away (aplay ended): stop quietly
      return false;
    }
    written += n;
    return written < limit;
  });
  fflush(stdout);
  if (!r.ok()) return Fail(std::move(r).error().Context("listen"));
  if (!failed && written < limit && a.seconds > 0)
    return Fail(Error(ErrorCode::kUnavailable, "the server ended the sound early"));
  return kExitOk;
}

}  // namespace

void AddLiveCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<LiveArgs>();

  auto* events = app.add_subcommand("events", "Follow instance state changes, one line per event");
  events
      ->add_option("--count", a.count, "Stop after this many events (0: follow until interrupted)")
      ->check(CLI::NonNegativeNumber);
  events->add_option("--instance", a.only, "Only this instance (id or name)");
  ctx.On(events, [&] { return FollowEvents(ctx, a); });

  auto* listen = app.add_subcommand(
      "listen", "Mix the instances' sound into a WAV stream on stdout (vmi listen ID... | aplay)");
  listen->add_option("ids", a.listen, "Instance ids or names")->required();
  listen->add_option("--seconds", a.seconds, "Stop after this much sound (0: until interrupted)")
      ->check(CLI::NonNegativeNumber);
  ctx.On(listen, [&] { return Listen(ctx, a); });

  auto* vnc = app.add_subcommand("vnc", "Show an instance's VNC address and password");
  vnc->add_option("id", a.id, "Instance id or name")->required();
  vnc->add_option("--listen", a.vnc_listen,
                  "Serve VNC clients on this local [IPv4:]PORT, carried over the server's "
                  "WebSocket (how phones on Kubernetes are reached)");
  vnc->add_flag("--once", a.vnc_once, "With --listen: serve one connection, then exit");
  ctx.On(vnc, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/instances/" + a.id + "/vnc"));
      if (!a.vnc_listen.empty()) return VncListen(ctx, j, a);
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      std::string host = Field(j, "host"), port = Field(j, "port");
      if (host == "-") {  // a phone on Kubernetes: only the WebSocket
        std::cout << "password:  " << Field(j, "password") << "\n"
                  << "websocket: " << Field(j, "websocket") << "\n"
                  << "connect:   vmi vnc " << a.id << " --listen 5900, then vncviewer "
                  << "127.0.0.1::5900\n";
        return Ok();
      }
      std::cout << "address:  " << host << ":" << port << "\n"
                << "password: " << Field(j, "password") << "\n"
                << "connect:  vncviewer " << host << "::" << port << "\n";
      return Ok();
    });
  });

  auto* rotate = app.add_subcommand("rotate", "Rotate an instance's display");
  rotate->add_option("id", a.id, "Instance id or name")->required();
  rotate->add_option("orientation", a.orientation, "portrait or landscape")
      ->required()
      ->check(CLI::IsMember({"portrait", "landscape"}));
  ctx.On(rotate, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json body = {{"orientation", a.orientation}};
      Json j = VMI_TRY(c.Call("POST", "/api/v1/instances/" + a.id + "/rotate", &body));
      if (ctx.g.json)
        PrintJson(j);
      else
        std::cout << Field(j, "orientation") << " " << Field(j, "width") << "x"
                  << Field(j, "height") << "\n";
      return Ok();
    });
  });

  auto* audio =
      app.add_subcommand("audio", "Show or set the host volume and mute of an instance's sound");
  audio->add_option("id", a.id, "Instance id or name")->required();
  audio->add_option("--volume", a.volume, "0 silent, 1 as played, up to 1.5 amplified")
      ->check(CLI::Range(0.0, 1.5));
  auto* mute = audio->add_flag("--mute", a.mute, "Mute it");
  audio->add_flag("--unmute", a.unmute, "Unmute it")->excludes(mute);
  ctx.On(audio, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      std::string path = "/api/v1/instances/" + a.id + "/audio";
      Json body = Json::object();
      if (a.volume >= 0) body["volume"] = a.volume;
      if (a.mute || a.unmute) body["muted"] = a.mute;
      Json j = body.empty() ? VMI_TRY(c.Call("GET", path)) : VMI_TRY(c.Call("PUT", path, &body));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      char vol[16];
      snprintf(vol, sizeof vol, "%.2f", j.value("volume", 0.0));
      std::cout << "volume " << vol << (j.value("muted", false) ? " (muted)" : "") << "\n";
      return Ok();
    });
  });
}

}  // namespace vmi::cli
