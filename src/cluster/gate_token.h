// The secret a phone's gate (vmi-gate, the Pod's third container) asks of
// whoever connects: a keyed BLAKE2b-256 of the Phone's uid under the control
// plane's gate key (kept in its database, one for every replica), as 64 hex
// digits. The controller puts it in the gate container's environment
// (VMI_GATE_TOKEN); the control plane computes it again for each proxied
// request, so nothing per phone is stored. Anyone who can read the phones'
// Pods can read it: those are cluster operators (docs/kubernetes.md).
#pragma once

#include <string>

namespace vmi::cluster {

std::string GateToken(const std::string& key, const std::string& phone_uid);

// The token of the phone's line at the cluster's vmi-modem (its device
// host's hello, devices/telephony/line_server.h): made the same way from
// "line:" + uid, so that vmi-modem, which holds every line's token, holds
// no token that opens a gate.
std::string LineToken(const std::string& key, const std::string& phone_uid);

}  // namespace vmi::cluster
