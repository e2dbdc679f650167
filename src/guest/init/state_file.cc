#include "guest/init/state_file.h"

namespace vmi::guest {

const char* ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kWaiting: return "waiting";
    case ServiceState::kStarting: return "starting";
    case ServiceState::kReady: return "ready";
    case ServiceState::kBackoff: return "backoff";
    case ServiceState::kExited: return "exited";
    case ServiceState::kFailed: return "failed";
    case ServiceState::kStopping: return "stopping";
    case ServiceState::kStopped: return "stopped";
  }
  return "?";
}

std::string FormatState(const std::vector<ServiceStatus>& services) {
  std::string out;
  for (const auto& s : services) {
    out += s.name;
    out += ' ';
    out += ServiceStateName(s.state);
    out += ' ';
    out += std::to_string(s.pid);
    out += ' ';
    out += std::to_string(s.restarts);
    out += '\n';
  }
  return out;
}

}  // namespace vmi::guest
