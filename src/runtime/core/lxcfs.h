// The node's lxcfs: one FUSE file system that serves /proc/meminfo, cpuinfo,
// stat, loadavg, uptime, swaps, diskstats and /sys/devices/system/cpu/online
// as seen from the cgroup of whoever reads them. Its files are bind-mounted
// over the guest's own in every instance (runtime/core/oci_spec.cc), so
// `free`, `nproc`, `top` and apps size themselves to the instance's limits.
//
// Lifetime: lxcfs runs in a session of its own and is detached when the
// daemon stops, so it outlives the daemon; a restarted daemon adopts the live
// mount. If lxcfs dies, the bind mounts in running instances fail with
// ENOTCONN: Check() starts a new lxcfs and Rebind() puts its files over the
// dead ones inside each running instance's mount namespace.
//
// Where lxcfs is missing or cannot mount, instances still start with the
// host's view and status() says why.
//
// Threads: Ensure/Check/Rebind are called from the daemon's threads under the
// caller's lock; status()/binds() copy under an internal mutex.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/child_process.h"
#include "base/result.h"

namespace vmi::runtime {

struct LxcfsOptions {
  std::string binary = "lxcfs";  // looked up in PATH
  std::string mountpoint;        // e.g. <data-dir>/lxcfs
};

class Lxcfs {
 public:
  explicit Lxcfs(LxcfsOptions options) : options_(std::move(options)) {}
  ~Lxcfs();

  // Adopts a live lxcfs at the mountpoint or starts one. Never fails: an
  // lxcfs that cannot run leaves the host's view, with the reason in status().
  // True if the lxcfs mount is not the one this object saw last (it started
  // one, or adopted one another daemon started): instances may hold a dead
  // one's files.
  bool Ensure();
  // True if lxcfs serves now. A dead one is unmounted and started again;
  // `restarted` (also set when someone else replaced the mount since the
  // last call) tells the caller to Rebind() running instances.
  bool Check(bool* restarted);
  // Puts the current lxcfs files over /proc/... inside the mount namespace
  // of `pid` (an instance's init), replacing stale ones.
  Result<void> Rebind(pid_t pid) const;

  // (host path, guest path) pairs to bind into a new instance; empty when
  // lxcfs does not serve.
  std::vector<std::pair<std::string, std::string>> binds() const;
  // "lxcfs <version>: ..." or why the guests see the host's view.
  std::string status() const;
  bool serving() const;

 private:
  bool Alive() const;
  bool EnsureServing();
  // Notes which lxcfs serves now; true if it is not the one noted before.
  bool Replaced();
  Result<void> Start();
  void SetStatus(bool serving, std::string status);

  LxcfsOptions options_;
  std::optional<ChildProcess> child_;  // the lxcfs this daemon started, if any
  // Mount id, pid and start time of the lxcfs instances were last bound to.
  std::string serving_id_;
  mutable std::mutex mu_;
  bool serving_ = false;
  std::string status_ = "not started";
};

}  // namespace vmi::runtime
