// ChildProcess: sole owner of a child process, held through a pidfd.
//
// Move-only. If the owner is destroyed before the child was reaped, the child
// is killed (SIGKILL) and reaped, so no path leaks a process or a zombie.
// Detach() hands the process over to nobody (it keeps running; used for
// processes whose lifetime is owned elsewhere, such as a container monitor).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vmi {

struct SpawnOptions {
  // Extra "KEY=value" entries; added to the parent's environment unless
  // clear_env is set.
  std::vector<std::string> env;
  bool clear_env = false;
  std::string cwd;
  // Fds to use as the child's stdio; -1 means /dev/null for stdin and the
  // parent's own stdout/stderr. Borrowed, not owned.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Capture into pipes readable through stdout_pipe()/stderr_pipe().
  bool capture_stdout = false;
  bool capture_stderr = false;
  // Start a new session (setsid) so terminal signals do not reach the child.
  bool new_session = false;
  // Fds the child keeps open at the same number (without CLOEXEC).
  std::vector<int> keep_fds;
  // Fds passed to the child as 3, 4, ... in this order (borrowed).
  std::vector<int> pass_fds;
  // Signal sent to the child if the parent dies (prctl PR_SET_PDEATHSIG); 0: none.
  int parent_death_signal = 0;
  // Runs in the child after fork, before exec (after stdio is set up). Must
  // only make async-signal-safe calls; returns 0 or an errno that fails the
  // spawn. Used, for example, to enter a private mount namespace.
  int (*pre_exec)(void* arg) = nullptr;
  void* pre_exec_arg = nullptr;
};

class ChildProcess {
 public:
  static Result<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                    const SpawnOptions& options = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Readable (EPOLLIN) when the child has exited.
  int pidfd() const { return pidfd_.get(); }
  UniqueFd& stdout_pipe() { return stdout_; }
  UniqueFd& stderr_pipe() { return stderr_; }

  Result<void> Signal(int sig);
  // Blocks until the child exits; returns its wait status (as waitpid's).
  Result<int> Wait();
  // Returns the wait status if the child has exited, nullopt otherwise.
  Result<std::optional<int>> TryWait();
  // Waits up to `timeout`; if the child is still running, sends SIGKILL and
  // waits for it. Returns the wait status.
  Result<int> WaitOrKill(std::chrono::milliseconds timeout);
  // Gives up ownership: the process keeps running and is no longer killed.
  void Detach();

 private:
  ChildProcess() = default;
  void KillAndReap();

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdout_;
  UniqueFd stderr_;
  bool reaped_ = true;
};

// "exited with status 3", "killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int status);

struct RunOutput {
  int status = 0;  // wait status
  std::string out;
  std::string err;
  // Output beyond max_output was discarded.
  bool out_truncated = false;
  bool err_truncated = false;
  bool ok() const;  // exited with status 0
};

// Runs argv to completion, capturing stdout and stderr (each bounded by
// max_output bytes; the rest is discarded). stdin_data, if given, is written
// to the child's stdin. The child is killed after `timeout`.
Result<RunOutput> Run(const std::vector<std::string>& argv, const SpawnOptions& options = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(60),
                      const std::string* stdin_data = nullptr,
                      size_t max_output = 16 << 20);

// Like Run, but a non-zero exit becomes an error that includes stderr.
Result<std::string> RunChecked(const std::vector<std::string>& argv,
                               const SpawnOptions& options = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace vmi
