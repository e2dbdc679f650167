#include "runtime/core/instance_state.h"

namespace vmi::runtime {

using S = InstanceState;

const char* InstanceStateName(InstanceState s) {
  switch (s) {
    case S::kCreated: return "created";
    case S::kStarting: return "starting";
    case S::kRunning: return "running";
    case S::kStopping: return "stopping";
    case S::kStopped: return "stopped";
    case S::kExited: return "exited";
    case S::kFailed: return "failed";
  }
  return "?";
}

Result<InstanceState> ParseInstanceState(const std::string& s) {
  for (auto st : kAllInstanceStates)
    if (s == InstanceStateName(st)) return st;
  return Error(ErrorCode::kInvalidArgument, "unknown instance state '" + s + "'");
}

bool CanStart(InstanceState s) {
  return s == S::kCreated || s == S::kStopped || s == S::kExited;
}

bool IsAtRest(InstanceState s) { return CanStart(s); }

bool CanTransition(InstanceState from, InstanceState to) {
  switch (from) {
    case S::kCreated:
    case S::kStopped:
    case S::kExited:
      return to == S::kStarting;
    case S::kStarting:
      // Started; rolled back to where the start began; stopped because a
      // daemon restart found it half-started; its monitor found gone.
      return to == S::kRunning || CanStart(to) || to == S::kStopping;
    case S::kRunning:
      return to == S::kStopping || to == S::kExited;
    case S::kStopping:
      return to == S::kStopped || to == S::kFailed;
    case S::kFailed:
      return to == S::kStopping;
  }
  return false;
}

Result<void> CheckTransition(InstanceState from, InstanceState to) {
  if (CanTransition(from, to)) return Ok();
  return Error(ErrorCode::kInternal, std::string("no transition from ") + InstanceStateName(from) +
                                         " to " + InstanceStateName(to));
}

}  // namespace vmi::runtime
