// Telephony benchmark: the real vmi-modem process with N instance lines, each
// with a guest port connected to its modem.sock the way vmi-modem-port
// connects (raw AT bytes). Measures, over N/2 caller/callee pairs:
//   - call setup: A writes ATD<B>; until B's port has RING
//   - SMS delivery: A writes the +CMGS PDU until B's port has +CMTI
//     (the message is journalled with fdatasync before either side hears)
//   - the anchor: one AT/OK round trip on an idle port (what any command costs)
//   - vmi-modem's CPU time per call set-up and per SMS
// in two layouts on the same service: vmi-modem serving each modem.sock
// itself (the anchor), and each line's modem in a ModemHost as in the
// instances' device hosts (one more hop: the line socket).
// Prints JSON lines. Usage: telephony_bench VMI_MODEM_BINARY [pairs]
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/file.h"
#include "base/temp_dir.h"
#include "base/unique_fd.h"
#include "devices/telephony/modem_host.h"
#include "devices/telephony/sms_pdu.h"

using namespace vmi;
using Clock = std::chrono::steady_clock;

namespace {

UniqueFd Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  for (int i = 0; i < 200; ++i) {
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    usleep(10000);
  }
  return {};
}

// Reads from fd until `want` appears; returns when it did (or after 5 s).
bool ReadUntil(int fd, const std::string& want, std::string* acc) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (acc->find(want) == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - Clock::now()).count());
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    acc->append(buf, n);
  }
  return true;
}

void Say(int fd, const std::string& s) { (void)!write(fd, s.data(), s.size()); }

nlohmann::json Control(int fd, nlohmann::json req) {
  static int id = 0;
  req["id"] = ++id;
  std::string line = req.dump() + "\n";
  Say(fd, line);
  std::string acc;
  while (true) {
    if (!ReadUntil(fd, "\n", &acc)) return nullptr;
    size_t nl;
    while ((nl = acc.find('\n')) != std::string::npos) {
      auto j = nlohmann::json::parse(acc.substr(0, nl), nullptr, false);
      acc.erase(0, nl + 1);
      if (j.is_object() && j.value("id", 0) == id) return j;
    }
  }
}

double CpuSeconds(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return 0;
  auto fields = Split(stat->substr(stat->rfind(')') + 2), ' ');
  return (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
}

nlohmann::json Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  return {{"n", ms.size()}, {"p50_ms", at(0.5)}, {"p99_ms", at(0.99)}, {"max_ms", ms.back()}};
}

// One layout's run over `pairs` caller/callee pairs of fresh lines
// (`prefix` + index). device_hosts: each line's modem is a ModemHost (its
// own thread and loop, connected to vmi-modem's line socket) as in each
// instance's device host; otherwise vmi-modem serves the endpoints itself
// (attach). Prints two JSON lines.
bool RunLayout(const std::string& dir, const std::string& state, pid_t modem_pid, int ctl,
               int pairs, bool device_hosts) {
  const std::string layout = device_hosts ? "device_host_modems" : "vmi_modem_endpoints";
  const std::string prefix = device_hosts ? "h" : "s";
  std::vector<UniqueFd> ports;
  std::vector<std::string> numbers;
  std::vector<std::unique_ptr<telephony::ModemHost>> hosts;
  for (int i = 0; i < 2 * pairs; ++i) {
    std::string id = prefix + std::to_string(i), dev = dir + "/" + id;
    (void)MakeDirs(dev);
    char num[32];
    snprintf(num, sizeof num, "+1555%s%05d", device_hosts ? "02" : "01", i);
    numbers.push_back(num);
    Control(ctl, {{"op", "line"}, {"instance", id}, {"number", num}});
    if (device_hosts) {
      auto h = telephony::ModemHost::Start(id, dev, state + "/line.sock");
      if (!h.ok()) return false;
      hosts.push_back(std::move(*h));
    } else {
      Control(ctl, {{"op", "attach"}, {"instance", id}, {"devdir", dev}});
    }
    ports.push_back(Connect(dev + "/modem.sock"));
    std::string acc;
    Say(ports.back().get(), "ATE0;+CMEE=1;+CNMI=2,1,0,0,0\r");
    ReadUntil(ports.back().get(), "OK", &acc);
  }
  // A device host's line connects once its guest's port does: wait until
  // every line answers with its registration.
  for (auto& port : ports) {
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      std::string acc;
      Say(port.get(), "AT+CREG?\r");
      up = ReadUntil(port.get(), "OK", &acc) && acc.find("+CREG: 0,1") != std::string::npos;
      if (!up) usleep(10000);
    }
    if (!up) return false;
  }
  // Anchor: AT/OK on an idle port.
  std::vector<double> anchor;
  for (int i = 0; i < 200; ++i) {
    std::string acc;
    auto t0 = Clock::now();
    Say(ports[0].get(), "AT\r");
    ReadUntil(ports[0].get(), "OK", &acc);
    anchor.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  double cpu0 = CpuSeconds(modem_pid);
  std::vector<double> setup;
  for (int p = 0; p < pairs; ++p) {
    int a = ports[2 * p].get(), b = ports[2 * p + 1].get();
    std::string acc_a, acc_b;
    auto t0 = Clock::now();
    Say(a, "ATD" + numbers[2 * p + 1] + ";\r");
    if (!ReadUntil(b, "RING", &acc_b)) return false;
    setup.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ReadUntil(a, "OK", &acc_a);
  }
  double cpu1 = CpuSeconds(modem_pid);
  // All calls up at once: answer them, then hang up.
  for (int p = 0; p < pairs; ++p) {
    std::string acc;
    Say(ports[2 * p + 1].get(), "ATA\r");
    ReadUntil(ports[2 * p + 1].get(), "OK", &acc);
  }
  nlohmann::json listed = Control(ctl, {{"op", "calls"}, {"instance", prefix + "0"}});
  for (int p = 0; p < pairs; ++p) {
    std::string acc;
    Say(ports[2 * p].get(), "ATH\r");
    ReadUntil(ports[2 * p].get(), "OK", &acc);
  }
  double cpu2 = CpuSeconds(modem_pid);
  std::vector<double> sms;
  for (int p = 0; p < pairs; ++p) {
    int a = ports[2 * p].get(), b = ports[2 * p + 1].get();
    telephony::SmsSubmit s{0, numbers[2 * p + 1], false,
                           {telephony::Coding::kUcs2, "Привет, это тест", {}, std::nullopt}};
    auto pdu = telephony::EncodeSubmit(s);
    std::string acc_a, acc_b;
    auto t0 = Clock::now();
    Say(a, "AT+CMGS=" + std::to_string(pdu.size() - 1) + "\r");
    ReadUntil(a, "> ", &acc_a);
    Say(a, telephony::ToHex(pdu) + "\x1a");
    if (!ReadUntil(b, "+CMTI", &acc_b)) return false;
    sms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ReadUntil(a, "OK", &acc_a);
  }
  double cpu3 = CpuSeconds(modem_pid);
  nlohmann::json out = {{"bench", "telephony_call_setup"}, {"layout", layout}, {"pairs", pairs},
                        {"dial_to_ring", Percentiles(setup)}, {"anchor_at_ok", Percentiles(anchor)},
                        {"target_p50_ms", 50},
                        {"vmi_modem_cpu_ms_per_setup", (cpu1 - cpu0) * 1000 / pairs},
                        {"concurrent_calls_active", pairs},
                        {"vmi_modem_cpu_ms_per_call_answer_and_hangup", (cpu2 - cpu1) * 1000 / pairs},
                        {"listed_on_first", listed["result"].size()}};
  printf("%s\n", out.dump().c_str());
  nlohmann::json out2 = {{"bench", "telephony_sms_delivery"}, {"layout", layout}, {"messages", pairs},
                         {"submit_to_cmti", Percentiles(sms)}, {"anchor_at_ok", Percentiles(anchor)},
                         {"target_p99_ms", 20}, {"vmi_modem_cpu_ms_per_sms", (cpu3 - cpu2) * 1000 / pairs},
                         {"includes", "journal write + fdatasync on " + dir}};
  printf("%s\n", out2.dump().c_str());
  fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: telephony_bench VMI_MODEM [pairs]\n");
    return 2;
  }
  int pairs = argc > 2 ? atoi(argv[2]) : 50;
  auto dir = TempDir::Create("vmi-tel-bench", "/var/tmp");
  std::string state = dir->path() + "/state";
  auto modem = ChildProcess::Spawn({argv[1], "--state", state});
  if (!modem.ok()) return 1;
  UniqueFd ctl = Connect(state + "/control.sock");
  // The anchor layout first (vmi-modem serving the ports), then the
  // device hosts' (a modem per line, one more socket hop), same service.
  bool ok = RunLayout(dir->path(), state, modem->pid(), ctl.get(), pairs, false) &&
            RunLayout(dir->path(), state, modem->pid(), ctl.get(), pairs, true);
  (void)modem->Signal(SIGTERM);
  (void)modem->WaitOrKill(std::chrono::seconds(5));
  return ok ? 0 : 1;
}
