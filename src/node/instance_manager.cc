#include "node/instance_manager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "base/secret.h"
#include "devices/power/power_supply_view.h"
#include "guest/init/state_file.h"
#include "runtime/core/container_cgroups.h"
#include "runtime/core/container_stop.h"
#include "runtime/core/foreign_arch.h"
#include "runtime/core/monitor_launch.h"
#include "runtime/core/lxcfs.h"
#include "runtime/core/disk_image.h"
#include "runtime/core/port_policy.h"
#include "runtime/core/rootfs.h"

namespace vmi::node {

using runtime::GuestKind;
using runtime::NetworkMode;

namespace {

// The root file system's layout. An instance with its own disk image
// (spec.disk_bytes > 0; docs/security.md) keeps its writable layer inside
// it; older instances keep it directly in their directory.
runtime::RootfsLayout Layout(const std::string& dir, const std::string& image_rootfs) {
  std::string rw = PathExists(dir + "/disk.img") ? dir + "/disk" : dir;
  return runtime::RootfsLayout{image_rootfs, dir + "/lower", rw + "/upper", rw + "/work",
                               dir + "/bundle/rootfs"};
}

}  // namespace

InstanceManager::InstanceManager(ManagerOptions o, runtime::HostInfo host, InstanceRepository* repo,
                                 ImageResolver* images)
    : options_(std::move(o)),
      runtime_(std::move(host)),
      repo_(repo),
      images_(images),
      lxcfs_(runtime::LxcfsOptions{.mountpoint = options_.lxcfs_dir}) {}

Result<std::unique_ptr<InstanceManager>> InstanceManager::Create(ManagerOptions options,
                                                                 runtime::HostInfo host,
                                                                 InstanceRepository* repo,
                                                                 ImageResolver* images) {
  VMI_CHECK_OK(MakeDirs(options.data_dir + "/instances", 0711), "create data directory");
  // The instances' unprivileged roots must be able to traverse the path to
  // their bundles (crun resolves the rootfs inside the user namespace).
  for (const std::string& dir : {options.data_dir, options.data_dir + "/instances"}) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) return Error::FromErrno("stat " + dir);
    if ((st.st_mode & S_IXOTH) == 0 && chmod(dir.c_str(), (st.st_mode & 07777) | S_IXOTH) != 0)
      return Error::FromErrno("chmod " + dir);
  }
  if (auto reach = CheckSearchableByOthers(options.data_dir + "/instances"); !reach.ok())
    VMI_LOG(WARN) << "instances will not start: " << reach.error().ToString();
  std::unique_ptr<InstanceManager> m(
      new InstanceManager(std::move(options), std::move(host), repo, images));
  m->watcher_ = VMI_TRY(runtime::MonitorWatcher::Create());
  return m;
}

InstanceManager::~InstanceManager() {
  watcher_.reset();  // joins its thread: no callback runs past this point
  // Monitors and containers keep running: they are found again on restart.
}

std::string InstanceManager::InstanceDir(const std::string& id) const {
  return options_.data_dir + "/instances/" + id;
}

std::string InstanceManager::DeviceDir(const std::string& id) const {
  return InstanceDir(id) + "/dev";
}

std::string InstanceManager::SysfsViewDir(const std::string& id) const {
  return InstanceDir(id) + "/sys";
}

std::string InstanceManager::DeviceViewDir(const std::string& id) const {
  return SysfsViewDir(id) + "/devices";
}

void InstanceManager::Subscribe(Listener l) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(l));
}

void InstanceManager::SubscribeRemoved(Listener l) {
  std::lock_guard lock(mu_);
  removed_listeners_.push_back(std::move(l));
}

std::shared_ptr<InstanceManager::Entry> InstanceManager::Find(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  for (const auto& [id, e] : entries_)
    if (e->record.spec.name == key) return e;
  // A unique id prefix, as docker accepts.
  std::shared_ptr<Entry> found;
  if (key.size() >= 4) {
    for (const auto& [id, e] : entries_) {
      if (id.compare(0, key.size(), key) == 0) {
        if (found) return nullptr;
        found = e;
      }
    }
  }
  return found;
}

static Error NoSuchInstance(const std::string& key) {
  return Error(ErrorCode::kNotFound, "no such instance '" + key + "'");
}

void InstanceManager::Persist(const InstanceRecord& r) {
  auto res = repo_->Update(r);
  if (!res.ok()) VMI_ILOG(ERROR, r.spec.id) << "persist: " << res.error().ToString();
}

void InstanceManager::SetState(Entry& e, InstanceState s) {
  e.record.state = s;
  Persist(e.record);
  std::vector<Listener> ls;
  {
    std::lock_guard lock(mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l(e.record);
}

Result<InstanceRecord> InstanceManager::CreateInstance(const CreateRequest& req) {
  runtime::InstanceSpec spec = req.spec;
  const auto& host = runtime_.host();
  const bool named = !spec.name.empty();
  if (!named) spec.name = "unnamed";  // replaced by "phone-<id>" below
  VMI_CHECK_OK(runtime::ValidateSpec(spec, host.cpus, host.memory_bytes), "create instance");
  auto image = VMI_TRY_CTX(images_->Resolve(spec.image), "create instance");
  if (image.guest.kind == GuestKind::kAndroid && !host.binderfs) {
    return Error(ErrorCode::kUnavailable,
                 "image '" + spec.image + "' is an Android image, but this host's kernel has no "
                 "binderfs (CONFIG_ANDROID_BINDERFS; the binder_linux module): Android instances "
                 "need binder and cannot run here")
        .Context("create instance");
  }
  // An image for another CPU fails here, at once, saying what to install.
  VMI_CHECK_OK(runtime::EnsureRunnable(image.arch),
               "create instance: image '" + spec.image + "' is for " + image.arch);

  auto entry = std::make_shared<Entry>();
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : entries_) {
      if (e->record.spec.name == spec.name)
        return Error(ErrorCode::kAlreadyExists, "an instance named '" + spec.name + "' exists");
    }
    do {
      spec.id = RandomHex(6);
    } while (entries_.count(spec.id));
    if (!named) spec.name = "phone-" + spec.id.substr(0, 6);
    int slot = 0;
    while (slots_.count(slot)) ++slot;
    slots_.insert(slot);
    auto& r = entry->record;
    r.spec = spec;
    r.slot.index = slot;
    r.slot.uid_base = options_.uid_base + static_cast<uint32_t>(slot) * 65536u;
    r.slot.ip = spec.network == NetworkMode::kBridge ? network_.AddressFor(slot) : "";
    r.state = InstanceState::kCreated;
    r.created_at = WallSeconds();
    r.owner_id = req.owner_id;
    r.vnc_password = RandomPassword(8);  // RFB uses at most 8 characters
    r.labels = req.labels;
    entries_[spec.id] = entry;  // reserves name and slot
  }
  InstanceRecord& r = entry->record;
  std::lock_guard op(entry->op);
  const std::string dir = InstanceDir(spec.id);
  auto rollback = [&](Error e) -> Error {
    RemoveTree(dir).ok();
    std::lock_guard lock(mu_);
    entries_.erase(spec.id);
    slots_.erase(r.slot.index);
    return std::move(e).Context("create instance '" + spec.name + "'");
  };

  auto made = [&]() -> Result<void> {
    if (options_.inject_failure == "dirs")
      return Error(ErrorCode::kInternal, "injected failure: dirs");
    VMI_CHECK_OK(MakeDirs(dir, 0711), "instance directory");
    for (const char* sub : {"bundle", "upper", "work", "dev", "dev/x11"})
      VMI_CHECK_OK(MakeDirs(dir + "/" + sub, 0755), "instance directory");
    for (const char* sub : {"dev", "dev/x11"}) {
      std::string p = dir + "/" + sub;
      if (chown(p.c_str(), r.slot.uid_base, r.slot.uid_base) != 0)
        return Error::FromErrno("chown " + p);
    }
    if (chmod((dir + "/dev/x11").c_str(), 01777) != 0) return Error::FromErrno("chmod x11");
    if (r.spec.disk_bytes > 0)
      VMI_CHECK_OK(runtime::CreateDiskImage(dir + "/disk.img", r.spec.disk_bytes, r.slot.uid_base),
                   "writable layer");
    return Ok();
  }();
  if (!made.ok()) return rollback(std::move(made).error());
  if (options_.inject_failure == "row")
    return rollback(Error(ErrorCode::kInternal, "injected failure: row"));
  auto inserted = repo_->Insert(r);
  if (!inserted.ok()) return rollback(std::move(inserted).error());
  VMI_ILOG(INFO, spec.id) << "created '" << spec.name << "' from image " << spec.image;
  SetState(*entry, InstanceState::kCreated);
  return r;
}

Result<InstanceRecord> InstanceManager::Start(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  auto s = e->record.state;
  if (s == InstanceState::kRunning || s == InstanceState::kStarting)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + e->record.spec.name + "' is already running");
  VMI_CHECK_OK(StartLocked(*e), "start instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<void> InstanceManager::StartLocked(Entry& e) {
  InstanceRecord& r = e.record;
  const std::string id = r.spec.id;
  const std::string dir = InstanceDir(id);
  const InstanceState before = r.state;
  // Where a start's time goes, logged with "started" (each step's end is
  // where its failure can be injected).
  std::string steps;
  const int64_t begun = MonotonicMicros();
  int64_t lap = begun;
  auto mark = [&](const char* step) {
    const int64_t now = MonotonicMicros();
    steps += std::string(steps.empty() ? "" : ", ") + step + " " + std::to_string((now - lap) / 1000);
    lap = now;
  };
  // crun resolves the rootfs as the instance's mapped root: a private
  // directory above the data directory fails deep inside the runtime with a
  // bare EACCES, so say which one and what to do first.
  VMI_CHECK_OK(CheckSearchableByOthers(dir + "/bundle"), "data directory");
  auto image = VMI_TRY(images_->Resolve(r.spec.image));
  const bool android = image.guest.kind == GuestKind::kAndroid;
  if (android && !runtime_.host().binderfs)
    return Error(ErrorCode::kUnavailable, "the host kernel has no binderfs");
  // A foreign-architecture image needs its translator registered (again
  // after a host reboot).
  VMI_CHECK_OK(runtime::EnsureRunnable(image.arch),
               "image '" + r.spec.image + "' (" + image.arch + ")");
  if (r.spec.network == NetworkMode::kBridge) {
    std::lock_guard lock(mu_);
    if (!network_ready_) {
      VMI_CHECK_OK(network_.EnsureHost(), "host network");
      network_ready_ = true;
    }
  }
  e.stopping = false;
  SetState(e, InstanceState::kStarting);
  mark("prepare");

  // Declared before `fail` runs: a launch that is not released is aborted
  // (its container killed and deleted) when it goes out of scope, and
  // `fail` ends it first so that the cleanup finds nothing in use.
  std::optional<runtime::MonitorLaunch> launch;
  auto fail = [&](Error err) -> Result<void> {
    launch.reset();
    CleanupRun(r);
    r.monitor_pid = 0;
    r.init_pid = 0;
    SetState(e, before);
    VMI_ILOG(WARN, id) << "start failed: " << err.ToString();
    return err;
  };
  auto inject = [&](const char* step) -> Result<void> {
    mark(step);
    if (options_.inject_failure == step)
      return Error(ErrorCode::kInternal, std::string("injected failure: ") + step);
    return Ok();
  };

  // Root file system and the device directory's stale entries.
  runtime::RootfsLayout layout = Layout(dir, image.rootfs);
  if (PathExists(dir + "/disk.img")) {
    if (auto m = runtime::MountDiskImage(dir + "/disk.img", dir + "/disk"); !m.ok())
      return fail(std::move(m).error().Context("writable layer"));
  }
  if (auto m = runtime::MountRootfs(layout, r.slot.uid_base, r.slot.uid_count); !m.ok())
    return fail(std::move(m).error());
  if (auto m = inject("mount"); !m.ok()) return fail(std::move(m).error());
  for (const char* stale : {"/dev/Xvfb_screen0", "/dev/x11/X0", "/dev/session.state"})
    unlink((dir + stale).c_str());
  runtime::InstancePaths paths{layout.merged, dir + "/dev", options_.guest_kit, dir + "/binderfs",
                               ""};
  paths.limit_views = lxcfs_.binds();
  if (!android) {
    // The battery and the other sysfs views the guest reads (docs/devices.md);
    // an instance made before they existed gets them at its next start.
    if (auto v = devices::power::EnsureSysfsView(SysfsViewDir(id)); !v.ok())
      return fail(std::move(v).error());
    if (auto v = MakeDirs(DeviceViewDir(id), 0755); !v.ok()) return fail(std::move(v).error());
    paths.sysfs_view = SysfsViewDir(id);
  }
  paths.host_cpus = runtime_.host().cpus;
  if (android) {
    MakeDirs(paths.binderfs).ok();
    if (!runtime::IsMountPoint(paths.binderfs) &&
        mount("binder", paths.binderfs.c_str(), "binder", 0, nullptr) != 0)
      return fail(Error::FromErrno("mount binderfs"));
  }
  auto config = runtime::BuildOciConfig(r.spec, r.slot, image.guest, paths);
  // Written anew at every start and read only by this start's runtime: a
  // plain write (no fsync, which a loaded disk makes slow) is enough.
  if (auto w = WriteFile(dir + "/bundle/config.json", config.dump(2)); !w.ok())
    return fail(std::move(w).error());
  if (auto m = inject("config"); !m.ok()) return fail(std::move(m).error());

  // The monitor creates the container; we wire its network before it starts.
  auto created = runtime::MonitorLaunch::Create(
      &runtime_, runtime::MonitorOptions{options_.monitor_path, "vmi-" + id, dir + "/bundle", dir,
                                         dir + "/log"});
  if (!created.ok()) return fail(std::move(created).error());
  launch.emplace(std::move(*created));
  if (auto m = inject("monitor"); !m.ok()) return fail(std::move(m).error());
  const pid_t pid = launch->init_pid();
  auto net = network_.Attach(r.slot.index, pid, r.spec.network == NetworkMode::kBridge);
  if (!net.ok()) return fail(std::move(net).error());
  if (r.spec.network == NetworkMode::kBridge) {
    runtime::PortPolicy policy{r.slot.index, network_.HostInterface(r.slot.index), r.slot.ip,
                               runtime::Network::GuestMac(r.slot.index), r.spec.bandwidth_mbit};
    if (auto p = runtime::ApplyPortPolicy(policy); !p.ok()) return fail(std::move(p).error());
    auto conditions = LoadLinkConditions(dir);
    if (!conditions.ok()) return fail(std::move(conditions).error());
    if (conditions->Active()) {
      if (auto c = runtime::ApplyLinkConditions(policy, *conditions); !c.ok())
        return fail(std::move(c).error().Context("network conditions"));
    }
  }
  if (auto m = inject("network"); !m.ok()) return fail(std::move(m).error());
  if (auto s = launch->Start(); !s.ok()) return fail(std::move(s).error());
  if (auto m = inject("start"); !m.ok()) return fail(std::move(m).error());

  // The monitor outlives the daemon on purpose; the watcher reaps it.
  const runtime::LaunchedMonitor launched = launch->Release();
  launch.reset();
  r.monitor_pid = launched.monitor_pid;
  r.monitor_start_ticks = launched.monitor_start_ticks;
  r.init_pid = launched.init_pid;
  r.started_at = WallSeconds();
  SetState(e, InstanceState::kRunning);
  mark("running");  // the listeners: the device host's spawn, the event stream
  VMI_ILOG(INFO, id) << "started (init pid " << pid << ", monitor " << r.monitor_pid << ") in "
                     << (MonotonicMicros() - begun) / 1000 << " ms (" << steps << " ms)";
  Watch(id, r.monitor_pid, r.monitor_start_ticks);
  return Ok();
}

Result<runtime::LinkConditions> InstanceManager::LoadLinkConditions(const std::string& dir) const {
  std::string path = dir + "/network.json";
  if (!PathExists(path)) return runtime::LinkConditions{};
  auto text = VMI_TRY(ReadFile(path, 4096));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return VMI_TRY_CTX(runtime::LinkConditionsFromJson(j), path);
}

Result<runtime::LinkConditions> InstanceManager::LinkConditionsOf(const std::string& key) const {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  if (e->record.spec.network != NetworkMode::kBridge)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + e->record.spec.name + "' has no network (--network none)");
  return LoadLinkConditions(InstanceDir(e->record.spec.id));
}

Result<void> InstanceManager::SetLinkConditions(const std::string& key,
                                                const runtime::LinkConditions& c) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  const InstanceRecord& r = e->record;
  if (r.spec.network != NetworkMode::kBridge)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + r.spec.name + "' has no network (--network none)");
  const std::string dir = InstanceDir(r.spec.id);
  if (r.state == InstanceState::kRunning) {
    runtime::PortPolicy policy{r.slot.index, network_.HostInterface(r.slot.index), r.slot.ip,
                               runtime::Network::GuestMac(r.slot.index), r.spec.bandwidth_mbit};
    if (auto applied = runtime::ApplyLinkConditions(policy, c); !applied.ok()) {
      // Put back what was there, so that a refusal changes nothing.
      if (auto before = LoadLinkConditions(dir); before.ok())
        runtime::ApplyLinkConditions(policy, *before).ok();
      return std::move(applied).error().Context("network conditions of '" + r.spec.name + "'");
    }
  }
  return WriteFileAtomic(dir + "/network.json", runtime::ToJson(c).dump() + "\n");
}

void InstanceManager::CleanupRun(const InstanceRecord& r) {
  const std::string dir = InstanceDir(r.spec.id);
  if (r.spec.network == NetworkMode::kBridge) {
    runtime::RemovePortPolicy(r.slot.index, network_.HostInterface(r.slot.index));
    network_.Detach(r.slot.index).ok();
  }
  auto u = runtime::UnmountRootfs(Layout(dir, ""));
  if (!u.ok()) VMI_ILOG(WARN, r.spec.id) << u.error().ToString();
  // After the overlay that uses it; the loop device detaches itself.
  if (u.ok()) {
    auto d = runtime::UnmountDiskImage(dir + "/disk");
    if (!d.ok()) VMI_ILOG(WARN, r.spec.id) << d.error().ToString();
  }
  if (runtime::IsMountPoint(dir + "/binderfs")) umount2((dir + "/binderfs").c_str(), MNT_DETACH);
}

std::string InstanceManager::ReadExit(const std::string& id) const {
  auto text = ReadFile(InstanceDir(id) + "/exit");
  if (!text.ok()) return "unknown";
  return std::string(Trim(*text));
}

Result<InstanceRecord> InstanceManager::Stop(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  if (e->record.state != InstanceState::kRunning) return e->record;  // already stopped
  VMI_CHECK_OK(StopLocked(*e, options_.stop_timeout), "stop instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<void> InstanceManager::StopLocked(Entry& e, std::chrono::milliseconds timeout) {
  InstanceRecord& r = e.record;
  const std::string cid = "vmi-" + r.spec.id;
  e.stopping = true;
  SetState(e, InstanceState::kStopping);
  const AdoptedProcess monitor = AdoptedProcess::Find(r.monitor_pid, r.monitor_start_ticks);
  if (auto s = runtime::StopContainer(runtime_, cid, monitor, r.init_pid, {.grace = timeout});
      !s.ok())
    return s;
  r.last_exit = ReadExit(r.spec.id);
  CleanupRun(r);
  r.monitor_pid = 0;
  r.init_pid = 0;
  SetState(e, InstanceState::kStopped);
  VMI_ILOG(INFO, r.spec.id) << "stopped (" << r.last_exit << ")";
  return Ok();
}

Result<InstanceRecord> InstanceManager::Restart(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  if (e->record.state == InstanceState::kRunning)
    VMI_CHECK_OK(StopLocked(*e, options_.stop_timeout), "restart");
  VMI_CHECK_OK(StartLocked(*e), "restart instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<void> InstanceManager::Remove(const std::string& key, bool force) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  InstanceRecord& r = e->record;
  if (r.state == InstanceState::kRunning && !force) {
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + r.spec.name + "' is running: stop it first or use --force");
  }
  const std::string what = "remove instance '" + r.spec.name + "'";
  if (r.state == InstanceState::kRunning || r.state == InstanceState::kStopping ||
      r.state == InstanceState::kStarting) {
    auto stopped = StopLocked(*e, std::chrono::seconds(3));
    if (!stopped.ok()) {
      // The monitor outlived its killed init (a loaded host, a stuck
      // runtime call in its clean-up): kill it and do its clean-up here.
      VMI_ILOG(WARN, r.spec.id) << stopped.error().ToString() << "; killing its monitor";
      const auto monitor = AdoptedProcess::Find(r.monitor_pid, r.monitor_start_ticks);
      if (auto k = runtime::KillMonitor(monitor, std::chrono::seconds(10)); !k.ok())
        return std::move(stopped).error().Context(what);
      // What the monitor would have done: the container's processes and
      // its state in the runtime go.
      runtime_.Kill("vmi-" + r.spec.id, SIGKILL, true).ok();
      runtime_.Delete("vmi-" + r.spec.id, true).ok();
      r.monitor_pid = 0;
      r.init_pid = 0;
      SetState(*e, InstanceState::kStopped);
    }
  }
  CleanupRun(r);
  // The runtime's delete reports success even when the container's last
  // processes were still leaving its cgroups (a loaded host): the row stays
  // and the error names them rather than an instance vanishing with its
  // cgroups left in every hierarchy.
  VMI_CHECK_OK(runtime::RemoveContainerCgroups(runtime::ContainerCgroup(r.spec.id),
                                               std::chrono::seconds(5)),
               what);
  VMI_CHECK_OK(RemoveTree(InstanceDir(r.spec.id)), what);
  VMI_CHECK_OK(repo_->Remove(r.spec.id), what);
  std::vector<Listener> ls;
  {
    std::lock_guard lock(mu_);
    entries_.erase(r.spec.id);
    slots_.erase(r.slot.index);
    ls = removed_listeners_;
  }
  VMI_ILOG(INFO, r.spec.id) << "removed";
  for (auto& l : ls) l(r);
  return Ok();
}

Result<InstanceRecord> InstanceManager::Get(const std::string& key) const {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  return e->record;
}

std::vector<InstanceRecord> InstanceManager::List() const {
  std::vector<std::shared_ptr<Entry>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : entries_) all.push_back(e);
  }
  std::vector<InstanceRecord> out;
  for (const auto& e : all) {
    // A state snapshot without waiting for a running operation.
    std::unique_lock op(e->op, std::try_to_lock);
    out.push_back(e->record);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.created_at != b.created_at
                                                          ? a.created_at < b.created_at
                                                          : a.spec.name < b.spec.name; });
  return out;
}

bool InstanceManager::ImageInUse(const std::string& image) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : entries_)
    if (e->record.spec.image == image) return true;
  return false;
}

Result<RunOutput> InstanceManager::Exec(const std::string& key,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout, size_t max_output) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::string id;
  {
    std::lock_guard op(e->op);
    if (e->record.state != InstanceState::kRunning)
      return Error(ErrorCode::kFailedPrecondition,
                   "instance '" + e->record.spec.name + "' is not running");
    id = e->record.spec.id;
  }
  return runtime_.Exec("vmi-" + id, argv, timeout, max_output);
}

Result<std::string> InstanceManager::Logs(const std::string& key, size_t max_bytes) const {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::string path = InstanceDir(e->record.spec.id) + "/log";
  auto text = ReadFile(path, 256 << 20);
  if (!text.ok()) return std::string();
  if (text->size() > max_bytes) return text->substr(text->size() - max_bytes);
  return std::move(*text);
}

bool InstanceManager::DisplayReady(const std::string& id) const {
  std::string path = DeviceDir(id) + "/x11/X0";
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      !PathExists(DeviceDir(id) + "/Xvfb_screen0"))
    return false;
  // The X server answers before the session has set the screen to the
  // instance's resolution (Xvfb starts square; its service turns ready only
  // once xrandr has set the mode), so a session that reports its display
  // service is ready only when that service says so. Images without a
  // session state file or an xvfb service are ready on the socket alone.
  auto state = ReadFile(DeviceDir(id) + "/session.state", 64 << 10);
  if (!state.ok()) return true;
  auto xvfb = guest::FindServiceState(*state, "xvfb");
  return !xvfb || *xvfb == guest::ServiceState::kReady;
}

void InstanceManager::Watch(const std::string& id, pid_t monitor_pid, uint64_t start_ticks) {
  watcher_->Watch(monitor_pid, start_ticks, [this, id] { OnMonitorExit(id); });
}

void InstanceManager::OnMonitorExit(const std::string& id) {
  auto e = Find(id);
  if (!e) return;
  std::unique_lock op(e->op);
  InstanceRecord& r = e->record;
  if (r.state != InstanceState::kRunning || e->stopping) return;  // a stop handles it
  if (AdoptedProcess::Find(r.monitor_pid, r.monitor_start_ticks).alive()) return;
  r.last_exit = ReadExit(id);
  CleanupRun(r);
  r.monitor_pid = 0;
  r.init_pid = 0;
  SetState(*e, InstanceState::kExited);
  VMI_ILOG(WARN, id) << "instance exited by itself: " << r.last_exit;
  bool again = r.spec.restart == runtime::RestartPolicy::kAlways ||
               (r.spec.restart == runtime::RestartPolicy::kOnFailure && r.last_exit != "exited 0");
  if (!again) return;
  const int64_t delay =
      e->restart_backoff.OnExit(std::chrono::seconds(WallSeconds() - r.started_at)).count();
  op.unlock();
  VMI_ILOG(INFO, id) << "restart policy: starting again in " << delay << " ms";
  // The start runs on the watcher's thread: nothing a start waits for
  // needs that thread, and other monitors' exits wait the start's length.
  watcher_->After(std::chrono::milliseconds(delay), [this, id] {
    auto entry = Find(id);
    if (!entry) return;
    std::lock_guard lock(entry->op);
    if (entry->record.state != InstanceState::kExited) return;  // someone acted meanwhile
    entry->record.restart_count++;
    auto s = StartLocked(*entry);
    if (!s.ok()) VMI_ILOG(ERROR, id) << "restart: " << s.error().ToString();
  });
}

void InstanceManager::RebindLimitViews() {
  std::vector<std::pair<std::string, pid_t>> running;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : entries_) {
      if (e->record.state == InstanceState::kRunning && e->record.init_pid > 0)
        running.emplace_back(id, e->record.init_pid);
    }
  }
  for (const auto& [id, pid] : running) {
    auto r = lxcfs_.Rebind(pid);
    if (!r.ok()) VMI_ILOG(WARN, id) << "lxcfs views: " << r.error().ToString();
  }
  if (!running.empty())
    VMI_LOG(INFO) << "lxcfs views rebound in " << running.size() << " instances";
}

Result<void> InstanceManager::Reconcile() {
  auto records = VMI_TRY_CTX(repo_->LoadAll(), "load instances");
  std::vector<std::string> to_watch, to_restart;
  {
    std::lock_guard lock(mu_);
    for (auto& rec : records) {
      auto e = std::make_shared<Entry>();
      e->record = std::move(rec);
      slots_.insert(e->record.slot.index);
      entries_[e->record.spec.id] = e;
    }
  }
  for (auto& [id, e] : entries_) {
    InstanceRecord& r = e->record;
    bool was_live = r.state == InstanceState::kRunning || r.state == InstanceState::kStarting ||
                    r.state == InstanceState::kStopping;
    if (!was_live) continue;
    bool alive = r.monitor_start_ticks != 0 &&
                 AdoptedProcess::Find(r.monitor_pid, r.monitor_start_ticks).alive();
    if (alive && r.state == InstanceState::kRunning) {
      VMI_ILOG(INFO, id) << "found running (monitor " << r.monitor_pid << ")";
      to_watch.push_back(id);
      continue;
    }
    if (alive) {
      // Interrupted mid-start or mid-stop: finish by stopping it.
      std::lock_guard op(e->op);
      StopLocked(*e, std::chrono::seconds(5)).ok();
      continue;
    }
    r.last_exit = ReadExit(id);
    CleanupRun(r);
    r.monitor_pid = 0;
    r.init_pid = 0;
    bool stopping = r.state == InstanceState::kStopping;
    SetState(*e, stopping ? InstanceState::kStopped : InstanceState::kExited);
    VMI_ILOG(WARN, id) << "died while the daemon was away: " << r.last_exit;
    if (!stopping && r.spec.restart != runtime::RestartPolicy::kNever &&
        (r.spec.restart == runtime::RestartPolicy::kAlways || r.last_exit != "exited 0"))
      to_restart.push_back(id);
  }
  // The node's lxcfs: adopted if it outlived an earlier daemon. One started
  // anew finds running instances with the dead one's files: rebind them.
  if (!options_.lxcfs_dir.empty() && lxcfs_.Ensure()) RebindLimitViews();
  if (lxcfs_.serving()) {
    watcher_->Every(std::chrono::seconds(5), [this] {
      bool restarted = false;
      lxcfs_.Check(&restarted);
      if (restarted) RebindLimitViews();
    });
  }
  watcher_->Start();
  for (const auto& id : to_watch) {
    const InstanceRecord& r = entries_[id]->record;
    Watch(id, r.monitor_pid, r.monitor_start_ticks);
  }
  for (const auto& id : to_restart) {
    auto s = Start(id);
    if (!s.ok()) VMI_ILOG(ERROR, id) << "restart after reconcile: " << s.error().ToString();
  }
  return Ok();
}

}  // namespace vmi::node
