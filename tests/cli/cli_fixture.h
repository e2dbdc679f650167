// A real `vmi serve` for the CLI tests: temporary data directory, its own
// Unix socket, TCP on a free port (the daemon picks it, we read it from its
// output), the first admin's password from VMI_ADMIN_PASSWORD. Each CLI run
// gets a clean environment with its own $XDG_CONFIG_HOME, so the tests never
// read or write the credentials of whoever runs them.
//
// Ownership: the Node owns the daemon process and the data directory and
// removes both in Stop(). Threads: test thread only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/temp_dir.h"

namespace vmi::testing {

struct CliRun {
  int code = -1;  // exit code; -1 if it did not exit normally
  std::string out, err;
};

class Node {
 public:
  static constexpr const char* kAdminPassword = "admin-pw-for-tests";

  // Starts the daemon (with `extra` options of `vmi serve`); false (with
  // the log in `error`) if it did not come up.
  bool Start(std::string* error, const std::vector<std::string>& extra = {});
  // Kills the daemon with SIGKILL (nothing of its shutdown runs) and starts
  // a new one on the same data directory, with the same options.
  bool KillAndRestart(std::string* error);
  void Stop();
  ~Node() { Stop(); }

  std::string tcp() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string unix_socket() const { return "unix://" + dir_ + "/api.sock"; }
  const std::string& dir() const { return dir_; }

 private:
  bool Launch(std::string* error);

  std::string dir_;
  std::vector<std::string> extra_;
  int port_ = 0;
  std::optional<ChildProcess> proc_;
};

// A CLI user: a home with its own config dir (credentials file).
class CliUser {
 public:
  CliUser();
  CliUser(const CliUser&) = delete;
  CliUser& operator=(const CliUser&) = delete;

  // Runs `vmi args...` with a clean environment plus `env` ("K=V"), feeding
  // `input` on stdin.
  CliRun Run(std::vector<std::string> args, std::vector<std::string> env = {},
             const std::string& input = "",
             std::chrono::seconds timeout = std::chrono::seconds(60)) const;
  std::string credentials_path() const { return home_ + "/config/vmi/credentials"; }
  const std::string& home() const { return home_; }

 private:
  TempDir tmp_;
  std::string home_;
};

std::string BinDir();

}  // namespace vmi::testing
