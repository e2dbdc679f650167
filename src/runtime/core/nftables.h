// Runs nftables commands (the text `nft` accepts) in this process through
// libnftables: the rules reach the kernel over netlink, with no `nft`,
// `ebtables` or `iptables` process per call.
//
// Threads: each call makes its own libnftables context (contexts are not
// thread-safe); a call's commands are one kernel transaction, so a batch
// either applies whole or not at all.
#pragma once

#include <string>

#include "base/result.h"

namespace vmi::runtime {

// Runs `commands` (one per line). kNotFound when the kernel said a table,
// chain or element named in them does not exist; kInternal with nft's own
// message for anything else. Returns what the commands printed (listings).
// `json` asks for listings as JSON with rule handles.
Result<std::string> RunNft(const std::string& commands, bool json = false);

}  // namespace vmi::runtime
