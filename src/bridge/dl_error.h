// Per-thread dlerror() state shared by bridge_dlerror() and the bionic
// dlerror() hook: set on failure, returned and cleared by the next call.
#pragma once

#include <string>

namespace vmi::bridge {

void SetDlError(const std::string& message);
// Returns the pending message (valid until the next call on this thread) and
// clears it; nullptr when nothing failed since the last call.
const char* TakeDlError();

}  // namespace vmi::bridge
