// ModemEndpoint: one instance's modem channel, `modem.sock` in the
// instance's device directory (the guest sees it as /run/vmi/modem.sock).
//
// The guest's port relay (vmi-modem-port) connects and carries the raw AT
// byte stream of the guest's /dev/ttyVMI0 both ways. One connection at a
// time: a new one replaces the old (the relay reconnects after a restart).
// Output to a guest that does not read is bounded (kMaxPending); beyond it
// the connection is dropped rather than letting the service grow or block.
//
// The endpoint is the unit that will move into the per-instance device host:
// it needs only a loop, the device directory and the Network.
//
// Ownership: the ModemService owns endpoints; an endpoint owns its listening
// socket, its connection and its AtModem. Threads: the service's loop.
#pragma once

#include <memory>
#include <string>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "devices/telephony/at_modem.h"

namespace vmi::telephony {

class ModemEndpoint {
 public:
  static constexpr size_t kMaxPending = 256 << 10;

  static Result<std::unique_ptr<ModemEndpoint>> Create(EventLoop* loop, Network* network,
                                                       std::string instance,
                                                       std::string devdir);
  ~ModemEndpoint();

  const std::string& devdir() const { return devdir_; }
  bool connected() const { return conn_.valid(); }
  void Tick();

 private:
  ModemEndpoint() = default;
  std::string socket_path() const { return devdir_ + "/modem.sock"; }
  void OnAccept();
  void OnReadable(uint32_t events);
  void Write(std::string_view bytes);
  void Flush();
  void CloseConnection();
  void CloseLater();

  EventLoop* loop_ = nullptr;
  Network* network_ = nullptr;
  std::string instance_;
  std::string devdir_;
  UniqueFd listen_;
  UniqueFd conn_;
  std::unique_ptr<AtModem> modem_;
  std::string pending_;
  // Posted closures hold this weakly: the endpoint may be gone when they run.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vmi::telephony
