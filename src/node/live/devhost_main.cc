// vmi-devhost: the device host of one running instance (docs/architecture.md,
// "The device host").
//
// The daemon starts one per running instance, beside the guest, in a session
// of its own, so that neither the daemon's death nor a crash here touches
// anything else: the daemon restarts a device host that dies and adopts the
// running ones after its own restart. This process owns every host-side
// device of its instance: display capture, the video pipeline and its
// viewers, input injection, the sound card (guest rings, Opus, the viewers'
// sound and microphone), the VNC server, screenshots and rotation, all
// through the InstanceLive of node/live, and the modem (the guest port's
// endpoint and AT modem, devices/telephony/modem_host.h).
//
// It serves <instance dir>/devhost.sock (control_message.h): the daemon
// hands over each authorized viewer's connection there (SCM_RIGHTS), so
// frames go from here to the viewer and never through the daemon.
//
// Threads: the main thread runs the event loop (control socket, signals,
// the screen keeper's tick); the control requests run on the HTTP server's
// worker pool, the viewers' WebSockets on its io thread; the device threads
// are InstanceLive's (README.md of node/live); the modem has its own thread
// (vmi-modem-line).
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <iostream>

#include "api/http/server.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "devices/host/control_message.h"
#include "devices/input/input_script.h"
#include "devices/telephony/modem_host.h"
#include "node/live/instance_live.h"
#include "stream/video/thumbnail.h"
#include "node/live/viewer_socket.h"

namespace vmi::node::live {
namespace {

using devhost::Message;
using nlohmann::json;

struct Args {
  InstanceRecord record;
  std::string devdir, socket;
  std::string modem_line;  // vmi-modem's line socket (or HOST:PORT); empty: no modem here
  std::string line_token;  // the line's token over TCP ($VMI_LINE_TOKEN)
  float volume = 1.0f;
  bool muted = false;
  bool audio = true;
};

Result<Args> ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) return Error(ErrorCode::kInvalidArgument, "option " + k + " needs a value");
    std::string v = argv[++i];
    try {
      if (k == "--id") a.record.spec.id = v;
      else if (k == "--name") a.record.spec.name = v;
      else if (k == "--devdir") a.devdir = v;
      else if (k == "--socket") a.socket = v;
      else if (k == "--modem-line") a.modem_line = v;
      else if (k == "--width") a.record.spec.width = std::stoi(v);
      else if (k == "--height") a.record.spec.height = std::stoi(v);
      else if (k == "--dpi") a.record.spec.dpi = std::stoi(v);
      else if (k == "--volume") a.volume = std::stof(v);
      else if (k == "--muted") a.muted = v == "1";
      else if (k == "--audio") a.audio = v == "1";
      else return Error(ErrorCode::kInvalidArgument, "unknown option " + k);
    } catch (const std::exception&) {
      return Error(ErrorCode::kInvalidArgument, "bad value for " + k + ": " + v);
    }
  }
  // The VNC password comes in the environment, not on the command line
  // that every local user can read in /proc.
  if (const char* p = getenv("VMI_VNC_PASSWORD")) a.record.vnc_password = p;
  unsetenv("VMI_VNC_PASSWORD");
  // On a cluster the line is HOST:PORT and its token comes the same way.
  if (const char* t = getenv("VMI_LINE_TOKEN")) a.line_token = t;
  unsetenv("VMI_LINE_TOKEN");
  if (a.record.spec.id.empty() || a.devdir.empty() || a.socket.empty())
    return Error(ErrorCode::kInvalidArgument,
                 "usage: vmi-devhost --id ID --devdir DIR --socket PATH [--name N] [--width W "
                 "--height H --dpi D] [--volume V --muted 0|1 --audio 0|1] [--modem-line PATH|HOST:PORT]");
  a.record.state = InstanceState::kRunning;
  return a;
}

Result<UniqueFd> Listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Error(ErrorCode::kInvalidArgument, "socket path too long: " + path);
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return Error::FromErrno("socket");
  // A socket left by a crashed device host is replaced; the daemon knows
  // which process serves it from devhost.pid.
  unlink(path.c_str());
  mode_t old = umask(0077);  // root only: the daemon is the only client
  int r = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (r != 0) return Error::FromErrno("bind " + path);
  if (listen(fd.get(), 64) != 0) return Error::FromErrno("listen " + path);
  return fd;
}

// One device host: the instance's services, the server that speaks to
// handed-off viewers, and the control requests.
class DeviceHost {
 public:
  DeviceHost(Args args, std::shared_ptr<InstanceLive> live, std::shared_ptr<audio::AudioHost> audio,
             std::shared_ptr<input::InputRouter> input)
      : args_(std::move(args)),
        live_(std::move(live)),
        audio_(std::move(audio)),
        input_(std::move(input)) {}

  Result<void> StartServer() {
    router_.HandleWebSocket(
        "/api/v1/instances/{id}/stream",
        [this](api::Request& req, std::shared_ptr<api::WebSocket> ws) -> Result<void> {
          auto audio = req.Query("audio");
          // The lease (Handle, "viewer") is held for as long as the viewer.
          return AttachViewer(live_, std::move(ws), !audio || *audio != "0", req.peer.attachment);
        });
    api::ServerOptions so;
    so.adopt_only = true;
    so.worker_threads = 2;
    server_ = VMI_TRY_CTX(api::Server::Start(so, router_), "viewer server");
    return Ok();
  }

  // Runs on a worker thread: one request, one reply, then the connection
  // closes (an audio tap keeps it for the sound that follows).
  void Serve(UniqueFd conn) {
    auto req = devhost::ReceiveMessage(conn.get(), std::chrono::seconds(5));
    if (!req.ok()) {
      VMI_ILOG(WARN, id()) << "control request: " << req.error().ToString();
      return;
    }
    if (req->header.value("op", "") == "audio_tap") return OpenTap(std::move(conn));
    Message reply;
    auto r = Handle(*req);
    reply = r.ok() ? std::move(*r) : devhost::ErrorReply(r.error());
    if (auto s = devhost::SendMessage(conn.get(), reply); !s.ok())
      VMI_ILOG(WARN, id()) << "control reply: " << s.error().ToString();
  }

  void Tick() {
    live_->Tick();
    // Taps whose reader went away leave the mix here, on the main thread
    // (the audio thread that noticed must not remove its own listener).
    std::vector<std::shared_ptr<Tap>> dead;
    {
      std::lock_guard lock(taps_mu_);
      for (auto it = taps_.begin(); it != taps_.end();) {
        if ((*it)->dead.load()) {
          dead.push_back(std::move(*it));
          it = taps_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& t : dead) audio_->RemoveMixListener(t->listener);
  }
  void Stop() {
    {
      std::lock_guard lock(taps_mu_);
      for (auto& t : taps_) audio_->RemoveMixListener(t->listener);
      taps_.clear();
    }
    // The viewers are told why (1001 "instance stopped") and get a moment to
    // answer the close before the server cuts what is left.
    live_->Shutdown();
    for (int i = 0; i < 50 && live_->viewer_count() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (server_) server_->Stop();
  }
  api::Server& server() { return *server_; }
  const std::string& id() const { return args_.record.spec.id; }

 private:
  // The instance's sound output streamed to the daemon's mixer
  // (DeviceHostMixer), one TapBlock per host block, written without ever
  // blocking the audio thread: a block that does not fit is dropped.
  struct Tap {
    UniqueFd fd;
    uint64_t listener = 0;
    std::atomic<bool> dead{false};
    std::string pending;  // the rest of a block written in part (audio thread)

    void Write(const float* block, int64_t ts) {
      if (dead.load()) return;
      if (!pending.empty() && !Flush()) return;
      pending = devhost::EncodeTapBlock(block, ts);
      Flush();
    }
    bool Flush() {
      ssize_t n = send(fd.get(), pending.data(), pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) dead = true;
        // A whole block is dropped rather than queued (the reader is slow).
        if (errno == EAGAIN && pending.size() == devhost::kTapBlockBytes) pending.clear();
        return false;
      }
      pending.erase(0, static_cast<size_t>(n));
      return pending.empty();
    }
  };

  // An input script's events (input::ParseScriptEvents). Scripts are one
  // viewer of the input router, "script": it takes control (also from a
  // person watching) at its first event and keeps it, so a swipe's button
  // stays down between requests, until a request with "release".
  Result<Message> Input(const json& header) {
    auto events = VMI_TRY(input::ParseScriptEvents(header.value("events", json::array())));
    bool release = header.value("release", false);
    VMI_CHECK_OK(live_->EnsureDevices(), "input");
    std::lock_guard lock(script_mu_);
    if (script_viewer_ == 0) {
      script_viewer_ = input_->AddViewer("script");
      if (auto w = input_->Watch(script_viewer_, id()); !w.ok()) {
        input_->RemoveViewer(script_viewer_);
        script_viewer_ = 0;
        return std::move(w).error().Context("input");
      }
    }
    if (!events.empty())
      VMI_CHECK_OK(input_->RequestControl(script_viewer_, id(), input::InputRouter::Take::kForce),
                   "input");
    for (const auto& e : events) {
      using K = input::ScriptEvent::Kind;
      auto sent = e.kind == K::kPointer ? input_->Pointer(script_viewer_, {e.x, e.y, e.buttons})
                  : e.kind == K::kKey   ? input_->Key(script_viewer_, {e.keysym, e.down})
                                        : input_->Text(script_viewer_, e.text);
      VMI_CHECK_OK(sent, "input");
    }
    if (release) input_->ReleaseControl(script_viewer_, id()).ok();
    auto size = live_->screen_size();
    return devhost::OkReply(
        {{"events", events.size()}, {"width", size.width}, {"height", size.height}});
  }

  void OpenTap(UniqueFd conn) {
    if (!audio_) {
      devhost::SendMessage(conn.get(),
                           devhost::ErrorReply(Error(ErrorCode::kUnavailable, "no sound card")))
          .ok();
      return;
    }
    if (!devhost::SendMessage(conn.get(), devhost::OkReply()).ok()) return;
    auto tap = std::make_shared<Tap>();
    tap->fd = std::move(conn);
    tap->listener = audio_->AddMixListener(
        [tap](const float* block, size_t, int64_t ts) { tap->Write(block, ts); });
    audio_->SetMixInput(tap->listener, id(), 1.0f, false);
    std::lock_guard lock(taps_mu_);
    taps_.push_back(std::move(tap));
  }

  Result<Message> Handle(Message& req) {
    std::string op = req.header.value("op", "");
    if (op == "hello") return devhost::OkReply({{"id", id()}, {"pid", getpid()}});
    if (op == "viewer") {
      if (!req.fd) return Error(ErrorCode::kInvalidArgument, "viewer without a connection");
      // The viewer's lease: one end stays with the viewer's connection, the
      // other goes back to the daemon, which sees it hang up when the viewer
      // leaves or this process dies (its viewer caps count leases).
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return Error::FromErrno("viewer lease");
      auto held = std::make_shared<UniqueFd>(pair[0]);
      UniqueFd lease(pair[1]);
      VMI_CHECK_OK(server_->Adopt(std::move(req.fd), std::move(req.data), std::move(held)),
                   "adopt viewer");
      Message reply = devhost::OkReply();
      reply.fd = std::move(lease);
      return reply;
    }
    if (op == "screenshot") {
      std::string mw = req.header.value("max_width", ""), fmt = req.header.value("format", "");
      auto options = VMI_TRY(video::ParseScreenshotOptions(mw.empty() ? nullptr : &mw,
                                                    fmt.empty() ? nullptr : &fmt));
      auto image = VMI_TRY(live_->Screenshot(options));
      return devhost::OkReply({{"content_type", image.content_type}}, std::move(image.data));
    }
    if (op == "rotate") {
      auto o = VMI_TRY(display::ParseOrientation(req.header.value("orientation", "")));
      auto size = VMI_TRY(live_->Rotate(o));
      return devhost::OkReply({{"width", size.width}, {"height", size.height}});
    }
    if (op == "vnc") {
      auto v = VMI_TRY(live_->Vnc());
      return devhost::OkReply({{"host", v.host}, {"port", v.port}, {"password", v.password}});
    }
    if (op == "audio") {
      if (!audio_) return Error(ErrorCode::kUnavailable, "the instance has no sound card");
      audio::AudioSettings s = audio_->settings(id());
      if (auto v = req.header.find("volume"); v != req.header.end() && v->is_number())
        s.volume = v->get<float>();
      if (auto m = req.header.find("muted"); m != req.header.end() && m->is_boolean())
        s.muted = m->get<bool>();
      audio_->SetSettings(id(), s);
      return devhost::OkReply({{"volume", s.volume}, {"muted", s.muted}});
    }
    if (op == "call") {
      // In-call audio: this instance's end of the socket pair the daemon
      // made for the call; the peer's device host has the other end.
      if (!audio_) return Error(ErrorCode::kUnavailable, "the instance has no sound card");
      std::string peer = req.header.value("peer", "");
      if (!req.fd || peer.empty())
        return Error(ErrorCode::kInvalidArgument, "call needs a peer and its socket");
      int type = 0;
      socklen_t len = sizeof type;
      if (getsockopt(req.fd.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET)
        return Error(ErrorCode::kInvalidArgument, "call socket is not SOCK_SEQPACKET");
      audio_->SetCallLink(id(), std::move(req.fd), peer);
      return devhost::OkReply();
    }
    if (op == "call_end") {
      if (audio_) audio_->EndCallLink(id());
      return devhost::OkReply();
    }
    if (op == "input") return Input(req.header);
    if (op == "stats") {
      json call = nullptr;
      if (audio_) {
        auto c = audio_->call_state(id());
        if (!c.peer.empty())
          call = {{"peer", c.peer}, {"sent", c.stats.sent}, {"received", c.stats.received},
                  {"played", c.stats.played}, {"late", c.stats.late}, {"dropped", c.stats.dropped}};
      }
      auto s = live_->stats();
      const auto& v = s.video;
      return devhost::OkReply(
          {{"viewers", s.viewers},
           {"has_video", s.has_video},
           {"call", call},
           {"video",
            {{"running", v.running}, {"captures", v.captures}, {"damaged", v.damaged},
             {"h264_frames", v.h264_frames}, {"h264_keyframes", v.h264_keyframes},
             {"jpeg_frames", v.jpeg_frames}, {"bytes_out", v.bytes_out},
             {"bitrate_kbps", v.bitrate_kbps}}}});
    }
    return Error(ErrorCode::kInvalidArgument, "unknown op '" + op + "'");
  }

  Args args_;
  std::shared_ptr<InstanceLive> live_;
  std::shared_ptr<audio::AudioHost> audio_;
  std::shared_ptr<input::InputRouter> input_;
  std::mutex script_mu_;                // serialises scripts' requests
  input::ViewerId script_viewer_ = 0;  // guarded by script_mu_
  api::Router router_;
  std::unique_ptr<api::Server> server_;
  std::mutex taps_mu_;  // guards taps_
  std::vector<std::shared_ptr<Tap>> taps_;
};

Result<void> Run(Args args) {
  sigset_t set = BlockStopSignals();  // before any thread starts
  UniqueFd sigfd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigfd) return Error::FromErrno("signalfd");

  std::shared_ptr<audio::AudioHost> audio;
  if (args.audio) {
    auto a = audio::AudioHost::Create();
    if (a.ok()) {
      audio = std::move(*a);
      audio->SetSettings(args.record.spec.id, {args.volume, args.muted});
    } else {
      VMI_ILOG(WARN, args.record.spec.id) << "no sound: " << a.error().ToString();
    }
  }
  auto router = std::make_shared<input::InputRouter>();
  auto live = InstanceLive::Start(args.record, args.devdir, router, LiveOptions{}, audio);
  // The instance's modem (its guest port's endpoint and AT modem), on a
  // thread of its own; its line goes to vmi-modem.
  std::unique_ptr<telephony::ModemHost> modem;
  if (!args.modem_line.empty()) {
    auto m = telephony::ModemHost::Start(args.record.spec.id, args.devdir, args.modem_line,
                                         args.line_token);
    if (m.ok())
      modem = std::move(*m);
    else
      VMI_ILOG(WARN, args.record.spec.id) << "no modem: " << m.error().ToString();
  }
  std::string socket_path = args.socket;
  DeviceHost host(std::move(args), live, audio, router);
  VMI_CHECK_OK(host.StartServer(), "device host");
  auto listener = VMI_TRY(Listen(socket_path));
  auto loop = VMI_TRY(EventLoop::Create());
  VMI_CHECK_OK(loop->AddFd(listener.get(), EPOLLIN,
                           [&](uint32_t) {
                             for (;;) {
                               int c = accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
                               if (c < 0) return;
                               auto conn = std::make_shared<UniqueFd>(c);
                               host.server().RunBlocking(
                                   [&host, conn] { host.Serve(std::move(*conn)); });
                             }
                           }),
               "watch the control socket");
  VMI_CHECK_OK(loop->AddFd(sigfd.get(), EPOLLIN, [&](uint32_t) { loop->Stop(); }),
               "watch signals");
  (void)VMI_TRY(loop->AddTimer(std::chrono::milliseconds(500), [&] { host.Tick(); }, true));
  VMI_ILOG(INFO, host.id()) << "device host " << getpid() << " serving " << socket_path;
  VMI_CHECK_OK(loop->Run(), "event loop");
  VMI_ILOG(INFO, host.id()) << "device host stopping";
  loop->RemoveFd(listener.get());
  unlink(socket_path.c_str());
  modem.reset();
  host.Stop();
  return Ok();
}

}  // namespace
}  // namespace vmi::node::live

int main(int argc, char** argv) {
  pthread_setname_np(pthread_self(), "vmi-devhost");
  auto args = vmi::node::live::ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "vmi-devhost: " << args.error().ToString() << "\n";
    return 2;
  }
  auto r = vmi::node::live::Run(std::move(*args));
  if (!r.ok()) {
    std::cerr << "vmi-devhost: " << r.error().ToString() << "\n";
    return 1;
  }
  return 0;
}
