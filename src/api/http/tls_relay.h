// Internal: the plaintext relay of a TLS connection whose upgrade was handed
// off (ServerOptions::handoff). The session keys cannot leave this process,
// so the other process got one end of a Unix socket pair; this relay holds
// the TLS stream and the pair's other end and copies bytes both ways, one
// read and one write in flight per direction, until either side closes.
// Included only by http_connection.h.
//
// Ownership: the pending operations own the relay (shared_from_this); it
// counts as its client's connection (the limiter slot) while it runs.
// Threads: everything runs on the TLS connection's strand; the pair's end
// is created on the same executor.
#pragma once

#include <array>
#include <chrono>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>

#include "api/http/connection_limiter.h"
#include "api/http/server_impl.h"

namespace vmi::api {

template <class Tls>
class TlsRelay : public Connection, public std::enable_shared_from_this<TlsRelay<Tls>> {
 public:
  using Local = net::local::stream_protocol::socket;

  TlsRelay(Tls tls, Local local, std::shared_ptr<ConnectionLimiter::Slot> slot)
      : tls_(std::move(tls)), local_(std::move(local)), slot_(std::move(slot)) {}

  void Start() {
    // A viewer may watch for hours without sending a byte.
    boost::beast::get_lowest_layer(tls_).expires_never();
    ClientToPeer();
    PeerToClient();
  }

  void Shutdown() override {
    net::post(tls_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
  }

 private:
  void ClientToPeer() {
    tls_.async_read_some(
        net::buffer(up_), [self = this->shared_from_this()](boost::system::error_code ec, size_t n) {
          if (ec) return self->ClientSideEnded(ec);
          net::async_write(self->local_, net::buffer(self->up_.data(), n),
                           [self](boost::system::error_code ec, size_t) {
                             if (ec) return self->ClientSideEnded(ec);
                             self->ClientToPeer();
                           });
        });
  }

  void PeerToClient() {
    local_.async_read_some(
        net::buffer(down_),
        [self = this->shared_from_this()](boost::system::error_code ec, size_t n) {
          if (ec) return self->PeerEnded();
          self->writing_to_client_ = true;
          net::async_write(self->tls_, net::buffer(self->down_.data(), n),
                           [self](boost::system::error_code ec, size_t) {
                             self->writing_to_client_ = false;
                             if (ec) return self->Close();
                             if (self->client_ended_) return self->EndTls();
                             self->PeerToClient();
                           });
        });
  }

  // The other process closed its end; everything it sent has been written
  // to the client (writes are sequential). The pending read from the client
  // is cancelled and its handler ends the TLS session properly.
  void PeerEnded() {
    if (client_ended_) return EndTls();
    peer_ended_ = true;
    boost::system::error_code ec;
    local_.close(ec);
    boost::beast::get_lowest_layer(tls_).socket().cancel(ec);
  }

  // The client's side ended: after the other process's end (cancelled
  // above), or by the client's own close_notify (eof): the pair's end
  // closes, and the session ends with ours once no write to the client is
  // pending. Anything else is a failure: both sockets close at once.
  void ClientSideEnded(boost::system::error_code ec) {
    if (!peer_ended_ && ec != net::error::eof) return Close();
    client_ended_ = true;
    boost::system::error_code ignored;
    local_.close(ignored);
    EndTls();
  }

  // close_notify to the client (which a WebSocket client's closing
  // handshake over TLS waits for), then the socket closes.
  void EndTls() {
    if (closed_ || writing_to_client_) return;  // the write's handler comes back here
    closed_ = true;
    boost::beast::get_lowest_layer(tls_).expires_after(std::chrono::seconds(5));
    tls_.async_shutdown([self = this->shared_from_this()](boost::system::error_code) {
      boost::system::error_code ec;
      boost::beast::get_lowest_layer(self->tls_).socket().close(ec);
    });
  }

  // A failure on either side: both sockets close, which ends the other
  // direction's pending operation (and with it the last reference).
  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    local_.close(ec);
    boost::beast::get_lowest_layer(tls_).socket().close(ec);
  }

  Tls tls_;
  Local local_;
  std::shared_ptr<ConnectionLimiter::Slot> slot_;
  std::array<char, 16 * 1024> up_;    // client -> peer
  std::array<char, 16 * 1024> down_;  // peer -> client
  bool closed_ = false;             // closed, or the TLS shutdown started
  bool peer_ended_ = false;         // the other process closed its end
  bool client_ended_ = false;       // the client's side is done
  bool writing_to_client_ = false;  // a write to the TLS stream is pending
};

}  // namespace vmi::api
