#include "daemon_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"

namespace vmi::testing {

std::string BinDir() { return VMI_BIN_DIR; }
bool IsRoot() { return geteuid() == 0; }

Daemon::Daemon(std::vector<std::string> env, std::string data_dir) : env_(std::move(env)) {
  if (data_dir.empty()) {
    char tmpl[] = "/var/tmp/vmi-it-XXXXXX";
    data_dir_ = mkdtemp(tmpl);
  } else {
    data_dir_ = data_dir;
  }
}

Daemon::~Daemon() { Stop(); }

bool Daemon::Start() {
  SpawnOptions o;
  o.env = env_;
  o.env.push_back("VMI_LOG_LEVEL=info");
  int log = open((data_dir_ + "/daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  o.stdout_fd = log;
  o.stderr_fd = log;
  std::vector<std::string> argv = {BinDir() + "/vmi", "serve", "--data-dir", data_dir_, "--socket",
                                   socket(), "--port", tcp_ ? "0" : "-1"};
  argv.insert(argv.end(), serve_args_.begin(), serve_args_.end());
  auto p = ChildProcess::Spawn(argv, o);
  close(log);
  if (!p.ok()) return false;
  proc_.emplace(std::move(*p));
  for (int i = 0; i < 200; ++i) {
    if (Cli({"ls"}).ok()) {
      if (!tcp_) return true;
      // The banner names the port: "  API:      http://127.0.0.1:PORT/api/v1/".
      auto log = ReadFile(data_dir_ + "/daemon.log");
      size_t at = log.ok() ? log->rfind("API:      http://127.0.0.1:") : std::string::npos;
      if (at != std::string::npos) {
        tcp_port_ = atoi(log->c_str() + at + 27);
        if (tcp_port_ > 0) return true;
      }
    }
    auto st = proc_->TryWait();
    if (st.ok() && st->has_value()) {
      proc_.reset();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void Daemon::Kill9() {
  if (!proc_) return;
  proc_->Signal(SIGKILL).ok();
  proc_->Wait().ok();
  proc_.reset();
}

void Daemon::Stop() {
  if (!proc_) return;
  proc_->Signal(SIGTERM).ok();
  proc_->WaitOrKill(std::chrono::seconds(20)).ok();
  proc_.reset();
}

void Daemon::Purge() {
  if (proc_) {
    auto list = Json({"ls"});
    for (const auto& i : list) Cli({"rm", "--force", i["id"].get<std::string>()});
  }
  Stop();
  RemoveTree(data_dir_).ok();
}

RunOutput Daemon::Cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {BinDir() + "/vmi", "--server", "unix://" + socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, {}, std::chrono::seconds(120));
  if (!r.ok()) {
    RunOutput fail;
    fail.status = 255 << 8;
    fail.err = r.error().ToString();
    return fail;
  }
  return *r;
}

std::string Daemon::Ok(std::vector<std::string> args) const {
  auto r = Cli(args);
  if (!r.ok()) {
    std::string cmd;
    for (auto& a : args) cmd += a + " ";
    throw std::runtime_error("vmi " + cmd + "failed: " + r.err);
  }
  return r.out;
}

nlohmann::json Daemon::Json(std::vector<std::string> args) const {
  args.insert(args.begin(), "--json");
  return nlohmann::json::parse(Ok(args));
}

std::pair<int, std::string> Daemon::Exec(const std::string& id,
                                         std::vector<std::string> argv) const {
  std::vector<std::string> args = {"exec", id, "--"};
  args.insert(args.end(), argv.begin(), argv.end());
  auto r = Cli(args);
  return {WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1, r.out + r.err};
}

bool Daemon::WaitDisplay(const std::string& id, int seconds) const {
  for (int i = 0; i < seconds * 10; ++i) {
    auto j = Inspect(id);
    if (j.value("display_ready", false)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace vmi::testing
