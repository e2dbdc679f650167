// InstanceManager: the instances of this node, composed from the store
// (InstanceRepository), the image store (ImageResolver) and the runtime.
//
// create -> start -> (running) -> stop -> start ... -> rm. Each instance's
// lifecycle and its state machine belong to its runtime::Instance
// (runtime/core/instance.h): the manager finds instances by id, name or
// prefix, assigns slots, resolves images, persists each state the Instance
// reports and tells its subscribers, and schedules what the runtime asks
// for (watching monitors, restart-policy delays, lxcfs checks). Create and
// remove are all-or-nothing: a failure rolls back the directory and the
// database row and returns a clear error.
//
// Ownership: the manager owns one Entry per instance (its record and its
// Instance), the node's OciRuntime, Network and Lxcfs that every Instance
// borrows, and the runtime's MonitorWatcher. Monitors deliberately survive
// the daemon; after a restart, Reconcile() hands each stored run to its
// Instance::Recover().
//
// Threads: public methods are thread-safe. Operations on one instance are
// serialised by its lock; different instances proceed in parallel. The
// runtime's MonitorWatcher ("vmi-watch") holds the monitors' pidfds and
// calls OnMonitorExit, the restart policies' delayed starts and the lxcfs
// check on its thread; the manager starts no thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/pidfd.h"
#include "node/image_resolver.h"
#include "node/instance_repository.h"
#include "runtime/core/host_info.h"
#include "runtime/core/instance.h"
#include "runtime/core/link_conditions.h"
#include "runtime/core/lxcfs.h"
#include "runtime/core/monitor_watcher.h"
#include "runtime/core/network.h"
#include "runtime/core/oci_runtime.h"

namespace vmi::node {

struct ManagerOptions {
  std::string data_dir;
  std::string guest_kit;     // host dir seen at /opt/vmi
  std::string monitor_path;  // the vmi-monitor binary
  std::chrono::milliseconds stop_timeout{10000};
  uint32_t uid_base = 1000000;  // first host uid given to instances
  // Test hook: fail the named step of Create/Start ("dirs", "row", "mount",
  // "config", "monitor", "network", "start") to check the rollback.
  std::string inject_failure;
  // Where the node's lxcfs serves (one for all daemons on the node); empty:
  // no lxcfs, guests see the host's /proc.
  std::string lxcfs_dir = "/run/vmi/lxcfs";
};

struct CreateRequest {
  runtime::InstanceSpec spec;  // id/slot are assigned
  int64_t owner_id = 0;
  Labels labels;  // validated (node/labels.h)
};

class InstanceManager {
 public:
  static Result<std::unique_ptr<InstanceManager>> Create(ManagerOptions options,
                                                         runtime::HostInfo host,
                                                         InstanceRepository* repo,
                                                         ImageResolver* images);
  ~InstanceManager();

  // Finds instances again after a daemon (re)start; starts the watcher.
  Result<void> Reconcile();

  Result<InstanceRecord> CreateInstance(const CreateRequest& req);
  Result<InstanceRecord> Start(const std::string& id_or_name);
  Result<InstanceRecord> Stop(const std::string& id_or_name);
  Result<InstanceRecord> Restart(const std::string& id_or_name);
  Result<void> Remove(const std::string& id_or_name, bool force);
  Result<InstanceRecord> Get(const std::string& id_or_name) const;
  std::vector<InstanceRecord> List() const;
  Result<RunOutput> Exec(const std::string& id_or_name, const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout, size_t max_output);
  // The last `max_bytes` of the instance's console log.
  Result<std::string> Logs(const std::string& id_or_name, size_t max_bytes) const;
  // Host path of the instance's device directory.
  std::string DeviceDir(const std::string& id) const;
  // Host path of the instance's sysfs views (battery; docs/devices.md).
  std::string SysfsViewDir(const std::string& id) const;
  // Host path of the instance's device state view (location; seen
  // read-only in Linux guests at /run/vmi-devices).
  std::string DeviceViewDir(const std::string& id) const;
  // True when the guest X server accepts connections.
  bool DisplayReady(const std::string& id) const;
  // The instance's network conditions (docs/devices.md): saved with the
  // instance, put on its link now when it runs and at every start.
  // kFailedPrecondition for an instance without a network (--network none).
  Result<runtime::LinkConditions> LinkConditionsOf(const std::string& id_or_name) const;
  Result<void> SetLinkConditions(const std::string& id_or_name, const runtime::LinkConditions& c);
  // Whether any instance uses the image (for image removal).
  bool ImageInUse(const std::string& image) const;

  // Called (on the thread that changed it) after every state change.
  using Listener = std::function<void(const InstanceRecord&)>;
  void Subscribe(Listener l);
  // Called after an instance is removed (its last record).
  void SubscribeRemoved(Listener l);

  const runtime::HostInfo& host() const { return runtime_.host(); }
  // Whether guests see their own limits in /proc (lxcfs), or why not.
  std::string limit_view_status() const { return lxcfs_.status(); }
  bool limit_view() const { return lxcfs_.serving(); }

 private:
  struct Entry {
    std::mutex op;  // serialises operations on this instance
    InstanceRecord record;  // the node's view; its run fields mirror `instance`
    std::unique_ptr<runtime::Instance> instance;
  };

  InstanceManager(ManagerOptions o, runtime::HostInfo host, InstanceRepository* repo,
                  ImageResolver* images);

  std::shared_ptr<Entry> Find(const std::string& id_or_name) const;
  std::string InstanceDir(const std::string& id) const;
  // Gives the entry its Instance, which reports every state change to
  // OnRunChanged.
  void Attach(Entry& e);
  void OnRunChanged(Entry& e, const runtime::InstanceRun& run);
  // What a start of the record's instance runs (the image, the sysfs views).
  Result<runtime::StartImage> PrepareStart(const InstanceRecord& r);
  Result<void> StartLocked(Entry& e, bool by_policy);
  void Persist(const InstanceRecord& r);
  // Handles the monitor's exit (OnMonitorExit) on the watcher thread.
  void Watch(const std::string& id, pid_t monitor_pid, uint64_t start_ticks);
  // Puts a (re)started lxcfs's files into every running instance.
  void RebindLimitViews();
  void OnMonitorExit(const std::string& id);

  ManagerOptions options_;
  runtime::OciRuntime runtime_;
  runtime::Network network_;
  InstanceRepository* repo_;
  ImageResolver* images_;

  mutable std::mutex mu_;  // guards entries_, slots_, listeners_
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // shared: ops hold them unlocked
  std::set<int> slots_;
  std::vector<Listener> listeners_;
  std::vector<Listener> removed_listeners_;
  bool network_ready_ = false;
  runtime::Lxcfs lxcfs_;
  runtime::InstanceHost instance_host_;  // borrows the members above

  // Last: destroyed (its thread joined) before what its callbacks use.
  std::unique_ptr<runtime::MonitorWatcher> watcher_;
};

}  // namespace vmi::node
