// The body of the client-message fuzz target, shared with the regression
// replay test so the normal suite covers the same checks: parse arbitrary
// bytes and, when they are accepted, check the invariants the session relies
// on (aborts on a violation).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vmi::web {

void CheckClientMessage(const uint8_t* data, size_t size);

}  // namespace vmi::web
