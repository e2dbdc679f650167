// vmi cp LOCAL ID:PATH, vmi cp ID:PATH LOCAL: files into and out of a
// running instance (docs/devices.md, "Files"), streamed both ways with
// progress on stderr. ID:PATH is a guest path as in scp: the part before
// the first ':' is an instance when it has no '/'.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "api/http/client.h"
#include "base/unique_fd.h"
#include "cli/context.h"

namespace vmi::cli {

namespace {

struct CpArgs {
  std::string src, dst;
};

struct Remote {
  std::string id, path;
};

// "phone1:/tmp/x" -> {phone1, /tmp/x}; nullopt for a local path.
std::optional<Remote> ParseRemote(const std::string& s) {
  size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || s.substr(0, colon).find('/') != std::string::npos)
    return std::nullopt;
  return Remote{s.substr(0, colon), s.substr(colon + 1)};
}

std::string BaseName(const std::string& p) {
  size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// "sending: 1048576/4194304 bytes (25%)" on stderr, in place on a terminal.
class Progress {
 public:
  explicit Progress(const char* verb) : verb_(verb), tty_(isatty(STDERR_FILENO)) {}
  void operator()(uint64_t done, uint64_t total) {
    int pct = total ? static_cast<int>(done * 100 / total) : 100;
    if (pct == last_) return;
    last_ = pct;
    if (tty_ || pct == 100)
      fprintf(stderr, "%s%s: %llu/%llu bytes (%d%%)%s", tty_ ? "\r" : "", verb_,
              static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), pct,
              pct == 100 ? "\n" : "");
  }

 private:
  const char* verb_;
  bool tty_;
  int last_ = -1;
};

std::string FilesPath(const Remote& r, const std::string& sub = "") {
  return "/api/v1/instances/" + r.id + "/files" + sub + "?path=" + QueryEscape(r.path);
}

Result<void> Push(Context& ctx, const std::string& local, Remote to) {
  if (to.path.empty() || to.path.back() == '/') to.path += BaseName(local);
  // A client of its own: large files take longer than the default timeout.
  auto c = VMI_TRY(ctx.Connect(true, std::chrono::seconds(3600)));
  Progress progress("sending");
  auto r = VMI_TRY(c->Upload("PUT", FilesPath(to), local, std::ref(progress)));
  if (r.status / 100 != 2) return api::ErrorFromResponse(r);
  if (ctx.g.json) PrintJson(Json::parse(r.body, nullptr, false));
  return Ok();
}

Result<void> Pull(Context& ctx, const Remote& from, std::string local) {
  auto c = VMI_TRY(ctx.Connect(true, std::chrono::seconds(3600)));
  Json st = VMI_TRY(c->Call("GET", FilesPath(from, "/stat")));
  if (st.value("type", "") != "file")
    return Error(ErrorCode::kInvalidArgument,
                 from.path + ": not a regular file (" + st.value("type", "?") + ")");
  uint64_t total = st.value("size", uint64_t{0});
  struct stat ls;
  if (stat(local.c_str(), &ls) == 0 && S_ISDIR(ls.st_mode)) local += "/" + BaseName(from.path);
  // Into a temporary file beside the target, renamed once complete: an
  // interrupted copy never leaves a truncated file under the real name.
  std::string tmp = local + ".vmi-cp-part";
  UniqueFd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) return Error::FromErrno("create " + tmp);
  Progress progress("receiving");
  uint64_t got = 0;
  Result<void> written = Ok();
  auto streamed = c->Stream("GET", FilesPath(from), [&](std::string_view piece) {
    while (!piece.empty()) {
      ssize_t w = write(out.get(), piece.data(), piece.size());
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        written = Error::FromErrno("write " + tmp);
        return false;
      }
      piece.remove_prefix(static_cast<size_t>(w));
      got += static_cast<uint64_t>(w);
    }
    progress(got, total);
    return true;
  });
  auto done = [&]() -> Result<void> {
    if (!streamed.ok()) return std::move(streamed).error();
    if (!written.ok()) return written;
    // The size may change while it is read; what was sent must be whole.
    if (got < total)
      return Error(ErrorCode::kUnavailable, "the transfer ended after " + std::to_string(got) +
                                                " of " + std::to_string(total) + " bytes");
    if (got == 0) progress(0, 0);
    out.reset();
    if (rename(tmp.c_str(), local.c_str()) != 0) return Error::FromErrno("rename to " + local);
    return Ok();
  }();
  if (!done.ok()) unlink(tmp.c_str());
  return done;
}

}  // namespace

void AddFileCommands(CLI::App& app, Context& ctx) {
  auto& a = ctx.Keep<CpArgs>();
  auto* cp = app.add_subcommand(
      "cp", "Copy a file into or out of a running instance: vmi cp FILE ID:PATH, vmi cp ID:PATH FILE");
  cp->add_option("src", a.src, "LOCAL or ID:PATH")->required();
  cp->add_option("dst", a.dst, "ID:PATH or LOCAL")->required();
  ctx.On(cp, [&] {
    auto from = ParseRemote(a.src), to = ParseRemote(a.dst);
    if (from.has_value() == to.has_value())
      return UsageError("one side must be ID:PATH (in the instance) and the other a local path");
    return ctx.With([&](api::HttpClient&) -> Result<void> {
      return to ? Push(ctx, a.src, *to) : Pull(ctx, *from, a.dst);
    });
  });
}

}  // namespace vmi::cli
