// ${VAR} substitution for the session manifest.
//
// Syntax: "${NAME}" is replaced by the value of NAME; "${NAME:-default}" by
// the value, or by `default` when NAME is unset or empty; "$$" is a literal
// "$". A "$" followed by anything else is kept as is. An unset variable
// without a default is an error, so a manifest never silently runs a service
// with an empty resolution or path.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmi::guest {

using Environment = std::map<std::string, std::string, std::less<>>;

// Reads the process environment (environ) into a map.
Environment ProcessEnvironment();

Result<std::string> Substitute(std::string_view text, const Environment& env);

}  // namespace vmi::guest
