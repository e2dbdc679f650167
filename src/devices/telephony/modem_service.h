// ModemService: vmi-modem, the node's telephony service. One per node,
// supervised by the daemon, not its child in any way that dies with it.
//
// It owns the simulated Network, the SMS journal and one ModemEndpoint per
// running instance. The daemon drives it over a control socket
// (<state>/control.sock, root only) with JSON lines:
//
//   -> {"id":1,"op":"line","instance":"a1","number":"+15550100001"}
//   <- {"id":1,"ok":true,"result":{...}}
//   <- {"id":2,"ok":false,"code":"not_found","error":"no phone line ..."}
//   <- {"instance":"a1","event":{"type":"phone.call.ringing",...}}   (any time)
//
// The modem of a running instance lives in its device host
// (devices/telephony/modem_host.h), which connects to <state>/line.sock
// (line_wire.h) for its line. For a modem with no device host, `attach`
// opens the endpoint in `devdir` here, on the service's loop.
//
// ops: line (add or renumber), attach (serve the endpoint in `devdir`),
// detach, remove, get, set (registration/signal/operator), dial (from the
// instance), dial_in (from outside), answer, hangup, calls, sms_in,
// messages, ping. Every op names one instance and acts on that line only,
// except ping and uplink (the shared modem's state; with "owner", the
// instance that takes calls and SMS from numbers nobody talked to).
//
// On a cluster (docs/kubernetes.md, "Telephony") vmi-modem runs in a Pod of
// its own and also listens on TCP: the control port (`control_listen`) for
// the control plane's replicas, whose first request on a connection must be
// {"op":"auth","token":<control_token>} (anything else closes it), and the
// line port (`line_listen`) for the phones' device hosts, each of which
// must give its line's token in hello (line_server.h); the control plane
// gives that token with the line (`line` {"token"}).
//
// The service ends by itself when its control socket disappears (its
// state directory was removed), so a test or a wiped node leaves nothing.
//
// Threads: one event loop (the process's only thread).
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "devices/telephony/message_journal.h"
#include "devices/telephony/line_server.h"
#include "devices/telephony/mm_uplink.h"
#include "devices/telephony/modem_endpoint.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {

struct ModemServiceOptions {
  std::string state_dir;  // control.sock and sms.jsonl
  NetworkOptions network;
  // The shared real modem: a D-Bus bus with ModemManager on it ("system",
  // or an address); empty: no uplink.
  std::string uplink_bus;
  // TCP listeners ("HOST:PORT"; empty: none) and the control port's token.
  std::string control_listen, line_listen, control_token;
};

class ModemService {
 public:
  static Result<std::unique_ptr<ModemService>> Create(ModemServiceOptions options);
  ~ModemService();

  EventLoop& loop() { return *loop_; }
  // Handles one request (also what tests call directly).
  nlohmann::json Handle(const nlohmann::json& request);

 private:
  struct Client {
    UniqueFd fd;
    std::string in;
    std::string out;
    bool authed = true;  // false until a TCP client gives the control token
  };

  ModemService() = default;
  void OnAccept(int listener, bool remote);
  void OnClient(int fd, uint32_t events);
  void SendTo(Client& c, const std::string& line);
  void Broadcast(const std::string& instance, const nlohmann::json& event);
  Result<nlohmann::json> Dispatch(const std::string& op, const std::string& instance,
                                  const nlohmann::json& req);
  nlohmann::json CallsJson(const std::string& instance) const;

  ModemServiceOptions options_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<MessageJournal> journal_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<MmUplink> uplink_;
  // Lines whose modem is in a device host (line.sock).
  std::unique_ptr<LineServer> lines_;
  // Endpoints this service serves itself (attach): modems with no device host.
  std::map<std::string, std::unique_ptr<ModemEndpoint>> endpoints_;
  UniqueFd listen_;
  UniqueFd tcp_listen_;
  std::map<int, std::unique_ptr<Client>> clients_;

 public:
  // The bound TCP ports (0: not listening), for tests that asked for port 0.
  int control_port() const;
  int line_port() const { return line_port_; }

 private:
  int line_port_ = 0;
};

// The canonical code name used on the control socket ("not_found", ...).
std::string ControlCodeName(ErrorCode code);
ErrorCode ControlCodeFromName(const std::string& name);

}  // namespace vmi::telephony
