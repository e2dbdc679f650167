// VncServer: the RFB (VNC) server of one instance, built on LibVNCServer.
// Serves the instance's frames (Tight, ZRLE, Hextile, raw... whatever the
// client asks for among LibVNCServer's encodings) and turns the clients'
// keyboard and pointer events into InputRouter calls: each VNC client is one
// more viewer of the instance, asking for control when it connects (granted
// only if nobody controls the instance).
//
// Network: listens on `bind_address` (127.0.0.1 by default) and `port`
// (0 = a free port chosen by the kernel). VNC authentication with a
// per-instance password: the caller's, or a random one (read it with
// password() and store it; `vmi inspect` shows it).
//
// Frames: either give a FrameSource (the server then runs its own capture
// thread at `fps` while at least one client is connected), or leave it null
// and call Publish() from the pipeline's capture thread. Only damaged
// rectangles are copied and marked modified; a still screen costs nothing.
//
// Threads:
//  - LibVNCServer's listener thread (accepts connections; runs the new-client
//    hook, which registers the client with the router and, with a source,
//    waits up to a second for a fresh capture);
//  - LibVNCServer's two threads per client: one reads its messages (input
//    goes to the router from there), one encodes and sends its updates;
//  - "vnc-capture", only with a FrameSource; it captures only while at least
//    one client is connected.
// Publish() may be called from any one thread at a time. The router must
// outlive the server. LibVNCServer multiplexes with select(): its sockets
// must be below FD_SETSIZE (1024) in the process.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "devices/display/frame_source.h"
#include "devices/input/input_router.h"

typedef struct _rfbScreenInfo* rfbScreenInfoPtr;
typedef struct _rfbClientRec* rfbClientPtr;

namespace vmi::vnc {

struct VncOptions {
  std::string instance;                    // name in the router and in logs
  std::string bind_address = "127.0.0.1";  // IPv4 address to listen on
  int port = 0;                            // 0: pick a free port
  std::string password;                    // empty: generate a random one
  display::FrameSource* source = nullptr;  // null: frames come through Publish()
  int fps = 30;                            // capture rate with a source
  input::InputRouter* router = nullptr;    // null: view only
  int initial_width = 720;                 // until the first frame arrives
  int initial_height = 1280;
};

class VncServer {
 public:
  static Result<std::unique_ptr<VncServer>> Start(VncOptions options);
  ~VncServer();
  VncServer(const VncServer&) = delete;
  VncServer& operator=(const VncServer&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return password_; }
  int client_count() const { return clients_.load(); }

  // Copies the damaged parts of `frame` into the served framebuffer and
  // marks them modified (all of it after a size change).
  void Publish(const display::FrameView& frame);

  // Counters for tests and the benchmark.
  uint64_t frames_published() const { return published_.load(); }

 private:
  explicit VncServer(VncOptions options);
  Result<void> Init();
  void CaptureLoop();
  void Resize(int width, int height);

  friend struct VncHooks;  // LibVNCServer's C callbacks

  VncOptions options_;
  rfbScreenInfoPtr screen_ = nullptr;
  int port_ = 0;
  std::string password_;
  std::vector<char*> password_list_;  // what LibVNCServer reads: {password, null}
  // The served framebuffer and the previous one (a client thread may still
  // be encoding from it right after a resize; freed on the next resize).
  std::unique_ptr<uint8_t[]> fb_, old_fb_;
  int width_ = 0, height_ = 0;
  std::mutex publish_mu_;

  std::atomic<int> clients_{0};
  std::atomic<uint64_t> published_{0};
  std::thread capture_;
  std::mutex capture_mu_;
  std::condition_variable capture_cv_;
  bool stopping_ = false;
  uint64_t capture_cycles_ = 0;  // completed capture-loop iterations
  bool capture_now_ = false;     // a new client wants a fresh picture
};

// Writes `password` in the obfuscated VNC password file format that
// vncviewer -passwd / -PasswordFile and vncsnapshot -passwd read.
Result<void> WriteVncPasswordFile(const std::string& path, const std::string& password);

}  // namespace vmi::vnc
