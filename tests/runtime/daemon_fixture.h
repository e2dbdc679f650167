// A real `vmi serve` in a temporary data directory, driven through the real
// `vmi` CLI, for integration tests. Root only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/child_process.h"

namespace vmi::testing {

class Daemon {
 public:
  // Starts the daemon; `env` adds "KEY=value" entries (e.g. failure injection).
  explicit Daemon(std::vector<std::string> env = {}, std::string data_dir = "");
  ~Daemon();  // stops the daemon (SIGTERM), leaves instances to the test

  // Also listen on TCP 127.0.0.1 (a free port, see tcp_port()). Call before Start.
  void EnableTcp() { tcp_ = true; }
  // More `vmi serve` arguments (e.g. --database URL). Call before Start.
  void AddServeArgs(std::vector<std::string> args) {
    serve_args_.insert(serve_args_.end(), args.begin(), args.end());
  }
  int tcp_port() const { return tcp_port_; }
  bool Start();
  void Kill9();  // simulates a crash
  void Stop();   // SIGTERM and wait
  // Removes every instance and the data directory (rm -f through the CLI).
  void Purge();

  // Runs `vmi --server unix://... args`.
  RunOutput Cli(std::vector<std::string> args) const;
  // Runs the CLI, expects success, returns stdout.
  std::string Ok(std::vector<std::string> args) const;
  nlohmann::json Json(std::vector<std::string> args) const;
  nlohmann::json Inspect(const std::string& id) const { return Json({"inspect", id}); }
  // Exec in an instance; returns {exit code, stdout+stderr}.
  std::pair<int, std::string> Exec(const std::string& id, std::vector<std::string> argv) const;
  // Waits until the instance's display is ready (X server up).
  bool WaitDisplay(const std::string& id, int seconds = 30) const;

  // The daemon's pid (`vmi serve` execs vmi-node in the same process); 0
  // when it does not run.
  pid_t pid() const { return proc_ ? proc_->pid() : 0; }
  const std::string& data_dir() const { return data_dir_; }
  std::string socket() const { return data_dir_ + "/api.sock"; }

 private:
  std::vector<std::string> env_;
  std::string data_dir_;
  bool tcp_ = false;
  std::vector<std::string> serve_args_;
  int tcp_port_ = 0;
  std::optional<ChildProcess> proc_;
};

std::string BinDir();
bool IsRoot();

}  // namespace vmi::testing
