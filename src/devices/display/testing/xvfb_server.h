// Test support: a real Xvfb started like the guest's (-fbdir, -ac, -noreset,
// no TCP) on a random free display number of 200 and above (not the low
// numbers other programs use), so parallel tests never collide. Stopped
// (SIGKILL + reap) by the destructor.
#pragma once

#include <memory>
#include <string>

#include "base/child_process.h"
#include "base/result.h"
#include "base/temp_dir.h"

namespace vmi::display::testing {

class XvfbServer {
 public:
  // Starts Xvfb with `-screen 0 <screen>` and its framebuffer in `fbdir`.
  static Result<std::unique_ptr<XvfbServer>> Start(const std::string& fbdir,
                                                   const std::string& screen = "720x1280x24");
  ~XvfbServer() = default;

  int display() const { return display_; }
  std::string display_name() const { return ":" + std::to_string(display_); }
  std::string socket_path() const { return "/tmp/.X11-unix/X" + std::to_string(display_); }
  std::string fb_path() const { return fbdir_ + "/Xvfb_screen0"; }
  // Terminates the server (it unlinks its framebuffer file on the way out).
  Result<void> Stop();

 private:
  XvfbServer(ChildProcess child, std::string fbdir, int display)
      : child_(std::move(child)), fbdir_(std::move(fbdir)), display_(display) {}
  ChildProcess child_;
  std::string fbdir_;
  int display_;
};

// A temporary directory made on construction, removed (recursively) on destruction.
class TempDir : public vmi::TempDir {
 public:
  TempDir() : vmi::TempDir(MustCreate("vmi-display-test")) {}
};

}  // namespace vmi::display::testing
