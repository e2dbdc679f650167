#include "devices/display/xwd_frame_source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "devices/display/sigbus_guard.h"

namespace vmi::display {

namespace {

constexpr std::chrono::seconds kXRetry{1};

}  // namespace

XwdFrameSource::XwdFrameSource(XwdSourceOptions options)
    : options_(std::move(options)), tracker_(options_.damage) {}

XwdFrameSource::~XwdFrameSource() { Unmap(); }

void XwdFrameSource::Unmap() {
  if (base_) munmap(const_cast<uint8_t*>(base_), map_size_);
  base_ = nullptr;
  map_size_ = 0;
  tracker_.Reset();
}

Result<void> XwdFrameSource::MapFile() {
  VMI_CHECK_OK(SigbusGuard::Install(), "install SIGBUS guard");
  const std::string& path = options_.fb_path;
  // O_NOFOLLOW: the directory is the guest's; never follow its symlinks.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) return Error::FromErrno("open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::FromErrno("fstat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument, path + " is not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kXwdFixedHeaderSize) {
    return Error(ErrorCode::kUnavailable, path + ": file shorter than the XWD header");
  }
  if (size > options_.max_file_size) {
    return Error(ErrorCode::kInvalidArgument,
                 path + ": file of " + std::to_string(size) + " bytes is too large");
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return Error::FromErrno("mmap " + path);
  const auto* base = static_cast<const uint8_t*>(p);

  // Copy the header out once so its fields cannot change between the checks
  // and their use; a truncation while copying reads zeros.
  uint8_t header[4096];
  const size_t header_len = std::min<size_t>(sizeof header, size);
  bool faulted;
  {
    SigbusGuard::Scope guard(base, size);
    std::memcpy(header, base, header_len);
    faulted = guard.faulted();
  }
  auto layout = ParseXwdHeader(header, header_len, size);
  if (faulted || !layout.ok()) {
    munmap(p, size);
    if (faulted) return Error(ErrorCode::kUnavailable, path + ": truncated while mapping");
    return std::move(layout).error().Context(path);
  }
  Unmap();
  base_ = base;
  map_size_ = size;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  layout_ = *layout;
  ++remaps_;
  VMI_LOG(DEBUG) << "mapped " << path << ": " << layout_.width << "x" << layout_.height
                 << " stride " << layout_.stride;
  return Ok();
}

void XwdFrameSource::UpdateXConnection(std::chrono::steady_clock::time_point now) {
  if (options_.x_socket.empty()) return;
  if (x_ && !x_->PollEvents()) {
    VMI_LOG(INFO) << "X connection " << options_.x_socket << " lost";
    x_.reset();
  }
  if (!x_ && now >= next_x_attempt_) {
    next_x_attempt_ = now + kXRetry;
    auto c = XConnection::Connect(options_.x_socket);
    if (c.ok()) {
      x_ = std::move(*c);
      x_fresh_ = true;
      if (options_.use_x_damage) {
        auto d = x_->EnableDamage();
        if (!d.ok()) VMI_LOG(INFO) << options_.x_socket << ": " << d.error().ToString();
      }
    } else {
      VMI_LOG(DEBUG) << c.error().ToString();
    }
  }
}

int XwdFrameSource::wait_fd() const {
  return x_ && x_->damage_enabled() ? x_->fd() : -1;
}

Result<FrameView> XwdFrameSource::Capture() {
  const auto now = std::chrono::steady_clock::now();
  if (base_ && now >= next_check_) {
    // Replaced (new inode) or resized (Xvfb restarted in place)?
    struct stat st;
    if (lstat(options_.fb_path.c_str(), &st) != 0 || st.st_dev != dev_ ||
        st.st_ino != ino_ || static_cast<uint64_t>(st.st_size) != map_size_) {
      VMI_LOG(INFO) << options_.fb_path << " was replaced; remapping";
      Unmap();
    }
    next_check_ = now + options_.recheck_interval;
  }
  if (!base_) {
    next_check_ = now + options_.recheck_interval;
    VMI_CHECK_OK(MapFile(), "capture");
  }
  UpdateXConnection(now);

  int width = layout_.width;
  int height = layout_.height;
  if (x_ && x_->width() > 0 && x_->height() > 0) {
    width = std::min(width, x_->width());
    height = std::min(height, x_->height());
  }

  // Decide how much to compare: nothing (the server reported no drawing),
  // the reported boxes, or everything.
  const bool same_size =
      tracker_.valid() && width == tracker_.width() && height == tracker_.height();
  bool compare = true;
  const std::vector<Rect>* hint = nullptr;
  if (x_ && x_->damage_enabled()) {
    const bool reported = x_->TakeDamage(&hint_);
    if (x_fresh_ || !same_size || now >= next_full_) {
      x_fresh_ = false;
      next_full_ = now + options_.full_check_interval;
    } else if (!reported) {
      compare = false;
    } else if (!hint_.empty()) {
      hint = &hint_;
    }
  }

  FrameView view;
  if (compare) {
    ++compares_;
    SigbusGuard::Scope guard(base_, map_size_);
    view.damage = tracker_.Update(base_ + layout_.pixel_offset, width, height, layout_.stride,
                                  hint);
    if (guard.faulted()) {
      Unmap();
      return Error(ErrorCode::kUnavailable, options_.fb_path + " was truncated during capture");
    }
  }
  view.pixels = tracker_.shadow();
  view.width = tracker_.width();
  view.height = tracker_.height();
  view.stride = tracker_.shadow_stride();
  if (!view.damage.empty()) ++sequence_;
  view.sequence = sequence_;
  view.capture_time_us = MonotonicMicros();
  return view;
}

}  // namespace vmi::display
