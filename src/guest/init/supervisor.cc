#include "guest/init/supervisor.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "base/file.h"
#include "base/log.h"

namespace vmi::guest {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr milliseconds kReadinessPoll{10};
// After the final SIGKILL, how long to wait for the kernel to deliver the
// exits before giving up on reaping (a process stuck in D state).
constexpr milliseconds kKillGrace{2000};

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Path and socket readiness; command readiness runs a probe process instead.
bool IsReady(const Readiness& r) {
  if (r.kind == Readiness::Kind::kCommand) return false;
  if (r.kind == Readiness::Kind::kPath) {
    struct stat st;
    return lstat(r.path.c_str(), &st) == 0;
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (r.path.size() >= sizeof addr.sun_path) return false;
  memcpy(addr.sun_path, r.path.data(), r.path.size());
  return connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

std::string Join(const std::vector<std::string>& v);

std::string Describe(const Readiness& r) {
  switch (r.kind) {
    case Readiness::Kind::kPath: return "path " + r.path;
    case Readiness::Kind::kUnixSocket: return "socket " + r.path;
    case Readiness::Kind::kCommand: return "command " + Join(r.command);
  }
  return "?";
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// Base environment overridden by the service's own entries, keeping order.
std::vector<std::string> MergeEnv(const std::vector<std::string>& base,
                                  const std::vector<std::string>& overrides) {
  std::map<std::string, size_t> index;
  std::vector<std::string> out;
  auto add = [&](const std::string& kv) {
    std::string key = kv.substr(0, kv.find('='));
    auto it = index.find(key);
    if (it != index.end()) {
      out[it->second] = kv;
    } else {
      index[key] = out.size();
      out.push_back(kv);
    }
  };
  for (const auto& kv : base) add(kv);
  for (const auto& kv : overrides) add(kv);
  return out;
}

}  // namespace

Result<std::unique_ptr<Supervisor>> Supervisor::Create(Manifest manifest, Options options) {
  std::unique_ptr<Supervisor> sup(new Supervisor(std::move(options)));
  sup->loop_ = VMI_TRY(EventLoop::Create());
  sigset_t set = HandledSignals();
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return Error::FromErrno("sigprocmask");
  sup->signal_fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sup->signal_fd_) return Error::FromErrno("signalfd");
  sup->devnull_.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
  Supervisor* self = sup.get();
  VMI_CHECK_OK(sup->loop_->AddFd(sup->signal_fd_.get(), EPOLLIN,
                                 [self](uint32_t) { self->OnSignalFd(); }),
               "watch signalfd");
  for (auto& spec : manifest.services) {
    auto s = std::make_unique<Service>(Service{.spec = {}, .backoff = Backoff(spec.backoff)});
    s->env = MergeEnv(sup->options_.base_env, spec.env);
    s->status.name = spec.name;
    s->spec = std::move(spec);
    sup->services_.push_back(std::move(s));
  }
  return sup;
}

Supervisor::~Supervisor() = default;

Result<int> Supervisor::Run() {
  VMI_LOG(INFO) << "supervising " << services_.size() << " services";
  StartEligible();
  WriteState();
  CheckFinished();
  while (!finished_) VMI_CHECK_OK(loop_->RunOnce(-1), "event loop");
  return exit_code_;
}

void Supervisor::OnSignalFd() {
  signalfd_siginfo si;
  bool child = false;
  while (read(signal_fd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    switch (si.ssi_signo) {
      case SIGCHLD: child = true; break;
      case SIGTERM: BeginShutdown("SIGTERM"); break;
      case SIGINT: BeginShutdown("SIGINT"); break;
      default: VMI_LOG(INFO) << "ignoring signal " << si.ssi_signo; break;
    }
  }
  // Reap even without a SIGCHLD: signals coalesce, and reaping is cheap.
  (void)child;
  ReapChildren();
}

void Supervisor::ReapChildren() {
  for (;;) {
    siginfo_t info{};
    // Peek first (WNOWAIT): a service's process is reaped through its pidfd
    // owner, anything else (an orphan that reparented to us) right here.
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    if (Service* p = FindByProbePid(info.si_pid)) {
      auto st = p->probe->TryWait();
      int status = st.ok() && st->has_value() ? **st : (1 << 8);
      if (!st.ok() || !st->has_value()) waitpid(info.si_pid, nullptr, WNOHANG);
      p->probe->Detach();
      p->probe.reset();
      OnProbeExit(*p, status);
      continue;
    }
    Service* s = FindByPid(info.si_pid);
    if (s) {
      auto st = s->process->TryWait();
      if (st.ok() && st->has_value()) {
        int status = **st;
        s->process.reset();
        OnServiceExit(*s, status);
        continue;
      }
    }
    int status;
    if (waitpid(info.si_pid, &status, WNOHANG) > 0) {
      VMI_LOG(DEBUG) << "reaped pid " << info.si_pid << ": " << DescribeWaitStatus(status);
    }
    if (s) {
      // The owner could not reap it (should not happen); forget the process.
      s->process->Detach();
      s->process.reset();
      OnServiceExit(*s, status);
    }
  }
  CheckFinished();
}

Supervisor::Service* Supervisor::FindByPid(pid_t pid) {
  for (auto& s : services_) {
    if (s->process && s->process->pid() == pid) return s.get();
  }
  return nullptr;
}

Supervisor::Service* Supervisor::FindByProbePid(pid_t pid) {
  for (auto& s : services_) {
    if (s->probe && s->probe->pid() == pid) return s.get();
  }
  return nullptr;
}

Supervisor::Service* Supervisor::FindByName(const std::string& name) {
  for (auto& s : services_) {
    if (s->spec.name == name) return s.get();
  }
  return nullptr;
}

void Supervisor::StartEligible() {
  if (stopping_) return;
  bool changed = true;
  // A service without readiness is ready at once, which may unblock the next.
  while (changed) {
    changed = false;
    for (auto& s : services_) {
      if (s->status.state != ServiceState::kWaiting) continue;
      bool deps_ready = std::all_of(s->spec.after.begin(), s->spec.after.end(), [&](auto& name) {
        Service* d = FindByName(name);
        return d && d->status.state == ServiceState::kReady;
      });
      if (!deps_ready) continue;
      StartService(*s);
      changed = true;
    }
  }
  UpdateReadinessTimer();
  WriteState();
}

void Supervisor::StartService(Service& s) {
  for (const auto& path : s.spec.remove_before_start) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT && errno != EISDIR) {
      VMI_LOG(WARN) << s.spec.name << ": remove " << path << ": " << strerror(errno);
    }
  }
  SpawnOptions o;
  o.env = s.env;
  o.clear_env = true;
  o.cwd = s.spec.cwd;
  o.new_session = true;
  if (s.ever_started) ++s.status.restarts;
  s.ever_started = true;
  s.killed_for_readiness = false;
  s.started_at = Clock::now();
  s.start_seq = next_start_seq_++;
  auto child = ChildProcess::Spawn(s.spec.argv, o);
  if (!child.ok()) {
    VMI_LOG(ERROR) << "cannot start " << s.spec.name << ": " << child.error().ToString();
    OnServiceExit(s, 127 << 8);
    return;
  }
  s.process.emplace(std::move(child).value());
  s.status.pid = s.process->pid();
  VMI_LOG(INFO) << "started " << s.spec.name << " (pid " << s.status.pid << "): "
                << Join(s.spec.argv);
  if (s.spec.ready && !IsReady(*s.spec.ready)) {
    s.status.state = ServiceState::kStarting;
    s.ready_deadline = s.started_at + s.spec.ready->timeout;
    s.next_probe = s.started_at;
  } else {
    s.status.state = ServiceState::kReady;
  }
}

void Supervisor::OnServiceExit(Service& s, int status) {
  auto uptime = duration_cast<milliseconds>(Clock::now() - s.started_at);
  s.status.pid = 0;
  s.last_status = status;
  s.probe.reset();  // kills and reaps a probe still running
  if (stopping_) {
    VMI_LOG(INFO) << s.spec.name << " stopped: " << DescribeWaitStatus(status);
    s.status.state = ServiceState::kStopped;
    WriteState();
    return;
  }
  // Processes the service started (apps launched from the desktop) keep
  // running: a restarted desktop should not take the user's apps with it.
  bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0) || s.killed_for_readiness;
  bool restart = s.spec.restart == RestartPolicy::kAlways ||
                 (s.spec.restart == RestartPolicy::kOnFailure && failed);
  VMI_LOG(INFO) << s.spec.name << " " << DescribeWaitStatus(status) << " after " << uptime.count() << " ms";
  if (restart) {
    auto delay = s.backoff.OnExit(uptime);
    s.status.state = ServiceState::kBackoff;
    VMI_LOG(INFO) << "restarting " << s.spec.name << " in " << delay.count() << " ms";
    Service* sp = &s;
    auto timer = loop_->AddTimer(delay, [this, sp] {
      sp->restart_timer.reset();
      if (stopping_) return;
      sp->status.state = ServiceState::kWaiting;
      StartEligible();
    });
    if (timer.ok()) {
      s.restart_timer = *timer;
    } else {
      VMI_LOG(ERROR) << "restart timer for " << s.spec.name << ": " << timer.error().ToString();
      s.status.state = ServiceState::kFailed;
    }
  } else {
    s.status.state = failed ? ServiceState::kFailed : ServiceState::kExited;
  }
  UpdateReadinessTimer();
  WriteState();
}

void Supervisor::UpdateReadinessTimer() {
  bool any_starting = std::any_of(services_.begin(), services_.end(), [](auto& s) {
    return s->status.state == ServiceState::kStarting;
  });
  if (any_starting && !readiness_timer_) {
    auto t = loop_->AddTimer(kReadinessPoll, [this] { PollReadiness(); }, /*repeat=*/true);
    if (t.ok()) {
      readiness_timer_ = *t;
    } else {
      VMI_LOG(ERROR) << "readiness timer: " << t.error().ToString();
    }
  } else if (!any_starting && readiness_timer_) {
    loop_->CancelTimer(*readiness_timer_);
    readiness_timer_.reset();
  }
}

void Supervisor::PollReadiness() {
  auto now = Clock::now();
  for (auto& s : services_) {
    if (s->status.state != ServiceState::kStarting || s->killed_for_readiness) continue;
    if (now >= s->ready_deadline) {
      VMI_LOG(ERROR) << s->spec.name << " not ready after " << s->spec.ready->timeout.count()
                     << " ms (waiting for " << Describe(*s->spec.ready) << "); killing it";
      s->killed_for_readiness = true;
      s->probe.reset();
      SignalGroup(*s, SIGKILL);
    } else if (s->spec.ready->kind == Readiness::Kind::kCommand) {
      if (!s->probe && now >= s->next_probe) StartProbe(*s);
    } else if (IsReady(*s->spec.ready)) {
      MarkReady(*s);
    }
  }
  UpdateReadinessTimer();
}

void Supervisor::MarkReady(Service& s) {
  s.status.state = ServiceState::kReady;
  VMI_LOG(INFO) << s.spec.name << " ready after "
                << duration_cast<milliseconds>(Clock::now() - s.started_at).count() << " ms";
  StartEligible();
}

void Supervisor::StartProbe(Service& s) {
  SpawnOptions o;
  o.env = s.env;
  o.clear_env = true;
  o.cwd = s.spec.cwd;
  o.stdout_fd = devnull_.get();
  o.stderr_fd = devnull_.get();
  auto probe = ChildProcess::Spawn(s.spec.ready->command, o);
  if (!probe.ok()) {
    VMI_LOG(WARN) << s.spec.name << ": readiness probe: " << probe.error().ToString();
    s.next_probe = Clock::now() + s.spec.ready->interval;
    return;
  }
  s.probe.emplace(std::move(probe).value());
}

void Supervisor::OnProbeExit(Service& s, int status) {
  if (stopping_ || s.status.state != ServiceState::kStarting || s.killed_for_readiness) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    MarkReady(s);
    UpdateReadinessTimer();
    WriteState();
    return;
  }
  s.next_probe = Clock::now() + s.spec.ready->interval;
}

void Supervisor::SignalGroup(Service& s, int sig) {
  if (!s.process) return;
  // The leader is not reaped yet (we own it), so its pid - which is also the
  // group id, as services run in their own session - cannot be recycled.
  if (kill(-s.process->pid(), sig) != 0) s.process->Signal(sig).ok();
}

void Supervisor::BeginShutdown(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  VMI_LOG(INFO) << why << ": stopping the session (deadline " << options_.stop_timeout.count()
                << " ms)";
  if (readiness_timer_) loop_->CancelTimer(*readiness_timer_);
  readiness_timer_.reset();
  std::vector<Service*> running;
  for (auto& s : services_) {
    if (s->restart_timer) loop_->CancelTimer(*s->restart_timer);
    s->restart_timer.reset();
    s->probe.reset();
    if (s->process) {
      running.push_back(s.get());
    } else if (s->status.state == ServiceState::kWaiting ||
               s->status.state == ServiceState::kBackoff) {
      s->status.state = ServiceState::kStopped;
    }
  }
  std::sort(running.begin(), running.end(),
            [](Service* a, Service* b) { return a->start_seq > b->start_seq; });
  for (Service* s : running) {
    s->status.state = ServiceState::kStopping;
    VMI_LOG(INFO) << "SIGTERM to " << s->spec.name << " (pid " << s->status.pid << ")";
    SignalGroup(*s, SIGTERM);
  }
  WriteState();
  auto t = loop_->AddTimer(options_.stop_timeout, [this] { OnStopDeadline(); });
  if (!t.ok()) OnStopDeadline();
  CheckFinished();
}

void Supervisor::OnStopDeadline() {
  for (auto& s : services_) {
    if (!s->process) continue;
    VMI_LOG(WARN) << s->spec.name << " (pid " << s->status.pid << ") ignored SIGTERM for "
                  << options_.stop_timeout.count() << " ms; SIGKILL";
    SignalGroup(*s, SIGKILL);
  }
  if (getpid() == 1) kill(-1, SIGKILL);
  // Normally the exits arrive at once; do not wait forever for a process
  // stuck in the kernel.
  auto t = loop_->AddTimer(kKillGrace, [this] {
    VMI_LOG(ERROR) << "processes survived SIGKILL; exiting anyway";
    Finish(0);
  });
  if (!t.ok()) Finish(0);
}

void Supervisor::CheckFinished() {
  if (finished_) return;
  bool any_process = std::any_of(services_.begin(), services_.end(),
                                 [](auto& s) { return s->process.has_value(); });
  if (stopping_) {
    if (!any_process) Finish(0);
    return;
  }
  // Without a shutdown request, vmi-init only ends when no service can run
  // again (every one exited with policy never/on-failure): a one-shot session.
  // Auxiliary services (the exec agent) do not keep it alive.
  std::vector<const Service*> main;
  for (auto& s : services_)
    if (!s->spec.auxiliary) main.push_back(s.get());
  bool all_final = std::all_of(main.begin(), main.end(), [](auto* s) {
    return s->status.state == ServiceState::kExited || s->status.state == ServiceState::kFailed;
  });
  if (!all_final) return;
  bool any_failed = std::any_of(main.begin(), main.end(), [](auto* s) {
    return s->status.state == ServiceState::kFailed;
  });
  VMI_LOG(INFO) << "every service has ended; exiting";
  int code = any_failed ? 1 : 0;
  if (main.size() == 1) {
    int st = main[0]->last_status;
    code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
  }
  Finish(code);
}

void Supervisor::Finish(int exit_code) {
  if (finished_) return;
  // Leftovers (orphans, processes in service groups) go now. As PID 1 of a
  // pid namespace the kernel would kill them when we exit anyway; killing
  // them first lets us reap them and keeps the log honest.
  if (getpid() == 1) {
    kill(-1, SIGKILL);
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  } else {
    for (auto& s : services_) {
      if (s->process) SignalGroup(*s, SIGKILL);
    }
  }
  for (auto& s : services_) {
    if (s->status.state == ServiceState::kStopping) s->status.state = ServiceState::kStopped;
    s->status.pid = s->process ? s->status.pid : 0;
  }
  WriteState();
  VMI_LOG(INFO) << "session ended, exit " << exit_code;
  finished_ = true;
  exit_code_ = exit_code;
}

void Supervisor::WriteState() {
  if (options_.state_path.empty()) return;
  std::vector<ServiceStatus> all;
  for (auto& s : services_) all.push_back(s->status);
  std::string text = FormatState(all);
  if (text == last_state_) return;
  auto r = WriteFileAtomic(options_.state_path, text);
  if (!r.ok()) {
    if (!state_write_failed_) {
      VMI_LOG(WARN) << "state file: " << r.error().ToString();
    }
    state_write_failed_ = true;
    return;
  }
  state_write_failed_ = false;
  last_state_ = std::move(text);
}

}  // namespace vmi::guest
