// The live view's request bodies, parsed for the routes of devhost_routes.h
// (and the device host's own control requests).
//
// Threads: none; reentrant.
#pragma once

#include <string>

#include "base/result.h"
#include "devices/display/screen_keeper.h"

namespace vmi::node::live {

// Parses the rotate body {"orientation":"portrait"|"landscape"}; anything
// else (other fields, other values) is kInvalidArgument.
Result<display::Orientation> ParseRotateBody(const std::string& body);

}  // namespace vmi::node::live
