// CallAudio: puts two instances' sound cards in in-call mode while a call
// between them is up (seed 002: "audio switches to in-call mode during a
// call"). It follows the phone service's events: when an instance's call
// becomes active and the far end's number is another instance of the node,
// the two are bridged (each one's microphone plays at the other's output,
// audio::AudioHub::SetCallPeer); when the call ends or fails, or the modem
// service restarts (calls do not survive it), the bridge goes.
//
// Calls to or from outside the node (dial_in, the uplink) have no far-end
// instance and leave the sound card alone.
//
// Threads: thread-safe. OnPhoneEvent runs on the modem client's reader
// thread; the bridge functions may block briefly (they wait for the audio
// thread).
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace vmi::node {

class CallAudio {
 public:
  struct Bridge {
    std::function<void(const std::string& a, const std::string& b)> connect;
    std::function<void(const std::string& id)> disconnect;
  };
  // `instance_of`: the instance that has a number on the node ("" if none).
  explicit CallAudio(std::function<std::string(const std::string& number)> instance_of)
      : instance_of_(std::move(instance_of)) {}

  // Where bridges go (the node's sound card); without one, events are only
  // remembered so a later sound card gets no stale bridge.
  void SetBridge(Bridge b);
  void ClearBridge();

  void OnPhoneEvent(const std::string& instance, const nlohmann::json& event);
  // The modem service restarted: every call is gone.
  void OnModemRestart();

 private:
  std::function<std::string(const std::string&)> instance_of_;
  std::mutex mu_;
  Bridge bridge_;
  std::set<std::string> bridged_;  // instances in in-call mode
};

}  // namespace vmi::node
