#include "node/live/device_hosts.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/backoff.h"
#include "base/child_process.h"
#include "base/event_loop.h"
#include "base/file.h"
#include "base/log.h"
#include "base/pidfd.h"
#include "devices/host/control_client.h"
#include "node/live/devhost_cgroup.h"
#include "node/live/devhost_mixer.h"

namespace vmi::node::live {
namespace {

constexpr auto kStopGrace = std::chrono::seconds(3);
// Restart delays: 100 ms doubling to 5 s; a device host that ran for 10 s
// was healthy and starts the sequence again.
constexpr BackoffSpec kRestartBackoff{std::chrono::milliseconds(100), std::chrono::seconds(5),
                                      std::chrono::seconds(10)};
constexpr auto kReadyWait = std::chrono::seconds(3);

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signaled " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

struct DeviceHosts::Core {
  InstanceManager* manager = nullptr;
  DeviceHostOptions options;
  std::unique_ptr<EventLoop> loop;
  std::thread thread;

  // One device host. Touched on the loop thread only, except `pid` and
  // `restarts`, which readers take under `mu`.
  struct Host {
    InstanceRecord record;
    std::optional<ChildProcess> child;  // started by this daemon
    UniqueFd pidfd;                     // adopted, or the child's (borrowed)
    pid_t pid = 0;
    int restarts = 0;
    Backoff backoff{kRestartBackoff};
    std::chrono::steady_clock::time_point started;
    EventLoop::TimerId restart_timer = 0;
    UniqueFd log;
  };
  std::shared_ptr<MixSource> mixer;  // null without sound
  mutable std::mutex mu;  // guards `hosts` membership, pid, restarts and `settings`
  std::map<std::string, std::unique_ptr<Host>> hosts;
  std::map<std::string, audio::AudioSettings> settings;
  std::map<std::string, std::string> calls;  // in-call audio, both directions; guarded by mu
  // Viewers' leases by fd, with what each holds (HoldWhileOpen); loop only.
  std::map<int, std::pair<UniqueFd, std::shared_ptr<void>>> leases;
  bool closing = false;  // guarded by mu
  // Serialises state notifications with the destructor, so that no
  // notification hands work to a loop that has stopped.
  std::mutex state_mu;

  std::string InstanceDir(const std::string& id) const {
    std::string dev = manager->DeviceDir(id);
    return dev.substr(0, dev.rfind('/'));
  }
  std::string SocketPath(const std::string& id) const { return InstanceDir(id) + "/devhost.sock"; }

  // One request to a running instance's device host (DeviceHosts::Call).
  Result<devhost::Message> Call(const std::string& id, const devhost::Message& request,
                                std::chrono::milliseconds timeout, bool wait_ready) {
    auto deadline = std::chrono::steady_clock::now() + kReadyWait;
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (!hosts.count(id))
          return Error(ErrorCode::kFailedPrecondition, "instance " + id + " is not running");
      }
      auto r = devhost::Call(SocketPath(id), request, timeout);
      // Not listening (yet, or again): a device host being (re)started.
      bool starting = !r.ok() && r.error().code() == ErrorCode::kUnavailable &&
                      (r.error().err_no() == ENOENT || r.error().err_no() == ECONNREFUSED);
      if (!starting || !wait_ready || std::chrono::steady_clock::now() > deadline) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Gives the two device hosts the ends of a new socket pair. If the second
  // refuses, the first one's link sees its far end close and drops it.
  Result<void> Link(const std::string& a, const std::string& b, bool wait_ready) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
      return Error::FromErrno("call socket pair");
    devhost::Message ra = devhost::Request("call", {{"peer", b}});
    ra.fd = UniqueFd(sv[0]);
    devhost::Message rb = devhost::Request("call", {{"peer", a}});
    rb.fd = UniqueFd(sv[1]);
    auto timeout = std::chrono::milliseconds(wait_ready ? 3000 : 500);
    VMI_TRY_CTX(Call(a, ra, timeout, wait_ready), "link " + a + "'s call audio");
    VMI_TRY_CTX(Call(b, rb, timeout, wait_ready), "link " + b + "'s call audio");
    return Ok();
  }

  // After `id`'s device host was started again: links it to its call peer
  // again once it listens. Runs on the loop; retried every 50 ms (each try
  // a non-waiting call) for as long as the call lasts and both run, up to
  // kReadyWait.
  void Relink(const std::string& id, int tries = 0) {
    std::string peer;
    {
      std::lock_guard lock(mu);
      auto it = calls.find(id);
      if (it == calls.end() || !hosts.count(id) || !hosts.count(it->second)) return;
      peer = it->second;
    }
    auto r = Link(id, peer, /*wait_ready=*/false);
    if (r.ok()) {
      VMI_ILOG(INFO, id) << "call audio with " << peer << " linked again";
      return;
    }
    if (tries * 50 >= std::chrono::duration_cast<std::chrono::milliseconds>(kReadyWait).count()) {
      VMI_ILOG(WARN, id) << "call audio with " << peer << " not linked again: "
                         << r.error().ToString();
      return;
    }
    auto t = loop->AddTimer(std::chrono::milliseconds(50),
                            [this, id, tries] { Relink(id, tries + 1); });
    if (!t.ok()) VMI_ILOG(WARN, id) << "call audio relink: " << t.error().ToString();
  }

  // Runs fn on the loop thread and waits for it.
  void OnLoop(const std::function<void()>& fn) {
    if (std::this_thread::get_id() == thread.get_id()) return fn();
    std::promise<void> done;
    loop->Post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void OnState(const InstanceRecord& r) {
    std::lock_guard state(state_mu);
    {
      std::lock_guard lock(mu);
      if (closing) return;
    }
    OnLoop([&] {
      bool have = hosts.count(r.spec.id) != 0;
      if (r.state == InstanceState::kRunning && !have) Ensure(r);
      if (r.state != InstanceState::kRunning && have) StopHost(r.spec.id);
    });
  }

  // Adopts the instance's device host if one still runs, else starts one.
  void Ensure(const InstanceRecord& r) {
    auto h = std::make_unique<Host>();
    h->record = r;
    const std::string& id = r.spec.id;
    if (auto text = ReadFile(InstanceDir(id) + "/devhost.pid", 128); text.ok()) {
      auto f = Split(Trim(*text), ' ');
      pid_t pid = f.size() == 2 ? static_cast<pid_t>(std::strtol(f[0].c_str(), nullptr, 10)) : 0;
      uint64_t ticks = f.size() == 2 ? std::strtoull(f[1].c_str(), nullptr, 10) : 0;
      auto fd = pid > 0 ? OpenPidfd(pid) : Result<UniqueFd>(UniqueFd());
      if (fd.ok() && *fd && ticks != 0 && ProcessStartTicks(pid) == ticks) {
        h->pidfd = std::move(*fd);
        h->pid = pid;
        h->started = std::chrono::steady_clock::now();
        VMI_ILOG(INFO, id) << "adopted device host " << pid;
      }
    }
    Host* raw = h.get();
    {
      std::lock_guard lock(mu);
      hosts[id] = std::move(h);
    }
    if (raw->pid) {
      Watch(*raw);
    } else {
      Spawn(*raw);
      if (raw->pid) Relink(id);  // a call that was up when the instance stopped
    }
  }

  void Spawn(Host& h) {
    const std::string& id = h.record.spec.id;
    const std::string dir = InstanceDir(id);
    audio::AudioSettings s;
    {
      std::lock_guard lock(mu);
      auto it = settings.find(id);
      if (it != settings.end()) s = it->second;
    }
    h.log = UniqueFd(open((dir + "/devhost.log").c_str(),
                          O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    SpawnOptions so;
    so.new_session = true;  // survives the daemon and its terminal
    so.stdout_fd = h.log ? h.log.get() : -1;
    so.stderr_fd = so.stdout_fd;
    so.env = {"VMI_VNC_PASSWORD=" + h.record.vnc_password};
    std::vector<std::string> argv = {options.devhost_path,
                                     "--id", id,
                                     "--name", h.record.spec.name,
                                     "--devdir", manager->DeviceDir(id),
                                     "--socket", SocketPath(id),
                                     "--width", std::to_string(h.record.spec.width),
                                     "--height", std::to_string(h.record.spec.height),
                                     "--dpi", std::to_string(h.record.spec.dpi),
                                     "--volume", std::to_string(s.volume),
                                     "--muted", s.muted ? "1" : "0",
                                     "--audio", options.audio ? "1" : "0"};
    if (!options.modem_line.empty()) argv.insert(argv.end(), {"--modem-line", options.modem_line});
    auto child = ChildProcess::Spawn(argv, so);
    if (!child.ok()) {
      VMI_ILOG(ERROR, id) << "start device host: " << child.error().ToString();
      ScheduleRestart(h, h.backoff.OnFailure());
      return;
    }
    pid_t pid = child->pid();
    auto joined = JoinDeviceHostCgroup(manager->host().cgroup_mode, id, pid,
                                       DeviceHostLimitsFor(h.record.spec));
    if (!joined.ok()) VMI_ILOG(WARN, id) << "device host cgroup: " << joined.error().ToString();
    auto ticks = ProcessStartTicks(pid);
    auto written = WriteFileAtomic(dir + "/devhost.pid",
                                   std::to_string(pid) + " " + std::to_string(ticks) + "\n", 0600);
    if (!written.ok()) VMI_ILOG(WARN, id) << "devhost.pid: " << written.error().ToString();
    {
      std::lock_guard lock(mu);
      h.pid = pid;
    }
    h.child = std::move(*child);
    h.started = std::chrono::steady_clock::now();
    Watch(h);
  }

  void Watch(Host& h) {
    int fd = h.child ? h.child->pidfd() : h.pidfd.get();
    std::string id = h.record.spec.id;
    auto ok = loop->AddFd(fd, EPOLLIN, [this, id](uint32_t) { OnExit(id); });
    if (!ok.ok()) VMI_ILOG(ERROR, id) << "watch device host: " << ok.error().ToString();
  }

  // The device host died while its instance runs.
  void OnExit(const std::string& id) {
    auto it = hosts.find(id);
    if (it == hosts.end()) return;
    Host& h = *it->second;
    std::string status = "exited";
    if (h.child) {
      loop->RemoveFd(h.child->pidfd());
      auto st = h.child->Wait();
      if (st.ok()) status = DescribeStatus(*st);
      h.child.reset();
    } else {
      loop->RemoveFd(h.pidfd.get());
      h.pidfd.reset();
    }
    pid_t pid = h.pid;
    {
      std::lock_guard lock(mu);
      h.pid = 0;
    }
    VMI_ILOG(WARN, id) << "device host " << pid << " " << status << "; restarting it";
    if (options.on_event)
      options.on_event(h.record, {{"event", "exited"}, {"pid", pid}, {"status", status}});
    ScheduleRestart(h, h.backoff.OnExit(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - h.started)));
  }

  void ScheduleRestart(Host& h, std::chrono::milliseconds delay) {
    std::string id = h.record.spec.id;
    auto t = loop->AddTimer(delay, [this, id] {
      auto it = hosts.find(id);
      if (it == hosts.end()) return;
      Host& host = *it->second;
      host.restart_timer = 0;
      Spawn(host);
      if (!host.pid) return;
      {
        std::lock_guard lock(mu);
        ++host.restarts;
      }
      if (options.on_event)
        options.on_event(host.record,
                         {{"event", "restarted"}, {"pid", host.pid}, {"restarts", host.restarts}});
      Relink(id);
    });
    if (t.ok()) h.restart_timer = *t;
  }

  // Stops the device host of an instance that no longer runs.
  void StopHost(const std::string& id) {
    std::unique_ptr<Host> h;
    {
      std::lock_guard lock(mu);
      auto it = hosts.find(id);
      if (it == hosts.end()) return;
      h = std::move(it->second);
      hosts.erase(it);
    }
    if (h->restart_timer) loop->CancelTimer(h->restart_timer);
    int fd = h->child ? h->child->pidfd() : h->pidfd.get();
    if (h->pid && fd >= 0) {
      loop->RemoveFd(fd);
      SignalPidfd(fd, SIGTERM).ok();
      if (!WaitPidfdExit(fd, kStopGrace)) {
        VMI_ILOG(WARN, id) << "device host " << h->pid << " ignored SIGTERM; killing it";
        SignalPidfd(fd, SIGKILL).ok();
        WaitPidfdExit(fd, kStopGrace);
      }
      if (h->child) h->child->Wait().ok();
    }
    unlink((InstanceDir(id) + "/devhost.pid").c_str());
    unlink(SocketPath(id).c_str());
    RemoveDeviceHostCgroup(manager->host().cgroup_mode, id);
  }
};

Result<std::unique_ptr<DeviceHosts>> DeviceHosts::Create(InstanceManager& manager,
                                                         DeviceHostOptions options) {
  if (access(options.devhost_path.c_str(), X_OK) != 0)
    return Error::FromErrno("device host binary " + options.devhost_path);
  auto core = std::make_shared<Core>();
  core->manager = &manager;
  core->options = std::move(options);
  core->loop = VMI_TRY(EventLoop::Create());
  if (core->options.audio) {
    std::weak_ptr<Core> weak_core = core;  // the routes may hold the mixer longer
    auto mixer = DeviceHostMixer::Create([weak_core](const std::string& id) {
      auto c = weak_core.lock();
      return c ? c->SocketPath(id) : std::string();
    });
    if (mixer.ok()) {
      core->mixer = std::move(*mixer);
    } else {
      VMI_LOG(WARN) << "no mix of several instances: " << mixer.error().ToString();
    }
  }
  core->thread = std::thread([c = core.get()] {
    pthread_setname_np(pthread_self(), "vmi-devhosts");
    auto r = c->loop->Run();
    if (!r.ok()) VMI_LOG(ERROR) << "device hosts loop: " << r.error().ToString();
  });
  std::weak_ptr<Core> weak = core;
  manager.Subscribe([weak](const InstanceRecord& r) {
    if (auto c = weak.lock()) c->OnState(r);
  });
  // Instances found running by Reconcile: adopt or start their device hosts.
  for (const auto& r : manager.List()) core->OnState(r);
  return std::unique_ptr<DeviceHosts>(new DeviceHosts(std::move(core)));
}

DeviceHosts::DeviceHosts(std::shared_ptr<Core> core) : core_(std::move(core)) {}

DeviceHosts::~DeviceHosts() {
  std::unique_lock state(core_->state_mu);
  {
    std::lock_guard lock(core_->mu);
    core_->closing = true;
  }
  // The device hosts keep running: the children are let go (their session
  // is their own), and the next daemon adopts them by devhost.pid.
  core_->OnLoop([&] {
    for (auto& [id, h] : core_->hosts) {
      if (h->restart_timer) core_->loop->CancelTimer(h->restart_timer);
      int fd = h->child ? h->child->pidfd() : h->pidfd.get();
      if (fd >= 0) core_->loop->RemoveFd(fd);
      if (h->child) h->child->Detach();
    }
    for (auto& [fd, lease] : core_->leases) core_->loop->RemoveFd(fd);
    core_->leases.clear();
    std::lock_guard lock(core_->mu);
    core_->hosts.clear();
  });
  state.unlock();
  core_->loop->Stop();
  core_->thread.join();
}

Result<InstanceRecord> DeviceHosts::Find(const std::string& key) const {
  // List() takes a snapshot without waiting for running operations.
  for (auto& r : core_->manager->List())
    if (r.spec.id == key || r.spec.name == key) return std::move(r);
  return core_->manager->Get(key);  // an id prefix
}

Result<devhost::Message> DeviceHosts::Call(const std::string& id, const devhost::Message& request,
                                           std::chrono::milliseconds timeout,
                                           bool wait_ready) {
  return core_->Call(id, request, timeout, wait_ready);
}

Result<void> DeviceHosts::LinkCall(const std::string& a, const std::string& b) {
  if (a == b) return Error(ErrorCode::kInvalidArgument, "a call with oneself");
  {
    std::lock_guard lock(core_->mu);
    // Both sides report the call active: the second report finds it linked
    // (a device host restarted since is linked again by Relink).
    if (auto it = core_->calls.find(a); it != core_->calls.end() && it->second == b) return Ok();
    for (const auto& id : {a, b}) {
      auto it = core_->calls.find(id);
      if (it == core_->calls.end()) continue;
      core_->calls.erase(it->second);
      core_->calls.erase(it);
    }
    core_->calls[a] = b;
    core_->calls[b] = a;
  }
  return core_->Link(a, b, /*wait_ready=*/true);
}

void DeviceHosts::EndCall(const std::string& id) {
  std::string peer;
  {
    std::lock_guard lock(core_->mu);
    auto it = core_->calls.find(id);
    if (it == core_->calls.end()) return;
    peer = it->second;
    core_->calls.erase(peer);
    core_->calls.erase(it);
  }
  // Each side is told (either may be down); a side that is not running has
  // no link to end.
  for (const auto& side : {id, peer}) {
    auto r = core_->Call(side, devhost::Request("call_end"), std::chrono::seconds(2), false);
    if (!r.ok() && r.error().code() != ErrorCode::kFailedPrecondition)
      VMI_ILOG(WARN, side) << "end call audio: " << r.error().ToString();
  }
}

std::string DeviceHosts::call_peer(const std::string& id) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->calls.find(id);
  return it == core_->calls.end() ? std::string() : it->second;
}

void DeviceHosts::HoldWhileOpen(UniqueFd lease, std::shared_ptr<void> hold) {
  {
    std::lock_guard lock(core_->mu);
    if (core_->closing) return;  // dropped, as on destruction
  }
  auto entry = std::make_shared<std::pair<UniqueFd, std::shared_ptr<void>>>(std::move(lease),
                                                                           std::move(hold));
  Core* core = core_.get();
  core_->loop->Post([core, entry] {
    int fd = entry->first.get();
    // The device host never writes on a lease: readable means hung up.
    auto ok = core->loop->AddFd(fd, EPOLLIN | EPOLLRDHUP, [core, fd](uint32_t) {
      core->loop->RemoveFd(fd);
      core->leases.erase(fd);
    });
    if (!ok.ok()) {
      VMI_LOG(WARN) << "viewer lease: " << ok.error().ToString();
      return;  // released at once
    }
    core->leases.emplace(fd, std::move(*entry));
  });
}

audio::AudioSettings DeviceHosts::settings(const std::string& id) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->settings.find(id);
  return it == core_->settings.end() ? audio::AudioSettings{} : it->second;
}

Result<void> DeviceHosts::SetSettings(const std::string& id, audio::AudioSettings s) {
  bool running;
  {
    std::lock_guard lock(core_->mu);
    core_->settings[id] = s;
    running = core_->hosts.count(id) != 0;
  }
  if (!running || !core_->options.audio) return Ok();
  auto r = Call(id, devhost::Request("audio", {{"volume", s.volume}, {"muted", s.muted}}));
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

std::vector<std::string> DeviceHosts::Running() const {
  std::lock_guard lock(core_->mu);
  std::vector<std::string> out;
  for (const auto& [id, h] : core_->hosts) out.push_back(id);
  return out;
}

pid_t DeviceHosts::pid(const std::string& id) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->hosts.find(id);
  return it == core_->hosts.end() ? 0 : it->second->pid;
}

int DeviceHosts::restarts(const std::string& id) const {
  std::lock_guard lock(core_->mu);
  auto it = core_->hosts.find(id);
  return it == core_->hosts.end() ? 0 : it->second->restarts;
}

std::string DeviceHosts::SocketPath(const std::string& id) const { return core_->SocketPath(id); }

std::shared_ptr<MixSource> DeviceHosts::mixer() const { return core_->mixer; }

}  // namespace vmi::node::live
