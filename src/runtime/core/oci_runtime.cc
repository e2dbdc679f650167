#include "runtime/core/oci_runtime.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include <nlohmann/json.hpp>

namespace vmi::runtime {

int HideCgroup2ControllersPreExec(void*) {
  if (unshare(CLONE_NEWNS) != 0) return errno;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
  if (mount("/dev/null", "/sys/fs/cgroup/unified/cgroup.controllers", nullptr, MS_BIND,
            nullptr) != 0)
    return errno;
  return 0;
}

SpawnOptions OciRuntime::RuntimeSpawnOptions() const {
  SpawnOptions o;
  if (host_.hide_cgroup2_controllers) o.pre_exec = HideCgroup2ControllersPreExec;
  return o;
}

std::vector<std::string> OciRuntime::Command(std::vector<std::string> args) const {
  args.insert(args.begin(), host_.runtime_path);
  return args;
}

Result<RunOutput> OciRuntime::Exec(const std::string& id, const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout, size_t max_output) const {
  if (argv.empty()) return Error(ErrorCode::kInvalidArgument, "exec: no command given");
  // --no-new-privs: a process entering the instance can never gain
  // privileges through setuid binaries or file capabilities, like its init.
  std::vector<std::string> args = {"exec", "--no-new-privs", "--cwd", "/", "--env", "HOME=/root", "--env",
                                   "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                                   "--env", "DISPLAY=:0", id};
  args.insert(args.end(), argv.begin(), argv.end());
  return Run(Command(args), RuntimeSpawnOptions(), timeout, nullptr, max_output);
}

Result<void> OciRuntime::Kill(const std::string& id, int signal, bool all) const {
  std::vector<std::string> args = {"kill"};
  if (all) args.push_back("--all");
  args.push_back(id);
  args.push_back(std::to_string(signal));
  auto r = RunChecked(Command(args), RuntimeSpawnOptions(), std::chrono::seconds(10));
  if (!r.ok()) return std::move(r).error().Context("kill container " + id);
  return Ok();
}

Result<void> OciRuntime::Delete(const std::string& id, bool force) const {
  std::vector<std::string> args = {"delete"};
  if (force) args.push_back("--force");
  args.push_back(id);
  auto r = RunChecked(Command(args), RuntimeSpawnOptions(), std::chrono::seconds(30));
  if (!r.ok()) return std::move(r).error().Context("delete container " + id);
  return Ok();
}

Result<std::string> OciRuntime::Status(const std::string& id) const {
  auto r = VMI_TRY(Run(Command({"state", id}), RuntimeSpawnOptions(), std::chrono::seconds(10)));
  if (!r.ok()) return Error(ErrorCode::kNotFound, "container " + id + " does not exist");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("status"))
    return Error(ErrorCode::kInternal, "unparsable state of container " + id);
  return j["status"].get<std::string>();
}

}  // namespace vmi::runtime
