// Runs a bionic PIE executable inside this process: loads it through the
// Linker (constructors included), builds the initial process stack bionic's
// _start expects (argc, argv, envp, auxv) below the current stack pointer and
// jumps to the entry point. The program ends with exit() from __libc_init.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::bridge {

// Returns only on failure to load; otherwise the process exits with the
// program's status. args[0] is the program name the executable sees.
Result<void> RunExecutable(const std::string& path, const std::vector<std::string>& args);

}  // namespace vmi::bridge
