// viewer_test_server: the daemon's HTTP server (api::Server) serving the web
// client (web/dist), a one-instance list, and the live view of a
// TestPatternSource whose input goes to a recording sink. The e2e tests
// drive it with a real Chromium.
//
// stdout protocol (line-based, flushed): "LISTENING <port>" once, then
// "EVENT <event>" per input event the sink receives ("pointer x y buttons",
// "key sym down", "text <utf8>", "touch id action x y"). Exits when stdin
// reaches EOF (the test closes it) or on SIGTERM/SIGINT.
//
// Usage: viewer_test_server --web-dir DIR [--width W] [--height H] [--animate]
//        [--port P] [--fb-path Xvfb_screen0] [--x-socket /tmp/.X11-unix/XN]
//        [--fps N] [--preset P] [--crf N] [--threads N] [--instances N]
//        [--animate-captures N]
// --fb-path streams a real Xvfb framebuffer (XwdFrameSource) instead of the
// test pattern (used by bench/stream); with --x-socket the source follows
// the server's DAMAGE reports and the pipeline sleeps on them (as the daemon
// does), without it the framebuffer is compared at the pacing rate. With the display library, GET
// /api/v1/instances/test/screenshot returns a PNG of the source.
// --stats prints "STATS {json}" every second (pipeline counters, CPU).
// --instances N serves N instances ("test", "test-2", ... "test-N"), each
// with its own source of the same picture and its own pipeline (the wall
// benchmark of bench/stream); input and rotation belong to "test".
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "api/http/response.h"
#include "api/http/router.h"
#include "api/http/server.h"
#include "api/http/static_files.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "stream/video/test_pattern_source.h"
#include "stream/web/live_view.h"
#include "stream/web/testing_sinks.h"
#include "node/live/viewer_route.h"
#ifdef VMI_HAVE_DISPLAY
#include "devices/display/png.h"
#include "devices/display/xwd_frame_source.h"
#endif

using namespace vmi;

int main(int argc, char** argv) {
  std::string web_dir;
  int width = 360, height = 640, port = 0;
  bool animate = false, stats = false;
  std::string fb_path, x_socket;
  int fps = 60, crf = 26, threads = 0, instances = 1, animate_captures = 0;
  std::string preset = "ultrafast";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--web-dir") web_dir = next();
    else if (a == "--width") width = std::stoi(next());
    else if (a == "--height") height = std::stoi(next());
    else if (a == "--port") port = std::stoi(next());
    else if (a == "--animate") animate = true;
    else if (a == "--fb-path") fb_path = next();
    else if (a == "--x-socket") x_socket = next();
    else if (a == "--fps") fps = std::stoi(next());
    else if (a == "--stats") stats = true;
    else if (a == "--preset") preset = next();
    else if (a == "--crf") crf = std::stoi(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--instances") instances = std::stoi(next());
    else if (a == "--animate-captures") animate_captures = std::stoi(next());
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  if (instances < 1 || instances > 64) {
    std::fprintf(stderr, "--instances must be 1..64\n");
    return 2;
  }
  video::TestPatternSource pattern(width, height);
  pattern.SetAnimating(animate);
  // The first instance's box moves for that many captures, then stops at a
  // known place (the e2e test checks region frames drew the final picture).
  if (animate_captures > 0) pattern.AnimateFor(animate_captures);
  // One source per instance: a pipeline owns its source's damage state.
  std::vector<std::unique_ptr<display::FrameSource>> extra_sources;
  std::vector<display::FrameSource*> sources;
#ifndef VMI_HAVE_DISPLAY
  if (!fb_path.empty()) {
    std::fprintf(stderr, "--fb-path needs the display library (devices subsystem)\n");
    return 2;
  }
#endif
  for (int i = 0; i < instances; ++i) {
    if (!fb_path.empty()) {
#ifdef VMI_HAVE_DISPLAY
      display::XwdSourceOptions xo;
      xo.fb_path = fb_path;
      xo.x_socket = x_socket;
      extra_sources.push_back(std::make_unique<display::XwdFrameSource>(xo));
#endif
    } else if (i > 0) {
      auto p = std::make_unique<video::TestPatternSource>(width, height);
      p->SetAnimating(animate);
      extra_sources.push_back(std::move(p));
    }
    sources.push_back(fb_path.empty() && i == 0 ? &pattern : extra_sources.back().get());
  }
  web::RecordingSink sink;
  std::mutex out_mu;
  sink.on_event = [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    std::printf("EVENT %s\n", line.c_str());
    std::fflush(stdout);
  };
  web::LiveViewOptions lv;
  lv.pipeline.fps = fps;
  lv.pipeline.h264.preset = preset;
  lv.pipeline.h264.crf = crf;
  if (threads > 0) lv.pipeline.h264.threads = threads;
  // Rotate swaps the test pattern's width and height (a real instance
  // changes the guest screen through RandR); Home and Back are key presses
  // the session sends itself.
  int rot_w = width, rot_h = height;
  std::mutex rot_mu;
  lv.session.command = [&](web::Command c) -> Result<void> {
    if (c != web::Command::kRotate) return Error(ErrorCode::kInternal, "only rotate comes here");
    if (!fb_path.empty()) return Error(ErrorCode::kUnimplemented, "no rotation for --fb-path");
    std::lock_guard lock(rot_mu);
    std::swap(rot_w, rot_h);
    pattern.Resize(rot_w, rot_h);
    sink.on_event("rotate " + std::to_string(rot_w) + "x" + std::to_string(rot_h));
    return Ok();
  };
  std::vector<std::shared_ptr<web::LiveView>> views;
  for (auto* source : sources) views.push_back(std::make_shared<web::LiveView>(source, &sink, lv));
  auto& view = views.front();
  auto id_of = [](int i) { return i == 0 ? std::string("test") : "test-" + std::to_string(i + 1); };
  auto index_of = [&](const std::string& id) -> int {
    for (int i = 0; i < instances; ++i)
      if (id_of(i) == id) return i;
    return -1;
  };

  api::Router router;
  // The one instance, as the console reads it (the list, and the instance
  // page that opens the live view).
  auto instance = [&](int i) {
    return api::Json{{"id", id_of(i)},
                     {"name", i == 0 ? std::string("Test phone") : "Test phone " + std::to_string(i + 1)},
                     {"image", "test"},
                     {"state", "running"}, {"cpus", 1},          {"memory", 512 << 20},
                     {"width", width}, {"height", height},     {"dpi", 320},
                     {"display_ready", true}};
  };
  router.Handle("GET", "/api/v1/instances", [&](api::Request&) -> Result<api::Response> {
    auto list = api::Json::array();
    for (int i = 0; i < instances; ++i) list.push_back(instance(i));
    return api::Response::JsonBody(list);
  });
  router.Handle("GET", "/api/v1/instances/{id}", [&](api::Request& req) -> Result<api::Response> {
    int i = index_of(req.params["id"]);
    if (i < 0) return Error(ErrorCode::kNotFound, "no instance");
    return api::Response::JsonBody(instance(i));
  });
#ifdef VMI_HAVE_DISPLAY
  // Screenshots from a second source of the same picture: the live one
  // belongs to the pipeline's thread.
  std::mutex shot_mu;
  router.Handle("GET", "/api/v1/instances/{id}/screenshot",
                [&](api::Request& req) -> Result<api::Response> {
                  if (req.params["id"] != "test") return Error(ErrorCode::kNotFound, "no instance");
                  std::lock_guard lock(shot_mu);
                  std::unique_ptr<display::FrameSource> shot;
                  if (fb_path.empty()) {
                    shot = std::make_unique<video::TestPatternSource>(width, height);
                  } else {
                    shot = std::make_unique<display::XwdFrameSource>(
                        display::XwdSourceOptions{.fb_path = fb_path});
                  }
                  auto frame = VMI_TRY(shot->Capture());
                  auto png = VMI_TRY(display::EncodePng(frame));
                  return api::Response::Text(std::move(png), 200, "image/png");
                });
#endif
  node::live::AddViewerRoute(router, [&](const std::string& id) -> Result<std::shared_ptr<web::LiveView>> {
    int i = index_of(id);
    if (i < 0) return Error(ErrorCode::kNotFound, "no instance " + id);
    return views[i];
  });
  if (!web_dir.empty()) router.SetFallback(api::StaticFilesHandler({.root = web_dir}));

  api::ServerOptions options;
  options.tcp_port = port;
  options.ws_max_message_bytes = 64 << 10;
  auto server = api::Server::Start(options, router);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().ToString().c_str());
    return 1;
  }
  {
    std::lock_guard lock(out_mu);
    std::printf("LISTENING %u\n", (*server)->tcp_port());
    std::fflush(stdout);
  }
  // Run until stdin reaches EOF or SIGTERM/SIGINT arrives.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC));
  pollfd fds[2] = {{0, POLLIN, 0}, {sfd.get(), POLLIN, 0}};
  auto cpu_us = [] {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000LL +
           ru.ru_stime.tv_usec;
  };
  for (;;) {
    if (poll(fds, 2, stats ? 1000 : -1) < 0) continue;
    if (stats) {
      auto ps = view->pipeline().stats();
      std::lock_guard lock(out_mu);
      std::printf(
          "STATS {\"cpu_us\": %lld, \"captures\": %llu, \"damaged\": %llu, \"h264_frames\": %llu, "
          "\"h264_keyframes\": %llu, \"jpeg_frames\": %llu, \"bytes_out\": %llu, \"bitrate_kbps\": %d, \"running\": %d}\n",
          cpu_us(), (unsigned long long)ps.captures, (unsigned long long)ps.damaged,
          (unsigned long long)ps.h264_frames, (unsigned long long)ps.h264_keyframes,
          (unsigned long long)ps.jpeg_frames,
          (unsigned long long)ps.bytes_out, ps.bitrate_kbps, ps.running ? 1 : 0);
      std::fflush(stdout);
    }
    if (fds[1].revents) break;
    if (fds[0].revents) {
      char buf[256];
      if (read(0, buf, sizeof(buf)) <= 0) break;
    }
  }
  (*server)->Stop();
  return 0;
}
