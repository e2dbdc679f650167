// PeFile: what vmi needs to know about a Windows executable before it
// installs or lists it: its machine, whether it is a GUI program, a DLL or
// an installer, its display name and its icon, all read from the file's own
// headers and resources. The file crosses a trust boundary (a user uploads
// it; an installer writes it), so every offset is bounds-checked and a
// malformed file is an error, never a crash (fuzz target pe_file_fuzz.cc).
//
// Layout read (all little-endian; offsets in bytes):
//
//   0x00 "MZ" ... 0x3c e_lfanew (u32) --> "PE\0\0"
//   COFF header (20): machine u16 | sections u16 | time u32 | symtab u32 |
//                     symbols u32 | optional header size u16 | flags u16
//   optional header: magic u16 (0x10b PE32, 0x20b PE32+), subsystem at +68,
//                    number of data directories at +92 (PE32) / +108 (PE32+),
//                    directories (rva u32, size u32) after it; #2 resources,
//                    #14 CLR (.NET)
//   section table (40 each): name[8] | vsize | rva | raw size | raw offset ...
//   resources: directory (16: ... named u16 | ids u16) + entries (8: id or
//              name | offset, high bit = subdirectory), three levels
//              (type, name, language); leaf (16: data rva | size | ...)
//
// Icons: RT_GROUP_ICON (14) lists images (14-byte entries ending in the
// RT_ICON id); an .ico file is the same list with 16-byte entries ending
// in a file offset, followed by the RT_ICON (3) data. Name: FileDescription
// (else ProductName) of the first string table in RT_VERSION (16).
//
// Threads: none; plain functions over bytes the caller owns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmi::apps {

enum class PeMachine { kI386, kAmd64, kArm64, kArmNt, kOther };
const char* PeMachineName(PeMachine m);  // "i386", "x86_64", "arm64", "arm", "other"

struct PeInfo {
  PeMachine machine = PeMachine::kOther;
  uint16_t raw_machine = 0;
  bool pe32_plus = false;
  bool dll = false;
  bool gui = false;     // subsystem WINDOWS_GUI (2); else console or other
  bool dotnet = false;  // has a CLR header
  // Installer formats recognised by their markers, so they can be run
  // unattended: "nsis" (/S), "inno" (/VERYSILENT), or "".
  std::string installer;
  std::string name;  // FileDescription or ProductName, UTF-8; may be empty
  std::string icon;  // a complete .ico file, or empty when it has none
};

// Parses `data` (the whole file). Errors are kInvalidArgument with a message
// a user can act on ("not a Windows program (no MZ header)", "truncated ...").
Result<PeInfo> ReadPe(std::string_view data);

// Maps the file read-only and parses it.
Result<PeInfo> ReadPeFile(const std::string& path);

}  // namespace vmi::apps
