#include "runtime/core/monitor_protocol.h"

#include <charconv>

namespace vmi::runtime::monitor_protocol {

std::string Created(pid_t init_pid) { return "created " + std::to_string(init_pid); }

std::string Started(pid_t init_pid) { return "started " + std::to_string(init_pid); }

std::string Failure(std::string_view message) {
  std::string line = "error " + std::string(message);
  // One line: a runtime's multi-line error must not split the reply.
  for (char& c : line)
    if (c == '\n') c = ' ';
  return line;
}

Result<Reply> ParseReply(std::string_view line) {
  size_t space = line.find(' ');
  std::string_view word = line.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
  Reply reply;
  if (word == "error") {
    reply.message = std::string(rest);
    return reply;
  }
  if (word == "created") reply.kind = Reply::Kind::kCreated;
  else if (word == "started") reply.kind = Reply::Kind::kStarted;
  else return Error(ErrorCode::kInvalidArgument, "monitor: unexpected line '" + std::string(line) + "'");
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), reply.pid);
  if (ec != std::errc() || end != rest.data() + rest.size() || reply.pid <= 0)
    return Error(ErrorCode::kInvalidArgument, "monitor: bad pid in '" + std::string(line) + "'");
  return reply;
}

}  // namespace vmi::runtime::monitor_protocol
