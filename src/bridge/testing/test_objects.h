// Test helper: builds small bionic-style ELF objects for the loader tests.
// Objects are compiled with the host compiler and -nostdlib against a fake
// libc.so (SONAME libc.so, every symbol versioned LIBC like bionic's), so
// they look to the bridge like NDK output: DT_NEEDED libc.so, imports
// versioned "LIBC", no glibc. Each TestObjects owns a temporary directory and
// removes it on destruction. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace vmi::bridge::testing {

class TestObjects {
 public:
  TestObjects();
  ~TestObjects();
  TestObjects(const TestObjects&) = delete;
  TestObjects& operator=(const TestObjects&) = delete;

  const std::string& dir() const { return dir_; }
  // Compiles `source` (C, or C++ when cxx) into dir()/name as a shared
  // object with SONAME `name`, linked against the fake libc plus `libs`
  // (names of objects built earlier in dir(), or absolute paths).
  Result<std::string> Build(const std::string& name, const std::string& source,
                            const std::vector<std::string>& extra_flags = {},
                            const std::vector<std::string>& libs = {}, bool cxx = false);
  // Like Build but produces a PIE executable (with PT_INTERP).
  Result<std::string> BuildExecutable(const std::string& name, const std::string& source,
                                      const std::vector<std::string>& extra_flags = {});

 private:
  Result<void> BuildFakeLibc();
  std::string dir_;
  bool libc_built_ = false;
};

// Shared helpers for tests.
std::string ReadMaps();
// Directory the fetch script unpacked the Android targets into, or "".
std::string AndroidTargetsDir();
// <targets>/<dir>/<file> for this build's architecture: the x86_64 objects
// lie in <dir>/, the arm64-v8a ones in <dir>/arm64/.
std::string AndroidTarget(const std::string& dir, const std::string& file);

}  // namespace vmi::bridge::testing
