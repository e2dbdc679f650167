// ModemHost: the modem of one instance inside its device host.
//
// The instance's modem endpoint (`<devdir>/modem.sock`, which the guest's
// port relay connects to) and the AT modem behind it live in the instance's
// own device host, as its other devices do: the guest's modem costs the
// instance's CPU share, a guest that floods or crashes its modem takes only
// its own device host with it, and what the guest set up on its modem
// survives a restart of vmi-modem. Each guest connection's line goes to
// vmi-modem's line socket (RemoteLine), where the network switches it.
//
// Threads: one, `vmi-modem-line`, running its own event loop: the modem
// waits for the network's answers there (RemoteLine), never on the device
// host's main loop. Ownership: the device host owns the ModemHost; the
// thread owns the loop and the endpoint.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/event_loop.h"
#include "base/result.h"

namespace vmi::telephony {

class ModemHost {
 public:
  // Serves <devdir>/modem.sock for `instance`; lines go to line_socket
  // (a path, or HOST:PORT with the line's token: RemoteLine).
  static Result<std::unique_ptr<ModemHost>> Start(std::string instance, std::string devdir,
                                                  std::string line_socket,
                                                  std::string token = "");
  // Stops the thread; the endpoint (and so the line) goes with it.
  ~ModemHost();

 private:
  ModemHost() = default;
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

}  // namespace vmi::telephony
