// Delivers a udev monitor message (udev_message.h) to the libudev clients
// of one guest, as the guest's own udevd would: multicast on
// NETLINK_KOBJECT_UEVENT group 2 in the guest's network namespace, sent as
// root of the guest's user namespace (receivers drop messages from any
// other uid).
//
// The guest cannot send it itself: multicasting there needs CAP_NET_ADMIN,
// which instances do not have. The host can, from a short-lived child that
// joins the guest's user and network namespaces through a pidfd of its
// init (setns to a user namespace needs a single-threaded caller, hence a
// process, not a thread) and becomes that namespace's root. The child only
// makes system calls: it is forked from a multi-threaded daemon.
//
// Cost: one fork and a few system calls, about a millisecond.
// Threads: any; each call forks and reaps its own child.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::devices::power {

// Sends each message, in order; `pidfd` refers to a process inside the
// guest (its init). At most 8 messages per call.
Result<void> SendUdevMessagesInto(int pidfd, const std::vector<std::string>& messages);

}  // namespace vmi::devices::power
