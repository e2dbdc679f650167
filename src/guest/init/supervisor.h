// Supervisor: the heart of vmi-init. Starts the manifest's services in
// dependency order, waits for their readiness, restarts them per policy with
// backoff, reaps every child (services and orphans that reparent to it) and
// shuts the session down on SIGTERM/SIGINT within a deadline.
//
// Threads: single-threaded; everything runs on one EventLoop (signalfd for
// SIGCHLD/SIGTERM/SIGINT, timerfds for backoff, readiness polls and the stop
// deadline). Each service process is owned by a ChildProcess (pidfd), so
// signals never hit a recycled pid. Services run in their own session and
// process group; stop signals go to the whole group, so the apps a desktop
// launched stop with it.
//
// Shutdown: SIGTERM to every running service, in reverse start order; after
// stop_timeout whatever still runs gets SIGKILL. When the supervisor is PID 1
// of a pid namespace it then kills every remaining process of the namespace
// (kill(-1)), which only ever happens when getpid() == 1.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/backoff.h"
#include "base/child_process.h"
#include "base/event_loop.h"
#include "base/result.h"
#include "guest/init/manifest.h"
#include "guest/init/state_file.h"

namespace vmi::guest {

class Supervisor {
 public:
  struct Options {
    // Where session.state is written; empty: nowhere.
    std::string state_path;
    std::chrono::milliseconds stop_timeout{5000};
    // Environment every service starts from (the manifest's env is applied
    // on top), as "KEY=value".
    std::vector<std::string> base_env;
  };

  // Blocks the signals it handles (call before any other thread exists).
  static Result<std::unique_ptr<Supervisor>> Create(Manifest manifest, Options options);
  ~Supervisor();

  // Runs until the session is shut down (0) or every service ended for good
  // without a restart policy: then 0 if all exited with status 0, else 1;
  // with a single service, its own exit code (128 + signal if killed).
  Result<int> Run();

 private:
  using Clock = std::chrono::steady_clock;
  struct Service {
    ServiceSpec spec;
    std::vector<std::string> env;
    ServiceStatus status;
    std::optional<ChildProcess> process;
    // A running readiness probe ("ready": {"command": ...}) and when to run
    // the next one.
    std::optional<ChildProcess> probe;
    Clock::time_point next_probe;
    Backoff backoff;
    Clock::time_point started_at;
    Clock::time_point ready_deadline;
    std::optional<EventLoop::TimerId> restart_timer;
    uint64_t start_seq = 0;
    bool ever_started = false;
    bool killed_for_readiness = false;
    int last_status = 0;  // wait status of the last exit
  };

  Supervisor(Options options) : options_(std::move(options)) {}
  void OnSignalFd();
  void ReapChildren();
  void StartEligible();
  void StartService(Service& s);
  void OnServiceExit(Service& s, int status);
  void PollReadiness();
  void UpdateReadinessTimer();
  void BeginShutdown(const char* why);
  void OnStopDeadline();
  void CheckFinished();
  void Finish(int exit_code);
  void SignalGroup(Service& s, int sig);
  void WriteState();
  Service* FindByPid(pid_t pid);
  Service* FindByProbePid(pid_t pid);
  void StartProbe(Service& s);
  void OnProbeExit(Service& s, int status);
  void MarkReady(Service& s);
  Service* FindByName(const std::string& name);

  Options options_;
  std::unique_ptr<EventLoop> loop_;
  UniqueFd signal_fd_;
  std::vector<std::unique_ptr<Service>> services_;
  std::optional<EventLoop::TimerId> readiness_timer_;
  uint64_t next_start_seq_ = 1;
  UniqueFd devnull_;
  bool stopping_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  std::string last_state_;
  bool state_write_failed_ = false;
};

}  // namespace vmi::guest
