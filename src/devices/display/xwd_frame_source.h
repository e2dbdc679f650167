// XwdFrameSource: the FrameSource of an X guest. Reads the live framebuffer
// of the guest's Xvfb (-fbdir) by mmap of <devdir>/Xvfb_screen0, read-only;
// no pixel crosses a socket. Damage comes from DamageTracker; the view it
// returns points at the tracker's shadow copy.
//
// Lifecycle of the file: it may appear after the source is created (Xvfb not
// started yet), and it is replaced when vmi-init restarts Xvfb. Capture()
// returns kUnavailable until the file is there with a complete header; every
// `recheck_interval` it compares the path's inode and size with the mapped
// one and remaps on a change (reporting the whole screen). A guest that
// truncates the file under the mapping cannot crash the host (SigbusGuard).
//
// Screen size: Xvfb keeps its framebuffer at the size it was started with and
// RandR changes only the screen inside it (see screen_size.h). With an X
// socket path, the source follows the RandR size through an XConnection
// (reconnected when Xvfb restarts); without one, the size is the header's.
//
// Still screens: with the X socket, the source asks the X server (DAMAGE
// extension) where it drew. A capture with no report since the last one
// reads no pixel at all; otherwise only tiles inside the reported boxes are
// compared. As a safety net against drawing the server does not report, the
// whole frame is compared at least every `full_check_interval`. Without the
// X connection every capture compares the whole frame.
//
// Threads: Capture() on one thread at a time (the capture thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "devices/display/damage_tracker.h"
#include "devices/display/frame_source.h"
#include "devices/display/x_connection.h"
#include "devices/display/xwd_header.h"

namespace vmi::display {

struct XwdSourceOptions {
  std::string fb_path;   // <devdir>/Xvfb_screen0
  std::string x_socket;  // <devdir>/x11/X0; empty: size from the header only
  DamageOptions damage;
  std::chrono::milliseconds recheck_interval{250};
  std::chrono::milliseconds full_check_interval{1000};
  bool use_x_damage = true;
  // Files larger than this are refused (a guest could make it huge).
  uint64_t max_file_size = 256ull << 20;
};

class XwdFrameSource : public FrameSource {
 public:
  explicit XwdFrameSource(XwdSourceOptions options);
  ~XwdFrameSource() override;
  XwdFrameSource(const XwdFrameSource&) = delete;
  XwdFrameSource& operator=(const XwdFrameSource&) = delete;

  Result<FrameView> Capture() override;
  // The X connection's fd while DAMAGE reports are on (readable when the
  // server reported drawing), else -1. It changes when the connection is
  // re-made: re-read it after every Capture(). Capture at least every
  // `full_check_interval` anyway (file replacement is not signalled).
  int wait_fd() const override;

  // The layout of the mapped file (valid after a successful Capture()).
  const XwdLayout& layout() const { return layout_; }
  // The X connection used to follow the screen size, if connected.
  XConnection* x_connection() { return x_.get(); }
  uint64_t remaps() const { return remaps_; }
  // Captures that compared pixels (as opposed to trusting an empty report).
  uint64_t compares() const { return compares_; }

 private:
  Result<void> MapFile();
  void Unmap();
  void UpdateXConnection(std::chrono::steady_clock::time_point now);

  XwdSourceOptions options_;
  DamageTracker tracker_;
  // The mapping: base_/map_size_ cover the whole file as it was mapped.
  const uint8_t* base_ = nullptr;
  size_t map_size_ = 0;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  XwdLayout layout_;
  std::chrono::steady_clock::time_point next_check_{};
  std::unique_ptr<XConnection> x_;
  std::chrono::steady_clock::time_point next_x_attempt_{};
  uint64_t sequence_ = 0;
  uint64_t remaps_ = 0;
  uint64_t compares_ = 0;
  bool x_fresh_ = false;  // a new X connection: compare everything once
  std::chrono::steady_clock::time_point next_full_{};
  std::vector<Rect> hint_;
};

}  // namespace vmi::display
