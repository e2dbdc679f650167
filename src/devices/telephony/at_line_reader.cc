#include "devices/telephony/at_line_reader.h"

namespace vmi::telephony {

void AtLineReader::Feed(std::string_view bytes, std::vector<Item>* out) {
  for (char c : bytes) {
    if (pdu_mode_) {
      if (c == 0x1A || c == 0x1B) {
        Item::Kind kind = c == 0x1B ? Item::Kind::kPduCancelled
                          : overlong_ ? Item::Kind::kOverlong
                                      : Item::Kind::kPdu;
        out->push_back({kind, std::move(buf_)});
        buf_.clear();
        pdu_mode_ = false;
        overlong_ = false;
      } else if (c == '\r' || c == '\n' || c == ' ') {
        // Some senders wrap long PDUs; whitespace is not part of the hex.
      } else if (buf_.size() >= kMaxLine) {
        overlong_ = true;
      } else {
        buf_.push_back(c);
      }
      continue;
    }
    if (c == '\r') {
      if (overlong_) {
        out->push_back({Item::Kind::kOverlong, {}});
      } else if (!buf_.empty()) {
        out->push_back({Item::Kind::kLine, std::move(buf_)});
      }
      buf_.clear();
      overlong_ = false;
    } else if (c == '\n') {
      continue;
    } else if (c == '\b') {
      if (!buf_.empty()) buf_.pop_back();
    } else if (buf_.size() >= kMaxLine) {
      overlong_ = true;
    } else {
      buf_.push_back(c);
    }
  }
}

}  // namespace vmi::telephony
