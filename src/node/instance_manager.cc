#include "node/instance_manager.h"

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
#include "runtime/core/foreign_arch.h"

namespace vmi::node {

using runtime::GuestKind;
using runtime::NetworkMode;

namespace {

void CopyRun(const runtime::InstanceRun& run, InstanceRecord& r) {
  r.state = run.state;
  r.last_exit = run.last_exit;
  r.monitor_pid = run.monitor_pid;
  r.monitor_start_ticks = run.monitor_start_ticks;
  r.init_pid = run.init_pid;
  r.started_at = run.started_at;
  r.restart_count = run.restart_count;
}

runtime::InstanceRun RunOf(const InstanceRecord& r) {
  return runtime::InstanceRun{r.state,    r.last_exit,  r.monitor_pid,  r.monitor_start_ticks,
                              r.init_pid, r.started_at, r.restart_count};
}

}  // namespace

InstanceManager::InstanceManager(ManagerOptions o, runtime::HostInfo host, InstanceRepository* repo,
                                 ImageResolver* images)
    : options_(std::move(o)),
      runtime_(std::move(host)),
      repo_(repo),
      images_(images),
      lxcfs_(runtime::LxcfsOptions{.mountpoint = options_.lxcfs_dir}),
      instance_host_{&runtime_,
                     &network_,
                     &lxcfs_,
                     options_.monitor_path,
                     options_.guest_kit,
                     runtime_.host().cpus,
                     options_.inject_failure} {}

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

void InstanceManager::Attach(Entry& e) {
  const InstanceRecord& r = e.record;
  e.instance = std::make_unique<runtime::Instance>(
      &instance_host_, InstanceDir(r.spec.id), r.spec, r.slot, RunOf(r),
      [this, &e](const runtime::InstanceRun& run) { OnRunChanged(e, run); });
}

void InstanceManager::OnRunChanged(Entry& e, const runtime::InstanceRun& run) {
  CopyRun(run, e.record);
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
    return runtime::Instance::Layout(dir, r.spec, r.slot);
  }();
  if (!made.ok()) return rollback(std::move(made).error());
  if (options_.inject_failure == "row")
    return rollback(Error(ErrorCode::kInternal, "injected failure: row"));
  auto inserted = repo_->Insert(r);
  if (!inserted.ok()) return rollback(std::move(inserted).error());
  VMI_ILOG(INFO, spec.id) << "created '" << spec.name << "' from image " << spec.image;
  Attach(*entry);
  OnRunChanged(*entry, entry->instance->run());  // the subscribers hear of it
  return r;
}

Result<InstanceRecord> InstanceManager::Start(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  VMI_CHECK_OK(StartLocked(*e, /*by_policy=*/false),
               "start instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<runtime::StartImage> InstanceManager::PrepareStart(const InstanceRecord& r) {
  const std::string dir = InstanceDir(r.spec.id);
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
  runtime::StartImage start{image.rootfs, image.guest, ""};
  if (!android) {
    // The battery and the other sysfs views the guest reads (docs/devices.md);
    // an instance made before they existed gets them at its next start.
    VMI_CHECK_OK(devices::power::EnsureSysfsView(SysfsViewDir(r.spec.id)), "sysfs views");
    VMI_CHECK_OK(MakeDirs(DeviceViewDir(r.spec.id), 0755), "device views");
    start.sysfs_view = SysfsViewDir(r.spec.id);
  }
  return start;
}

Result<void> InstanceManager::StartLocked(Entry& e, bool by_policy) {
  runtime::Instance& instance = *e.instance;
  // Refused before any preparation when the state allows no start.
  if (!by_policy && !runtime::CanStart(instance.state())) return instance.Start({});
  auto image = VMI_TRY(PrepareStart(e.record));
  if (auto s = by_policy ? instance.Restart(image) : instance.Start(image); !s.ok()) return s;
  const InstanceRecord& r = e.record;
  Watch(r.spec.id, r.monitor_pid, r.monitor_start_ticks);
  return Ok();
}

Result<runtime::LinkConditions> InstanceManager::LinkConditionsOf(const std::string& key) const {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  if (e->record.spec.network != NetworkMode::kBridge)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + e->record.spec.name + "' has no network (--network none)");
  return e->instance->LinkConditionsNow();
}

Result<void> InstanceManager::SetLinkConditions(const std::string& key,
                                                const runtime::LinkConditions& c) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  return e->instance->SetLinkConditions(c);
}

Result<InstanceRecord> InstanceManager::Stop(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  VMI_CHECK_OK(e->instance->Stop(options_.stop_timeout),
               "stop instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<InstanceRecord> InstanceManager::Restart(const std::string& key) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  VMI_CHECK_OK(e->instance->Stop(options_.stop_timeout), "restart");
  VMI_CHECK_OK(StartLocked(*e, /*by_policy=*/false),
               "restart instance '" + e->record.spec.name + "'");
  return e->record;
}

Result<void> InstanceManager::Remove(const std::string& key, bool force) {
  auto e = Find(key);
  if (!e) return NoSuchInstance(key);
  std::lock_guard op(e->op);
  InstanceRecord& r = e->record;
  if (!force && (r.state == InstanceState::kRunning || r.state == InstanceState::kFailed)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + r.spec.name + "' is " + InstanceStateName(r.state) +
                     ": stop it first or use --force");
  }
  const std::string what = "remove instance '" + r.spec.name + "'";
  VMI_CHECK_OK(e->instance->Kill(std::chrono::seconds(3)), what);
  VMI_CHECK_OK(e->instance->Discard(), what);
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
  const auto delay = e->instance->OnMonitorExit();
  if (!delay) return;
  op.unlock();
  VMI_ILOG(INFO, id) << "restart policy: starting again in " << delay->count() << " ms";
  // The start runs on the watcher's thread: nothing a start waits for
  // needs that thread, and other monitors' exits wait the start's length.
  watcher_->After(*delay, [this, id] {
    auto entry = Find(id);
    if (!entry) return;
    std::lock_guard lock(entry->op);
    // Refused when someone acted on the instance meanwhile.
    if (entry->record.state != InstanceState::kExited) return;
    auto s = StartLocked(*entry, /*by_policy=*/true);
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
    Attach(*e);
    std::lock_guard op(e->op);
    switch (e->instance->Recover()) {
      case runtime::Instance::Recovered::kWatch: to_watch.push_back(id); break;
      case runtime::Instance::Recovered::kRestart: to_restart.push_back(id); break;
      case runtime::Instance::Recovered::kNothing: break;
    }
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
