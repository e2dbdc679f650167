// ViewerAudio: the sound of one browser viewer connection (docs/audio.md,
// "Transport API and the viewer WebSocket"). It binds the viewer's session
// to the instance's AudioDevice through an audio::ViewerAudioLink: the
// instance's Opus packets go out as 0x20 messages on the same WebSocket as
// the video (ViewerSession::SendAudio, which drops when the viewer is backed
// up, so a viewer that never reads never holds up the guest), and the
// viewer's 0x21 microphone packets go into the guest's capture streams, but
// only while this viewer holds input control (routing rule 5).
//
// Life: created before its session (the session's on_audio calls
// OnClientMessage), then Attach()ed to the session. Detach() (the viewer
// leaves, or the instance's audio device is about to be removed) ends the
// subscription; afterwards no audio-thread call touches the session again,
// and client audio messages are dropped.
//
// Ownership: shared (shared_ptr) by the session's on_audio callback and the
// ViewerLink; it holds the session weakly (the session's options own the
// callback that owns this object). The device and arbiter are borrowed: the
// device until Detach(), the arbiter for the whole life (InstanceLive's
// devices outlive every session).
// Threads: OnClientMessage runs on the transport's thread; Attach/Detach on
// any thread; the link's packet callback on the audio thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "devices/audio/audio_device.h"
#include "devices/audio/viewer_audio.h"
#include "stream/web/control_arbiter.h"
#include "stream/web/viewer_session.h"

namespace vmi::node::live {

class ViewerAudio {
 public:
  explicit ViewerAudio(web::ControlArbiter* arbiter) : arbiter_(arbiter) {}
  ViewerAudio(const ViewerAudio&) = delete;
  ViewerAudio& operator=(const ViewerAudio&) = delete;

  // Starts sending the device's packets to `session`. No-op after Detach()
  // or with a null device (the instance has no sound card).
  void Attach(audio::AudioDevice* device, const std::shared_ptr<web::ViewerSession>& session);
  void Detach();

  // A client message of type 0x20-0x2f (the session's on_audio). A
  // malformed one closes the viewer (1008), like any protocol violation.
  void OnClientMessage(std::span<const uint8_t> msg);

 private:
  web::ControlArbiter* const arbiter_;
  std::mutex mu_;  // guards the fields below
  bool detached_ = false;
  std::weak_ptr<web::ViewerSession> session_;
  std::unique_ptr<audio::ViewerAudioLink> link_;
};

}  // namespace vmi::node::live
