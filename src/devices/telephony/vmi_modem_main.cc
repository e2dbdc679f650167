// vmi-modem: the node's telephony service (see modem_service.h).
//
//   vmi-modem --state DIR [--uplink BUS] [--listen HOST:PORT --line-listen HOST:PORT]
//
// --listen / --line-listen: the TCP ports of a cluster's vmi-modem
// (docs/kubernetes.md, "Telephony"): the control port asks for the token in
// $VMI_MODEM_TOKEN, the line port for each line's own token.
// --uplink: share the host modem that ModemManager serves on BUS ("system",
// or a D-Bus address) among the instances (docs/telephony.md, "Uplink").
// Runs until SIGTERM/SIGINT. The daemon starts it in its own session so it
// outlives a daemon restart; accepted SMS are journalled in DIR.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "base/log.h"
#include "devices/telephony/modem_service.h"

static const char kUsage[] =
    "usage: vmi-modem --state DIR [--uplink BUS] [--listen HOST:PORT --line-listen HOST:PORT]\n"
    "  (--listen needs the control token in $VMI_MODEM_TOKEN)\n";

int main(int argc, char** argv) {
  std::string state, uplink, listen, line_listen;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
      state = argv[++i];
    } else if (std::strcmp(argv[i], "--uplink") == 0 && i + 1 < argc) {
      uplink = argv[++i];
    } else if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else if (std::strcmp(argv[i], "--line-listen") == 0 && i + 1 < argc) {
      line_listen = argv[++i];
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (state.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  vmi::UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));

  std::string token;
  if (const char* t = getenv("VMI_MODEM_TOKEN")) token = t;
  unsetenv("VMI_MODEM_TOKEN");
  auto service = vmi::telephony::ModemService::Create({.state_dir = state,
                                                       .uplink_bus = uplink,
                                                       .control_listen = listen,
                                                       .line_listen = line_listen,
                                                       .control_token = token});
  if (!service.ok()) {
    VMI_LOG(ERROR) << "vmi-modem: " << service.error().ToString();
    return 1;
  }
  auto& loop = (*service)->loop();
  (void)loop.AddFd(sfd.get(), EPOLLIN, [&loop](uint32_t) { loop.Stop(); });
  VMI_LOG(INFO) << "vmi-modem: serving in " << state;
  if (!listen.empty())
    VMI_LOG(INFO) << "vmi-modem: control port " << (*service)->control_port() << ", line port "
                  << (*service)->line_port();
  auto ran = loop.Run();
  loop.RemoveFd(sfd.get());
  if (!ran.ok()) {
    VMI_LOG(ERROR) << "vmi-modem: " << ran.error().ToString();
    return 1;
  }
  return 0;
}
