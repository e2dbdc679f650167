#include "ws_viewer.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstring>

namespace vmi::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using local = net::local::stream_protocol;

// The socket lives on one io thread; Send() posts to it, so reads and writes
// never run concurrently on the stream.
struct WsViewer::Impl {
  net::io_context io;
  websocket::stream<local::socket> ws{io};
  beast::flat_buffer buffer;
  std::deque<std::string> out;
  bool writing = false;
  std::thread thread;
};

namespace {

void PutU16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xff));
  s.push_back(char(v >> 8));
}
void PutU32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
uint16_t U16(const std::string& m, size_t at) {
  return uint16_t(uint8_t(m[at]) | uint8_t(m[at + 1]) << 8);
}
uint32_t U32(const std::string& m, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | uint8_t(m[at + i]);
  return v;
}

}  // namespace

Result<std::unique_ptr<WsViewer>> WsViewer::Connect(const std::string& socket_path,
                                                    const std::string& target) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->ws.next_layer().connect(local::endpoint(socket_path));
    impl->ws.binary(true);
    impl->ws.handshake("localhost", target);
  } catch (const beast::system_error& e) {
    return Error(ErrorCode::kUnavailable, std::string("websocket connect: ") + e.what());
  }
  return std::unique_ptr<WsViewer>(new WsViewer(std::move(impl)));
}

WsViewer::WsViewer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  ReadLoop();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

WsViewer::~WsViewer() {
  net::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->ws.next_layer().shutdown(local::socket::shutdown_both, ec);
    impl_->ws.next_layer().close(ec);
  });
  impl_->thread.join();
}

void WsViewer::ReadLoop() {
  impl_->ws.async_read(impl_->buffer, [this](beast::error_code ec, size_t) {
    std::lock_guard lock(mu_);
    if (ec) {
      closed_ = true;
      close_code_ = impl_->ws.reason().code;
      close_reason_ = std::string(impl_->ws.reason().reason.c_str());
      cv_.notify_all();
      return;
    }
    messages_.push_back(beast::buffers_to_string(impl_->buffer.data()));
    impl_->buffer.consume(impl_->buffer.size());
    cv_.notify_all();
    ReadLoop();
  });
}

Result<void> WsViewer::Send(const std::string& bytes) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Error(ErrorCode::kUnavailable, "viewer closed");
  }
  net::post(impl_->io, [this, bytes] {
    impl_->out.push_back(bytes);
    if (impl_->writing) return;
    struct Writer {
      WsViewer* self;
      void operator()() const {
        auto* i = self->impl_.get();
        if (i->out.empty()) {
          i->writing = false;
          return;
        }
        i->writing = true;
        auto msg = std::make_shared<std::string>(std::move(i->out.front()));
        i->out.pop_front();
        i->ws.async_write(net::buffer(*msg), [self = self, msg](beast::error_code ec, size_t) {
          if (ec) {
            self->impl_->out.clear();
            self->impl_->writing = false;
            return;
          }
          Writer{self}();
        });
      }
    };
    Writer{this}();
  });
  return Ok();
}

Result<void> WsViewer::Pointer(int x, int y, uint8_t buttons) {
  std::string m{0x11, char(buttons)};
  PutU16(m, uint16_t(x));
  PutU16(m, uint16_t(y));
  return Send(m);
}

Result<void> WsViewer::Key(uint32_t keysym, bool down) {
  std::string m{0x12, char(down ? 1 : 0), 0, 0};
  PutU32(m, keysym);
  return Send(m);
}

Result<void> WsViewer::Text(const std::string& utf8) {
  std::string m{0x13, 0};
  PutU16(m, uint16_t(utf8.size()));
  return Send(m + utf8);
}

std::optional<std::string> WsViewer::WaitFor(const std::function<bool(const std::string&)>& pred,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    while (!messages_.empty()) {
      std::string m = std::move(messages_.front());
      messages_.pop_front();
      if (pred(m)) return m;
    }
    if (closed_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && messages_.empty())
      return std::nullopt;
  }
}

std::optional<ViewerConfig> WsViewer::ParseConfig(const std::string& m) {
  if (m.size() < 8 || m[0] != 0x01) return std::nullopt;
  ViewerConfig c;
  c.codec = uint8_t(m[1]);
  c.width = U16(m, 2);
  c.height = U16(m, 4);
  size_t n = uint8_t(m[6]);
  if (m.size() != 8 + n) return std::nullopt;
  c.codec_string = m.substr(8, n);
  return c;
}

std::optional<ViewerVideo> WsViewer::ParseVideo(const std::string& m) {
  if (m.size() < 12 || m[0] != 0x02) return std::nullopt;
  ViewerVideo v;
  v.keyframe = m[1] & 1;
  v.timestamp_us = uint64_t(U32(m, 8)) << 32 | U32(m, 4);
  v.access_unit.assign(m.begin() + 12, m.end());
  return v;
}

std::optional<ViewerControl> WsViewer::ParseControl(const std::string& m) {
  if (m.size() != 12 || m[0] != 0x04) return std::nullopt;
  return ViewerControl{uint8_t(m[1]), U16(m, 2), U32(m, 4), U32(m, 8)};
}

std::optional<ViewerConfig> WsViewer::WaitConfig(std::chrono::milliseconds timeout) {
  auto m = WaitFor([](const std::string& m) { return ParseConfig(m).has_value(); }, timeout);
  if (!m) return std::nullopt;
  return ParseConfig(*m);
}

std::optional<ViewerVideo> WsViewer::WaitVideo(std::chrono::milliseconds timeout,
                                               bool keyframe_only) {
  auto m = WaitFor(
      [keyframe_only](const std::string& m) {
        auto v = ParseVideo(m);
        return v && (!keyframe_only || v->keyframe);
      },
      timeout);
  if (!m) return std::nullopt;
  return ParseVideo(*m);
}

std::optional<ViewerControl> WsViewer::WaitControl(std::chrono::milliseconds timeout) {
  auto m = WaitFor([](const std::string& m) { return ParseControl(m).has_value(); }, timeout);
  if (!m) return std::nullopt;
  return ParseControl(*m);
}

bool WsViewer::WaitClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return closed_; });
}

int WsViewer::close_code() const {
  std::lock_guard lock(mu_);
  return close_code_;
}

std::string WsViewer::close_reason() const {
  std::lock_guard lock(mu_);
  return close_reason_;
}

}  // namespace vmi::testing
