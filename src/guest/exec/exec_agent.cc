#include "guest/exec/exec_agent.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child_process.h"
#include "base/log.h"

namespace vmi::guest {
namespace {

using nlohmann::json;

Error Bad(const std::string& m) { return Error(ErrorCode::kInvalidArgument, "exec: " + m); }

}  // namespace

Result<ExecRequest> ParseExecRequest(const json& h) {
  ExecRequest r;
  for (const auto& [k, v] : h.items())
    if (k != "op" && k != "argv" && k != "timeout_ms" && k != "max_output")
      return Bad("unknown field '" + k + "'");
  auto argv = h.find("argv");
  if (argv == h.end() || !argv->is_array() || argv->empty() || argv->size() > 256)
    return Bad("argv: must be an array of 1 to 256 strings");
  for (const auto& a : *argv) {
    if (!a.is_string()) return Bad("argv: must be an array of 1 to 256 strings");
    auto s = a.get<std::string>();
    if (s.size() > 8192 || s.find('\0') != std::string::npos)
      return Bad("argv: each argument at most 8192 bytes, no NUL");
    r.argv.push_back(std::move(s));
  }
  if (auto t = h.find("timeout_ms"); t != h.end()) {
    if (!t->is_number_integer() || *t < 1 || *t > 600000) return Bad("timeout_ms: 1..600000");
    r.timeout = std::chrono::milliseconds(t->get<int64_t>());
  }
  if (auto m = h.find("max_output"); m != h.end()) {
    if (!m->is_number_integer() || *m < 0 || *m > (16 << 20)) return Bad("max_output: 0..16777216");
    r.max_output = m->get<size_t>();
  }
  return r;
}

devhost::Message HandleExecRequest(const devhost::Message& request, pid_t agent_pid) {
  std::string op = request.header.value("op", "");
  if (op == "hello") return devhost::OkReply({{"pid", agent_pid}});
  if (op != "exec") return devhost::ErrorReply(Bad("unknown op '" + op + "'"));
  auto req = ParseExecRequest(request.header);
  if (!req.ok()) return devhost::ErrorReply(req.error());
  SpawnOptions so;
  so.cwd = "/";
  auto out = Run(req->argv, so, req->timeout, nullptr, req->max_output);
  if (!out.ok()) return devhost::ErrorReply(out.error());
  json fields = {{"status", out->status},
                 {"stdout_bytes", out->out.size()},
                 {"stdout_truncated", out->out_truncated},
                 {"stderr_truncated", out->err_truncated}};
  return devhost::OkReply(fields, out->out + out->err);
}

Result<void> ServeExecAgent(int listen_fd) {
  const pid_t self = getpid();
  int running = 0;
  for (;;) {
    while (running > 0 && waitpid(-1, nullptr, WNOHANG) > 0) running--;
    pollfd p{listen_fd, POLLIN, 0};
    // Wakes every second to reap finished children.
    if (poll(&p, 1, running > 0 ? 1000 : -1) < 0 && errno != EINTR) return Error::FromErrno("poll");
    if (!(p.revents & POLLIN)) continue;
    UniqueFd conn(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
      return Error::FromErrno("accept");
    }
    if (running >= kMaxRunning) {
      (void)devhost::SendMessage(
          conn.get(), devhost::ErrorReply(Error(ErrorCode::kResourceExhausted,
                                                "exec: too many commands running in the instance")));
      continue;
    }
    pid_t pid = fork();
    if (pid < 0) {
      (void)devhost::SendMessage(conn.get(), devhost::ErrorReply(Error::FromErrno("fork")));
      continue;
    }
    if (pid == 0) {
      auto req = devhost::ReceiveMessage(conn.get(), std::chrono::seconds(10));
      if (!req.ok()) _exit(1);
      (void)devhost::SendMessage(conn.get(), HandleExecRequest(*req, self));
      _exit(0);
    }
    running++;
  }
}

}  // namespace vmi::guest
