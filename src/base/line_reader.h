// Reading one line from a pipe, socket or terminal.
//
// Reads byte by byte on purpose: nothing past the newline is consumed, so the
// rest of the stream stays for the next reader (a script piping a password and
// then more input; a monitor handshake followed by other traffic).
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace vmi {

struct ReadLineOptions {
  // A longer line is kInvalidArgument.
  size_t max_bytes = 4096;
  // Negative: wait as long as it takes. Running out is kDeadlineExceeded.
  std::chrono::milliseconds timeout{-1};
  // What the line is, for errors ("monitor", "password").
  const char* what = "line";
};

// The line without its '\n'. End of input after some bytes returns them; end
// of input before any byte is kUnavailable ("<what>: end of input").
Result<std::string> ReadLine(int fd, const ReadLineOptions& options = {});

}  // namespace vmi
