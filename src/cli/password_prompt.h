// Reading a password for `vmi login` and `vmi user create|passwd` without
// it ever appearing on the screen or in the process list.
//
// Order: the environment variable given (e.g. $VMI_PASSWORD); else, when
// there is a terminal, a prompt on /dev/tty with echo off; else one line of
// standard input (for scripts: `printf '%s\n' "$pw" | vmi login`).
//
// Threads: call from the main thread only (it changes terminal modes and
// restores them before returning).
#pragma once

#include <string>

#include "base/result.h"

namespace vmi::cli {

struct PasswordSource {
  const char* env = "VMI_PASSWORD";  // nullptr: do not look
  std::string prompt = "Password: ";
  bool confirm = false;  // ask twice on a terminal (new passwords)
};

Result<std::string> ReadPassword(const PasswordSource& source);

}  // namespace vmi::cli
