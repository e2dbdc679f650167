// Test helpers for the system-library tests: NdkApp builds a bionic library
// the way NDK code links a system library (DT_NEEDED on `libandroid.so`,
// `libmediandk.so`, ...: a stub that only gives the link its name, since
// the bridge binds the name to its virtual library) and loads it through
// the bridge's linker; RunFfmpeg makes media files with Debian's ffmpeg.
// Failures are gtest assertions.
#pragma once

#include <string>
#include <vector>

#include "bridge/linker.h"
#include "bridge/testing/test_objects.h"

namespace vmi::bridge::testing {

class NdkApp {
 public:
  // Builds `source` as objs.dir()/name needing `system_lib`, then loads it.
  void Load(TestObjects& objs, const std::string& name, const std::string& source,
            const std::string& system_lib);
  bool loaded() const { return so_ != nullptr; }
  // The library's function `symbol` (a test failure when it is absent).
  template <typename F>
  F Fn(const char* symbol) const {
    auto f = reinterpret_cast<F>(so_ != nullptr ? Linker::Instance().Symbol(so_, symbol) : 0);
    EXPECT_NE(f, nullptr) << symbol;
    return f;
  }

 private:
  SharedObject* so_ = nullptr;
};

// Runs `ffmpeg -nostdin -v error -y ARGS DIR/OUTPUT` and returns the
// output file's bytes ("" and a test failure when ffmpeg fails).
std::string RunFfmpeg(const std::string& dir, const std::vector<std::string>& args,
                      const std::string& output);

}  // namespace vmi::bridge::testing
