// MmUplink: the shared real modem, driven through the host's ModemManager
// over D-Bus (sd-bus). ModemManager does what a vendor RIL does in seed 002
// (it owns the port and speaks the modem's dialect); this class is the
// proxy server's side of it: one modem, requests from many instances.
//
// Requests (Uplink::Submit) become ModemManager calls:
//
//   DIAL      Modem.Voice.CreateCall {number} -> Call.Start
//   ANSWER    Call.Accept          HANGUP  Call.Hangup
//   SEND_SMS  Modem.Messaging.Create {number, text} -> Sms.Send -> Messaging.Delete
//
// Each request is registered with the TokenRemapper under the asking
// instance's token; the D-Bus replies come back in any order and are
// answered to the right instance under its own token. Signals become
// UplinkListener events: Voice.CallAdded (an incoming call), Call.StateChanged
// (active, terminated), Messaging.Added (a received SMS, deleted from the
// modem once an instance has it, so no other instance can read it).
//
// The modem is the first one ModemManager exports (or the next one, when it
// appears later or comes back). It is enabled once found; the uplink is
// ready while the modem is registered (ModemManager places only emergency
// calls before). If the bus goes
// away, the uplink is not ready until it can connect again.
//
// Threads: the modem service's loop; the bus fd is watched there.
#pragma once

#include <systemd/sd-bus.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "base/event_loop.h"
#include "base/result.h"
#include "devices/telephony/token_remapper.h"
#include "devices/telephony/uplink.h"

namespace vmi::telephony {

class MmUplink : public Uplink {
 public:
  // bus: "system", or a D-Bus address such as "unix:path=/run/x/bus".
  // Borrows loop and listener; both outlive the uplink.
  static Result<std::unique_ptr<MmUplink>> Create(EventLoop* loop, std::string bus,
                                                  UplinkListener* listener);
  ~MmUplink() override;

  bool Ready() const override { return ready_; }
  void Submit(const UplinkRequest& request) override;
  nlohmann::json Status() const;

  using Reply = std::function<void(sd_bus_message* reply, const sd_bus_error* error)>;

 private:
  MmUplink() = default;
  Result<void> Connect();
  void Disconnect();
  void Pump();
  void Tick();
  void Watch();
  sd_bus_message* NewCall(const std::string& path, const char* iface, const char* member);
  void Send(sd_bus_message* m, Reply done);
  sd_bus_message* GetAll(const std::string& path, const char* iface);
  void FindModem();
  void UseModem(const std::string& path);
  void Enable();
  void CheckRegistration();
  void OfferSms(const std::string& path);
  void OnCallAdded(const std::string& path);
  void OnCallState(const std::string& path, int state, uint32_t reason);
  void Complete(uint64_t modem_token, UplinkResult result);
  void Fail(uint64_t modem_token, const sd_bus_error* error, int cause);

  EventLoop* loop_ = nullptr;
  std::string address_;
  UplinkListener* listener_ = nullptr;
  sd_bus* bus_ = nullptr;
  int bus_fd_ = -1;
  EventLoop::TimerId timer_ = 0;
  TokenRemapper tokens_;
  std::string modem_;
  bool enabling_ = false;
  bool enabled_ = false;
  bool ready_ = false;
  int ticks_ = 0;
  uint64_t dummies_ = 0, completed_ = 0;
  std::set<std::string> sms_seen_;   // received SMS handed over (or on their way)
  std::set<std::string> sms_waiting_;  // received SMS nobody took yet
  std::set<std::string> calls_seen_;
};

}  // namespace vmi::telephony
