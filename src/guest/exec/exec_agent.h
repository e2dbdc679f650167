// vmi-exec-agent: runs commands in an instance for callers outside it, where
// the runtime cannot (a phone's Pod on Kubernetes: the gate and the device
// host are other containers, and the Kubernetes exec API is not used).
//
// vmi-init starts it as an auxiliary service when VMI_EXEC_SOCKET is set
// (the controller sets /run/vmi/exec.sock, in the device directory the
// Pod's containers share). It listens there and serves one request per
// connection, in the device host's message format
// (devices/host/control_message.h):
//
//   -> {"op":"exec","argv":["ls","/"],"timeout_ms":30000,"max_output":1048576}
//   <- {"ok":true,"status":<wait status>,"stdout_bytes":N,
//       "stdout_truncated":B,"stderr_truncated":B}  data: stdout then stderr
//   -> {"op":"hello"}   <- {"ok":true,"pid":P}
//
// The command runs as the agent does: the guest's user, mount and pid
// namespaces, vmi-init's environment, cwd "/". Output past max_output is
// discarded and said so; the command is killed after timeout_ms and the
// answer is then an error (deadline_exceeded), as the node's exec route gives.
//
// Processes: one child per connection (fork), so a long command never holds
// up another; at most kMaxRunning at once (more are answered
// resource_exhausted). The listener is single-threaded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "devices/host/control_message.h"

namespace vmi::guest {

inline constexpr int kMaxRunning = 16;

struct ExecRequest {
  std::vector<std::string> argv;
  std::chrono::milliseconds timeout{30000};
  size_t max_output = 1 << 20;
};

// The request's fields, checked as the node's API checks them.
Result<ExecRequest> ParseExecRequest(const nlohmann::json& header);

// Answers one request (runs the command for "exec"); `agent_pid` is what
// "hello" answers (the listener's pid: requests are served by its children).
devhost::Message HandleExecRequest(const devhost::Message& request, pid_t agent_pid);

// Serves `listen_fd` until it fails.
Result<void> ServeExecAgent(int listen_fd);

}  // namespace vmi::guest
