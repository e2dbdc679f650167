// AtChannel: the guest side of the modem channel for programs that are not
// a serial-port modem stack (libvmi-ril): sends one AT command at a time over
// /run/vmi/modem.sock and collects its response; lines that belong to no
// command are unsolicited and go to a callback.
//
// Threads: Command() may be called from any thread (commands are
// serialised); a reader thread owned by the channel parses the stream and
// calls `unsolicited` (it must not call Command(): hand work elsewhere).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi::guest {

struct AtResponse {
  std::string final;               // "OK", "ERROR", "+CMS ERROR: 1", "NO CARRIER", ...
  std::vector<std::string> lines;  // intermediate lines
  bool ok() const { return final == "OK"; }
};

class AtChannel {
 public:
  using Unsolicited = std::function<void(const std::string& line, const std::string& pdu)>;

  static Result<std::unique_ptr<AtChannel>> Open(const std::string& socket_path,
                                                 Unsolicited unsolicited);
  ~AtChannel();

  // Sends `cmd` (without CR) and waits for its final result. With `pdu`, the
  // command is +CMGS-style: the PDU and Ctrl-Z follow the "> " prompt.
  Result<AtResponse> Command(const std::string& cmd, const std::string& pdu = "",
                             int timeout_ms = 10000);

 private:
  AtChannel() = default;
  void ReadLoop();
  void OnLine(const std::string& line);

  UniqueFd fd_;
  Unsolicited unsolicited_;
  std::mutex command_mu_;  // one command at a time
  std::mutex mu_;          // guards the fields below
  std::condition_variable cv_;
  bool pending_ = false;
  bool prompt_ = false;
  bool closed_ = false;
  AtResponse response_;
  std::string cmt_header_;  // an unsolicited line whose PDU comes next
  std::thread reader_;
};

bool IsFinalResult(const std::string& line);

}  // namespace vmi::guest
