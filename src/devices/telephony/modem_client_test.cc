// ModemClient against a scripted service on its control socket: replies
// reach their calls even while an event handler is blocked, events arrive
// in order, and malformed events do not take the client down.
#include "devices/telephony/modem_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <future>
#include <thread>

#include "base/file.h"
#include "base/temp_dir.h"

namespace vmi::telephony {
namespace {

using namespace std::chrono_literals;

// A one-connection stand-in for vmi-modem: sends `events` first, then
// answers every request with {"ok":true,"result":{"op":<op>}}.
class ScriptedService {
 public:
  ScriptedService(const std::string& state_dir, std::vector<std::string> events)
      : events_(std::move(events)) {
    EXPECT_TRUE(MakeDirs(state_dir, 0700).ok());
    listener_ = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = state_dir + "/control.sock";
    std::memcpy(addr.sun_path, path.data(), path.size());
    EXPECT_EQ(bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener_.get(), 1), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedService() {
    shutdown(listener_.get(), SHUT_RDWR);
    if (conn_) shutdown(conn_.get(), SHUT_RDWR);
    thread_.join();
  }

 private:
  void Serve() {
    conn_ = UniqueFd(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn_) return;
    for (const auto& e : events_) (void)!write(conn_.get(), e.data(), e.size());
    std::string in;
    char buf[4096];
    ssize_t n;
    while ((n = read(conn_.get(), buf, sizeof buf)) > 0) {
      in.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = in.find('\n')) != std::string::npos) {
        auto req = nlohmann::json::parse(in.substr(0, nl));
        in.erase(0, nl + 1);
        std::string reply =
            nlohmann::json{{"id", req["id"]}, {"ok", true}, {"result", {{"op", req["op"]}}}}
                .dump() +
            "\n";
        (void)!write(conn_.get(), reply.data(), reply.size());
      }
    }
  }

  std::vector<std::string> events_;
  UniqueFd listener_;
  UniqueFd conn_;
  std::thread thread_;
};

TEST(ModemClient, AReplyReachesItsCallWhileAnEventHandlerIsBlocked) {
  auto dir = TempDir::Create("vmi-modem-client");
  ASSERT_TRUE(dir.ok());
  ScriptedService service(dir->path() + "/state",
                          {R"({"instance":"a","event":{"type":"ring"}})" "\n"});
  std::promise<void> entered;
  std::promise<void> call_done;
  std::shared_future<void> released = call_done.get_future().share();
  bool released_in_time = false;
  auto client = ModemClient::Start(
      {dir->path() + "/state", "/nonexistent/vmi-modem"},
      [&](const std::string& instance, const nlohmann::json&) {
        if (instance != "a") return;
        entered.set_value();
        // The handler waits for a call that another thread makes meanwhile,
        // as the daemon's event publisher waits for an instance lock held
        // by a stop that waits for its modem reply.
        released_in_time = released.wait_for(10s) == std::future_status::ready;
      },
      nullptr);
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
  auto reply = (*client)->Call({{"op", "detach"}, {"instance", "a"}}, 3s);
  ASSERT_TRUE(reply.ok()) << reply.error().ToString();
  EXPECT_EQ((*reply)["op"], "detach");
  call_done.set_value();
  client->reset();  // joins the dispatch thread
  EXPECT_TRUE(released_in_time);
}

TEST(ModemClient, EventsArriveInOrderAndMalformedOnesAreHarmless) {
  auto dir = TempDir::Create("vmi-modem-client");
  ASSERT_TRUE(dir.ok());
  ScriptedService service(dir->path() + "/state",
                          {R"({"instance":"a","event":{"n":1}})" "\n",
                           R"({"instance":5,"event":{"n":2}})" "\n",
                           "not json\n",
                           R"({"instance":"b","event":{"n":3}})" "\n"});
  std::mutex mu;
  std::vector<std::pair<std::string, int>> seen;
  std::promise<void> all;
  auto client = ModemClient::Start(
      {dir->path() + "/state", "/nonexistent/vmi-modem"},
      [&](const std::string& instance, const nlohmann::json& e) {
        std::lock_guard lock(mu);
        seen.emplace_back(instance, e.value("n", 0));
        if (seen.size() == 3) all.set_value();
      },
      nullptr);
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  auto reply = (*client)->Call({{"op", "ping"}}, 3s);
  EXPECT_TRUE(reply.ok());
  client->reset();
  std::vector<std::pair<std::string, int>> want = {{"a", 1}, {"", 2}, {"b", 3}};
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace vmi::telephony

namespace vmi::telephony {
namespace {

// The service the client starts gets the uplink option (vmi serve
// --modem-uplink): with no ModemManager on that bus, it is configured and
// not ready, and the rest of the service works.
TEST(ModemClient, StartsTheServiceWithItsUplink) {
  auto dir = TempDir::Create("vmi-modem-client");
  ASSERT_TRUE(dir.ok());
  std::string bus = "unix:path=" + dir->path() + "/no-bus";
  auto client = ModemClient::Start({dir->path() + "/state", VMI_MODEM_BINARY, bus},
                                   [](const std::string&, const nlohmann::json&) {}, [] {});
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto uplink = (*client)->Call({{"op", "uplink"}});
  ASSERT_TRUE(uplink.ok()) << uplink.error().ToString();
  EXPECT_EQ((*uplink)["configured"], true);
  EXPECT_EQ((*uplink)["ready"], false);
  EXPECT_EQ((*uplink)["modem"]["bus"], bus);
  EXPECT_TRUE((*client)->Call({{"op", "line"}, {"instance", "a"}, {"number", "+15550100001"}}).ok());
  pid_t pid = (*client)->service_pid();
  client->reset();
  if (pid > 0) kill(pid, SIGTERM);  // it would also end once its state directory is gone
}

}  // namespace
}  // namespace vmi::telephony
