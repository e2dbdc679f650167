// AtLineReader: turns the byte stream from a guest's serial port into
// command lines and SMS PDUs.
//
// In command mode a line ends at CR (S3); LF is ignored, backspace (S5)
// removes the last character. After +CMGS/+CMGW the modem switches the
// reader to PDU mode: hex digits until Ctrl-Z (send) or ESC (cancel).
// Anything longer than kMaxLine is reported once as kOverlong when its
// terminator arrives; the bytes in between are dropped, so a guest cannot
// make the host buffer grow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vmi::telephony {

class AtLineReader {
 public:
  static constexpr size_t kMaxLine = 560;

  struct Item {
    enum class Kind { kLine, kPdu, kPduCancelled, kOverlong };
    Kind kind;
    std::string text;
  };

  // Appends what `bytes` completes to *out.
  void Feed(std::string_view bytes, std::vector<Item>* out);
  // The next input is a PDU (until Ctrl-Z or ESC).
  void ExpectPdu() {
    pdu_mode_ = true;
    buf_.clear();
    overlong_ = false;
  }
  bool pdu_mode() const { return pdu_mode_; }

 private:
  std::string buf_;
  bool pdu_mode_ = false;
  bool overlong_ = false;
};

}  // namespace vmi::telephony
