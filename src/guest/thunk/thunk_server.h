// vmi-thunkd's work: one request of a translated guest process, run with the
// host's native zlib on the guest's own memory (thunk_wire.h).
//
// The guest is the process whose memory the request's pointers name; the
// server reads and writes it with process_vm_readv/writev, which the kernel
// allows because vmi-thunkd is the guest's child with the same credentials.
// Nothing here trusts the request: lengths are capped, unknown ops and
// unreadable addresses give a refusal status, never a crash.
#pragma once

#include <sys/types.h>

#include "guest/thunk/thunk_wire.h"

namespace vmi::thunk {

// Runs `request` for the process `guest`. Thread-compatible (no state).
vmi_thunk_reply Serve(pid_t guest, const vmi_thunk_request& request);

}  // namespace vmi::thunk
