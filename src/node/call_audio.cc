#include "node/call_audio.h"

#include "base/log.h"

namespace vmi::node {

void CallAudio::SetBridge(Bridge b) {
  std::lock_guard lock(mu_);
  bridge_ = std::move(b);
}

void CallAudio::ClearBridge() {
  std::lock_guard lock(mu_);
  bridge_ = {};
}

void CallAudio::OnPhoneEvent(const std::string& instance, const nlohmann::json& event) {
  std::string type = event.value("type", "");
  if (type == "phone.call.active") {
    std::string peer_number;
    if (event.contains("call") && event["call"].is_object())
      peer_number = event["call"].value("peer", "");
    std::string peer = peer_number.empty() ? "" : instance_of_(peer_number);
    if (peer.empty() || peer == instance) return;
    std::lock_guard lock(mu_);
    bridged_.insert(instance);
    bridged_.insert(peer);
    if (bridge_.connect) {
      bridge_.connect(instance, peer);
      VMI_ILOG(INFO, instance) << "in-call audio with " << peer;
    }
  } else if (type == "phone.call.ended" || type == "phone.call.failed") {
    std::lock_guard lock(mu_);
    if (!bridged_.erase(instance)) return;
    if (bridge_.disconnect) bridge_.disconnect(instance);
  }
}

void CallAudio::OnModemRestart() {
  std::lock_guard lock(mu_);
  for (const auto& id : bridged_)
    if (bridge_.disconnect) bridge_.disconnect(id);
  bridged_.clear();
}

}  // namespace vmi::node
