#include "guest/exec/exec_agent.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <thread>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "devices/host/control_client.h"

namespace vmi::guest {
namespace {

using nlohmann::json;

TEST(ExecAgentTest, ParsesAndRefusesRequests) {
  auto ok = ParseExecRequest({{"op", "exec"}, {"argv", {"ls", "/"}}, {"timeout_ms", 5}, {"max_output", 7}});
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->argv, (std::vector<std::string>{"ls", "/"}));
  EXPECT_EQ(ok->timeout.count(), 5);
  EXPECT_EQ(ok->max_output, 7u);
  for (const json& bad : {json{{"op", "exec"}}, json{{"argv", json::array()}},
                          json{{"argv", {1}}}, json{{"argv", {"a"}}, {"timeout_ms", 0}},
                          json{{"argv", {"a"}}, {"max_output", -1}},
                          json{{"argv", {"a"}}, {"cwd", "/"}},
                          json{{"argv", {std::string("a\0b", 3)}}}}) {
    auto r = ParseExecRequest(bad);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

// The agent as vmi-init starts it: its socket, one request per connection,
// commands side by side.
TEST(ExecAgentTest, RunsCommandsOverItsSocket) {
  auto dir = TempDir::Create("vmi-exec-agent");
  ASSERT_TRUE(dir.ok());
  std::string sock = dir->path() + "/exec.sock";
  auto agent = ChildProcess::Spawn({VMI_EXEC_AGENT, "--socket", sock}, {.parent_death_signal = SIGKILL});
  ASSERT_TRUE(agent.ok());
  for (int i = 0; i < 200 && !PathExists(sock); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto hello = devhost::Call(sock, devhost::Request("hello"));
  ASSERT_TRUE(hello.ok()) << hello.error().ToString();
  EXPECT_EQ(hello->header["pid"], agent->pid());

  // A waiting command does not hold up the next one: the first waits for a
  // file that only the second makes (served one after the other, the first
  // would time out and the second never run).
  std::string flag = dir->path() + "/flag";
  std::thread slow([&] {
    auto r = devhost::Call(
        sock,
        devhost::Request("exec", {{"argv", {"sh", "-c", "touch \"$0.started\"; while [ ! -e \"$0\" ]; do sleep 0.02; done", flag}},
                                  {"timeout_ms", 20000}}),
        std::chrono::seconds(30));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->header["status"], 0);
  });
  for (int i = 0; i < 1000 && !PathExists(flag + ".started"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(PathExists(flag + ".started"));
  auto r = devhost::Call(
      sock, devhost::Request("exec", {{"argv", {"sh", "-c", "echo out; echo err >&2; touch \"$0\"; exit 3", flag}}}));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  int st = r->header["status"];
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << st;
  EXPECT_EQ(r->header["stdout_bytes"], 4);
  EXPECT_EQ(r->data, "out\nerr\n");
  slow.join();

  // Output past max_output is cut and said so; a timeout kills.
  r = devhost::Call(sock, devhost::Request("exec", {{"argv", {"sh", "-c", "head -c 5000 /dev/zero"}},
                                                    {"max_output", 100}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header["stdout_bytes"], 100);
  EXPECT_EQ(r->header["stdout_truncated"], true);
  r = devhost::Call(sock, devhost::Request("exec", {{"argv", {"sleep", "30"}}, {"timeout_ms", 100}}),
                    std::chrono::seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded) << r.error().ToString();
  // Bad requests: an error, and the agent still serves.
  auto bad = devhost::Call(sock, devhost::Request("exec", {{"argv", "ls"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  bad = devhost::Call(sock, devhost::Request("reboot"));
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(devhost::Call(sock, devhost::Request("hello")).ok());
}

}  // namespace
}  // namespace vmi::guest
