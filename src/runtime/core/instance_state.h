// The states of one instance and the transitions between them.
//
//            start                started
//   created ------> starting ----------------> running
//      ^  stopped/exited |  (rolled back: back      |  \ exits by itself
//      |       ^         |   to where it was)  stop |   `------------> exited
//      `-------|---------'                          v                    |
//              |          stopped               stopping <---. stop      | start
//              `---------------------------------'   |       |           v
//                                                    `----> failed    starting
//                                           the stop could not finish
//
// `failed` is a run whose stop could not finish (the monitor outlived the
// kill of its container): something of the run may be left, so it cannot
// start again until a stop (`vmi stop`, `rm --force`) finishes. A start
// that fails rolls back what it did and returns to the state it left, so a
// failed start is not a state. After a daemon restart, a run found in
// `starting` or `stopping` is stopped (or, when its monitor is gone, ended
// as `exited` or `stopped`).
//
// Instance (instance.h) is the only writer of a state and checks every
// change against this table; the table is a pure function, tested on its
// own (instance_state_test.cc).
#pragma once

#include <array>
#include <string>

#include "base/result.h"

namespace vmi::runtime {

enum class InstanceState { kCreated, kStarting, kRunning, kStopping, kStopped, kExited, kFailed };

inline constexpr std::array<InstanceState, 7> kAllInstanceStates = {
    InstanceState::kCreated, InstanceState::kStarting, InstanceState::kRunning,
    InstanceState::kStopping, InstanceState::kStopped, InstanceState::kExited,
    InstanceState::kFailed};

// "created", "starting", ... as stored and shown by the API.
const char* InstanceStateName(InstanceState s);
Result<InstanceState> ParseInstanceState(const std::string& s);

// Whether the table above has an edge from `from` to `to`.
bool CanTransition(InstanceState from, InstanceState to);
// kInternal naming both states when there is no such edge: a caller that
// asks for one has a bug, and the state is left as it was.
Result<void> CheckTransition(InstanceState from, InstanceState to);

// States a start may begin from, and those whose instance may be removed
// without a stop.
bool CanStart(InstanceState s);
bool IsAtRest(InstanceState s);

}  // namespace vmi::runtime
