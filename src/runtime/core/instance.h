// Instance: the owner of one instance's runs on this node.
//
// It holds the instance's state (instance_state.h) and is its only writer:
// every change is checked against the transition table and reported to the
// owner's listener (the node persists it and tells its subscribers). A
// start mounts the root file system, writes the OCI config, launches the
// container through its monitor (MonitorLaunch), wires its network and
// lets it run; every step that fails rolls back what the earlier ones did
// and returns the instance to the state it left. A stop goes through
// StopContainer and unmounts and detaches what the run left. The monitor
// of a running instance outlives the daemon on purpose: it is known by its
// pid and start time (AdoptedProcess) and adopted again by Recover().
//
// Ownership: the instance directory's run-time contents (the mounts, the
// bundle's config, the veth of its slot) belong to it; the directory itself
// is made by Layout() and removed by Discard(). Shared node objects
// (the OCI runtime, the network, lxcfs) are borrowed through InstanceHost,
// which outlives every Instance.
//
// Threads: not thread-safe. The caller serialises every call on one
// instance (the node holds a lock per instance); calls on different
// instances may run in parallel. The listener runs on the calling thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/backoff.h"
#include "base/result.h"
#include "runtime/core/instance_spec.h"
#include "runtime/core/instance_state.h"
#include "runtime/core/link_conditions.h"
#include "runtime/core/lxcfs.h"
#include "runtime/core/network.h"
#include "runtime/core/oci_runtime.h"
#include "runtime/core/oci_spec.h"

namespace vmi::runtime {

// What survives a daemon restart of one instance's run (stored with it).
struct InstanceRun {
  InstanceState state = InstanceState::kCreated;
  // The last exit of the instance's init, e.g. "exited 0", "signaled 9";
  // empty if it never ran to an end.
  std::string last_exit;
  pid_t monitor_pid = 0;
  // Start time of the monitor (from /proc/<pid>/stat) so a reused pid is
  // never mistaken for it after a daemon restart.
  uint64_t monitor_start_ticks = 0;
  pid_t init_pid = 0;
  int64_t started_at = 0;  // unix seconds
  int restart_count = 0;
};

// The node's objects every instance borrows.
struct InstanceHost {
  const OciRuntime* runtime = nullptr;
  Network* network = nullptr;
  const Lxcfs* lxcfs = nullptr;  // null: guests see the host's /proc
  std::string monitor_path;      // the vmi-monitor binary
  std::string guest_kit;         // host dir seen at /opt/vmi
  int host_cpus = 0;
  // Test hook: fail the named step of a start ("mount", "config",
  // "monitor", "network", "start") to check the rollback.
  std::string inject_failure;
};

// What a start runs, resolved by the caller from the image store.
struct StartImage {
  std::string rootfs;  // host path of the read-only lower layer
  GuestImage guest;
  // Host directory of the guest's sysfs views (oci_spec.h); "" for none.
  std::string sysfs_view;
};

class Instance {
 public:
  using Listener = std::function<void(const InstanceRun&)>;

  Instance(const InstanceHost* host, std::string dir, InstanceSpec spec, InstanceSlot slot,
           InstanceRun run, Listener on_change);

  // Makes the instance directory of a new instance (and its disk image).
  static Result<void> Layout(const std::string& dir, const InstanceSpec& spec,
                             const InstanceSlot& slot);

  const InstanceRun& run() const { return run_; }
  InstanceState state() const { return run_.state; }
  const InstanceSpec& spec() const { return spec_; }

  // created/stopped/exited -> starting -> running. kFailedPrecondition in
  // any other state (nothing changes); on a failed step the instance is
  // back where it was, with nothing of the attempt left.
  Result<void> Start(const StartImage& image);
  // A start by the restart policy: only from exited, counted in the run.
  Result<void> Restart(const StartImage& image);
  // running/failed -> stopping -> stopped, or failed when the monitor
  // outlives the kill of its container. A resting instance is left alone.
  Result<void> Stop(std::chrono::milliseconds grace);
  // A stop that does not give up (rm --force): after a failed stop the
  // monitor is killed and the container deleted in its place.
  Result<void> Kill(std::chrono::milliseconds grace);
  // Removes what is left of a resting instance: its cgroups (an error
  // names those still in use) and its directory.
  Result<void> Discard();

  // The monitor exited (the watcher saw it): a running instance whose
  // monitor is gone becomes exited. Returns the restart policy's delay
  // when it wants the instance started again; nullopt otherwise (also when
  // a stop is under way, which handles the exit itself).
  std::optional<std::chrono::milliseconds> OnMonitorExit();

  // After a daemon restart: what to do with a run found in the store.
  enum class Recovered { kNothing, kWatch, kRestart };
  Recovered Recover();

  // The network conditions saved with the instance (inactive when none),
  // put on its link at every start and at once when it runs.
  Result<LinkConditions> LinkConditionsNow() const;
  Result<void> SetLinkConditions(const LinkConditions& c);

 private:
  void Enter(InstanceState to);
  // The rest of a stop, from stopping: waits for the container's end.
  Result<void> FinishStop(std::chrono::milliseconds grace);
  // Unmounts and detaches what a run left behind; idempotent.
  void CleanupRun();
  // Records how the run ended and forgets its processes.
  void EndRun();
  std::string ReadExit() const;
  bool WantsRestart() const;
  Result<void> StartFrom(const StartImage& image);

  const InstanceHost* host_;
  const std::string dir_;
  const InstanceSpec spec_;
  const InstanceSlot slot_;
  InstanceRun run_;
  Listener on_change_;
  // Restart-policy delays: 0.5 s doubling to 30 s; a run of a minute or
  // more is not a crash loop and starts the sequence again.
  Backoff restart_backoff_{BackoffSpec{std::chrono::milliseconds(500), std::chrono::seconds(30),
                                       std::chrono::seconds(60)}};
};

}  // namespace vmi::runtime
