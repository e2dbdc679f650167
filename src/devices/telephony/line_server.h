// LineServer: vmi-modem's side of the line socket (line_wire.h). Each
// instance's device host connects once its guest's port is connected, names
// the instance, and its modem then acts on that line through the Network
// of this process; the Network's news for the line (a call rings, changes,
// ends; an SMS is stored) goes back on the same connection.
//
// On a cluster (docs/kubernetes.md, "Telephony") the device hosts are in
// the phones' Pods and connect over TCP (ListenTcp): there, hello must also
// carry the line's token, which the control plane gave with the line
// (SetToken); a line without a token cannot be taken over TCP. The Unix
// socket is the node's own (mode 0600) and asks for none.
//
// Ownership: the ModemService owns the server; the server owns its
// listening socket and connections and borrows the Network. Threads: the
// service's loop.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/event_loop.h"
#include "base/unique_fd.h"
#include "devices/telephony/modem_line.h"
#include "devices/telephony/network.h"

namespace vmi::telephony {

class LineServer {
 public:
  // How long a device host that died in a call has to come back (it is
  // restarted within 100 ms to 5 s, and its guest's relay reconnects
  // within 2 s) before the line's calls end with cause 20.
  static constexpr std::chrono::seconds kOrphanGrace{10};

  static Result<std::unique_ptr<LineServer>> Create(EventLoop* loop, Network* network,
                                                    std::string path);
  ~LineServer();

  // Also accepts device hosts on `listener` (a listening TCP socket).
  Result<void> ListenTcp(UniqueFd listener);
  size_t connections() const { return conns_.size(); }
  // The token a device host must give over TCP for this line's hello.
  void SetToken(const std::string& instance, const std::string& token) { tokens_[instance] = token; }
  // The instance is gone: its kept modem set-up and token with it.
  void Forget(const std::string& instance) {
    kept_.erase(instance);
    tokens_.erase(instance);
  }

 private:
  struct Conn;
  struct Recorder;
  LineServer() = default;
  void OnAccept(int listener, bool remote);
  void OnReadable(int fd, uint32_t events);
  nlohmann::json Handle(Conn& c, const nlohmann::json& req);
  Result<nlohmann::json> Dispatch(Conn& c, const std::string& op, const nlohmann::json& req);
  void Send(Conn& c, const nlohmann::json& message);
  void Close(int fd);
  void CloseLater(int fd);

  EventLoop* loop_ = nullptr;
  Network* network_ = nullptr;
  std::string path_;
  UniqueFd listen_;
  UniqueFd tcp_listen_;
  std::map<int, std::unique_ptr<Conn>> conns_;
  std::map<std::string, std::string> tokens_;  // instance -> line token (SetToken)
  // Lines whose device host went away in a call: kept attached for
  // kOrphanGrace, so that a restarted device host takes the call over and
  // learns what happened meanwhile (the recorder is the line's observer).
  struct Orphan {
    std::unique_ptr<Recorder> recorder;  // outlives the line, which tells it its calls' end
    std::unique_ptr<LocalLine> line;
    EventLoop::TimerId timer = 0;
  };
  std::map<std::string, Orphan> orphans_;
  // Each line's modem set-up, kept for the line's next modem (keep).
  std::map<std::string, nlohmann::json> kept_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vmi::telephony
