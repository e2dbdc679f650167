// vmi events, vmi vnc ID, vmi rotate ID portrait|landscape,
// vmi audio ID [--volume V] [--mute|--unmute], vmi listen ID... [--seconds S].
//
// `vmi events` follows GET /api/v1/events (Server-Sent Events, see
// node/instance_events.h): first one `instance` event per visible instance,
// then every change, one line each, until interrupted or --count events.
#include <unistd.h>

#include <cstdio>
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
};

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
  ctx.On(vnc, [&] {
    return ctx.With([&](api::HttpClient& c) -> Result<void> {
      Json j = VMI_TRY(c.Call("GET", "/api/v1/instances/" + a.id + "/vnc"));
      if (ctx.g.json) {
        PrintJson(j);
        return Ok();
      }
      std::string host = Field(j, "host"), port = Field(j, "port");
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
