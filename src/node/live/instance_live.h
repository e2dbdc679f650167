// InstanceLive: the live-view services of one running instance.
//
// Two parts:
//  - from the moment the instance runs: the surface server listening at
//    <devdir>/surface.sock (so a non-X guest can connect whenever it starts),
//    the ScreenKeeper (orientation, initial RandR size) and the sound card:
//    an AudioDevice of the node's AudioHost at <devdir>/audio.sock (fake
//    playback paces the guest's sound while nobody listens);
//  - on the first viewer, VNC or screenshot request (EnsureDevices): the
//    XWD framebuffer source, a FrameHub sharing the chosen source among the
//    video pipeline, the VNC server and screenshots (a view's copy of the
//    picture is allocated on its first capture); the input path
//    (InputSwitch -> InputRouter; browser viewers through RouterInputSink);
//    the LiveView (video pipeline, whose encoder runs only while browser
//    viewers watch); the VNC server on 127.0.0.1 with the instance's
//    password.
//
// Every browser viewer gets the instance's sound and may send its
// microphone (ViewerAudio) over the same WebSocket as the video.
//
// Shutdown() (the instance stops) closes the browser viewers (1001
// "instance stopped"), ends their sound and removes the audio device
// (unlinking audio.sock), stops the VNC server, takes the instance out of the
// router and cuts every borrowed tie to the surface server before
// destroying it, synchronously: a restarted instance can listen at the same
// path at once. What the viewers' connections still hold afterwards (the
// LiveView) is inert and goes away with the last of them.
//
// Ownership: shared (shared_ptr): the device host holds it while it runs;
// each browser connection holds it until it is closed, because its session
// borrows the LiveView. The InputRouter is shared for the same reason: a
// connection may outlive the device host's own reference.
// Threads: every public method is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/display/xwd_frame_source.h"
#include "devices/input/input_router.h"
#include "devices/surface/surface_server.h"
#include "node/instance_record.h"
#include "stream/video/thumbnail.h"
#include "devices/audio/audio_host.h"
#include "node/live/audio_viewer.h"
#include "devices/display/frame_hub.h"
#include "node/live/input_switch.h"
#include "node/live/router_input_sink.h"
#include "devices/display/screen_keeper.h"
#include "stream/vnc/vnc_server.h"
#include "stream/web/live_view.h"
#include "stream/web/viewer_transport.h"

namespace vmi::node::live {

struct LiveOptions {
  int fps = 60;      // video pipeline pacing
  int vnc_fps = 30;  // VNC capture rate while clients are connected
  std::string vnc_bind = "127.0.0.1";
  bool surface = true;  // listen for surface guests at <devdir>/surface.sock
  bool audio = true;    // a sound card per instance at <devdir>/audio.sock
};

// One browser viewer's connection: the transport and its session. Shared by
// the WebSocket callbacks (which own it) and InstanceLive (weakly, to close
// it on shutdown).
struct ViewerLink {
  std::unique_ptr<web::ViewerTransport> transport;
  std::shared_ptr<web::ViewerSession> session;
  std::shared_ptr<ViewerAudio> audio;  // set by Connect
  // Whether the viewer gets the instance's sound (and may send its
  // microphone). False for a view whose page plays a mix instead (the
  // console's wall): no audio messages in either direction.
  bool sound = true;
};

struct VncEndpoint {
  std::string host;
  int port = 0;
  std::string password;
};

class InstanceLive {
 public:
  // Starts the always-on part. Never fails: a part that cannot start is
  // logged and left out (the instance is still usable without it).
  // `audio`: the node's sound card host; null runs the instance without
  // sound (as does a device that fails to start).
  static std::shared_ptr<InstanceLive> Start(const InstanceRecord& record, std::string devdir,
                                             std::shared_ptr<input::InputRouter> router,
                                             const LiveOptions& options,
                                             std::shared_ptr<audio::AudioHost> audio = nullptr);
  ~InstanceLive();
  InstanceLive(const InstanceLive&) = delete;
  InstanceLive& operator=(const InstanceLive&) = delete;

  const std::string& id() const { return id_; }

  // Creates the device services if they do not exist yet.
  // kFailedPrecondition after Shutdown().
  Result<void> EnsureDevices();

  // Attaches a browser viewer: fills link->session. The link's transport
  // must stay valid until Disconnect(link).
  Result<void> Connect(const std::shared_ptr<ViewerLink>& link);
  // The viewer's connection is gone (after its session's OnClose). Call it
  // before releasing the link: it ends the viewer's sound, after which the
  // audio thread holds no reference to the session.
  void Disconnect(const ViewerLink* link);

  // The current picture, scaled and encoded as asked (thumbnail.h), straight
  // from the captured frame.
  Result<video::EncodedImage> Screenshot(const video::ScreenshotOptions& options = {});
  Result<display::ScreenSize> Rotate(display::Orientation o);
  Result<display::ScreenSize> ToggleOrientation();
  display::Orientation orientation() const { return keeper_.orientation(); }
  display::ScreenSize screen_size() const { return keeper_.size(); }
  Result<VncEndpoint> Vnc();

  // Periodic upkeep (the service's thread): the screen size.
  void Tick() { keeper_.Tick(); }

  void Shutdown();

  // For /metrics: browser viewers and the video pipeline's counters
  // (has_video is false until the device services exist).
  struct Stats {
    size_t viewers = 0;
    bool has_video = false;
    video::PipelineStats video;
  };
  Stats stats() const;

  // For tests and diagnostics.
  size_t viewer_count() const;
  bool has_devices() const;
  bool has_audio() const;
  surface::SurfaceServer* surface_server() { return surface_.get(); }

 private:
  struct Devices;
  InstanceLive(const InstanceRecord& record, std::string devdir,
               std::shared_ptr<input::InputRouter> router, const LiveOptions& options,
               std::unique_ptr<surface::SurfaceServer> surface,
               std::shared_ptr<audio::AudioHost> audio_host, audio::AudioDevice* audio);
  Result<void> Command(web::Command c);

  const std::string id_;
  const std::string devdir_;
  const std::string vnc_password_;
  const std::shared_ptr<input::InputRouter> router_;
  const LiveOptions options_;
  std::unique_ptr<surface::SurfaceServer> surface_;
  display::ScreenKeeper keeper_;
  // Shared: see AudioHost. The device is valid until Shutdown() removes it.
  const std::shared_ptr<audio::AudioHost> audio_host_;

  mutable std::mutex mu_;  // guards the fields below
  bool down_ = false;
  audio::AudioDevice* audio_ = nullptr;  // null once removed (or if none)
  std::unique_ptr<Devices> devices_;     // never reset once created (until destruction)
  std::vector<std::weak_ptr<ViewerLink>> links_;
};

}  // namespace vmi::node::live
