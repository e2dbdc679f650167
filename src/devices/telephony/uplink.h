// Uplink: a real modem on the host, shared by every instance of the node
// (seed 002: one proxy server owns the modem; each container's requests reach
// it through the proxy, which remaps their tokens and routes what comes back).
//
// The Network asks the uplink for what its routing table sends there (DIAL,
// ANSWER, HANGUP, SEND_SMS for numbers that are not on the node), each
// request tagged with the asking instance and that instance's own request
// token. Instances number their requests independently, so tokens collide;
// the uplink remaps them (TokenRemapper) and answers every completion, in
// whatever order the modem gives them, under the instance's own token.
// Unsolicited events (an incoming call or SMS, a call's state) come back
// through UplinkListener, and the Network routes them to one instance.
//
// Implemented by MmUplink (the host's ModemManager over D-Bus). Threads:
// both sides on the modem service's loop.
#pragma once

#include <cstdint>
#include <string>

namespace vmi::telephony {

// One request to the shared modem.
struct UplinkRequest {
  std::string instance;  // who asks
  uint64_t token = 0;    // the instance's own token for it
  int request = 0;       // RIL_REQUEST_* number (routing_table.h)
  std::string number;    // DIAL, SEND_SMS: the far end
  std::string text;      // SEND_SMS
  std::string call;      // ANSWER, HANGUP: the modem's handle of the call
};

// A request's completion.
struct UplinkResult {
  bool ok = false;
  int cause = 0;       // on failure: a TS 24.008 cause (Cause in network.h)
  std::string error;   // on failure: what the modem said
  std::string call;    // DIAL: the modem's handle of the new call
};

class UplinkListener {
 public:
  virtual ~UplinkListener() = default;
  virtual void OnUplinkComplete(const std::string& instance, uint64_t token, int request,
                                const UplinkResult& result) = 0;
  // A call from outside rings on the shared modem; false: nobody takes it
  // (the uplink rejects it).
  virtual bool OnUplinkIncomingCall(const std::string& call, const std::string& from) = 0;
  virtual void OnUplinkCallActive(const std::string& call) = 0;
  virtual void OnUplinkCallEnded(const std::string& call, int cause) = 0;
  // An SMS arrived on the shared modem; false: nobody takes it (it stays
  // on the modem and is offered again later).
  virtual bool OnUplinkSms(const std::string& from, const std::string& text) = 0;
};

class Uplink {
 public:
  virtual ~Uplink() = default;
  // A modem is there and enabled.
  virtual bool Ready() const = 0;
  virtual void Submit(const UplinkRequest& request) = 0;
};

}  // namespace vmi::telephony
