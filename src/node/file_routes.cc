#include "node/file_routes.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/unique_fd.h"
#include "runtime/core/guest_files.h"

namespace vmi::node {

using api::Json;
using api::Request;
using api::Response;

namespace {

constexpr size_t kChunk = 256 << 10;
constexpr size_t kMaxQueued = 4 << 20;  // a slow client holds at most this much
constexpr int kMaxDownloads = 8;

// Downloads in flight (threads running).
std::atomic<int> downloads{0};

// Streams `fd` to `stream` and closes it; on its own thread.
void Pump(UniqueFd fd, std::shared_ptr<api::ResponseStream> stream) {
  pthread_setname_np(pthread_self(), "vmi-cp");
  std::string buf;
  for (;;) {
    // Back-pressure: a client that reads slowly makes us read slowly.
    while (stream->is_open() && stream->queued_bytes() > kMaxQueued)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!stream->is_open()) break;
    buf.resize(kChunk);
    ssize_t n = read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end, or a read error: the short body tells the client
    buf.resize(static_cast<size_t>(n));
    if (!stream->Write(std::move(buf))) break;
    buf = std::string();
  }
  stream->Close();
  --downloads;
}

}  // namespace

void RegisterFileRoutes(api::Router& router, InstanceManager& m, FileRouteOptions options,
                        InstanceRouteHooks hooks) {
  InstanceAccessCheck check = hooks.check;
  auto audited = [audit = hooks.audit](const Request& req, const char* action,
                                       const std::string& target, auto result) {
    if (audit)
      audit(req, std::string("instance.file.") + action, target,
            result.ok() ? nullptr : &result.error());
    return result;
  };
  // The running instance, after the access check, and the guest path.
  struct Target {
    InstanceRecord r;
    std::string path;
  };
  auto target = [&m, check](const Request& req) -> Result<Target> {
    auto r = VMI_TRY(LookupInstance(m, check, req, "exec"));
    auto path = req.Query("path");
    if (!path) return Error(ErrorCode::kInvalidArgument, "give the guest path as ?path=/...");
    std::string p = VMI_TRY(runtime::ValidateGuestPath(*path));
    if (r.state != InstanceState::kRunning || r.init_pid <= 0)
      return Error(ErrorCode::kFailedPrecondition, "instance '" + r.spec.name + "' is " +
                                                       InstanceStateName(r.state) +
                                                       ", not running");
    return Target{std::move(r), std::move(p)};
  };
  auto where = [](const Target& t) { return "instance/" + t.r.spec.name + ":" + t.path; };

  router.Handle(
      "GET", "/api/v1/instances/{id}/files/stat",
      [target](Request& req) -> Result<Response> {
        auto t = VMI_TRY(target(req));
        auto root = VMI_TRY(runtime::OpenGuestRoot(t.r.init_pid));
        auto info = VMI_TRY(runtime::StatGuestPath(root.get(), t.path));
        return Response::JsonBody(Json{
            {"path", t.path}, {"type", info.type}, {"size", info.size}, {"mode", info.mode}});
      },
      {.blocking = true});

  router.HandleStream(
      "GET", "/api/v1/instances/{id}/files",
      [target, audited, where](Request& req,
                               std::shared_ptr<api::ResponseStream> stream) -> Result<Response> {
        auto t = VMI_TRY(target(req));
        auto opened = [&]() -> Result<runtime::GuestFile> {
          auto root = VMI_TRY(runtime::OpenGuestRoot(t.r.init_pid));
          return runtime::OpenGuestFile(root.get(), t.path);
        }();
        auto file = VMI_TRY(audited(req, "read", where(t), std::move(opened)));
        if (++downloads > kMaxDownloads) {
          --downloads;
          return Error(ErrorCode::kUnavailable, "too many downloads at once; try again");
        }
        Response head;
        head.status = 200;
        head.headers.Set("Content-Type", "application/octet-stream");
        head.headers.Set("Cache-Control", "no-store");
        head.headers.Set("X-Vmi-File-Size", std::to_string(file.size));
        // The thread owns the file and a share of the stream; it ends with
        // the transfer or when the client goes away.
        std::thread(Pump, std::move(file.fd), std::move(stream)).detach();
        return head;
      },
      {.blocking = true});

  router.Handle(
      "PUT", "/api/v1/instances/{id}/files",
      [target, audited, where](Request& req) -> Result<Response> {
        // The spooled body is ours to remove, whatever happens.
        struct Spool {
          std::string path;
          ~Spool() {
            if (!path.empty()) unlink(path.c_str());
          }
        } spool{req.body_file};
        auto t = VMI_TRY(target(req));
        auto written = [&]() -> Result<uint64_t> {
          UniqueFd in(open(spool.path.c_str(), O_RDONLY | O_CLOEXEC));
          if (!in) return Error::FromErrno("open the upload");
          off_t size = lseek(in.get(), 0, SEEK_END);
          if (size < 0 || lseek(in.get(), 0, SEEK_SET) != 0) return Error::FromErrno("seek the upload");
          auto root = VMI_TRY(runtime::OpenGuestRoot(t.r.init_pid));
          return runtime::WriteGuestFile(
              root.get(), t.path, in.get(), static_cast<uint64_t>(size),
              {.uid = t.r.slot.uid_base, .gid = t.r.slot.uid_base, .mode = 0644});
        }();
        uint64_t size = VMI_TRY(audited(req, "write", where(t), std::move(written)));
        return Response::JsonBody(Json{{"path", t.path}, {"size", size}}, 201);
      },
      {.blocking = true, .max_body_bytes = options.max_upload_bytes, .spool_dir = options.spool_dir});
}

}  // namespace vmi::node
