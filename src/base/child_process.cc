#include "base/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/pidfd.h"

extern char** environ;

namespace vmi {
namespace {

Result<std::pair<UniqueFd, UniqueFd>> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error::FromErrno("pipe2");
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

// Runs in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void ExecChild(char* const* argv, char* const* envp, const SpawnOptions& o,
                            int in, int out, int err, int report_fd) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  }
  {
    // Keep the failure report channel clear of the fds being arranged below.
    int high = fcntl(report_fd, F_DUPFD_CLOEXEC, 200);
    if (high >= 0) report_fd = high;
  }
  if (o.parent_death_signal) prctl(PR_SET_PDEATHSIG, o.parent_death_signal);
  if (o.new_session) setsid();
  if (in >= 0 && dup2(in, 0) < 0) goto fail;
  if (out >= 0 && dup2(out, 1) < 0) goto fail;
  if (err >= 0 && dup2(err, 2) < 0) goto fail;
  {
    // Move the passed fds out of the way first, then into 3, 4, ...
    int tmp[16];
    size_t n = o.pass_fds.size() < 16 ? o.pass_fds.size() : 16;
    for (size_t i = 0; i < n; ++i) {
      tmp[i] = fcntl(o.pass_fds[i], F_DUPFD, 64);
      if (tmp[i] < 0) goto fail;
    }
    for (size_t i = 0; i < n; ++i) {
      if (dup2(tmp[i], static_cast<int>(3 + i)) < 0) goto fail;
      close(tmp[i]);
    }
  }
  // Nothing else leaks into the child: a daemon's listening sockets or
  // another child's pipes opened without O_CLOEXEC (libraries do that) would
  // otherwise outlive it in long-lived children such as the monitors.
  close_range(static_cast<unsigned>(3 + (o.pass_fds.size() < 16 ? o.pass_fds.size() : 16)), ~0U,
              CLOSE_RANGE_CLOEXEC);
  for (int fd : o.keep_fds) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) goto fail;
  if (o.pre_exec != nullptr) {
    int e = o.pre_exec(o.pre_exec_arg);
    if (e != 0) {
      errno = e;
      goto fail;
    }
  }
  execvpe(argv[0], argv, envp);
fail:
  int e = errno;
  ssize_t r = write(report_fd, &e, sizeof e);
  (void)r;
  _exit(127);
}

}  // namespace

Result<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                         const SpawnOptions& o) {
  if (argv.empty()) return Error(ErrorCode::kInvalidArgument, "spawn: empty argv");
  // Everything the child needs is prepared before fork.
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env_store;
  if (!o.clear_env) {
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  }
  for (const auto& e : o.env) env_store.push_back(e);
  std::vector<char*> cenv;
  for (auto& e : env_store) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  UniqueFd devnull;
  int in = o.stdin_fd;
  if (in < 0) {
    devnull.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devnull) return Error::FromErrno("open /dev/null");
    in = devnull.get();
  }
  ChildProcess child;
  UniqueFd out_w, err_w;
  int out = o.stdout_fd, err = o.stderr_fd;
  if (o.capture_stdout) {
    auto p = VMI_TRY(MakePipe());
    child.stdout_ = std::move(p.first);
    out_w = std::move(p.second);
    out = out_w.get();
  }
  if (o.capture_stderr) {
    auto p = VMI_TRY(MakePipe());
    child.stderr_ = std::move(p.first);
    err_w = std::move(p.second);
    err = err_w.get();
  }
  auto report = VMI_TRY(MakePipe());

  pid_t pid = fork();
  if (pid < 0) return Error::FromErrno("fork " + argv[0]);
  if (pid == 0) ExecChild(cargv.data(), cenv.data(), o, in, out, err, report.second.get());

  child.pid_ = pid;
  child.reaped_ = false;
  auto pidfd = OpenPidfd(pid);
  if (!pidfd.ok()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    child.reaped_ = true;
    return std::move(pidfd).error();
  }
  child.pidfd_ = std::move(*pidfd);
  report.second.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report.first.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    child.Wait().ok();
    return Error::FromErrno("exec " + argv[0], child_errno);
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      reaped_(std::exchange(other.reaped_, true)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
    reaped_ = std::exchange(other.reaped_, true);
  }
  return *this;
}

ChildProcess::~ChildProcess() { KillAndReap(); }

void ChildProcess::KillAndReap() {
  if (reaped_ || !pidfd_) return;
  SignalPidfd(pidfd_.get(), SIGKILL).ok();
  siginfo_t info;
  while (waitid(P_PIDFD, pidfd_.get(), &info, WEXITED) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

void ChildProcess::Detach() {
  reaped_ = true;
  pidfd_.reset();
}

Result<void> ChildProcess::Signal(int sig) {
  if (reaped_) return Error(ErrorCode::kFailedPrecondition, "process already reaped");
  return SignalPidfd(pidfd_.get(), sig);
}

namespace {
int StatusFromSiginfo(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return (info.si_status & 0xff) << 8;
  return (info.si_status & 0x7f) | (info.si_code == CLD_DUMPED ? 0x80 : 0);
}
}  // namespace

Result<int> ChildProcess::Wait() {
  if (reaped_) return Error(ErrorCode::kFailedPrecondition, "process already reaped");
  siginfo_t info{};
  while (waitid(P_PIDFD, pidfd_.get(), &info, WEXITED) < 0) {
    if (errno != EINTR) return Error::FromErrno("waitid");
  }
  reaped_ = true;
  return StatusFromSiginfo(info);
}

Result<std::optional<int>> ChildProcess::TryWait() {
  if (reaped_) return Error(ErrorCode::kFailedPrecondition, "process already reaped");
  siginfo_t info{};
  if (waitid(P_PIDFD, pidfd_.get(), &info, WEXITED | WNOHANG) < 0)
    return Error::FromErrno("waitid");
  if (info.si_pid == 0) return std::optional<int>();
  reaped_ = true;
  return std::optional<int>(StatusFromSiginfo(info));
}

Result<int> ChildProcess::WaitOrKill(std::chrono::milliseconds timeout) {
  pollfd p{pidfd_.get(), POLLIN, 0};
  int r;
  do {
    r = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  if (r == 0) Signal(SIGKILL).ok();
  return Wait();
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "wait status " + std::to_string(status);
}

bool RunOutput::ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

Result<RunOutput> Run(const std::vector<std::string>& argv, const SpawnOptions& options,
                      std::chrono::milliseconds timeout, const std::string* stdin_data,
                      size_t max_output) {
  SpawnOptions o = options;
  o.capture_stdout = true;
  o.capture_stderr = true;
  UniqueFd in_r, in_w;
  if (stdin_data) {
    auto p = VMI_TRY(MakePipe());
    in_r = std::move(p.first);
    in_w = std::move(p.second);
    o.stdin_fd = in_r.get();
  }
  auto child = VMI_TRY(ChildProcess::Spawn(argv, o));
  in_r.reset();
  RunOutput result;
  size_t written = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (in_w) fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  if (stdin_data && stdin_data->empty()) in_w.reset();
  while (child.stdout_pipe() || child.stderr_pipe() || in_w) {
    pollfd p[3];
    int n = 0;
    UniqueFd* owners[3];
    std::string* sinks[3];
    for (auto [fd, sink] : {std::pair{&child.stdout_pipe(), &result.out},
                            std::pair{&child.stderr_pipe(), &result.err}}) {
      if (*fd) {
        p[n] = {fd->get(), POLLIN, 0};
        owners[n] = fd;
        sinks[n++] = sink;
      }
    }
    if (in_w) {
      p[n] = {in_w.get(), POLLOUT, 0};
      owners[n] = &in_w;
      sinks[n++] = nullptr;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      child.Signal(SIGKILL).ok();
      child.Wait().ok();
      return Error(ErrorCode::kDeadlineExceeded, "timed out running " + argv[0]);
    }
    int r = poll(p, n, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return Error::FromErrno("poll");
    for (int i = 0; i < n && r > 0; ++i) {
      if (!p[i].revents) continue;
      if (sinks[i] == nullptr) {
        ssize_t w = write(in_w.get(), stdin_data->data() + written, stdin_data->size() - written);
        if (w > 0) written += w;
        if (w < 0 && errno != EAGAIN) in_w.reset();
        if (written == stdin_data->size()) in_w.reset();
        continue;
      }
      char buf[65536];
      ssize_t got = read(p[i].fd, buf, sizeof buf);
      if (got > 0) {
        size_t room = max_output > sinks[i]->size() ? max_output - sinks[i]->size() : 0;
        sinks[i]->append(buf, std::min(room, static_cast<size_t>(got)));
        if (static_cast<size_t>(got) > room) {
          (sinks[i] == &result.out ? result.out_truncated : result.err_truncated) = true;
        }
      } else if (got == 0 || errno != EINTR) {
        owners[i]->reset();
      }
    }
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  result.status = VMI_TRY(child.WaitOrKill(std::max(left, std::chrono::milliseconds(1))));
  return result;
}

Result<std::string> RunChecked(const std::vector<std::string>& argv, const SpawnOptions& options,
                               std::chrono::milliseconds timeout) {
  auto r = VMI_TRY(Run(argv, options, timeout));
  if (!r.ok()) {
    std::string err = r.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return Error(ErrorCode::kInternal,
                 argv[0] + " " + DescribeWaitStatus(r.status) + (err.empty() ? "" : ": " + err));
  }
  return std::move(r.out);
}

}  // namespace vmi
