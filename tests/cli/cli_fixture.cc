#include "cli_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"

namespace vmi::testing {

std::string BinDir() { return VMI_BIN_DIR; }

bool Node::Start(std::string* error, const std::vector<std::string>& extra) {
  char tmpl[] = "/var/tmp/vmi-cli-it-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *error = "mkdtemp failed";
    return false;
  }
  // Instances' mapped root must traverse it to reach their bundles.
  chmod(tmpl, 0755);
  dir_ = tmpl;
  extra_ = extra;
  return Launch(error);
}

bool Node::KillAndRestart(std::string* error) {
  if (proc_) {
    proc_->Signal(SIGKILL).ok();
    proc_->WaitOrKill(std::chrono::seconds(20)).ok();
    proc_.reset();
  }
  return Launch(error);
}

bool Node::Launch(std::string* error) {
  std::string log_path = dir_ + "/daemon.log";
  // The marker below is looked for in what this start writes only.
  auto before = ReadFile(log_path);
  const size_t log_start = before.ok() ? before->size() : 0;
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  SpawnOptions o;
  o.env = {std::string("VMI_ADMIN_PASSWORD=") + kAdminPassword, "VMI_LOG_LEVEL=info"};
  o.stdout_fd = log;
  o.stderr_fd = log;
  std::vector<std::string> argv = {BinDir() + "/vmi", "serve", "--data-dir", dir_ + "/data",
                                   "--socket", dir_ + "/api.sock", "--port", "0"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  auto p = ChildProcess::Spawn(argv, o);
  close(log);
  if (!p.ok()) {
    *error = p.error().ToString();
    return false;
  }
  proc_.emplace(std::move(*p));
  // The daemon prints "  API:      http://127.0.0.1:<port>/api/v1/ ..." once
  // it listens (after the first-run image build).
  const std::string marker = "API:      http://127.0.0.1:";
  for (int i = 0; i < 1200; ++i) {
    auto text = ReadFile(log_path);
    if (text.ok() && text->size() > log_start) {
      size_t at = text->find(marker, log_start);
      if (at != std::string::npos) {
        port_ = atoi(text->c_str() + at + marker.size());
        if (port_ > 0) return true;
      }
    }
    auto st = proc_->TryWait();
    if (st.ok() && st->has_value()) {
      proc_.reset();
      *error = "daemon exited: " + ReadFile(log_path).value();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "daemon did not listen within 120 s: " + ReadFile(log_path).value();
  return false;
}

void Node::Stop() {
  if (proc_) {
    proc_->Signal(SIGTERM).ok();
    proc_->WaitOrKill(std::chrono::seconds(20)).ok();
    proc_.reset();
  }
  if (!dir_.empty()) {
    RemoveTree(dir_).ok();
    dir_.clear();
  }
}

CliUser::CliUser() {
  auto tmp = TempDir::Create("vmi-cli-home");
  if (tmp.ok()) {
    home_ = tmp->path();
    tmp_ = std::move(*tmp);
  }
}

CliRun CliUser::Run(std::vector<std::string> args, std::vector<std::string> env,
                    const std::string& input, std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {BinDir() + "/vmi"};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions o;
  o.clear_env = true;
  o.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home_,
           "XDG_CONFIG_HOME=" + home_ + "/config", "LANG=C"};
  o.env.insert(o.env.end(), env.begin(), env.end());
  // Run() feeds stdin only when given data; the CLI reads a password line
  // from a non-terminal stdin, so always give it something (maybe empty).
  auto r = vmi::Run(argv, o, timeout, &input);
  CliRun out;
  if (!r.ok()) {
    out.err = r.error().ToString();
    return out;
  }
  out.code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
  out.out = r->out;
  out.err = r->err;
  return out;
}

}  // namespace vmi::testing
