// ResponseStream: a streamed (chunked) HTTP response: Server-Sent Events,
// `logs -f`, anything that is written over time.
//
// Ownership: shared, for the same reason as WebSocket: the connection and the
// producer each decide when they are done. Drop it after the close callback.
//
// Threads: Write, SendEvent, Close and the accessors are thread-safe. The
// close callback runs on the io thread when the client goes away or the
// server stops.
//
// The response ends when Close() is called (after the queued chunks) or the
// client disconnects. The connection is not reused afterwards.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "api/http/request.h"

namespace vmi::api {

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;

  virtual const Request& request() const = 0;
  void SetOnClose(std::function<void()> cb) { on_close_ = std::move(cb); }

  // Queues a chunk. Returns false when the stream is closed.
  virtual bool Write(std::string data) = 0;
  virtual void Close() = 0;
  virtual size_t queued_bytes() const = 0;
  virtual bool is_open() const = 0;

  // One Server-Sent Event: "event: <event>\nid: <id>\ndata: <line>\n...\n\n".
  // Multi-line data is split into several data: lines. Empty event/id are
  // omitted.
  bool SendEvent(std::string_view event, std::string_view data, std::string_view id = {});
  // An SSE comment line (": text\n\n"), used as a heartbeat.
  bool SendComment(std::string_view text);

 protected:
  std::function<void()> on_close_;
};

// Formats one SSE event (exposed for byte-exact tests).
std::string FormatSseEvent(std::string_view event, std::string_view data, std::string_view id);

}  // namespace vmi::api
