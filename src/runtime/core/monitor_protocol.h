// The handshake between the daemon and vmi-monitor, the parent of one
// running container (src/runtime/monitor/monitor_main.cc), in one place for
// both ends.
//
// Lines over a socketpair passed to the monitor as fd 3:
//   monitor -> daemon: "created <pid>"   (the container exists, not started)
//   daemon -> monitor: "start"           (after the host wired its network)
//   monitor -> daemon: "started <pid>" or "error <message>"
// A daemon that closes its end before "start" aborts the start: the monitor
// deletes the container and exits.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.h"

namespace vmi::runtime::monitor_protocol {

// The fd the monitor finds its end of the socketpair on.
inline constexpr int kSyncFd = 3;
inline constexpr std::string_view kStart = "start";

struct Reply {
  enum class Kind { kCreated, kStarted, kError };
  Kind kind = Kind::kError;
  pid_t pid = 0;        // the container's init (created, started)
  std::string message;  // why it failed (error)
};

// The monitor's lines, without their newline.
std::string Created(pid_t init_pid);
std::string Started(pid_t init_pid);
std::string Failure(std::string_view message);

// A monitor's line; anything else (an unknown word, a pid that is not a
// positive number) is kInvalidArgument.
Result<Reply> ParseReply(std::string_view line);

}  // namespace vmi::runtime::monitor_protocol
