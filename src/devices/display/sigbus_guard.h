// SigbusGuard: survives reads of a shared file mapping that the other side
// truncates. The framebuffer file belongs to the guest; if it shrinks while
// the host has it mapped, reading the vanished pages raises SIGBUS, which
// would kill the whole daemon. While a thread holds a Scope for a mapping, a
// SIGBUS inside that mapping replaces it with zero-filled anonymous pages and
// records the fault, so the read finishes (with zeros) and the caller drops
// the mapping afterwards. A SIGBUS anywhere else keeps its default action.
//
// Threads: the handler is process-wide and installed once; each thread
// guards at most one mapping at a time (the scope is thread-local).
#pragma once

#include <cstddef>

#include "base/result.h"

namespace vmi::display {

class SigbusGuard {
 public:
  // Installs the process-wide handler (idempotent, thread-safe).
  static Result<void> Install();

  class Scope {
   public:
    // `base`/`length` must be a whole mapping made by mmap: on a fault it is
    // replaced in place by an anonymous mapping of the same size.
    Scope(const void* base, size_t length);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    // True if a read inside the mapping faulted during this scope.
    bool faulted() const;
  };
};

}  // namespace vmi::display
