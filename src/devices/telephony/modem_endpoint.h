// ModemEndpoint: one instance's modem channel, `modem.sock` in the
// instance's device directory (the guest sees it as /run/vmi/modem.sock).
//
// The guest's port relay (vmi-modem-port) connects and carries the raw AT
// byte stream of the guest's /dev/ttyVMI0 both ways. One connection at a
// time: a new one replaces the old (the relay reconnects after a restart).
// Output to a guest that does not read is bounded (kMaxPending); beyond it
// the connection is dropped rather than letting the service grow or block.
//
// The endpoint lives in the instance's device host (ModemHost), where the
// line it makes for each connection is a RemoteLine to vmi-modem; vmi-modem
// serves an endpoint itself, on a LocalLine, for a modem with no device host
// (its `attach` op: a node built without device hosts, the tests' vendor
// modem). The guest's modem state (echo, +CNMI, +CREG...) lives in the
// AtModem here, so it survives a restart of vmi-modem.
//
// Ownership: the device host's ModemHost (or the ModemService) owns
// endpoints; an endpoint owns its listening socket, its connection, the
// connection's line and its AtModem. Threads: the owner's loop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "devices/telephony/at_modem.h"

namespace vmi::telephony {

class ModemEndpoint {
 public:
  static constexpr size_t kMaxPending = 256 << 10;

  // Makes the line of one guest connection (called on each accept).
  using LineFactory = std::function<std::unique_ptr<ModemLine>()>;

  static Result<std::unique_ptr<ModemEndpoint>> Create(EventLoop* loop, LineFactory make_line,
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
  LineFactory make_line_;
  std::string instance_;
  std::string devdir_;
  UniqueFd listen_;
  UniqueFd conn_;
  std::unique_ptr<ModemLine> line_;  // outlives modem_, which borrows it
  std::unique_ptr<AtModem> modem_;
  std::string pending_;
  // Posted closures hold this weakly: the endpoint may be gone when they run.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vmi::telephony
