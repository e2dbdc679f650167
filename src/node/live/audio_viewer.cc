#include "node/live/audio_viewer.h"

namespace vmi::node::live {

void ViewerAudio::Attach(audio::AudioDevice* device,
                         const std::shared_ptr<web::ViewerSession>& session) {
  std::lock_guard lock(mu_);
  if (detached_ || !device || link_) return;
  session_ = session;
  std::weak_ptr<web::ViewerSession> weak = session;
  // Runs on the audio thread. The session is held only for the call;
  // Detach() runs before the connection lets go of it (InstanceLive::
  // Disconnect), so this is never the session's last owner.
  link_ = std::make_unique<audio::ViewerAudioLink>(device, [weak](std::string m) {
    auto s = weak.lock();
    return s && s->SendAudio(std::move(m));
  });
}

void ViewerAudio::Detach() {
  std::unique_ptr<audio::ViewerAudioLink> link;
  {
    std::lock_guard lock(mu_);
    detached_ = true;
    link = std::move(link_);
  }
  // Unsubscribes and waits for a packet callback in flight: afterwards the
  // audio thread never calls into the session again.
  link.reset();
}

void ViewerAudio::OnClientMessage(std::span<const uint8_t> msg) {
  std::shared_ptr<web::ViewerSession> session;
  Result<void> r;
  {
    std::lock_guard lock(mu_);
    session = session_.lock();
    if (!link_ || !session) return;  // no sound card, or gone: dropped
    link_->SetMicrophoneAllowed(arbiter_->view().controller == session->viewer_id());
    r = link_->OnClientMessage(msg);
  }
  if (!r.ok()) session->Reject(r.error().message());
}

}  // namespace vmi::node::live
