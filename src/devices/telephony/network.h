// Network: the node's simulated mobile network. Every instance has a line
// with an E.164 number; calls and SMS between lines are switched here.
//
// Pure logic with no I/O: the modem service owns one Network, feeds it what
// the per-instance modems ask for, and the Network answers through each
// line's LineObserver (the instance's modem) and the event callback (the
// daemon's event stream). A number that is not on the node fails at once
// with the network's answer: a call is released with cause 1 "unassigned
// number", an SMS gets RP cause 1 (+CMS ERROR: 1).
//
// Threads: single-threaded (the modem service's event loop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "devices/telephony/message_journal.h"
#include "devices/telephony/rate_limiter.h"
#include "devices/telephony/sms_pdu.h"
#include "devices/telephony/uplink.h"

namespace vmi::telephony {

// The RIL request numbers the uplink is asked for (routing_table.cc).
inline constexpr int kRilDial = 10;
inline constexpr int kRilHangup = 12;
inline constexpr int kRilSendSms = 25;
inline constexpr int kRilAnswer = 40;

// Call release causes (3GPP TS 24.008 10.5.4.11) that this network gives.
enum class Cause : int {
  kUnassignedNumber = 1,
  kNormalClearing = 16,
  kUserBusy = 17,
  kNoAnswer = 19,
  kSubscriberAbsent = 20,
  kCallRejected = 21,
  kInvalidNumber = 28,
  kTemporaryFailure = 41,
  kResourcesUnavailable = 47,
};
const char* CauseText(Cause c);

// The +CLCC states (TS 27.007 7.18).
enum class CallState { kActive = 0, kDialing = 2, kAlerting = 3, kIncoming = 4, kReleased = 9 };
const char* CallStateName(CallState s);

enum class Registration { kHome, kRoaming, kSearching, kDenied, kNone };
const char* RegistrationName(Registration r);
std::optional<Registration> RegistrationFromName(std::string_view s);

struct LineSettings {
  Registration registration = Registration::kHome;
  int signal = 24;  // +CSQ rssi 0..31 (99: unknown)
  std::string operator_name = "vmi";
  std::string plmn = "00101";  // the 3GPP test network MCC/MNC
};

// One side's view of a call.
struct CallView {
  uint32_t id = 0;
  int index = 0;  // +CLCC index on this side
  bool outgoing = false;
  CallState state = CallState::kDialing;
  std::string peer;  // the other side's number
};

// What a line's modem is told. Implemented by AtModem (and the RIL
// endpoint); callbacks run on the loop thread.
class LineObserver {
 public:
  virtual ~LineObserver() = default;
  virtual void OnIncomingCall(const CallView& call) = 0;
  virtual void OnCallChanged(const CallView& call) = 0;
  virtual void OnCallEnded(const CallView& call, Cause cause) = 0;
  virtual void OnSmsStored(int index) = 0;
};

struct NetworkOptions {
  double call_burst = 5, calls_per_minute = 30;
  double sms_burst = 20, sms_per_minute = 120;
};

class Network : public UplinkListener {
 public:
  using EventSink = std::function<void(const std::string& instance, const nlohmann::json&)>;

  // journal: where accepted SMS are written before they are acknowledged;
  // borrowed, outlives the network. Replays it into the stores.
  static Result<std::unique_ptr<Network>> Create(NetworkOptions options, MessageJournal* journal,
                                                 EventSink events);

  // Lines. A line exists while its instance exists; it is reachable while
  // its modem is attached.
  Result<void> AddLine(const std::string& instance, const std::string& number);
  void RemoveLine(const std::string& instance);
  bool HasLine(const std::string& instance) const { return lines_.count(instance) > 0; }
  std::string NumberOf(const std::string& instance) const;
  void Attach(const std::string& instance, LineObserver* observer);
  void Detach(const std::string& instance, LineObserver* observer);
  Result<void> SetSettings(const std::string& instance, const LineSettings& settings);
  Result<LineSettings> Settings(const std::string& instance) const;
  nlohmann::json LineJson(const std::string& instance) const;

  // Calls. An instance acts only on its own calls.
  Result<uint32_t> Dial(const std::string& instance, const std::string& number);
  // A call from outside the node (the API) to an instance: it rings there.
  Result<uint32_t> DialIn(const std::string& from_number, const std::string& instance);
  Result<void> Answer(const std::string& instance, uint32_t call_id = 0);
  // call_id 0: every call of the instance.
  Result<void> Hangup(const std::string& instance, uint32_t call_id = 0, Cause cause = Cause::kNormalClearing);
  std::vector<CallView> Calls(const std::string& instance) const;
  // The instance at the other end of a call, empty when it is outside.
  std::string PeerInstance(uint32_t call_id, const std::string& instance) const;

  // SMS. Send returns the message reference once the message is accepted
  // (journalled); an unknown destination fails with RP cause 1.
  Result<uint8_t> SendSms(const std::string& instance, const SmsSubmit& submit);
  Result<void> DeliverSms(const std::string& from_number, const std::string& instance,
                          const std::string& text);
  // The instance's SMS storage (what +CMGL/+CMGR/+CMGD see).
  std::vector<const StoredMessage*> Stored(const std::string& instance) const;
  const StoredMessage* StoredAt(const std::string& instance, int index) const;
  Result<void> MarkRead(const std::string& instance, int index);
  Result<void> DeleteStored(const std::string& instance, int index);
  // Sent and received messages, concatenated parts joined, for the API.
  nlohmann::json MessagesJson(const std::string& instance) const;

  static std::string Normalize(std::string_view number);

  // The shared real modem (network_uplink.cc). With an uplink, calls and
  // SMS to numbers that are not on the node go out through it instead of
  // failing; what comes in is routed to one instance: the one that last
  // called or texted that number through the uplink, else the uplink's
  // owner (an instance an admin chose), else nobody (the call is rejected,
  // the SMS waits on the modem). Borrowed; outlives the network.
  void SetUplink(Uplink* uplink) { uplink_ = uplink; }
  Result<void> SetUplinkOwner(const std::string& instance);
  nlohmann::json UplinkJson() const;

  // UplinkListener.
  void OnUplinkComplete(const std::string& instance, uint64_t token, int request,
                        const UplinkResult& result) override;
  bool OnUplinkIncomingCall(const std::string& call, const std::string& from) override;
  void OnUplinkCallActive(const std::string& call) override;
  void OnUplinkCallEnded(const std::string& call, int cause) override;
  bool OnUplinkSms(const std::string& from, const std::string& text) override;

 private:
  struct Line {
    std::string number;
    LineSettings settings;
    LineObserver* observer = nullptr;
    // Requests this line has in flight on the uplink: its own token (it
    // numbers them from 1, as every instance does) -> the call or message.
    uint64_t next_token = 1;
    std::map<uint64_t, uint64_t> uplink_pending;
  };
  struct Call {
    uint32_t id;
    std::string caller, callee;  // instances; empty when outside the node
    std::string caller_number, callee_number;
    int caller_index = 0, callee_index = 0;
    bool active = false;
    bool via_uplink = false;
    std::string uplink_call;  // the modem's handle, once it gave one
  };

  Network(NetworkOptions options, MessageJournal* journal, EventSink events);
  Result<void> Replay();
  std::string InstanceOf(const std::string& number) const;
  bool Busy(const std::string& instance) const;
  int FreeIndex(const std::string& instance) const;
  CallView ViewOf(const Call& c, const std::string& instance) const;
  void Notify(const std::string& instance, const Call& c, const char* what);
  void EndCall(uint32_t id, Cause cause, const std::string& by);
  Result<void> Store(StoredMessage m);
  // network_uplink.cc
  Result<uint32_t> DialUplink(const std::string& instance, const std::string& number);
  Result<uint8_t> SendSmsUplink(const std::string& instance, const std::string& number,
                                const SmsSubmit& submit);
  void SubmitUplink(const std::string& instance, int request, uint64_t subject,
                    UplinkRequest r);
  void UplinkCallEndedHere(const Call& c);
  std::string RouteIncoming(const std::string& from) const;
  void Converse(const std::string& number, const std::string& instance);

  NetworkOptions options_;
  MessageJournal* journal_;
  EventSink events_;
  std::map<std::string, Line> lines_;
  std::map<uint32_t, Call> calls_;
  uint32_t next_call_ = 1;
  uint64_t next_message_ = 1;
  uint8_t next_ref_ = 1;
  uint16_t next_concat_ref_ = 1;
  // Every message ever accepted, by id; deleted ones stay for the API list.
  std::map<uint64_t, StoredMessage> messages_;
  Uplink* uplink_ = nullptr;
  std::string uplink_owner_;
  // Far numbers and the instance that last talked to them through the
  // uplink (seed 002: which container an incoming call or SMS goes to).
  std::map<std::string, std::pair<std::string, int64_t>> conversations_;
  // Parts of concatenated SMS on their way to the uplink, gathered so the
  // far end gets one message: (instance, number, reference) -> seq -> text.
  std::map<std::tuple<std::string, std::string, uint16_t>, std::map<int, std::string>> uplink_parts_;
  uint64_t uplink_requests_ = 0, uplink_in_calls_ = 0, uplink_in_sms_ = 0, uplink_unrouted_ = 0;
  RateLimiter call_limit_;
  RateLimiter sms_limit_;
};

}  // namespace vmi::telephony
