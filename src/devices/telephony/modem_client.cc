#include "devices/telephony/modem_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/child_process.h"
#include "base/file.h"
#include "base/log.h"
#include "base/tcp.h"
#include "devices/telephony/modem_service.h"

namespace vmi::telephony {
namespace {

UniqueFd Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (!fd || path.size() >= sizeof(addr.sun_path)) return {};
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

}  // namespace

Result<std::unique_ptr<ModemClient>> ModemClient::Start(ModemClientOptions options,
                                                        EventHandler on_event,
                                                        std::function<void()> on_restart) {
  std::unique_ptr<ModemClient> c(new ModemClient());
  c->options_ = std::move(options);
  c->on_event_ = std::move(on_event);
  c->on_restart_ = std::move(on_restart);
  c->wake_ = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!c->wake_) return Error::FromErrno("eventfd");
  auto first = c->ConnectOrSpawn();
  if (first.ok()) {
    c->fd_ = std::move(*first);
  } else if (c->options_.address.empty()) {
    return std::move(first).error().Context("modem service");
  } else {
    // A cluster's vmi-modem may come up after the control plane: the
    // reader connects (and the owner's on_restart replays) once it does.
    VMI_LOG(WARN) << "modem service at " << c->options_.address << ": "
                  << first.error().ToString() << "; retrying";
  }
  c->reader_ = std::thread([raw = c.get()] { raw->ReadLoop(); });
  c->resync_ = std::thread([raw = c.get()] { raw->ResyncLoop(); });
  c->dispatch_ = std::thread([raw = c.get()] { raw->DispatchLoop(); });
  return c;
}

ModemClient::~ModemClient() {
  stop_ = true;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  cv_.notify_all();
  {
    std::lock_guard lock(events_mu_);
    events_cv_.notify_all();
  }
  if (reader_.joinable()) reader_.join();
  if (resync_.joinable()) resync_.join();
  if (dispatch_.joinable()) dispatch_.join();
}

void ModemClient::QueueEvent(nlohmann::json msg) {
  std::lock_guard lock(events_mu_);
  if (events_.size() >= kMaxQueuedEvents) {
    events_.pop_front();
    if (dropped_events_++ % 1024 == 0)
      VMI_LOG(WARN) << "modem events: the handler falls behind; " << dropped_events_
                    << " dropped so far";
  }
  events_.push_back(std::move(msg));
  events_cv_.notify_one();
}

void ModemClient::DispatchLoop() {
  pthread_setname_np(pthread_self(), "vmi-modem-ev");
  std::unique_lock lock(events_mu_);
  while (true) {
    events_cv_.wait(lock, [&] { return stop_ || !events_.empty(); });
    if (stop_) break;
    nlohmann::json msg = std::move(events_.front());
    events_.pop_front();
    lock.unlock();
    const auto instance = msg.find("instance");
    std::string id = instance != msg.end() && instance->is_string() ? instance->get<std::string>() : "";
    if (on_event_) on_event_(id, msg["event"]);
    lock.lock();
  }
}

void ModemClient::ResyncLoop() {
  pthread_setname_np(pthread_self(), "vmi-modem-sync");
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || resync_pending_; });
    if (stop_) break;
    resync_pending_ = false;
    lock.unlock();
    if (on_restart_) on_restart_();
    lock.lock();
  }
}

Result<UniqueFd> ModemClient::ConnectOrSpawn() {
  if (!options_.address.empty()) {
    // A cluster's vmi-modem, in a Pod of its own: connect and give the
    // control token first (its reply, id 0, matches no call).
    auto hp = VMI_TRY(ParseHostPort(options_.address));
    auto fd = VMI_TRY(ConnectTcpByName(hp.host, hp.port, std::chrono::seconds(2)));
    std::string auth = nlohmann::json{{"id", 0}, {"op", "auth"}, {"token", options_.token}}.dump() + "\n";
    if (send(fd.get(), auth.data(), auth.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(auth.size()))
      return Error::FromErrno("send to the modem service");
    return fd;
  }
  std::string sock = options_.state_dir + "/control.sock";
  if (UniqueFd fd = Connect(sock)) return fd;
  VMI_CHECK_OK(MakeDirs(options_.state_dir, 0700), "state directory");
  UniqueFd log(open((options_.state_dir + "/log").c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  SpawnOptions so;
  so.stdout_fd = log.get();
  so.stderr_fd = log.get();
  // The service outlives the daemon, so it must not be the daemon's child:
  // setsid --fork starts it in its own session under init and exits.
  // Not Run(): its output pipes would be inherited by the service and never
  // reach end of file. The service writes to its log instead.
  std::vector<std::string> argv = {"setsid", "--fork", options_.binary, "--state", options_.state_dir};
  if (!options_.uplink.empty()) argv.insert(argv.end(), {"--uplink", options_.uplink});
  auto setsid = VMI_TRY_CTX(
      ChildProcess::Spawn(argv, so),
      "start " + options_.binary);
  int status = VMI_TRY_CTX(setsid.WaitOrKill(std::chrono::seconds(10)), "start " + options_.binary);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error(ErrorCode::kUnavailable,
                 "setsid " + options_.binary + " " + DescribeWaitStatus(status));
  for (int i = 0; i < 200; ++i) {
    if (UniqueFd fd = Connect(sock)) {
      VMI_LOG(INFO) << "modem service started from " << options_.binary;
      return fd;
    }
    usleep(25000);
  }
  return Error(ErrorCode::kUnavailable, "vmi-modem did not open " + sock + " within 5 s (see " +
                                            options_.state_dir + "/log)");
}

pid_t ModemClient::service_pid() {
  auto r = Call({{"op", "ping"}});
  return r.ok() ? r->value("pid", 0) : 0;
}

Result<nlohmann::json> ModemClient::Call(nlohmann::json request,
                                         std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  uint64_t id = next_id_++;
  request["id"] = id;
  std::string line = request.dump() + "\n";
  replies_[id] = std::nullopt;
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = send(fd_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      replies_.erase(id);
      return Error(ErrorCode::kUnavailable, "modem service connection lost");
    }
    off += static_cast<size_t>(n);
  }
  bool got = cv_.wait_for(lock, timeout, [&] { return replies_[id].has_value() || stop_; });
  auto reply = std::move(replies_[id]);
  replies_.erase(id);
  if (!got || !reply) return Error(ErrorCode::kDeadlineExceeded, "modem service did not answer");
  if (reply->value("ok", false)) return (*reply)["result"];
  return Error(ControlCodeFromName(reply->value("code", "")), reply->value("error", "modem error"));
}

void ModemClient::ReadLoop() {
  pthread_setname_np(pthread_self(), "vmi-modem-io");
  std::string in;
  char buf[8192];
  while (!stop_) {
    int fd;
    {
      std::lock_guard lock(mu_);
      fd = fd_.get();
    }
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (fd >= 0) {
      if (poll(p, 2, 1000) < 0 && errno != EINTR) break;
      if (stop_) break;
      if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    }
    // No connection yet (a cluster's vmi-modem that was not up): connect.
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : 0;
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = in.find('\n')) != std::string::npos) {
        auto msg = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
        in.erase(0, nl + 1);
        if (!msg.is_object()) continue;
        if (msg.contains("event")) {
          QueueEvent(std::move(msg));
          continue;
        }
        std::lock_guard lock(mu_);
        auto it = replies_.find(msg.value("id", uint64_t{0}));
        if (it != replies_.end()) it->second = std::move(msg);
        cv_.notify_all();
      }
      continue;
    }
    // The service is gone: fail the waiting calls, then bring it back.
    if (fd >= 0) VMI_LOG(WARN) << "modem service connection lost; restarting it";
    in.clear();
    {
      std::lock_guard lock(mu_);
      for (auto& [id, r] : replies_)
        if (!r) r = nlohmann::json{{"ok", false}, {"code", "unavailable"}, {"error", "modem service restarted"}};
      cv_.notify_all();
      fd_.reset();
    }
    while (!stop_) {
      auto fresh = ConnectOrSpawn();
      if (fresh.ok()) {
        std::lock_guard lock(mu_);
        fd_ = std::move(*fresh);
        break;
      }
      VMI_LOG(WARN) << fresh.error().ToString();
      // One second, or less if the client is being destroyed.
      pollfd w{wake_.get(), POLLIN, 0};
      poll(&w, 1, 1000);
    }
    {
      std::lock_guard lock(mu_);
      resync_pending_ = true;
    }
    cv_.notify_all();
  }
}

}  // namespace vmi::telephony
