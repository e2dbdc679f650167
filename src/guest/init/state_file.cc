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

std::optional<ServiceState> FindServiceState(std::string_view text, std::string_view name) {
  static constexpr ServiceState kAll[] = {
      ServiceState::kWaiting, ServiceState::kStarting, ServiceState::kReady,
      ServiceState::kBackoff, ServiceState::kExited,   ServiceState::kFailed,
      ServiceState::kStopping, ServiceState::kStopped};
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
        line[name.size()] != ' ')
      continue;
    std::string_view rest = line.substr(name.size() + 1);
    std::string_view state = rest.substr(0, rest.find(' '));
    for (ServiceState s : kAll)
      if (state == ServiceStateName(s)) return s;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace vmi::guest
