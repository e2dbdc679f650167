// The line socket's wire format: how a modem in a device host (RemoteLine)
// and vmi-modem (LineServer) talk about one instance's line.
//
// `<state>/line.sock` (vmi-modem's state directory, mode 0600: only root,
// i.e. the node's device hosts, connects), JSON lines both ways. The first
// request names the instance; the connection then acts on that line only:
//
//   -> {"id":1,"op":"hello","instance":"a1"}
//   <- {"id":1,"ok":true,"result":{"number":"+15550100001"}}
//   -> {"id":2,"op":"dial","number":"+15550100002"}
//   <- {"id":2,"ok":true,"result":{"call":3}}
//   -> {"id":3,"op":"sms","pdu":"0011000B915155100000F20008AA0C..."}
//   <- {"id":3,"ok":false,"code":"not_found","error":"cause 1: unassigned number"}
//   <- {"event":"ended","call":{"id":3,"index":1,"outgoing":true,"state":9,"peer":"+1..."},"cause":16}
//
// ops: hello (its result also has "modem": the set-up the line's last
// modem kept, if any), number, settings, calls, dial {number}, answer,
// hangup, sms {pdu: the +CMGS PDU in hex, decoded again by vmi-modem},
// stored, read {index}, delete {index}, keep {state: the modem's set-up,
// an object of at most 1 KiB}, bye (the guest closed its port: the line
// leaves the network at once). Events (any time, never inside a reply):
// incoming / changed {call}, ended {call, cause}, sms {index}. An error
// carries the code name (ControlCodeName) and the innermost message, which
// the modem reads for the network's cause ("cause 17: ...").
//
// A second hello for the same instance replaces the first connection (a
// restarted device host); a connection that closes takes the line off the
// network (its calls end with cause 20, subscriber absent), except that a
// line in a call stays attached for LineServer::kOrphanGrace, so that a
// restarted device host's modem takes the call over; the events of the line
// meanwhile follow that modem's hello reply, in order.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {

nlohmann::json CallViewToJson(const CallView& c);
Result<CallView> CallViewFromJson(const nlohmann::json& j);
nlohmann::json SettingsToJson(const LineSettings& s);
Result<LineSettings> SettingsFromJson(const nlohmann::json& j);

}  // namespace vmi::telephony
