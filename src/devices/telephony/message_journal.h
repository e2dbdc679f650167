// MessageJournal: the modem service's durable record of SMS.
//
// An SMS is acknowledged to its sender (+CMGS OK, the API's 201) only after
// its record is on disk (write + fdatasync), so a killed service loses no
// accepted message. The file is JSON lines, append-only:
//
//   {"op":"msg","id":7,"instance":"a1","incoming":true,"peer":"+15550100002",
//    "time":1765000000,"index":3,"coding":"ucs2","text":"...","ref":12,"total":5,"seq":2}
//   {"op":"read","id":7}
//   {"op":"del","id":7}          (removed from the instance's SMS storage)
//   {"op":"drop","instance":"a1"} (the instance was deleted)
//
// A torn last line (a crash in the middle of a write) is ignored on load.
// Threads: single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/unique_fd.h"
#include "devices/telephony/sms_pdu.h"

namespace vmi::telephony {

struct StoredMessage {
  uint64_t id = 0;
  std::string instance;
  bool incoming = true;
  std::string peer;
  int64_t time = 0;
  int index = 0;  // slot in the instance's SMS storage (incoming); 0 for sent
  UserData ud;
  bool read = false;
  bool deleted = false;
};

nlohmann::json MessageToJson(const StoredMessage& m);
Result<StoredMessage> MessageFromJson(const nlohmann::json& j);

class MessageJournal {
 public:
  // Opens (creating) the journal at path; an empty path keeps it in memory
  // only (tests).
  static Result<std::unique_ptr<MessageJournal>> Open(const std::string& path);

  // Every record in order; the caller folds them.
  const std::vector<nlohmann::json>& loaded() const { return loaded_; }
  // Appends one record durably.
  Result<void> Append(const nlohmann::json& record);

 private:
  MessageJournal() = default;
  UniqueFd fd_;
  std::vector<nlohmann::json> loaded_;
};

}  // namespace vmi::telephony
