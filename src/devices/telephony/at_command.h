// AT command lines (ITU-T V.250, 3GPP TS 27.007 / 27.005), split into the
// commands they chain.
//
// A line from the guest looks like
//
//   AT E0 V1 &F +CMEE=1;+CREG? D+15550100002;
//   ^^ prefix (any case)
//      basic commands: a letter (or &letter) and optional digits
//             extended: '+' NAME then nothing, '?', '=?' or '=' ARGS, up to ';'
//                           D: the rest of the line is the dial string
//
// Spaces outside quotes are ignored; quoted strings keep them. The parser
// only splits and classifies: it never allocates beyond the line, which the
// line reader has already bounded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmi::telephony {

struct AtCommand {
  enum class Kind { kBasic, kAction, kRead, kTest, kSet };
  Kind kind = Kind::kAction;
  std::string name;  // upper case: "E", "&F", "D", "+CREG"
  std::string args;  // basic: the digits ("0"); D: the dial string; set: after '='
};

// Parses one line (without the terminating CR). Fails on a line that does
// not start with AT or has a malformed command.
Result<std::vector<AtCommand>> ParseAtLine(std::string_view line);

// Splits set arguments at commas outside quotes and unquotes each:
// `1,"a,b",,3` -> {"1", "a,b", "", "3"}.
std::vector<std::string> SplitArgs(std::string_view args);

}  // namespace vmi::telephony
