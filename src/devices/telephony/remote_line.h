// RemoteLine: an instance's line in vmi-modem, seen from the modem in the
// instance's device host (the line socket, line_wire.h).
//
// The AT interpreter is serial, as a modem is: a command that needs the
// network (dial, send an SMS, list the storage) waits for vmi-modem's answer
// (at most kReplyTimeout) before the next byte of the guest is read. The
// network's news (a call rings, an SMS is stored) that arrives meanwhile is
// held and given to the modem once the command's answer is out, as a modem
// sends its unsolicited results between commands.
//
// Without vmi-modem (not started yet, or restarting) the modem has no
// network: it is searching, calls and SMS fail with "no network service",
// and the line connects again every kRetry. A call in progress when the
// connection goes ends (NO CARRIER), since the network that carried it is
// gone; the modem's own state (what ModemManager set up) stays.
//
// Ownership: the endpoint owns the line for one guest connection; the line
// owns its connection and borrows the loop. Threads: the loop's thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "devices/telephony/modem_line.h"

namespace vmi::telephony {

class RemoteLine : public ModemLine {
 public:
  static constexpr std::chrono::milliseconds kReplyTimeout{2000};
  static constexpr std::chrono::milliseconds kRetry{250};

  // Connects at once, and again every kRetry while it is not connected.
  // `socket_path`: vmi-modem's line socket, or HOST:PORT of its line port
  // on a cluster, where hello carries `token` (line_server.h).
  RemoteLine(EventLoop* loop, std::string socket_path, std::string instance,
             std::string token = "");
  ~RemoteLine() override;
  RemoteLine(const RemoteLine&) = delete;
  RemoteLine& operator=(const RemoteLine&) = delete;

  bool connected() const { return fd_.valid() && hello_; }

  void SetObserver(LineObserver* observer) override { observer_ = observer; }
  std::string Number() override;
  Result<LineSettings> Settings() override;
  std::vector<CallView> Calls() override;
  Result<uint32_t> Dial(const std::string& number) override;
  Result<void> Answer() override;
  Result<void> Hangup() override;
  Result<uint8_t> SendSms(const SmsSubmit& submit) override;
  std::vector<StoredMessage> Stored() override;
  Result<void> MarkRead(int index) override;
  Result<void> DeleteStored(int index) override;
  void KeepModemState(const nlohmann::json& state) override;
  nlohmann::json KeptModemState() override { return kept_; }
  void Leave() override;

 private:
  Result<UniqueFd> Open() const;
  void Connect();
  void Disconnect(const std::string& why);
  Result<nlohmann::json> Call(nlohmann::json request);
  // Reads what is there; false when the connection ended.
  bool ReadSome();
  // Moves complete lines from in_ to replies_ and events_.
  void TakeLines();
  void OnReadable(uint32_t events);
  void DeliverLater();
  void Deliver();

  EventLoop* loop_;
  std::string path_;
  std::string instance_;
  std::string token_;
  UniqueFd fd_;
  bool hello_ = false;
  bool warned_ = false;
  std::string in_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, nlohmann::json> replies_;
  std::deque<nlohmann::json> events_;
  bool delivering_ = false;
  LineObserver* observer_ = nullptr;
  std::string number_;
  // The modem's set-up: from vmi-modem at the first hello (what the modem
  // of a device host before this one set up), sent again after each one.
  nlohmann::json kept_;
  // The calls the network told this line about: they end here when the
  // connection goes.
  std::map<uint32_t, CallView> calls_;
  EventLoop::TimerId retry_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vmi::telephony
