// The session state file (<device dir>/session.state), read by the host.
//
// One line per service, in manifest order, fields separated by one space:
//
//   <name> <state> <pid> <restarts>\n
//
// state is one of: waiting starting ready backoff exited failed stopping
// stopped. pid is 0 when no process runs. restarts counts how many times the
// service was started again after its first start. The file is replaced
// atomically (write to a temporary file, rename), so a reader never sees a
// torn file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace vmi::guest {

enum class ServiceState { kWaiting, kStarting, kReady, kBackoff, kExited, kFailed, kStopping, kStopped };
const char* ServiceStateName(ServiceState state);

struct ServiceStatus {
  std::string name;
  ServiceState state = ServiceState::kWaiting;
  pid_t pid = 0;
  int restarts = 0;
};

std::string FormatState(const std::vector<ServiceStatus>& services);

// The state of the service `name` in the text of a state file, or nullopt when
// no well-formed line names it. The host reads the file from the guest's
// device directory, so the text is untrusted: any bytes are tolerated.
std::optional<ServiceState> FindServiceState(std::string_view text, std::string_view name);

}  // namespace vmi::guest
