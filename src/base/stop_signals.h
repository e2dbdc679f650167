// The stop signals of vmi's long-running programs (the daemon, device hosts,
// the gate): SIGINT and SIGTERM are blocked in every thread from the start,
// so only the main thread takes them, when it waits for them; SIGPIPE is
// ignored (a peer that goes away is an error on that socket, not the end of
// the process).
#pragma once

#include <signal.h>

#include "base/result.h"

namespace vmi {

// {SIGINT, SIGTERM}.
sigset_t StopSignals();

// Blocks the stop signals in the calling thread (and so in every thread it
// starts afterwards: call it before the first) and ignores SIGPIPE. Returns
// the blocked set, e.g. for a signalfd.
sigset_t BlockStopSignals();

// Waits until a stop signal is pending and takes it; returns its number.
Result<int> WaitForStopSignal();

}  // namespace vmi
