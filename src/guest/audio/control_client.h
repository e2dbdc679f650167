// ControlClient: the guest end of one stream's control connection.
//
// Owns the SOCK_SEQPACKET socket to `<devdir>/audio.sock`. Every request
// waits for its REPLY at most kReplyTimeout, so a hung or vanished host turns
// into an error (-ETIMEDOUT, -ENODEV) instead of a hang in the ALSA program.
// The host never sends anything but replies; any other readable data or EOF
// outside a request means the host is gone (see HostGone()).
//
// Threads: used by the single ALSA thread that owns the PCM.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "guest/audio/wire.h"

namespace vmi::audio {

inline constexpr std::chrono::milliseconds kReplyTimeout{3000};

class ControlClient {
 public:
  static Result<ControlClient> Connect(const std::string& socket_path);

  // Sends one request and waits for its reply. Returns the reply, or an
  // error whose err_no() is the errno the ALSA callback should return.
  Result<Reply> Request(const std::vector<uint8_t>& message);
  uint32_t NextSeq() { return ++seq_; }
  // The fd that came with the last reply (SCM_RIGHTS), if any.
  UniqueFd TakeFd() { return std::move(fd_in_); }

  // True once the host closed the connection (checked without blocking).
  bool HostGone();
  int fd() const { return fd_.get(); }

 private:
  explicit ControlClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  UniqueFd fd_in_;
  uint32_t seq_ = 0;
  bool gone_ = false;
};

}  // namespace vmi::audio
