#include "runtime/core/instance.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "runtime/core/container_cgroups.h"
#include "runtime/core/container_stop.h"
#include "runtime/core/disk_image.h"
#include "runtime/core/monitor_launch.h"
#include "runtime/core/port_policy.h"
#include "runtime/core/rootfs.h"

namespace vmi::runtime {

namespace {

// The root file system's layout. An instance with its own disk image
// (spec.disk_bytes > 0; docs/security.md) keeps its writable layer inside
// it; older instances keep it directly in their directory.
RootfsLayout LayoutOf(const std::string& dir, const std::string& image_rootfs) {
  std::string rw = PathExists(dir + "/disk.img") ? dir + "/disk" : dir;
  return RootfsLayout{image_rootfs, dir + "/lower", rw + "/upper", rw + "/work",
                      dir + "/bundle/rootfs"};
}

std::string ContainerId(const InstanceSpec& spec) { return "vmi-" + spec.id; }

}  // namespace

Instance::Instance(const InstanceHost* host, std::string dir, InstanceSpec spec, InstanceSlot slot,
                   InstanceRun run, Listener on_change)
    : host_(host),
      dir_(std::move(dir)),
      spec_(std::move(spec)),
      slot_(slot),
      run_(std::move(run)),
      on_change_(std::move(on_change)) {}

Result<void> Instance::Layout(const std::string& dir, const InstanceSpec& spec,
                              const InstanceSlot& slot) {
  VMI_CHECK_OK(MakeDirs(dir, 0711), "instance directory");
  for (const char* sub : {"bundle", "upper", "work", "dev", "dev/x11"})
    VMI_CHECK_OK(MakeDirs(dir + "/" + sub, 0755), "instance directory");
  for (const char* sub : {"dev", "dev/x11"}) {
    std::string p = dir + "/" + sub;
    if (chown(p.c_str(), slot.uid_base, slot.uid_base) != 0)
      return Error::FromErrno("chown " + p);
  }
  if (chmod((dir + "/dev/x11").c_str(), 01777) != 0) return Error::FromErrno("chmod x11");
  if (spec.disk_bytes > 0)
    VMI_CHECK_OK(CreateDiskImage(dir + "/disk.img", spec.disk_bytes, slot.uid_base),
                 "writable layer");
  return Ok();
}

void Instance::Enter(InstanceState to) {
  // Every caller below asks only for edges of the table; a refusal is a
  // bug in this file, logged loudly and not acted on.
  if (auto ok = CheckTransition(run_.state, to); !ok.ok()) {
    VMI_ILOG(ERROR, spec_.id) << ok.error().ToString();
    return;
  }
  run_.state = to;
  if (on_change_) on_change_(run_);
}

std::string Instance::ReadExit() const {
  auto text = ReadFile(dir_ + "/exit");
  if (!text.ok()) return "unknown";
  return std::string(Trim(*text));
}

void Instance::EndRun() {
  run_.last_exit = ReadExit();
  CleanupRun();
  run_.monitor_pid = 0;
  run_.init_pid = 0;
}

bool Instance::WantsRestart() const {
  return spec_.restart == RestartPolicy::kAlways ||
         (spec_.restart == RestartPolicy::kOnFailure && run_.last_exit != "exited 0");
}

void Instance::CleanupRun() {
  if (spec_.network == NetworkMode::kBridge) {
    RemovePortPolicy(slot_.index, host_->network->HostInterface(slot_.index));
    host_->network->Detach(slot_.index).ok();
  }
  auto u = UnmountRootfs(LayoutOf(dir_, ""));
  if (!u.ok()) VMI_ILOG(WARN, spec_.id) << u.error().ToString();
  // After the overlay that uses it; the loop device detaches itself.
  if (u.ok()) {
    auto d = UnmountDiskImage(dir_ + "/disk");
    if (!d.ok()) VMI_ILOG(WARN, spec_.id) << d.error().ToString();
  }
  if (IsMountPoint(dir_ + "/binderfs")) umount2((dir_ + "/binderfs").c_str(), MNT_DETACH);
}

Result<void> Instance::Start(const StartImage& image) {
  if (!CanStart(run_.state)) {
    const InstanceState s = run_.state;
    std::string why = s == InstanceState::kRunning || s == InstanceState::kStarting
                          ? "is already running"
                          : s == InstanceState::kFailed
                                ? "failed to stop: stop it again or rm --force"
                                : std::string("is ") + InstanceStateName(s);
    return Error(ErrorCode::kFailedPrecondition, "instance '" + spec_.name + "' " + why);
  }
  return StartFrom(image);
}

Result<void> Instance::Restart(const StartImage& image) {
  if (run_.state != InstanceState::kExited)
    return Error(ErrorCode::kFailedPrecondition, "someone acted on the instance meanwhile");
  run_.restart_count++;
  return StartFrom(image);
}

Result<void> Instance::StartFrom(const StartImage& image) {
  const std::string& id = spec_.id;
  const InstanceState before = run_.state;
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
  Enter(InstanceState::kStarting);
  mark("prepare");

  // Declared before `fail` runs: a launch that is not released is aborted
  // (its container killed and deleted) when it goes out of scope, and
  // `fail` ends it first so that the cleanup finds nothing in use.
  std::optional<MonitorLaunch> launch;
  auto fail = [&](Error err) -> Result<void> {
    launch.reset();
    CleanupRun();
    run_.monitor_pid = 0;
    run_.init_pid = 0;
    Enter(before);
    VMI_ILOG(WARN, id) << "start failed: " << err.ToString();
    return err;
  };
  auto inject = [&](const char* step) -> Result<void> {
    mark(step);
    if (host_->inject_failure == step)
      return Error(ErrorCode::kInternal, std::string("injected failure: ") + step);
    return Ok();
  };

  // Root file system and the device directory's stale entries.
  RootfsLayout layout = LayoutOf(dir_, image.rootfs);
  if (PathExists(dir_ + "/disk.img")) {
    if (auto m = MountDiskImage(dir_ + "/disk.img", dir_ + "/disk"); !m.ok())
      return fail(std::move(m).error().Context("writable layer"));
  }
  if (auto m = MountRootfs(layout, slot_.uid_base, slot_.uid_count); !m.ok())
    return fail(std::move(m).error());
  if (auto m = inject("mount"); !m.ok()) return fail(std::move(m).error());
  for (const char* stale : {"/dev/Xvfb_screen0", "/dev/x11/X0", "/dev/session.state"})
    unlink((dir_ + stale).c_str());
  const bool android = image.guest.kind == GuestKind::kAndroid;
  InstancePaths paths{layout.merged, dir_ + "/dev", host_->guest_kit, dir_ + "/binderfs", ""};
  if (host_->lxcfs) paths.limit_views = host_->lxcfs->binds();
  paths.sysfs_view = image.sysfs_view;
  paths.host_cpus = host_->host_cpus;
  if (android) {
    MakeDirs(paths.binderfs).ok();
    if (!IsMountPoint(paths.binderfs) &&
        mount("binder", paths.binderfs.c_str(), "binder", 0, nullptr) != 0)
      return fail(Error::FromErrno("mount binderfs"));
  }
  auto config = BuildOciConfig(spec_, slot_, image.guest, paths);
  // Written anew at every start and read only by this start's runtime: a
  // plain write (no fsync, which a loaded disk makes slow) is enough.
  if (auto w = WriteFile(dir_ + "/bundle/config.json", config.dump(2)); !w.ok())
    return fail(std::move(w).error());
  if (auto m = inject("config"); !m.ok()) return fail(std::move(m).error());

  // The monitor creates the container; we wire its network before it starts.
  auto created = MonitorLaunch::Create(
      host_->runtime,
      MonitorOptions{host_->monitor_path, ContainerId(spec_), dir_ + "/bundle", dir_, dir_ + "/log"});
  if (!created.ok()) return fail(std::move(created).error());
  launch.emplace(std::move(*created));
  if (auto m = inject("monitor"); !m.ok()) return fail(std::move(m).error());
  const pid_t pid = launch->init_pid();
  const bool bridged = spec_.network == NetworkMode::kBridge;
  if (auto net = host_->network->Attach(slot_.index, pid, bridged); !net.ok())
    return fail(std::move(net).error());
  if (bridged) {
    PortPolicy policy{slot_.index, host_->network->HostInterface(slot_.index), slot_.ip,
                      Network::GuestMac(slot_.index), spec_.bandwidth_mbit};
    if (auto p = ApplyPortPolicy(policy); !p.ok()) return fail(std::move(p).error());
    auto conditions = LinkConditionsNow();
    if (!conditions.ok()) return fail(std::move(conditions).error());
    if (conditions->Active()) {
      if (auto c = ApplyLinkConditions(policy, *conditions); !c.ok())
        return fail(std::move(c).error().Context("network conditions"));
    }
  }
  if (auto m = inject("network"); !m.ok()) return fail(std::move(m).error());
  if (auto s = launch->Start(); !s.ok()) return fail(std::move(s).error());
  if (auto m = inject("start"); !m.ok()) return fail(std::move(m).error());

  // The monitor outlives the daemon on purpose; the watcher reaps it.
  const LaunchedMonitor launched = launch->Release();
  launch.reset();
  run_.monitor_pid = launched.monitor_pid;
  run_.monitor_start_ticks = launched.monitor_start_ticks;
  run_.init_pid = launched.init_pid;
  run_.started_at = WallSeconds();
  Enter(InstanceState::kRunning);
  mark("running");  // the listeners: the device host's spawn, the event stream
  VMI_ILOG(INFO, id) << "started (init pid " << pid << ", monitor " << run_.monitor_pid
                     << ") in " << (MonotonicMicros() - begun) / 1000 << " ms (" << steps
                     << " ms)";
  return Ok();
}

Result<void> Instance::Stop(std::chrono::milliseconds grace) {
  const InstanceState s = run_.state;
  if (s != InstanceState::kRunning && s != InstanceState::kFailed && s != InstanceState::kStarting)
    return Ok();  // at rest already
  Enter(InstanceState::kStopping);
  return FinishStop(grace);
}

Result<void> Instance::FinishStop(std::chrono::milliseconds grace) {
  const AdoptedProcess monitor = AdoptedProcess::Find(run_.monitor_pid, run_.monitor_start_ticks);
  if (auto stopped = StopContainer(*host_->runtime, ContainerId(spec_), monitor, run_.init_pid,
                                   {.grace = grace});
      !stopped.ok()) {
    Enter(InstanceState::kFailed);
    return stopped;
  }
  EndRun();
  Enter(InstanceState::kStopped);
  VMI_ILOG(INFO, spec_.id) << "stopped (" << run_.last_exit << ")";
  return Ok();
}

Result<void> Instance::Kill(std::chrono::milliseconds grace) {
  auto stopped = Stop(grace);
  if (stopped.ok()) return Ok();
  // The monitor outlived its killed init (a loaded host, a stuck runtime
  // call in its clean-up): kill it and do its clean-up here.
  VMI_ILOG(WARN, spec_.id) << stopped.error().ToString() << "; killing its monitor";
  const auto monitor = AdoptedProcess::Find(run_.monitor_pid, run_.monitor_start_ticks);
  if (auto k = KillMonitor(monitor, std::chrono::seconds(10)); !k.ok()) return stopped;
  // What the monitor would have done: the container's processes and its
  // state in the runtime go.
  host_->runtime->Kill(ContainerId(spec_), SIGKILL, true).ok();
  host_->runtime->Delete(ContainerId(spec_), true).ok();
  Enter(InstanceState::kStopping);
  EndRun();
  Enter(InstanceState::kStopped);
  return Ok();
}

Result<void> Instance::Discard() {
  if (!IsAtRest(run_.state))
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + spec_.name + "' is " + InstanceStateName(run_.state));
  CleanupRun();
  // The runtime's delete reports success even when the container's last
  // processes were still leaving its cgroups (a loaded host): the caller
  // keeps the instance and the error names them rather than an instance
  // vanishing with its cgroups left in every hierarchy.
  if (auto r = RemoveContainerCgroups(ContainerCgroup(spec_.id), std::chrono::seconds(5)); !r.ok())
    return r;
  return RemoveTree(dir_);
}

std::optional<std::chrono::milliseconds> Instance::OnMonitorExit() {
  // A stop under way (or done) handles the exit itself.
  if (run_.state != InstanceState::kRunning) return std::nullopt;
  if (AdoptedProcess::Find(run_.monitor_pid, run_.monitor_start_ticks).alive()) return std::nullopt;
  EndRun();
  Enter(InstanceState::kExited);
  VMI_ILOG(WARN, spec_.id) << "instance exited by itself: " << run_.last_exit;
  if (!WantsRestart()) return std::nullopt;
  return restart_backoff_.OnExit(std::chrono::seconds(WallSeconds() - run_.started_at));
}

Instance::Recovered Instance::Recover() {
  const InstanceState s = run_.state;
  const bool was_live = s == InstanceState::kRunning || s == InstanceState::kStarting ||
                        s == InstanceState::kStopping;
  if (!was_live) return Recovered::kNothing;
  const bool alive = run_.monitor_start_ticks != 0 &&
                     AdoptedProcess::Find(run_.monitor_pid, run_.monitor_start_ticks).alive();
  if (alive && s == InstanceState::kRunning) {
    VMI_ILOG(INFO, spec_.id) << "found running (monitor " << run_.monitor_pid << ")";
    return Recovered::kWatch;
  }
  if (alive) {
    // Interrupted mid-start or mid-stop: finish by stopping it.
    if (s == InstanceState::kStopping)
      FinishStop(std::chrono::seconds(5)).ok();  // the stop goes on where it was
    else
      Stop(std::chrono::seconds(5)).ok();
    return Recovered::kNothing;
  }
  EndRun();
  const bool stopping = s == InstanceState::kStopping;
  Enter(stopping ? InstanceState::kStopped : InstanceState::kExited);
  VMI_ILOG(WARN, spec_.id) << "died while the daemon was away: " << run_.last_exit;
  return !stopping && WantsRestart() ? Recovered::kRestart : Recovered::kNothing;
}

Result<LinkConditions> Instance::LinkConditionsNow() const {
  std::string path = dir_ + "/network.json";
  if (!PathExists(path)) return LinkConditions{};
  auto text = VMI_TRY(ReadFile(path, 4096));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return VMI_TRY_CTX(LinkConditionsFromJson(j), path);
}

Result<void> Instance::SetLinkConditions(const LinkConditions& c) {
  if (spec_.network != NetworkMode::kBridge)
    return Error(ErrorCode::kFailedPrecondition,
                 "instance '" + spec_.name + "' has no network (--network none)");
  if (run_.state == InstanceState::kRunning) {
    PortPolicy policy{slot_.index, host_->network->HostInterface(slot_.index), slot_.ip,
                      Network::GuestMac(slot_.index), spec_.bandwidth_mbit};
    if (auto applied = ApplyLinkConditions(policy, c); !applied.ok()) {
      // Put back what was there, so that a refusal changes nothing.
      if (auto before = LinkConditionsNow(); before.ok()) ApplyLinkConditions(policy, *before).ok();
      return std::move(applied).error().Context("network conditions of '" + spec_.name + "'");
    }
  }
  return WriteFileAtomic(dir_ + "/network.json", ToJson(c).dump() + "\n");
}

}  // namespace vmi::runtime
