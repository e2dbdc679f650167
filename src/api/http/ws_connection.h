// Internal: one WebSocket connection after the upgrade, templated on the
// transport. Implements the public WebSocket interface (websocket.h).
// Included only through http_connection.h.
//
// Threads: Send*/Close/accessors from any thread (they post to the strand);
// everything else on the connection's strand.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "api/http/server_impl.h"
#include "api/http/websocket.h"
#include "base/log.h"

namespace vmi::api {

template <class Stream>
class WsConnection : public WebSocket,
                     public Connection,
                     public std::enable_shared_from_this<WsConnection<Stream>> {
 public:
  using Ws = boost::beast::websocket::stream<Stream>;
  using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

  WsConnection(Server::Impl* server, const Request& req) : server_(server), req_(req) {}

  const Request& request() const override { return req_; }
  // Keeps the connection's place under the server's connection caps.
  void HoldSlot(std::shared_ptr<ConnectionLimiter::Slot> slot) { slot_ = std::move(slot); }

  bool SendText(std::string data) override {
    return Enqueue(std::make_shared<const std::string>(std::move(data)), false);
  }
  bool SendBinary(std::string data) override {
    return Enqueue(std::make_shared<const std::string>(std::move(data)), true);
  }
  bool SendBinaryShared(std::shared_ptr<const std::string> data) override {
    return Enqueue(std::move(data), true);
  }
  void Close(uint16_t code, std::string reason) override {
    if (reason.size() > 123) reason.resize(123);
    if (!open_.exchange(false)) return;
    Post([self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      self->close_code_ = code;
      self->close_reason_ = std::move(reason);
      self->close_requested_ = true;
      self->Pump();
    });
  }
  size_t queued_bytes() const override { return queued_bytes_.load(); }
  size_t queued_messages() const override { return queued_messages_.load(); }
  bool is_open() const override { return open_.load(); }

  void Shutdown() override {
    Post([self = this->shared_from_this()] {
      if (self->ws_) {
        boost::beast::error_code ec;
        boost::beast::get_lowest_layer(*self->ws_).socket().close(ec);
      }
      self->Finish(1001, "server shutting down");
    });
  }

  // The handler refused the upgrade: the socket never existed.
  void Abandon() {
    open_ = false;
    finished_ = true;
    on_message_ = nullptr;
    on_close_ = nullptr;
    queue_.clear();
    std::lock_guard<std::mutex> lock(exec_mu_);
    pre_accept_.clear();  // its functions hold this object
  }

  // Takes over the transport and answers the upgrade request. On the strand.
  void Accept(Stream stream, UpgradeRequest upgrade) {
    namespace websocket = boost::beast::websocket;
    boost::beast::get_lowest_layer(stream).expires_never();
    {
      std::lock_guard<std::mutex> lock(exec_mu_);
      exec_ = stream.get_executor();
    }
    ws_.emplace(std::move(stream));
    websocket::stream_base::timeout t =
        websocket::stream_base::timeout::suggested(boost::beast::role_type::server);
    t.idle_timeout = server_->options.idle_timeout;
    t.keep_alive_pings = true;
    ws_->set_option(t);
    ws_->read_message_max(server_->options.ws_max_message_bytes);
    upgrade_ = std::move(upgrade);
    ws_->async_accept(upgrade_, [self = this->shared_from_this()](boost::beast::error_code ec) {
      if (ec) return self->Finish(1006, ec.message());
      self->accepted_ = true;
      self->Read();
      self->Pump();
    });
  }

 private:
  struct Item {
    std::shared_ptr<const std::string> data;
    bool binary;
  };

  template <class Fn>
  void Post(Fn&& fn) {
    std::lock_guard<std::mutex> lock(exec_mu_);
    if (released_) return;  // the transport is gone; nothing left to do
    if (exec_) {
      boost::asio::post(*exec_, std::forward<Fn>(fn));
    } else {
      // Before Accept (inside the route handler, on the strand already):
      // keep it for Accept's first Pump.
      pre_accept_.push_back(std::function<void()>(std::forward<Fn>(fn)));
    }
  }

  bool Enqueue(std::shared_ptr<const std::string> data, bool binary) {
    if (!open_.load()) return false;
    size_t n = data->size();
    if (queued_bytes_.load() + n > server_->options.ws_max_queued_bytes) {
      VMI_LOG(WARN) << "websocket " << req_.path << ": send queue overflow, disconnecting";
      // A polite close frame would wait behind the stuck queue: cut the
      // connection instead.
      if (open_.exchange(false)) {
        Post([self = this->shared_from_this()] {
          if (self->ws_) {
            boost::beast::error_code ec;
            boost::beast::get_lowest_layer(*self->ws_).socket().close(ec);
          }
          self->Finish(1008, "send queue overflow");
        });
      }
      return false;
    }
    queued_bytes_ += n;
    ++queued_messages_;
    Post([self = this->shared_from_this(), item = Item{std::move(data), binary}]() mutable {
      if (self->finished_) return;
      self->queue_.push_back(std::move(item));
      self->Pump();
    });
    return true;
  }

  void Read() {
    ws_->async_read(read_buf_, [self = this->shared_from_this()](boost::beast::error_code ec,
                                                                 size_t) {
      if (ec) {
        auto reason = self->ws_->reason();
        if (ec == boost::beast::websocket::error::closed) {
          return self->Finish(reason.code, std::string(reason.reason.data(), reason.reason.size()));
        }
        return self->Finish(1006, ec.message());
      }
      auto data = self->read_buf_.cdata();
      std::string_view view(static_cast<const char*>(data.data()), data.size());
      if (self->on_message_) self->on_message_(view, self->ws_->got_binary());
      self->read_buf_.consume(self->read_buf_.size());
      if (!self->finished_) self->Read();
    });
  }

  void Pump() {
    if (accepted_) {
      std::vector<std::function<void()>> fns;
      {
        std::lock_guard<std::mutex> lock(exec_mu_);
        fns.swap(pre_accept_);
      }
      for (auto& fn : fns) fn();
    }
    if (!accepted_ || writing_ || finished_) return;
    if (queue_.empty()) {
      if (!close_requested_ || close_sent_) return;
      close_sent_ = true;
      writing_ = true;
      boost::beast::websocket::close_reason cr;
      cr.code = close_code_;
      cr.reason = close_reason_;
      ws_->async_close(cr, [self = this->shared_from_this()](boost::beast::error_code) {
        self->writing_ = false;
        // The pending read completes with `closed` and calls Finish.
      });
      return;
    }
    writing_ = true;
    Item& item = queue_.front();
    ws_->binary(item.binary);
    ws_->async_write(boost::asio::buffer(*item.data),
                     [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
                       self->writing_ = false;
                       Item done = std::move(self->queue_.front());
                       self->queue_.pop_front();
                       self->queued_bytes_ -= done.data->size();
                       --self->queued_messages_;
                       if (ec) self->Finish(1006, ec.message());
                       if (self->finished_) {
                         self->queue_.clear();
                         return self->ReleaseTransport();
                       }
                       self->Pump();
                     });
  }

  void Finish(uint16_t code, std::string reason) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    // Break reference cycles: callbacks commonly capture the socket.
    on_message_ = nullptr;
    if (!writing_) queue_.clear();  // else the write in flight still uses the front
    {
      std::lock_guard<std::mutex> lock(exec_mu_);
      pre_accept_.clear();
    }
    auto cb = std::move(on_close_);
    on_close_ = nullptr;
    if (cb) cb(code, reason);
    if (!writing_) ReleaseTransport();
  }

  // Destroys the Beast stream soon, on the strand, while the io_context
  // still exists: the socket object may outlive the server in the hands of
  // a producer, and a Beast stream must not.
  void ReleaseTransport() {
    std::lock_guard<std::mutex> lock(exec_mu_);
    if (released_ || !exec_) return;
    released_ = true;
    boost::asio::post(*exec_, [self = this->shared_from_this()] {
      self->ws_.reset();
      std::lock_guard<std::mutex> lock(self->exec_mu_);
      self->exec_.reset();
    });
  }

  Server::Impl* server_;
  Request req_;
  std::shared_ptr<ConnectionLimiter::Slot> slot_;
  std::optional<Ws> ws_;
  UpgradeRequest upgrade_;
  std::mutex exec_mu_;
  std::optional<boost::asio::any_io_executor> exec_;  // guarded by exec_mu_
  std::vector<std::function<void()>> pre_accept_;     // guarded by exec_mu_ until Accept
  bool released_ = false;                             // guarded by exec_mu_
  boost::beast::flat_buffer read_buf_;
  std::deque<Item> queue_;
  std::atomic<bool> open_{true};
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<size_t> queued_messages_{0};
  bool accepted_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  uint16_t close_code_ = 1000;
  std::string close_reason_;
};

}  // namespace vmi::api
