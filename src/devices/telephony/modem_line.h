// ModemLine: one instance's phone line as its modem (AtModem) sees it.
//
// The modem is the guest's side of the line and lives with the guest's port
// (in the instance's device host); the line is the network's side and lives
// in vmi-modem, which switches calls and SMS between the lines of the node.
// This interface is the seam between the two: LocalLine calls the Network
// in the same process (vmi-modem serving an endpoint itself, the tests),
// RemoteLine (remote_line.h) asks vmi-modem over its line socket.
//
// Every operation acts on this instance's own line only: the instance is
// fixed when the line is made, never passed by the modem.
//
// Threads: the caller's loop thread (the one the modem runs on).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "devices/telephony/message_journal.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {

class ModemLine {
 public:
  virtual ~ModemLine() = default;

  // The modem that is told about incoming calls, call changes and stored
  // SMS (nullptr: nobody). While one is set the line is reachable; one in
  // place of another keeps the line's calls, none ends them.
  virtual void SetObserver(LineObserver* observer) = 0;

  virtual std::string Number() = 0;
  virtual Result<LineSettings> Settings() = 0;
  virtual std::vector<CallView> Calls() = 0;
  virtual Result<uint32_t> Dial(const std::string& number) = 0;
  virtual Result<void> Answer() = 0;
  virtual Result<void> Hangup() = 0;
  // The message reference once the network has accepted (journalled) it.
  virtual Result<uint8_t> SendSms(const SmsSubmit& submit) = 0;
  // The instance's SMS storage, what +CMGL/+CMGR/+CMGD see.
  virtual std::vector<StoredMessage> Stored() = 0;
  virtual Result<void> MarkRead(int index) = 0;
  virtual Result<void> DeleteStored(int index) = 0;

  // The modem's set-up (AtModem::State), kept with the line so that the
  // next modem of the instance (a restarted device host's) starts with it.
  virtual void KeepModemState(const nlohmann::json& state) = 0;
  virtual nlohmann::json KeptModemState() = 0;
  // The guest closed its port (its modem is off): the line leaves the
  // network now, calls and all. A line that is merely dropped (the device
  // host died) may be taken over by the next modem instead.
  virtual void Leave() {}
};

// The line in the Network of this process.
class LocalLine : public ModemLine {
 public:
  LocalLine(Network* network, std::string instance)
      : network_(network), instance_(std::move(instance)) {}
  ~LocalLine() override { SetObserver(nullptr); }
  LocalLine(const LocalLine&) = delete;
  LocalLine& operator=(const LocalLine&) = delete;

  void SetObserver(LineObserver* observer) override;
  std::string Number() override { return network_->NumberOf(instance_); }
  Result<LineSettings> Settings() override { return network_->Settings(instance_); }
  std::vector<CallView> Calls() override { return network_->Calls(instance_); }
  Result<uint32_t> Dial(const std::string& number) override { return network_->Dial(instance_, number); }
  Result<void> Answer() override { return network_->Answer(instance_); }
  Result<void> Hangup() override { return network_->Hangup(instance_); }
  Result<uint8_t> SendSms(const SmsSubmit& submit) override { return network_->SendSms(instance_, submit); }
  std::vector<StoredMessage> Stored() override;
  Result<void> MarkRead(int index) override { return network_->MarkRead(instance_, index); }
  Result<void> DeleteStored(int index) override { return network_->DeleteStored(instance_, index); }
  void KeepModemState(const nlohmann::json& state) override { kept_ = state; }
  nlohmann::json KeptModemState() override { return kept_; }

 private:
  Network* network_;
  std::string instance_;
  LineObserver* observer_ = nullptr;
  nlohmann::json kept_;
};

}  // namespace vmi::telephony
